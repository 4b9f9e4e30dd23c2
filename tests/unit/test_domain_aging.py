"""Aged balance and its control: the buckets accountants read, and differences to the cent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from relance.domain.aging import BUCKETS, aged_balance, bucket_for
from relance.domain.control import compare
from relance.domain.records import LedgerLine

AS_OF = date(2026, 11, 23)


def line(no: int, amount: str, due: date | None, customer: str = "C1") -> LedgerLine:
    return LedgerLine(
        company="BIJOU",
        entry_number=no,
        journal="VTE",
        accounting_date=date(2026, 6, 1),
        due_date=due,
        general_account="4110000",
        customer=customer,
        amount=Decimal(amount),
    )


def test_bucket_edges_are_the_ones_in_the_sage_report() -> None:
    assert [bucket_for(d) for d in (-5, 0, 1, 30, 31, 60, 61, 90, 91)] == [
        "not_due",
        "not_due",
        "d1_30",
        "d1_30",
        "d31_60",
        "d31_60",
        "d61_90",
        "d61_90",
        "over_90",
    ]


def test_a_line_without_due_date_ages_from_its_accounting_date() -> None:
    balance = aged_balance("BIJOU", [line(1, "100", None)], AS_OF)  # 175 days after 1 June
    assert balance.customers["C1"].over_90 == Decimal("100")


def test_credits_net_against_invoices_in_their_own_bucket() -> None:
    lines = [
        line(1, "1200.00", AS_OF + timedelta(days=10)),
        line(2, "-200.00", AS_OF + timedelta(days=10)),
        line(3, "50.123456", AS_OF - timedelta(days=45)),
    ]
    amounts = aged_balance("BIJOU", lines, AS_OF).customers["C1"]
    assert amounts.not_due == Decimal("1000.00")
    assert amounts.d31_60 == Decimal("50.123456")
    assert amounts.total == Decimal("1050.123456")


def test_control_lists_each_customer_and_bucket_that_differs_by_a_cent() -> None:
    sage = aged_balance("BIJOU", [line(1, "100.00", AS_OF), line(2, "10", AS_OF, "C2")], AS_OF)
    ours = aged_balance("BIJOU", [line(1, "100.004", AS_OF), line(2, "9.99", AS_OF, "C2")], AS_OF)
    report = compare(sage, ours)
    assert not report.matches
    assert [(d.customer, d.bucket, d.gap) for d in report.differences] == [
        ("C2", "not_due", Decimal("-0.01"))
    ]


def test_control_sees_a_customer_missing_on_one_side() -> None:
    sage = aged_balance("BIJOU", [line(1, "5", AS_OF, "C9")], AS_OF)
    report = compare(sage, aged_balance("BIJOU", [], AS_OF))
    assert [(d.customer, d.sage, d.relance) for d in report.differences] == [
        ("C9", Decimal("5.00"), Decimal("0.00"))
    ]


amounts = st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False)
offsets = st.integers(min_value=-200, max_value=400)


@given(st.lists(st.tuples(amounts, offsets, st.sampled_from(["A", "B", "C"])), max_size=60))
def test_buckets_always_reconcile_to_the_total_open_balance(
    rows: list[tuple[Decimal, int, str]],
) -> None:
    lines = [
        line(i, str(a), AS_OF - timedelta(days=d), customer=c) for i, (a, d, c) in enumerate(rows)
    ]
    balance = aged_balance("BIJOU", lines, AS_OF)
    assert balance.total.total == sum((x.amount for x in lines), Decimal(0))
    assert sum((getattr(balance.total, b) for b in BUCKETS), Decimal(0)) == balance.total.total
    assert compare(balance, balance).matches
