"""The customer follow-up rules: when a promise is kept or broken, which free-field values
are accepted, what the card shows once disputes, promises and events are added."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from relance.domain.card import FollowUp, sections
from relance.domain.details import FieldDef, FieldDefs, field_errors
from relance.domain.followup import (
    DEFAULT_REASONS,
    Dispute,
    Promise,
    Reason,
    ReasonList,
    TimelineEvent,
    assess,
    promise_paid,
)
from relance.domain.records import LedgerLine

DUE = date(2026, 12, 1)  # the promised date
BEFORE, ON, AFTER = DUE - timedelta(days=3), DUE, DUE + timedelta(days=1)
MADE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
D = Decimal


def promise(
    amount: str,
    baseline: dict[int, str] | None = None,
    baseline_total: str = "0",
    status: str = "open",
    paid: str = "0",
) -> Promise:
    covered = baseline or {}
    return Promise.model_validate(
        {
            "promise_id": "p1",
            "amount": amount,
            "promised_date": DUE,
            "entries": list(covered),
            "baseline": {str(entry): D(value) for entry, value in covered.items()},
            "baseline_total": baseline_total,
            "status": status,
            "paid": paid,
            "made_by": "u1",
            "made_at": MADE,
        }
    )


# -- payment promises (V5) ---------------------------------------------------------------
def test_a_promise_paid_before_its_date_is_kept_at_once() -> None:
    p = promise("1000", {10: "1000"})
    assert assess(p, {}, D("0"), BEFORE) == ("kept", D("1000"))


def test_a_promise_is_kept_when_exactly_the_promised_amount_came_in() -> None:
    p = promise("600", {10: "1000"})
    assert assess(p, {10: D("400")}, D("400"), BEFORE) == ("kept", D("600"))
    # One cent short is not kept: still open until the date, partly kept after it.
    assert assess(p, {10: D("400.01")}, D("400.01"), ON) == ("open", D("599.99"))
    assert assess(p, {10: D("400.01")}, D("400.01"), AFTER) == ("partly_kept", D("599.99"))


def test_a_promise_partly_paid_is_partly_kept_once_its_date_has_passed() -> None:
    p = promise("1000", {10: "1000"})
    assert assess(p, {10: D("700")}, D("700"), AFTER) == ("partly_kept", D("300"))


def test_a_promise_with_nothing_paid_is_broken_after_its_date_not_on_it() -> None:
    p = promise("1000", {10: "1000"})
    assert assess(p, {10: D("1000")}, D("1000"), ON) == ("open", D("0"))
    assert assess(p, {10: D("1000")}, D("1000"), AFTER) == ("broken", D("0"))


def test_a_promise_partly_paid_before_its_date_is_still_open() -> None:
    p = promise("1000", {10: "1000"})
    assert assess(p, {10: D("200")}, D("200"), BEFORE) == ("open", D("800"))


def test_a_promise_without_entries_counts_how_much_the_customers_balance_went_down() -> None:
    p = promise("800", baseline_total="5000")
    # Other invoices than any covered ones: the whole balance is what counts.
    assert assess(p, {99: D("4200")}, D("4200"), BEFORE) == ("kept", D("800"))
    assert assess(p, {99: D("4500")}, D("4500"), AFTER) == ("partly_kept", D("500"))
    # A new invoice raised the balance: nothing was paid, not a negative payment.
    assert promise_paid(p, {}, D("5300")) == D("0")
    assert assess(p, {}, D("5300"), AFTER) == ("broken", D("0"))


def test_a_covered_entry_that_left_the_open_items_counts_as_paid_in_full() -> None:
    p = promise("1500", {10: "1000", 11: "500"})
    assert promise_paid(p, {11: D("500")}, D("500")) == D("1000")
    assert assess(p, {}, D("0"), BEFORE) == ("kept", D("1500"))


def test_payments_on_entries_the_promise_does_not_cover_do_not_count() -> None:
    p = promise("1000", {10: "1000"})
    assert promise_paid(p, {10: D("1000")}, D("1000")) == D("0")  # entry 11 was paid, not 10


def test_a_covered_credit_note_that_went_away_is_not_a_negative_payment() -> None:
    p = promise("500", {10: "1000", 12: "-200"})
    # The credit note was used up (the balance went up by 200), half the invoice was paid.
    assert promise_paid(p, {10: D("500")}, D("500")) == D("500")
    assert assess(p, {10: D("500")}, D("500"), BEFORE) == ("kept", D("500"))
    # An invoice whose amount went up was not "negatively paid" either.
    assert promise_paid(promise("100", {10: "1000"}), {10: D("1200")}, D("1200")) == D("0")


def test_a_decided_promise_stays_as_it_was_decided() -> None:
    for status in ("kept", "partly_kept", "broken", "cancelled"):
        p = promise("1000", {10: "1000"}, status=status, paid="300")
        assert assess(p, {}, D("0"), AFTER) == (status, D("300"))


baselines = st.dictionaries(
    st.integers(1, 30),
    st.decimals(min_value="0.01", max_value="100000", places=2),
    min_size=1,
    max_size=8,
)


@given(
    baselines,
    st.data(),
    st.decimals(min_value="0.01", max_value="200000", places=2),
    st.integers(-5, 5),
)
def test_what_is_paid_is_between_nothing_and_what_was_covered(
    covered: dict[int, Decimal], data: Any, amount: Decimal, shift: int
) -> None:
    open_now: dict[int, Decimal] = {}
    for entry, before in covered.items():
        fate = data.draw(st.sampled_from(["gone", "same", "partly", "more"]))
        if fate == "same":
            open_now[entry] = before
        elif fate == "partly":
            open_now[entry] = data.draw(st.decimals(min_value=0, max_value=before, places=2))
        elif fate == "more":
            open_now[entry] = before + data.draw(st.decimals(min_value=0, max_value=500, places=2))
    open_now[999] = D("-50.00")  # a payment on an entry the promise does not cover
    p = promise(str(amount), {e: str(v) for e, v in covered.items()})
    total = sum(open_now.values(), D(0))

    status, paid = assess(p, open_now, total, DUE + timedelta(days=shift))

    assert D(0) <= paid <= sum(covered.values(), D(0))
    assert (status == "kept") == (paid >= amount)
    if status != "kept":
        assert status == ("open" if shift <= 0 else "partly_kept" if paid > 0 else "broken")


# -- dispute reasons and free fields (V4, V12) -------------------------------------------
def test_a_reason_list_has_unique_codes() -> None:
    assert len(ReasonList(reasons=DEFAULT_REASONS).reasons) == 7
    twice = Reason(code="price", label_fr="Prix", label_en="Price")
    with pytest.raises(ValidationError, match="unique"):
        ReasonList(reasons=[twice, twice])
    with pytest.raises(ValidationError):
        ReasonList(reasons=[])
    with pytest.raises(ValidationError):
        Reason(code="Prix contesté", label_fr="Prix", label_en="Price")


def defn(key: str, kind: str = "text", choices: list[str] | None = None) -> FieldDef:
    return FieldDef.model_validate(
        {"key": key, "label_fr": key, "label_en": key, "type": kind, "choices": choices or []}
    )


DEFS = [
    defn("segment", "choice", ["PME", "ETI"]),
    defn("credit_limit", "number"),
    defn("visit_on", "date"),
    defn("insured", "yes_no"),
    defn("buyer", "text"),
]


def test_good_field_values_and_cleared_ones_are_accepted() -> None:
    good = {
        "segment": "ETI",
        "credit_limit": "12500.50",
        "visit_on": "2026-12-15",
        "insured": False,
        "buyer": "Mme Martin",
    }
    assert field_errors(DEFS, good) == {}
    assert field_errors(DEFS, {"credit_limit": 3, "segment": None, "visit_on": ""}) == {}


def test_each_wrong_field_value_is_named_with_what_is_wrong() -> None:
    errors = field_errors(
        DEFS,
        {
            "colour": "red",
            "segment": "GE",
            "credit_limit": "douze",
            "visit_on": "15/12/2026",
            "insured": "oui",
            "buyer": "x" * 501,
        },
    )
    assert errors == {
        "colour": "unknown field",
        "segment": "not one of PME, ETI",
        "credit_limit": "not a number",
        "visit_on": "not a date (YYYY-MM-DD)",
        "insured": "not true or false",
        "buyer": "longer than 500 characters",
    }
    assert field_errors(DEFS, {"credit_limit": True}) == {"credit_limit": "not a number"}


def test_a_tenant_has_at_most_ten_customer_fields_and_three_entry_fields() -> None:
    ten = [defn(f"f{i}") for i in range(10)]
    assert len(FieldDefs(customer_fields=ten, entry_fields=ten[:3]).customer_fields) == 10
    with pytest.raises(ValidationError, match="customer_fields"):
        FieldDefs(customer_fields=[*ten, defn("f10")])
    with pytest.raises(ValidationError, match="entry_fields"):
        FieldDefs(entry_fields=ten[:4])


def test_field_keys_are_unique_and_a_choice_field_needs_choices() -> None:
    with pytest.raises(ValidationError, match="unique"):
        FieldDefs(customer_fields=[defn("a"), defn("a", "number")])
    with pytest.raises(ValidationError, match="needs its choices"):
        FieldDefs(entry_fields=[defn("status", "choice")])


# -- the customer card (V3, V4, V10, V11) ------------------------------------------------
TODAY = date(2026, 11, 23)


def line(entry: int, amount: str, due: date, issued: date) -> LedgerLine:
    return LedgerLine(
        company="BIJOU", entry_number=entry, journal="VTE", accounting_date=issued,
        due_date=due, general_account="4110000", customer="C1",
        invoice_number=f"FA{entry}", amount=D(amount),
    )  # fmt: skip


LINES = [
    line(10, "1000.00", TODAY - timedelta(days=40), date(2026, 9, 14)),
    line(11, "250.50", TODAY - timedelta(days=10), date(2026, 10, 14)),
    line(12, "400.00", TODAY + timedelta(days=20), date(2026, 11, 3)),  # not due yet
]


def stored(kind: str, model: Any) -> dict[str, Any]:
    """A follow-up item as the card's Query returns it: keys, type, then the fields."""
    return {"PK": "T#t#CO#BIJOU#CUST#C1", "SK": kind.upper(), "item_type": kind,
            **model.model_dump()}  # fmt: skip


