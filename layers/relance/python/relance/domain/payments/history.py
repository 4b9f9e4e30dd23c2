"""Payment history: each settled invoice with its due date and the date it was paid.

In Sage 100 a settlement is a lettered group: the invoice line(s) and the payment line(s)
of one customer sharing an uppercase EC_Lettrage. The group is settled on the date of its
latest credit line (the payment that completed it); every invoice of the group takes that
date. Lowercase codes are provisional (pre-lettered, partly paid): still open, not history.
Pure: no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from relance.domain.records import LedgerLine

ZERO = Decimal("0")


@dataclass(frozen=True)
class SettledInvoice:
    """One invoice and when it was paid. `amount` is the invoice's debit, in EUR."""

    company: str
    customer: str
    entry_number: int
    invoice_date: date
    due_date: date
    amount: Decimal
    paid_on: date

    @property
    def days_late(self) -> int:
        """Signed: negative when paid before the due date."""
        return (self.paid_on - self.due_date).days

    @property
    def days_to_pay(self) -> int:
        return (self.paid_on - self.invoice_date).days


def settled_invoices(lines: Iterable[LedgerLine]) -> list[SettledInvoice]:
    """The settled invoices found in ledger lines (open lines are ignored).

    A group with no credit line (debits lettered together, e.g. a transfer to 416) has no
    payment date and is skipped. An opening-balance copy (RAN) keeps the original due date,
    which is what lateness counts from; its accounting date (1 January) stands in for the
    invoice date, so `days_to_pay` is short for those few invoices.
    """
    groups: dict[tuple[str, str, str], list[LedgerLine]] = defaultdict(list)
    for line in lines:
        if line.lettering and not line.pre_lettered:
            groups[(line.company, line.customer, line.lettering)].append(line)
    out: list[SettledInvoice] = []
    for (company, customer, _code), group in groups.items():
        credits = [g.accounting_date for g in group if g.amount < ZERO]
        if not credits:
            continue
        paid_on = max(credits)
        for line in group:
            if line.amount <= ZERO:
                continue
            out.append(
                SettledInvoice(
                    company=company,
                    customer=customer,
                    entry_number=line.entry_number,
                    invoice_date=line.accounting_date,
                    due_date=line.aging_date,
                    amount=line.amount,
                    paid_on=paid_on,
                )
            )
    out.sort(key=lambda s: (s.company, s.customer, s.due_date, s.entry_number))
    return out


def by_customer(history: Iterable[SettledInvoice]) -> dict[tuple[str, str], list[SettledInvoice]]:
    """History grouped per (company, customer), each list in due-date order."""
    out: dict[tuple[str, str], list[SettledInvoice]] = defaultdict(list)
    for item in sorted(history, key=lambda s: (s.due_date, s.entry_number)):
        out[(item.company, item.customer)].append(item)
    return dict(out)


def weighted_days_late(items: Iterable[SettledInvoice], *, late_only: bool = True) -> float:
    """Amount-weighted average days late (early payments count as 0 when late_only)."""
    total = ZERO
    weighted = ZERO
    for item in items:
        days = max(0, item.days_late) if late_only else item.days_late
        total += item.amount
        weighted += item.amount * days
    return float(weighted / total) if total > ZERO else 0.0


@dataclass(frozen=True)
class OpenItem:
    """One open ledger line of a customer: what is still to be paid (signed: credits < 0)."""

    company: str
    customer: str
    entry_number: int
    invoice_date: date
    due_date: date
    amount: Decimal

    def days_overdue(self, as_of: date) -> int:
        return max(0, (as_of - self.due_date).days)


def open_items(lines: Iterable[LedgerLine]) -> list[OpenItem]:
    """Open items from synced open lines (unlettered or pre-lettered)."""
    return [
        OpenItem(
            company=line.company,
            customer=line.customer,
            entry_number=line.entry_number,
            invoice_date=line.accounting_date,
            due_date=line.aging_date,
            amount=line.amount,
        )
        for line in lines
        if not line.lettering or line.pre_lettered
    ]
