"""Late-payment penalties and the 40 € indemnity, checked against sums done by hand.

Rates (percent a year): ECB 2025-H1 3.15, 2025-H2 2.15, 2026-H1 2.15; legal rate
("autres cas") 2026-H1 2.62, so the floor is 7.86."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from relance.domain.dunning import RateTable, claim, penalty
from relance.domain.dunning.penalties import MissingRate, half_year, penalty_slices
from relance.domain.records import Customer

RATES = RateTable()
CUSTOMER = Customer(company="BIJOU", number="C1")


def test_one_half_year_ecb_plus_ten_points() -> None:
    # Due 31 Jan 2026, as of 2 Mar 2026: 1 Feb .. 2 Mar = 28 + 2 = 30 days at 12.15 %.
    # 1000 × 12.15 % × 30 / 365 = 9.98630… -> 9.99
    slices = penalty_slices(Decimal("1000"), date(2026, 1, 31), date(2026, 3, 2), RATES)
    assert [(s.half, s.days, s.rate) for s in slices] == [("2026-H1", 30, Decimal("12.15"))]
    assert penalty(Decimal("1000"), date(2026, 1, 31), date(2026, 3, 2), RATES) == Decimal("9.99")


def test_a_late_period_over_two_half_years_uses_each_rate_for_its_days() -> None:
    # Due 15 Jun 2025, as of 20 Jul 2025: 16-30 Jun = 15 days at 13.15 %, 1-20 Jul = 20 days
    # at 12.15 %. 10000 × 13.15 × 15 / 36500 = 54.04109…; 10000 × 12.15 × 20 / 36500 =
    # 66.57534…; total 120.61643… -> 120.62
    due, as_of = date(2025, 6, 15), date(2025, 7, 20)
    slices = penalty_slices(Decimal("10000"), due, as_of, RATES)
    assert [(s.half, s.start, s.end, s.days, s.rate) for s in slices] == [
        ("2025-H1", date(2025, 6, 16), date(2025, 6, 30), 15, Decimal("13.15")),
        ("2025-H2", date(2025, 7, 1), date(2025, 7, 20), 20, Decimal("12.15")),
    ]
    assert penalty(Decimal("10000"), due, as_of, RATES) == Decimal("120.62")


def test_a_year_end_due_date_counts_from_the_next_half_year() -> None:
    # Due 31 Dec 2025: the first late day is 1 Jan 2026 (H1 2026 rate).
    slices = penalty_slices(Decimal("36500"), date(2025, 12, 31), date(2026, 1, 1), RATES)
    assert [(s.half, s.days) for s in slices] == [("2026-H1", 1)]
    assert penalty(Decimal("36500"), date(2025, 12, 31), date(2026, 1, 1), RATES) == Decimal(
        "12.15"
    )  # 36500 × 12.15 % / 365


def test_a_contract_rate_below_three_times_the_legal_rate_is_raised_to_it() -> None:
    # 5 % < 3 × 2.62 % = 7.86 %: 1000 × 7.86 × 10 / 36500 = 2.15342… -> 2.15
    due, as_of = date(2026, 3, 1), date(2026, 3, 11)
    assert RATES.annual_rate("2026-H1", Decimal("5")) == Decimal("7.86")
    assert penalty(Decimal("1000"), due, as_of, RATES, Decimal("5")) == Decimal("2.15")
    # 15 % is above the floor: kept. 1000 × 15 × 10 / 36500 = 4.10958… -> 4.11
    assert penalty(Decimal("1000"), due, as_of, RATES, Decimal("15")) == Decimal("4.11")


def test_rounding_is_half_up_to_the_cent_at_the_end() -> None:
    # 18.25 × 10 % × 1 / 365 = 0.005 exactly: half up gives 0.01 (banker's would give 0.00)
    due = date(2026, 3, 1)
    assert penalty(Decimal("18.25"), due, date(2026, 3, 2), RATES, Decimal("10")) == Decimal("0.01")
    # Two slices of 0.004 each: rounded separately they would be 0.00; at the end, 0.01.
    # 14.6 × 10 % × d / 365 = 0.004 × d; 1 day in each half-year.
    split = penalty(Decimal("14.6"), date(2026, 6, 29), date(2026, 7, 1), RATES, Decimal("10"))
    assert split == Decimal("0.01")  # 2 days × 0.004 = 0.008


def test_the_claim_adds_40_euros_per_late_invoice_and_lists_each() -> None:
    as_of = date(2026, 3, 2)
    invoices = [
        (1, Decimal("1000"), date(2026, 1, 31)),  # 30 days: 9.99
        (
            2,
            Decimal("500"),
            date(2026, 2, 20),
        ),  # 10 days: 500 × 12.15 × 10 / 36500 = 1.664… -> 1.66
        (3, Decimal("800"), date(2026, 3, 2)),  # due today: not late
        (4, Decimal("-200"), date(2026, 1, 1)),  # a credit: nothing
    ]
    result = claim(CUSTOMER, invoices, as_of, RATES)
    assert [(li.entry, li.days_late, li.penalty, li.indemnity) for li in result.lines] == [
        (1, 30, Decimal("9.99"), Decimal("40.00")),
        (2, 10, Decimal("1.66"), Decimal("40.00")),
    ]
    assert (result.principal, result.penalties, result.indemnities) == (
        Decimal("1500"),
        Decimal("11.65"),
        Decimal("80.00"),
    )
    assert result.total == Decimal("1591.65")


def test_a_customer_flagged_no_penalty_is_charged_neither_penalties_nor_indemnity() -> None:
    flagged = CUSTOMER.model_copy(update={"no_penalty": True})
    result = claim(flagged, [(1, Decimal("1000"), date(2026, 1, 31))], date(2026, 3, 2), RATES)
    assert (result.principal, result.penalties, result.indemnities) == (
        Decimal("1000"),
        Decimal("0"),
        Decimal("0"),
    )


def test_a_missing_half_year_says_which_to_enter() -> None:
    with pytest.raises(MissingRate, match="2027-H1"):
        penalty(Decimal("1000"), date(2026, 12, 20), date(2027, 1, 10), RATES)


def test_rates_are_data_the_tenant_edits() -> None:
    assert half_year(date(2026, 6, 30)) == "2026-H1" and half_year(date(2026, 7, 1)) == "2026-H2"
    custom = RateTable(ecb={"2027-H1": Decimal("2")}, legal={"2027-H1": Decimal("3")})
    assert custom.annual_rate("2027-H1") == Decimal("12")
    assert custom.annual_rate("2027-H1", Decimal("1")) == Decimal("9")
    with pytest.raises(ValidationError, match="YYYY-H1"):
        RateTable(ecb={"2027-S1": Decimal("2")})
    with pytest.raises(ValidationError, match="between 0 and 100"):
        RateTable(ecb={"2027-H1": Decimal("-1")})
