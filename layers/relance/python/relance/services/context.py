"""Who is reading, and how: the caller's display settings and working scope together."""

from __future__ import annotations

from dataclasses import dataclass

from relance.auth.identity import Identity
from relance.domain.display import DisplaySettings
from relance.domain.portfolios import Portfolio, working_scope
from relance.store.caller import CallerStore


@dataclass(frozen=True)
class CallerContext:
    settings: DisplaySettings
    scope: Portfolio | None  # a collector's own portfolio; None: the whole tenant


class ContextService:
    def __init__(self, store: CallerStore) -> None:
        self.store = store

    def load(self, who: Identity) -> CallerContext:
        """One BatchGetItem: the settings, and the portfolio when it could limit the reads."""
        settings, portfolio = self.store.load(
            who.tenant, who.user_id, with_portfolio=who.role == "user"
        )
        return CallerContext(settings or DisplaySettings(), working_scope(who.role, portfolio))
