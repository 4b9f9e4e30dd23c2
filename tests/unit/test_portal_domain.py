"""The customer portal's pure rules (domain/portal.py): link states, the rate window, the
statement a customer sees, and the link address."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from relance.domain.followup import Dispute
from relance.domain.portal import (
    PortalDispute,
    PortalPromise,
    link_id_for_action,
    new_link,
    portal_url,
    rate_window,
    statement_items,
    token_hash,
)
from relance.domain.records import LedgerLine

NOW = datetime(2026, 11, 23, 9, 30, 15, tzinfo=UTC)


def line(entry: int, amount: str, due: date | None, number: str = "") -> LedgerLine:
    return LedgerLine(
        company="BIJOU", entry_number=entry, journal="VTE", accounting_date=date(2026, 9, 1),
        general_account="4110000", customer="C1", amount=Decimal(amount), due_date=due,
        invoice_number=number,
    )  # fmt: skip


def test_a_link_lives_its_days_then_expires_and_a_revoked_one_stays_revoked() -> None:
    link = new_link("l1", "BIJOU", "C1", "u1", NOW, days=30)
    assert link.state_at(NOW + timedelta(days=29, hours=23)) == "live"
    assert link.state_at(NOW + timedelta(days=30)) == "expired"
    revoked = link.model_copy(update={"revoked_at": NOW + timedelta(hours=1)})
    assert revoked.state_at(NOW + timedelta(hours=2)) == "revoked"


def test_a_reminders_link_id_is_the_same_for_the_same_action_only() -> None:
    one = link_id_for_action("t1", "BIJOU#C1#R1#2026-11-23")
    assert one == link_id_for_action("t1", "BIJOU#C1#R1#2026-11-23")
    assert one != link_id_for_action("t2", "BIJOU#C1#R1#2026-11-23")
    assert one != link_id_for_action("t1", "BIJOU#C1#R2#2026-11-23")


def test_the_token_travels_in_the_fragment_and_only_its_hash_is_kept() -> None:
    assert (
        portal_url("https://x.fr/portal/index.html", "abc")
        == "https://x.fr/portal/index.html#t=abc"
    )
    assert token_hash("abc") != "abc" and len(token_hash("abc")) == 64


def test_the_rate_window_is_the_clock_minute_and_says_when_the_next_starts() -> None:
    assert rate_window(NOW) == ("2026-11-23T09:30", 45)


def test_the_statement_sums_an_entry_marks_disputed_items_and_sorts_by_due_date() -> None:
    lines = [
        line(1, "100.00", date(2026, 11, 1), "FA1"),
        line(2, "50.5", date(2026, 10, 1), "FA2"),
        line(3, "-20.00", None),
        line(4, "0", date(2026, 9, 1), "FA4"),  # nothing open: not shown
    ]
    dispute = Dispute(dispute_id="d", reason="price", entries=[1], opened_by="x", opened_at=NOW)
    items = statement_items(lines, [dispute], date(2026, 11, 23), {"FA2": "https://pdf"})
    assert [(i.entry, i.number, i.kind, i.remaining) for i in items] == [
        (3, "3", "credit", Decimal("-20.00")),  # no due date: its accounting date
        (2, "FA2", "invoice", Decimal("50.50")),
        (1, "FA1", "invoice", Decimal("100.00")),
    ]
    assert [(i.disputed, i.days_late, i.pdf_url) for i in items][1:] == [
        (False, 53, "https://pdf"), (True, 22, ""),
    ]  # fmt: skip


def test_what_a_customer_sends_is_checked_field_by_field() -> None:
    with pytest.raises(ValidationError) as bad:
        PortalDispute.model_validate({"entries": [], "reason": "price", "extra": 1})
    assert {e["loc"][0] for e in bad.value.errors()} == {"entries", "extra"}
    with pytest.raises(ValidationError):
        PortalPromise.model_validate({"promised_date": "2026-12-01", "amount": "0"})
    assert PortalPromise.model_validate({"promised_date": "2026-12-01"}).amount is None
