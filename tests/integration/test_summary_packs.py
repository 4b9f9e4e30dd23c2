"""Summary packs in DynamoDB Local (decision 22): written only when their content changes,
split into parts when large, kept right by profile changes, read with the rollups."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from relance.domain.aging import AgingFact
from relance.domain.receivables import CustomerSummary, dashboard, summarize
from relance.domain.records import Customer
from relance.services.receivables import CustomerQuery, ReceivablesService
from relance.store import keys, packs
from relance.store.followup import FollowUpStore, RollupChange
from relance.store.schema import PARTITION_KEY, SORT_KEY

pytestmark = pytest.mark.integration
AS_OF = date(2026, 11, 23)


def _summaries(n: int = 12, extra: str = "0") -> list[CustomerSummary]:
    customers = [
        Customer(company="BIJOU", number=f"C{i:03d}", name=f"Garage {i}", rep_number=i % 3 + 1)
        for i in range(n)
    ]
    lines = [
        AgingFact(f"C{i:03d}", date(2026, 1 + i % 11, 1 + i % 27), Decimal(f"{i * 37}.{i % 10}0"))
        for i in range(n)
    ] + [AgingFact("C000", date(2026, 11, 30), Decimal(extra))]
    return summarize("BIJOU", customers, lines, AS_OF)


class Counting:
    """A client that counts the writes it passes on."""

    def __init__(self, client: Any) -> None:
        self.client, self.writes = client, 0

    def __getattr__(self, name: str) -> Any:
        if name in ("put_item", "batch_write_item", "transact_write_items", "update_item"):
            self.writes += 1
        return getattr(self.client, name)


def test_a_sync_that_changes_nothing_writes_nothing(store: Any) -> None:
    tenant = f"t-{secrets.token_hex(4)}"
    assert store.replace_summaries(tenant, "BIJOU", _summaries()) == 12
    held, parts = store._held_pack(tenant, "BIJOU")
    assert held is not None and parts == 1
    counting = Counting(store.client)
    again = type(store)(store.table, counting)
    assert again.replace_summaries(tenant, "BIJOU", _summaries()) == 0
    assert counting.writes == 0
    assert again.replace_summaries(tenant, "BIJOU", _summaries(extra="10.50")) == 1
    assert counting.writes == 2  # the changed summary, then the pack
    assert store._held_pack(tenant, "BIJOU")[0].version != held.version


def test_pack_rows_are_the_summary_items_as_dynamodb_gives_them_back(store: Any) -> None:
    tenant = f"t-{secrets.token_hex(4)}"
    store.replace_summaries(tenant, "BIJOU", _summaries(extra="0.10"))
    items = [
        CustomerSummary.model_validate(i)
        for i in (store.customer_items(tenant, "BIJOU", f"C{n:03d}")[-1] for n in range(12))
    ]
    assert store.summaries(tenant, "BIJOU") == items
    for row in store.summary_set(tenant).rows():  # amounts as DynamoDB gives numbers back
        summary = row.to_summary()
        assert row.as_json(AS_OF) == {
            **summary.model_dump(mode="json"),
            "days_late": summary.days_late(AS_OF),
        }


def test_a_large_pack_is_split_and_shrinks_back(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = f"t-{secrets.token_hex(4)}"
    monkeypatch.setattr(packs, "PART_BYTES", 300)
    store.replace_summaries(tenant, "BIJOU", _summaries(60))
    held, parts = store._held_pack(tenant, "BIJOU")
    assert parts > 2 and len(held.rows) == 60
    assert [s.number for s in store.summaries(tenant)] == [f"C{i:03d}" for i in range(60)]
    store.replace_summaries(tenant, "BIJOU", _summaries(3))
    held, parts = store._held_pack(tenant, "BIJOU")
    assert len(held.rows) == 3
    sks = [
        i[SORT_KEY]["S"] for i in store._query(keys.summaries_pk(tenant), keys.pack_prefix("BIJOU"))
    ]
    assert len(sks) == parts
    assert len(list(store._query(keys.customer_summaries_pk(tenant, "BIJOU")))) == 3


def test_profile_changes_reach_the_pack(store: Any) -> None:
    tenant = f"t-{secrets.token_hex(4)}"
    store.replace_summaries(tenant, "BIJOU", _summaries())
    assert store.set_summary_profile(tenant, "BIJOU", "C003", "gentle")
    assert not store.set_summary_profile(tenant, "BIJOU", "C999", "gentle")
    moved = store.summaries(tenant, with_followup=False)[5].model_copy(update={"profile": "vip"})
    assert store.put_summaries(tenant, [moved]) == 1
    profiles = {s.number: s.profile for s in store.summaries(tenant)}
    assert profiles["C003"] == "gentle" and profiles["C005"] == "vip"
    card = store.customer_items(tenant, "BIJOU", "C003")
    assert [i["profile"] for i in card if i["item_type"] == "summary"] == ["gentle"]


def test_follow_up_figures_come_from_the_rollups_at_once(store: Any) -> None:
    tenant = f"t-{secrets.token_hex(4)}"
    store.replace_summaries(tenant, "BIJOU", _summaries())
    followup = FollowUpStore(store.table, store.client)
    change = RollupChange(add={"open_disputes": 1, "disputed": Decimal("12.30")}, set={})
    followup.commit(tenant, "BIJOU", "C004", [], change)
    followup.commit(tenant, "BIJOU", "C007", [], RollupChange(set={"flagged": True}))
    assert set(followup.rollups(tenant, "BIJOU")) == {("BIJOU", "C004"), ("BIJOU", "C007")}
    service = ReceivablesService(store)
    page = service.customers(tenant, CustomerQuery(disputed=True), AS_OF, [])
    assert [(r["number"], r["disputed"]) for r in page["customers"]] == [("C004", "12.30")]
    board = service.dashboard(tenant, None, AS_OF, [])
    reference = dashboard(store.summaries(tenant)).model_dump(mode="json")
    reference["top_debtors"] = [
        {**s.model_dump(mode="json"), "days_late": s.days_late(AS_OF)}
        for s in dashboard(store.summaries(tenant)).top_debtors
    ]
    forecast = board.pop("forecast")  # the cash-in forecast is the API's (no domain twin)
    assert set(forecast) == {"week", "month"}
    assert board == reference
    assert (board["disputes_open"], board["disputed"], board["flagged"]) == (1, "12.30", 1)


def test_summaries_written_before_packs_are_read_then_replaced(store: Any) -> None:
    tenant = f"t-{secrets.token_hex(4)}"
    old = _summaries(4)
    store._batch_write(
        [
            {"PutRequest": {"Item": {
                **store._summary_item(tenant, s),
                PARTITION_KEY: {"S": keys.summaries_pk(tenant)},
                SORT_KEY: {"S": f"BIJOU#{s.number}"},
            }}}
            for s in old
        ]
    )  # fmt: skip
    assert [s.number for s in store.summaries(tenant)] == [s.number for s in old]
    store.replace_summaries(tenant, "BIJOU", _summaries(5))
    kinds = [i["item_type"]["S"] for i in store._query(keys.summaries_pk(tenant))]
    assert kinds == ["summary_pack"]
    assert len(store.summaries(tenant)) == 5
