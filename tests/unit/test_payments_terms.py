"""Payment-terms compliance (B2): only what no legal reading of the caps allows is flagged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relance.domain.payments import OpenItem, breaches, legal_cap
from relance.domain.payments.terms import by_customer


def test_the_cap_is_the_latest_of_60_days_and_both_45_days_end_of_month_readings() -> None:
    assert legal_cap(date(2026, 1, 1)) == date(2026, 3, 17)  # end of January + 45 days
    assert legal_cap(date(2026, 1, 20)) == date(2026, 3, 31)  # + 45 d = Mar 6 -> end of March
    assert legal_cap(date(2026, 1, 31)) == date(2026, 4, 1)  # 60 days


def test_invoices_beyond_every_cap_are_listed_per_customer() -> None:
    def inv(customer: str, entry: int, day: date, due: date, amount: str = "100") -> OpenItem:
        return OpenItem("C1", customer, entry, day, due, Decimal(amount))

    found = breaches(
        [
            inv("A", 1, date(2026, 1, 1), date(2026, 3, 17)),  # exactly at the cap: fine
            inv("A", 2, date(2026, 1, 1), date(2026, 4, 1)),  # 90 days: 15 days too long
            inv("A", 3, date(2026, 1, 20), date(2026, 4, 2)),  # 2 days past Mar 31
            inv("B", 4, date(2026, 1, 1), date(2026, 3, 25)),
            inv("B", 5, date(2026, 1, 1), date(2026, 6, 1), "-40"),  # a credit note: no terms
        ]
    )
    assert [(b.entry_number, b.excess_days) for b in found] == [(2, 15), (4, 8), (3, 2)]
    summary = by_customer(found)
    assert [(c.customer, c.breaches, c.amount, c.longest_term_days) for c in summary] == [
        ("A", 2, Decimal("200"), 90),
        ("B", 1, Decimal("100"), 83),
    ]
