"""Payment history from lettered Sage lines, and the bad-payer score: its grades, its
explanation (factors add up to the score) and its monotonicity in days late."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.domain.payments import (
    FollowUpCounts,
    OpenItem,
    SettledInvoice,
    followup_counts,
    open_items,
    score_customer,
    settled_invoices,
)
from relance.domain.records import LedgerLine

AS_OF = date(2026, 6, 30)


def line(
    entry: int, day: date, amount: str, lettering: str = "", due: date | None = None
) -> LedgerLine:
    return LedgerLine(
        company="C1",
        entry_number=entry,
        journal="VTE" if Decimal(amount) > 0 else "BQ1",
        accounting_date=day,
        general_account="4110000",
        customer="CLI1",
        due_date=due,
        amount=Decimal(amount),
        lettering=lettering,
    )


def test_a_lettered_group_is_paid_when_its_last_payment_came() -> None:
    lines = [
        line(1, date(2026, 1, 5), "1000.00", "AAA", due=date(2026, 2, 4)),
        line(2, date(2026, 1, 20), "500.00", "AAA", due=date(2026, 2, 19)),
        line(3, date(2026, 2, 10), "-700.00", "AAA"),
        line(4, date(2026, 3, 2), "-800.00", "AAA"),  # completes the group
        line(5, date(2026, 2, 1), "300.00", "aab", due=date(2026, 3, 3)),  # pre-lettered
        line(6, date(2026, 2, 15), "-100.00", "aab"),
        line(7, date(2026, 4, 1), "900.00", due=date(2026, 5, 1)),  # open
        line(8, date(2026, 4, 1), "200.00", "AAC", due=date(2026, 5, 1)),  # no payment
        line(9, date(2026, 4, 1), "-200.00", "AAD"),  # payment alone: nothing to date
    ]
    history = settled_invoices(lines)
    assert [(h.entry_number, h.paid_on, h.days_late) for h in history] == [
        (1, date(2026, 3, 2), 26),
        (2, date(2026, 3, 2), 11),
    ]
    assert [i.entry_number for i in open_items(lines)] == [5, 6, 7]


def settled(due: date, late: int, amount: str = "1000.00", entry: int = 1) -> SettledInvoice:
    return SettledInvoice(
        company="C1",
        customer="CLI1",
        entry_number=entry,
        invoice_date=due - timedelta(days=30),
        due_date=due,
        amount=Decimal(amount),
        paid_on=due + timedelta(days=late),
    )


def monthly(lates: list[int]) -> list[SettledInvoice]:
    """One invoice due on the 1st of each month back from AS_OF, oldest first."""
    n = len(lates)
    return [
        settled(date(2026, 6, 1) - timedelta(days=30 * (n - 1 - i)), late, entry=i + 1)
        for i, late in enumerate(lates)
    ]


def test_a_customer_paying_on_time_is_graded_a_and_a_steady_slow_payer_c() -> None:
    on_time = score_customer(monthly([0, -2, 1, 0, 2, 0, 0, -1, 1, 0, 0, 0]), [], AS_OF)
    assert on_time.grade == "A" and on_time.score < 5
    slow = score_customer(monthly([35] * 12), [], AS_OF)
    # 35 days late on every invoice: 35 x 35/60 = 20.4 for days late, 25 for the share.
    assert slow.score == Decimal("45.4") and slow.grade == "C"
    worst = score_customer(
        monthly([90] * 12),
        [OpenItem("C1", "CLI1", 99, date(2026, 3, 1), date(2026, 4, 1), Decimal("500"))],
        AS_OF,
        broken_promises=3,
        disputes=1,
    )
    assert worst.grade == "D"
    assert worst.explained()[0]["factor"] == "days_late"  # the biggest reason first


def test_a_worsening_customer_gets_trend_points_and_an_improving_one_none() -> None:
    worse = score_customer(monthly([0] * 12 + [30] * 6), [], AS_OF)
    better = score_customer(monthly([30] * 12 + [0] * 6), [], AS_OF)
    trend = {f.name: f for f in worse.factors}["trend"]
    assert trend.measure == 30 and trend.points == Decimal("10.0")
    assert {f.name: f for f in better.factors}["trend"].points == 0


def test_too_little_history_is_not_graded_but_old_unpaid_invoices_count() -> None:
    assert score_customer(monthly([0, 0]), [], AS_OF).grade is None
    # A new customer that has paid nothing yet but owes three invoices long overdue.
    overdue = [
        OpenItem("C1", "CLI1", n, date(2026, 2, 1), date(2026, 3, 1), Decimal("400"))
        for n in range(3)
    ]
    fresh = score_customer([], overdue, AS_OF)
    assert fresh.grade == "D"  # 121 days late so far on everything it owes


lates = st.lists(st.integers(min_value=-20, max_value=150), min_size=1, max_size=30)
amounts = st.lists(
    st.decimals(min_value=1, max_value=100000, places=2, allow_nan=False), min_size=30, max_size=30
)
counts = st.integers(min_value=0, max_value=5)


def history_of(days_late: list[int], money: list[Decimal]) -> list[SettledInvoice]:
    return [replace(h, amount=money[i]) for i, h in enumerate(monthly(days_late))]


def open_of(days: list[int], money: list[Decimal]) -> list[OpenItem]:
    return [
        OpenItem("C1", "CLI1", 1000 + i, AS_OF, AS_OF - timedelta(days=d), money[i])
        for i, d in enumerate(days)
    ]


@settings(max_examples=200, deadline=None)
@given(lates, amounts, st.lists(st.integers(-30, 200), max_size=5), counts, counts)
def test_factor_contributions_add_up_to_the_score(
    days_late: list[int], money: list[Decimal], overdue: list[int], broken: int, disputes: int
) -> None:
    s = score_customer(
        history_of(days_late, money),
        open_of(overdue, money),
        AS_OF,
        broken_promises=broken,
        disputes=disputes,
    )
    assert s.score == sum((f.points for f in s.factors), Decimal(0))
    assert Decimal(0) <= s.score <= Decimal(100)


@settings(max_examples=200, deadline=None)
@given(lates, amounts, st.lists(st.integers(-30, 200), max_size=5), st.integers(1, 60), counts)
def test_paying_later_never_improves_the_score(
    days_late: list[int], money: list[Decimal], overdue: list[int], shift: int, broken: int
) -> None:
    """The same customer, same invoices and follow-up, paying everything `shift` days later."""
    as_paid = history_of(days_late, money)
    later = [replace(h, paid_on=h.paid_on + timedelta(days=shift)) for h in as_paid]
    as_of = max(h.paid_on for h in later)  # both histories fully known
    opened = open_of(overdue, money)
    before = score_customer(as_paid, opened, as_of, broken_promises=broken)
    after = score_customer(later, opened, as_of, broken_promises=broken)
    assert after.score >= before.score


@settings(max_examples=100, deadline=None)
@given(lates, amounts, counts)
def test_more_broken_promises_never_improve_the_score(
    days_late: list[int], money: list[Decimal], broken: int
) -> None:
    history = history_of(days_late, money)
    fewer = score_customer(history, [], AS_OF, broken_promises=broken)
    more = score_customer(history, [], AS_OF, broken_promises=broken + 1)
    assert more.score >= fewer.score


# -- broken promises and disputes from the follow-up rollups' dated markers ----------------
def test_broken_promises_count_for_12_months_and_disputes_while_open_or_recent() -> None:
    counts = followup_counts(
        promises_broken=["2026-06-01#p1", "2025-07-01#p2", "2025-06-30#p3"],  # p3: 365 days
        disputes_opened=["2026-05-01#d1", "2024-01-10#d2", "2024-02-10#d3", "2025-09-01#d4"],
        disputes_resolved=["d1", "d3", "d4"],  # d2 old but still open; d3 old and resolved
        as_of=AS_OF,
    )
    assert counts == FollowUpCounts(broken_promises=2, disputes=3)


def test_a_broken_promise_shows_as_a_factor_worth_a_third_of_its_weight() -> None:
    history = monthly([0] * 12)
    clean = score_customer(history, [], AS_OF)
    once = score_customer(history, [], AS_OF, broken_promises=1, disputes=1)
    factors = {f["factor"]: f for f in once.explained()}
    assert factors["broken_promises"] == {
        "factor": "broken_promises",
        "points": "3.3",
        "measure": 1,
    }
    assert factors["disputes"]["points"] == "1.7"
    assert once.score == clean.score + Decimal("5.0")


markers = st.lists(
    st.tuples(st.dates(date(2024, 1, 1), date(2026, 12, 31)), st.booleans()), max_size=8
)


@settings(max_examples=200, deadline=None)
@given(lates, amounts, markers, markers, st.dates(date(2024, 1, 1), date(2026, 12, 31)))
def test_one_more_broken_promise_or_dispute_never_improves_the_score(
    days_late: list[int],
    money: list[Decimal],
    promises: list[tuple[date, bool]],
    disputes: list[tuple[date, bool]],
    extra_on: date,
) -> None:
    """Whatever the record so far, adding one broken promise (or one dispute) at any date
    never lowers the score; and the factors still add up to it."""
    history = history_of(days_late, money)
    broken = [f"{d}#p{i}" for i, (d, _) in enumerate(promises)]
    opened = [f"{d}#d{i}" for i, (d, _) in enumerate(disputes)]
    resolved = [f"d{i}" for i, (_, done) in enumerate(disputes) if done]

    def scored(b: list[str], o: list[str]) -> Decimal:
        counts = followup_counts(b, o, resolved, AS_OF)
        s = score_customer(
            history,
            [],
            AS_OF,
            broken_promises=counts.broken_promises,
            disputes=counts.disputes,
        )
        assert s.score == sum((f.points for f in s.factors), Decimal(0))
        return s.score

    base = scored(broken, opened)
    assert scored([*broken, f"{extra_on}#pnew"], opened) >= base
    assert scored(broken, [*opened, f"{extra_on}#dnew"]) >= base
