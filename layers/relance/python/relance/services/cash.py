"""Cash objectives and cash collected (V6): the settings route's use cases, and what a
sync's finish records of the payments it found."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from relance.auth.identity import Identity
from relance.domain.cash_objectives import CashObjectives, CashObjectivesBody
from relance.domain.payments.collected import collected_by_customer, window_start
from relance.domain.records import LedgerLine
from relance.services.errors import Conflict
from relance.store.cash_collected import CashCollectedStore
from relance.store.cash_objectives import CashObjectiveStore
from relance.store.dynamo import ConflictError, SyncStore

SALES_JOURNAL = 1  # Sage JO_Type: its credit lines are credit notes, not cash


def record_collected(
    store: SyncStore, tenant: str, company: str, settled: Sequence[LedgerLine], as_of: date
) -> None:
    """Write the company's cash collected per customer and day (since the first of the
    previous month), from the settled lines a sync's finish has read."""
    sales = {j.code for j in store.records(tenant, company, "journal") if j.type == SALES_JOURNAL}
    since = window_start(as_of)
    found = collected_by_customer(settled, since, sales_journals=sales)
    CashCollectedStore(store.table, store.client).put(tenant, company, since, found)


class CashObjectiveService:
    def __init__(self, store: CashObjectiveStore) -> None:
        self.store = store

    def get(self, tenant: str) -> CashObjectives:
        return self.store.get(tenant)

    def put(self, who: Identity, body: CashObjectivesBody) -> CashObjectives:
        who.require("admin")
        saved = CashObjectives(objectives=body.objectives)
        try:
            return self.store.put(who.tenant, saved, body.version)
        except ConflictError:
            current = self.store.get(who.tenant).version
            raise Conflict(
                "stale_version",
                "The cash objectives changed since you read them: reload and try again.",
                "Les objectifs d'encaissement ont changé depuis votre lecture : rechargez "
                "puis recommencez.",
                current_version=current,
            ) from None