def dispute(entries: list[int], status: str = "open") -> dict[str, Any]:
    return stored(
        "dispute",
        Dispute.model_validate(
            {"dispute_id": f"d{entries}", "reason": "price", "entries": entries,
             "status": status, "opened_by": "u1", "opened_at": MADE}
        ),
    )  # fmt: skip


def test_without_follow_up_every_overdue_item_is_to_chase() -> None:
    card = sections(LINES, FollowUp([]), TODAY)
    assert (D(card["to_chase"]), D(card["disputed"])) == (D("1250.50"), D("0"))
    assert not any(item["disputed"] for item in card["open_items"])


def test_a_disputed_invoice_is_not_to_chase() -> None:
    card = sections(LINES, FollowUp([dispute([11])]), TODAY)
    assert D(card["to_chase"]) == D("1000.00")
    assert D(card["disputed"]) == D("250.50")
    assert {i["entry_number"]: i["disputed"] for i in card["open_items"]} == {
        10: False,
        11: True,
        12: False,
    }


def test_a_dispute_on_the_whole_customer_covers_every_item() -> None:
    card = sections(LINES, FollowUp([dispute([])]), TODAY)
    assert D(card["to_chase"]) == D("0")
    assert D(card["disputed"]) == D("1650.50")
    assert all(item["disputed"] for item in card["open_items"])


