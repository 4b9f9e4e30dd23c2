"""Keeping each customer's score history at a sync's finish (domain/payments/trend.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from relance.domain.payments.outlook import Outlook
from relance.domain.payments.trend import decode, encode, recorded
from relance.store.dynamo import SyncStore
from relance.store.score_history import ScoreHistoryStore


def record_scores(
    store: SyncStore, tenant: str, company: str, found: Mapping[str, Outlook], as_of: date
) -> int:
    """Add this sync's scores to the rated customers' histories: one Query for the company,
    then a write only for the histories that changed. Answers how many were written."""
    history = ScoreHistoryStore(store.table, store.client)
    held = history.all(tenant, company)
    changed: dict[str, str] = {}
    for number, outlook in found.items():
        if outlook.score.grade is None:
            continue  # not rated: nothing to trend
        before = held.get(number, "")
        after = encode(recorded(decode(before), as_of, outlook.score.score))
        if after != before:
            changed[number] = after
    return history.put(tenant, company, changed)
