"""Who is reading, and how: the caller's display settings and working scope together."""

from __future__ import annotations

from dataclasses import dataclass

from relance.auth.identity import Identity
from relance.domain.cash_objectives import CashObjectives
from relance.domain.display import DisplaySettings
from relance.domain.portfolios import Portfolio, working_scope
from relance.store.caller import CallerStore


@dataclass(frozen=True)
class CallerContext:
    settings: DisplaySettings
    scope: Portfolio | None  # a collector's own portfolio; None: the whole tenant
    cash_objectives: CashObjectives | None = None  # when asked for (the dashboard)


class ContextService:
    def __init__(self, store: CallerStore) -> None:
        self.store = store

    def load(self, who: Identity, *, with_cash_objectives: bool = False) -> CallerContext:
        """One BatchGetItem: the settings, and the portfolio when it could limit the reads
        (and the tenant's cash objectives when asked: the dashboard compares with them)."""
        from relance.store import cash_objectives

        also = [cash_objectives.key(who.tenant)] if with_cash_objectives else []
        settings, portfolio, extra = self.store.load_with(
            who.tenant, who.user_id, with_portfolio=who.role == "user", also=also
        )
        return CallerContext(
            settings or DisplaySettings(),
            working_scope(who.role, portfolio),
            cash_objectives.from_stored(extra[0]) if with_cash_objectives else None,
        )
