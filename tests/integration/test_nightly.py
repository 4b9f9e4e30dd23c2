"""The nightly run over several simulated days, through its real handlers (Scheduler event
→ plan → SQS → company run) against the stand-ins: what it creates day by day."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from local.nightly import drain_dispatch, run_nightly
from relance.domain.receivables import summarize
from relance.domain.records import Customer, Journal, LedgerLine

pytestmark = pytest.mark.integration
DAY1 = date(2026, 11, 2)


def line(entry: int, customer: str, due: date, amount: str) -> LedgerLine:
    return LedgerLine(
        company="BIJOU", entry_number=entry, journal="VTE", accounting_date=due - timedelta(30),
        due_date=due, general_account="4110000", customer=customer, amount=Decimal(amount),
        invoice_number=f"FA{entry}",
    )  # fmt: skip


@pytest.fixture
def tenant(store: Any) -> str:
    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU"])
    customers = [
        Customer(company="BIJOU", number="C1", name="Un", email="compta@un.fr"),
        Customer(company="BIJOU", number="C2", name="Deux", email="compta@deux.fr"),
        Customer(company="BIJOU", number="C3", name="Trois", no_reminder=True),
    ]
    lines = [
        line(1, "C1", DAY1 - timedelta(6), "1200.00"),  # 6 days late: R1
        line(2, "C2", DAY1 + timedelta(4), "300.00"),  # due in 4 days: notice
        line(3, "C3", DAY1 - timedelta(20), "50.00"),  # CT_NotRappel: an alert, no action
    ]
    journal = Journal(company="BIJOU", code="VTE", label="Ventes", type=1)
    store.write_records(tenant, [*customers, *lines, journal])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", customers, lines, DAY1))
    drain_dispatch()
    return tenant


def alerts(tenant: str) -> set[tuple[str, str]]:
    from relance.services.wiring import nightly_service

    return {(a["customer"], a["kind"]) for a in nightly_service().dunning.alerts(tenant)}


def actions(store: Any, tenant: str, customer: str) -> list[dict[str, Any]]:
    return [
        i for i in store.customer_items(tenant, "BIJOU", customer) if i["item_type"] == "action"
    ]


def test_day_by_day_reminders_notices_thanks_and_nothing_twice(store: Any, tenant: str) -> None:
    first = run_nightly(tenant, DAY1)
    assert first["failed"] == [] and first["planned"]["companies"] == ["BIJOU"]
    (c1,) = actions(store, tenant, "C1")
    assert (c1["step"], c1["channel"], c1["status"]) == ("R1", "email", "queued")
    assert [line["entry"] for line in c1["lines"]] == [1]
    (c2,) = actions(store, tenant, "C2")
    assert c2["phase"] == "notice"
    assert actions(store, tenant, "C3") == []
    queued = drain_dispatch(tenant)
    assert sorted(m["customer"] for m in queued) == ["C1", "C2"]

    alerts_first = alerts(tenant)
    assert ("C3", "no_reminder") in alerts_first

    # The same night again: nothing new is written or queued, no alert is lost.
    again = run_nightly(tenant, DAY1)
    assert again["failed"] == []
    assert len(actions(store, tenant, "C1")) == 1 and drain_dispatch(tenant) == []
    assert alerts(tenant) == alerts_first

    # Ten days later: C1 has not paid (R2 is due at +15); C2 paid the invoice it was only
    # given notice of (no thank-you for that) and has a new, overdue one it disputes.
    store.delete_records(tenant, "BIJOU", "ledger_line", ["2"])
    store.write_records(tenant, [line(4, "C2", DAY1, "480.00")])
    dispute = open_dispute(tenant, "C2", [4], DAY1 + timedelta(9))
    day11 = DAY1 + timedelta(10)
    assert run_nightly(tenant, day11)["failed"] == []
    assert sorted(a["step"] for a in actions(store, tenant, "C1")) == ["R1", "R2"]
    assert sorted(a["step"] for a in actions(store, tenant, "C2")) == ["N1"]
    assert [m["step"] for m in drain_dispatch(tenant)] == ["R2"]

    # The dispute is resolved: the next night reminds C2 of invoice 4; C1 pays and is thanked.
    resolve(tenant, "C2", dispute, DAY1 + timedelta(11))
    store.delete_records(tenant, "BIJOU", "ledger_line", ["1"])
    day13 = DAY1 + timedelta(12)
    assert run_nightly(tenant, day13)["failed"] == []
    c2 = [a for a in actions(store, tenant, "C2") if a["step"] == "R1"]
    assert [line["entry"] for line in c2[0]["lines"]] == [4]
    assert sorted(a["step"] for a in actions(store, tenant, "C1")) == ["R1", "R2", "T"]
    assert sorted(m["step"] for m in drain_dispatch(tenant)) == ["R1", "T"]


def open_dispute(tenant: str, customer: str, entries: list[int], on: date) -> str:
    from relance.auth.identity import Identity
    from relance.domain.followup import NewDispute
    from relance.services.wiring import followup_service

    who = Identity(tenant=tenant, role="admin", user_id="u-admin")
    service = followup_service()
    file = service.customer_file(who, "BIJOU", customer, None, write=True)
    at = datetime.combine(on, time(9), UTC)
    dispute, _ = service.open_dispute(who, file, NewDispute(reason="price", entries=entries), at)
    return dispute.dispute_id


def resolve(tenant: str, customer: str, dispute_id: str, on: date) -> None:
    from relance.auth.identity import Identity
    from relance.domain.followup import Resolution
    from relance.services.wiring import followup_service

    who = Identity(tenant=tenant, role="admin", user_id="u-admin")
    service = followup_service()
    file = service.customer_file(who, "BIJOU", customer, None, write=True)
    at = datetime.combine(on, time(9), UTC)
    service.resolve_dispute(who, file, dispute_id, Resolution(version=1), at)


def test_a_call_still_to_make_is_withdrawn_once_the_customer_has_paid(
    store: Any, tenant: str
) -> None:
    from relance.domain.dunning import default_settings
    from relance.services.wiring import followup_service

    settings = default_settings()
    scenario = settings.scenarios[0]
    steps = [
        s.model_copy(update={"channel": "phone", "mode": "manual"}) if s.phase == "reminder" else s
        for s in scenario.steps
    ]
    settings = settings.model_copy(
        update={"scenarios": [scenario.model_copy(update={"steps": steps})]}
    )
    followup_service().store.put_setting(tenant, "DUNNING", settings.model_dump(mode="json"), 0)

    assert run_nightly(tenant, DAY1)["failed"] == []
    (call,) = actions(store, tenant, "C1")
    assert (call["step"], call["mode"], call["status"]) == ("R1", "manual", "to_do")

    store.delete_records(tenant, "BIJOU", "ledger_line", ["1"])  # C1 pays before the call
    assert run_nightly(tenant, DAY1 + timedelta(1))["failed"] == []
    (call,) = actions(store, tenant, "C1")
    assert call["status"] == "cancelled"


def test_a_run_clears_only_its_own_alerts(store: Any, tenant: str) -> None:
    """A failed send's alert (the dispatch's) is for a human: the next nights keep it, while
    the run's own alerts come and go with what it finds."""
    from relance.services.wiring import dispatch_service

    assert run_nightly(tenant, DAY1)["failed"] == []
    failed = {"company": "BIJOU", "customer": "C1", "kind": "dispatch_failed", "step": "R1",
              "detail": "SES refused the sender", "raised_on": DAY1.isoformat()}  # fmt: skip
    dispatch_service().store.put_alert(tenant, failed)
    assert ("C1", "dispatch_failed") in alerts(tenant)

    for day in (DAY1 + timedelta(1), DAY1 + timedelta(2)):
        assert run_nightly(tenant, day)["failed"] == []
        assert ("C1", "dispatch_failed") in alerts(tenant)
