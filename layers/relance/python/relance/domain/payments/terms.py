"""Payment-terms compliance (B2): invoices whose terms exceed the legal caps.

Code de commerce L441-10 I: at most 60 days from the invoice date or, when the contract
says so, 45 days end of month, counted either as end of month + 45 days or as + 45 days
then end of month. Relance cannot read contracts, so it flags only what no reading
allows: a due date after the latest of the three caps. (Periodic summary invoices have a
45-day cap of their own, which Sage does not mark: not checked.) Pure.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

ZERO = Decimal("0")


def _end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def legal_cap(invoice_date: date) -> date:
    """The latest due date any legal reading allows for an invoice of that date."""
    return max(
        invoice_date + timedelta(days=60),
        _end_of_month(invoice_date) + timedelta(days=45),
        _end_of_month(invoice_date + timedelta(days=45)),
    )


@dataclass(frozen=True)
class TermsBreach:
    company: str
    customer: str
    entry_number: int
    invoice_date: date
    due_date: date
    amount: Decimal
    cap: date

    @property
    def term_days(self) -> int:
        return (self.due_date - self.invoice_date).days

    @property
    def excess_days(self) -> int:
        return (self.due_date - self.cap).days


@dataclass(frozen=True)
class CustomerTerms:
    company: str
    customer: str
    breaches: int
    amount: Decimal
    longest_term_days: int


class Invoice(Protocol):
    """What the check reads from an invoice (history.OpenItem and SettledInvoice fit)."""

    @property
    def company(self) -> str: ...
    @property
    def customer(self) -> str: ...
    @property
    def entry_number(self) -> int: ...
    @property
    def invoice_date(self) -> date: ...
    @property
    def due_date(self) -> date: ...
    @property
    def amount(self) -> Decimal: ...


def breaches(invoices: Iterable[Invoice]) -> list[TermsBreach]:
    """Invoices (positive amounts) due later than the legal cap, longest excess first."""
    out = [
        TermsBreach(
            i.company, i.customer, i.entry_number, i.invoice_date, i.due_date, i.amount, cap
        )
        for i in invoices
        if i.amount > ZERO and i.due_date > (cap := legal_cap(i.invoice_date))
    ]
    out.sort(key=lambda b: (-b.excess_days, b.company, b.customer, b.entry_number))
    return out


def by_customer(found: Iterable[TermsBreach]) -> list[CustomerTerms]:
    """The admin's list: customers with breaches, the most invoices first."""
    groups: dict[tuple[str, str], list[TermsBreach]] = defaultdict(list)
    for b in found:
        groups[(b.company, b.customer)].append(b)
    out = [
        CustomerTerms(
            company,
            customer,
            len(items),
            sum((b.amount for b in items), ZERO),
            max(b.term_days for b in items),
        )
        for (company, customer), items in groups.items()
    ]
    out.sort(key=lambda c: (-c.breaches, -c.amount, c.company, c.customer))
    return out
