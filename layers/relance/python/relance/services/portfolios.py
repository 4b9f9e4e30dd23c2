"""Portfolios: admins assign customers to collectors; a collector's reads are scoped."""

from __future__ import annotations

from relance.auth.identity import Identity
from relance.domain.portfolios import Portfolio, PortfolioBody, working_scope
from relance.services.errors import Conflict, Forbidden, NotFound
from relance.store.dynamo import ConflictError
from relance.store.portfolios import PortfolioStore
from relance.store.users import UserStore


class PortfolioService:
    def __init__(self, portfolios: PortfolioStore, users: UserStore) -> None:
        self.portfolios = portfolios
        self.users = users

    def _existing_user(self, tenant: str, user_id: str) -> None:
        if self.users.get(tenant, user_id) is None:
            raise NotFound(
                "unknown_user",
                f"No user {user_id} in this workspace.",
                f"Aucun utilisateur {user_id} dans cet espace.",
            )

    def get(self, who: Identity, user_id: str) -> Portfolio:
        self._existing_user(who.tenant, user_id)
        if who.role != "admin" and who.user_id != user_id:
            raise Forbidden(
                "not_your_portfolio",
                "Only an administrator can see another user's portfolio.",
                "Seul un administrateur peut voir le portefeuille d'un autre utilisateur.",
            )
        return self.portfolios.get(who.tenant, user_id) or Portfolio(user_id=user_id)

    def put(self, who: Identity, user_id: str, body: PortfolioBody) -> Portfolio:
        who.require("admin")
        self._existing_user(who.tenant, user_id)
        portfolio = Portfolio(
            user_id=user_id,
            rules=list(dict.fromkeys(body.rules)),
            customers=list(dict.fromkeys(body.customers)),
            version=body.version + 1,
        )
        try:
            self.portfolios.put(who.tenant, portfolio, body.version)
        except ConflictError:
            current = self.portfolios.get(who.tenant, user_id)
            raise Conflict(
                "stale_version",
                "The portfolio changed since you read it: reload and try again.",
                "Le portefeuille a changé depuis votre lecture : rechargez puis recommencez.",
                current_version=current.version if current else 0,
            ) from None
        return portfolio

    def scope(self, who: Identity) -> Portfolio | None:
        """The customers a caller may work on: a user's own portfolio, if it has one.

        Admins and read-only users see the whole tenant (the CFO reads everything)."""
        if who.role != "user":
            return None
        return working_scope(who.role, self.portfolios.get(who.tenant, who.user_id))

    def of_collector(self, who: Identity, user_id: str) -> Portfolio:
        """A collector's portfolio, for the "by collector" filter of lists (K4)."""
        self._existing_user(who.tenant, user_id)
        return self.portfolios.get(who.tenant, user_id) or Portfolio(user_id=user_id)