def test_a_resolved_dispute_no_longer_holds_anything_back() -> None:
    card = sections(LINES, FollowUp([dispute([], "resolved"), dispute([10], "resolved")]), TODAY)
    assert D(card["to_chase"]) == D("1250.50")
    assert D(card["disputed"]) == D("0")
    assert [d["status"] for d in card["disputes"]] == ["resolved", "resolved"]


def test_the_timeline_merges_invoices_and_events_newest_first() -> None:
    def happened(kind: str, at: datetime) -> dict[str, Any]:
        return stored(
            "event", TimelineEvent(event_id=kind, kind=kind, at=at, actor="u1", summary={})
        )

    events = [
        happened("dispute_opened", datetime(2026, 10, 20, 8, 0, tzinfo=UTC)),
        happened("promise_kept", datetime(2026, 11, 22, 6, 0, tzinfo=UTC)),
        happened("comment", datetime(2026, 9, 14, 10, 0, tzinfo=UTC)),  # the day FA10 left
    ]
    card = sections(LINES, FollowUp(events), TODAY)
    assert [(e["kind"], e["event_id"]) for e in card["timeline"]] == [
        ("promise_kept", "promise_kept"),
        ("invoice", "invoice-12"),
        ("dispute_opened", "dispute_opened"),
        ("invoice", "invoice-11"),
        ("comment", "comment"),
        ("invoice", "invoice-10"),
    ]
    invoice = card["timeline"][1]
    assert invoice["actor"] == "sage"
    assert invoice["summary"] == {"entry_number": 12, "invoice_number": "FA12", "amount": "400.00"}


def test_a_credit_note_shows_in_the_timeline_as_a_credit() -> None:
    credit = line(13, "-80.00", TODAY, TODAY - timedelta(days=1))
    card = sections([*LINES, credit], FollowUp([]), TODAY)
    assert card["timeline"][0]["kind"] == "credit"
    assert D(card["to_chase"]) == D("1250.50")  # not overdue yet: nothing taken off
