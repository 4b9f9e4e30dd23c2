"""Each access pattern of store/keys.py, against DynamoDB Local, and tenant isolation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from relance.domain.aging import AgedBalance, BucketAmounts
from relance.domain.control import compare
from relance.domain.records import Contact, Customer, LedgerLine
from relance.services.ingest import report_to_json

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def line(no: int, customer: str, company: str = "BIJOU") -> LedgerLine:
    return LedgerLine(
        company=company,
        entry_number=no,
        journal="VTE",
        accounting_date=date(2026, 10, 1),
        general_account="4110000",
        customer=customer,
        amount=Decimal("10.01"),
    )


def test_1_a_connector_key_tells_its_tenant(store: Any, tenant: Any) -> None:
    connector = store.get_connector(tenant.key_id)
    assert connector["tenant"] == tenant.id
    assert store.get_connector("k-unknown") is None


def test_2_records_of_one_entity_of_one_company_only(store: Any, new_tenant: Any) -> None:
    mine, theirs = new_tenant(), new_tenant()
    store.write_records(mine.id, [line(1, "C1"), line(2, "C2"), line(3, "C1", "ATELIER")])
    store.write_records(mine.id, [Customer(company="BIJOU", number="C1")])
    store.write_records(theirs.id, [line(9, "C1")])

    assert [r.entry_number for r in store.records(mine.id, "BIJOU", "ledger_line")] == [1, 2]
    assert store.record_keys(mine.id, "BIJOU", "ledger_line") == {"1", "2"}
    assert store.delete_records(mine.id, "BIJOU", "ledger_line", {"2"}) == 1
    assert store.record_keys(mine.id, "BIJOU", "ledger_line") == {"1"}
    assert store.record_keys(theirs.id, "BIJOU", "ledger_line") == {"9"}


def test_3_a_customer_with_its_contacts_and_lines_in_one_query(store: Any, tenant: Any) -> None:
    store.write_records(
        tenant.id,
        [
            Customer(company="BIJOU", number="C1", name="Orfèvrerie Dupont"),
            Contact(company="BIJOU", customer="C1", number=1, email="compta@dupont.fr"),
            line(1, "C1"),
            line(2, "C2"),
        ],
    )
    items = store.customer_items(tenant.id, "BIJOU", "C1")
    assert sorted(i["item_type"] for i in items) == ["contact", "customer", "ledger_line"]


def test_4_a_batch_is_marked_once(store: Any, tenant: Any) -> None:
    assert not store.batch_seen(tenant.id, "run-1.BIJOU.x.records.000000")
    assert store.mark_batch(tenant.id, "run-1.BIJOU.x.records.000000", "run-1", 5, NOW)
    assert not store.mark_batch(tenant.id, "run-1.BIJOU.x.records.000000", "run-1", 5, NOW)
    assert store.batch_seen(tenant.id, "run-1.BIJOU.x.records.000000")
    assert [m["written"] for m in store.batch_markers(tenant.id, "run-1")] == [5]


def test_5_and_6_runs_watermarks_and_requests(store: Any, tenant: Any) -> None:
    for n, started in enumerate(["2026-11-20T06:00:00", "2026-11-22T06:00:00"]):
        store.put_run(tenant.id, {"run_id": f"run-{n}", "started_at": started, "status": "x"})
    store.put_watermark(tenant.id, "BIJOU", "customer", datetime(2026, 11, 22, 5, 59))  # noqa: DTZ001
    store.put_sync_request(tenant.id, {"request_id": "r1", "mode": "full"})

    assert [r["run_id"] for r in store.list_runs(tenant.id)] == ["run-1", "run-0"]
    assert store.watermarks(tenant.id) == {"BIJOU": {"customer": "2026-11-22T05:59:00"}}
    store.clear_sync_request(tenant.id, "another-request")  # a newer one stays
    assert store.get_sync_request(tenant.id)["request_id"] == "r1"
    store.clear_sync_request(tenant.id, "r1")
    assert store.get_sync_request(tenant.id) is None


def test_7_the_latest_control_of_a_company(store: Any, tenant: Any) -> None:
    for as_of in (date(2026, 11, 21), date(2026, 11, 23), date(2026, 11, 22)):
        sage = AgedBalance(company="BIJOU", as_of=as_of, customers={"C1": BucketAmounts()})
        report = report_to_json(compare(sage, sage))
        store.put_control(tenant.id, f"run-{as_of.day}", "BIJOU", report)
    latest = store.latest_control(tenant.id, "BIJOU")
    assert latest["run_id"] == "run-23"
    assert latest["report"]["matches"] is True


def test_8_the_tenants_companies(store: Any, new_tenant: Any) -> None:
    mine, theirs = new_tenant(), new_tenant()
    store.register_companies(mine.id, ["BIJOU", "ATELIER"])
    store.register_companies(theirs.id, ["AUTRE"])
    assert sorted(store.list_companies(mine.id)) == ["ATELIER", "BIJOU"]
