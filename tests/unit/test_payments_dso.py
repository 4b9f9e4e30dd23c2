"""DSO by the count-back and simple methods, against examples computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relance.domain.payments.dso import dso, dso_history, periods_back, sales_by_month

D = Decimal
# Sales per month of a company (keyed by the month's first day).
SALES = {
    date(2026, 1, 1): D("20000.00"),
    date(2026, 2, 1): D("10000.00"),
    date(2026, 3, 1): D("15000.00"),
}


def test_simple_method_is_receivables_over_three_months_sales_times_their_days() -> None:
    # 30,000 / (20,000 + 10,000 + 15,000) x (31 + 28 + 31) = 60 days.
    assert dso(D("30000.00"), SALES, date(2026, 3, 31), "simple") == D("60.0")


def test_count_back_takes_each_month_out_latest_first() -> None:
    # March (31 d) absorbs 15,000, February (28 d) 10,000, the 5,000 left are a quarter
    # of January's sales: 31 + 28 + 31 x 5,000 / 20,000 = 66.75 -> 66.8.
    assert dso(D("30000.00"), SALES, date(2026, 3, 31), "count_back") == D("66.8")


def test_count_back_in_the_middle_of_a_month_counts_the_days_so_far() -> None:
    sales = {date(2026, 3, 1): D("6000"), date(2026, 2, 1): D("14000")}
    # 15 days of March take 6,000 of 8,000; 2,000 / 14,000 of February's 28 days = 4.
    assert dso(D("8000"), sales, date(2026, 3, 15), "count_back") == D("19.0")
    # Simple over 3 months: 8,000 / 20,000 x (15 + 28 + 31) = 29.6.
    assert dso(D("8000"), sales, date(2026, 3, 15), "simple") == D("29.6")


def test_methods_differ_after_a_sales_peak() -> None:
    # A big March: the count-back follows it (few days), the simple method averages it.
    sales = {date(2026, 1, 1): D("5000"), date(2026, 2, 1): D("5000"), date(2026, 3, 1): D("50000")}
    assert dso(D("25000"), sales, date(2026, 3, 31), "count_back") == D("15.5")
    assert dso(D("25000"), sales, date(2026, 3, 31), "simple") == D("37.5")


def test_no_receivables_is_zero_days_and_no_sales_is_undefined_for_simple() -> None:
    assert dso(D("0"), SALES, date(2026, 3, 31), "count_back") == D("0.0")
    assert dso(D("-50"), SALES, date(2026, 3, 31), "simple") == D("0.0")
    assert dso(D("1000"), {}, date(2026, 3, 31), "simple") is None


def test_count_back_counts_every_day_when_sales_cannot_cover_the_balance() -> None:
    result = dso(D("99999"), SALES, date(2026, 2, 28), "count_back", count_back_months=2)
    assert result == D("59.0")  # February 28 days + January 31 days, both exhausted


def test_sales_by_month_and_history() -> None:
    sales = sales_by_month(
        [
            (date(2026, 1, 5), D("100.10")),
            (date(2026, 1, 31), D("0.90")),
            (date(2026, 2, 1), D("50")),
        ]
    )
    assert sales == {date(2026, 1, 1): D("101.00"), date(2026, 2, 1): D("50")}
    periods = periods_back(sales, date(2026, 2, 28), 2)
    assert [(p.days, p.sales) for p in periods] == [(28, D("50")), (31, D("101.00"))]
    history = dso_history(
        [date(2026, 1, 31), date(2026, 2, 28)],
        {date(2026, 1, 31): D("101.00"), date(2026, 2, 28): D("75")},
        sales,
        "count_back",
    )
    # January: the whole month's sales outstanding = 31 days. February: 50 of 75 in
    # February (28 d), 25 / 101 of January's 31 days = 7.67 -> 35.7.
    assert history == [(date(2026, 1, 31), D("31.0")), (date(2026, 2, 28), D("35.7"))]
