"""The admin's payment-terms report (B2) of one company, as a sync's finish leaves it.

Sage 100 keeps a customer's payment terms in F_REGLEMENTT, which Relance does not sync;
what every invoice does carry is its date and its due date, i.e. the terms actually
granted. So a customer's terms are read from its invoices of the last 12 months (open or
settled): a customer is listed when any of them was due beyond the legal cap (terms.py),
with its longest term. The open invoices over the cap are listed one by one: those are
the ones a collector can still have corrected. Pure: the date is a parameter.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from relance.domain.payments.dso_scopes import Line, is_sale
from relance.domain.payments.terms import TermsBreach, breaches, by_customer

LOOK_BACK = timedelta(days=365)
# One DynamoDB item holds 400 KB; ~130 bytes an invoice row.
MAX_INVOICES_KEPT = 2000


@dataclass(frozen=True)
class _Invoice:
    company: str
    customer: str
    entry_number: int
    invoice_date: date
    due_date: date
    amount: Any


def _invoices(lines: Iterable[Line], journals: frozenset[str]) -> list[_Invoice]:
    return [
        _Invoice(
            line.company,
            line.customer,
            line.entry_number,
            line.accounting_date,
            line.due_date,
            line.amount,
        )
        for line in lines
        if is_sale(line, journals) and line.due_date is not None
    ]


def _invoice_row(b: TermsBreach) -> dict[str, Any]:
    return {
        "company": b.company,
        "customer": b.customer,
        "entry_number": b.entry_number,
        "invoice_date": b.invoice_date.isoformat(),
        "due_date": b.due_date.isoformat(),
        "cap": b.cap.isoformat(),
        "term_days": b.term_days,
        "excess_days": b.excess_days,
        "amount": str(b.amount),
    }


def terms_report(
    company: str,
    open_lines: Iterable[Line],
    settled_lines: Iterable[Line],
    journals: frozenset[str],
    as_of: date,
) -> dict[str, Any]:
    """{as_of, customers: [...], invoices: [...], invoices_total}, JSON-ready (amounts as
    text). Invoices longest excess first, capped at MAX_INVOICES_KEPT."""
    open_invoices = _invoices(open_lines, journals)
    recent = [
        i
        for i in itertools.chain(open_invoices, _invoices(settled_lines, journals))
        if i.invoice_date >= as_of - LOOK_BACK
    ]
    customers = by_customer(breaches(recent))
    over = breaches(open_invoices)
    return {
        "company": company,
        "as_of": as_of.isoformat(),
        "customers": [
            {
                "company": c.company,
                "customer": c.customer,
                "invoices_over_cap": c.breaches,
                "amount": str(c.amount),
                "longest_term_days": c.longest_term_days,
            }
            for c in customers
        ],
        "invoices": [_invoice_row(b) for b in over[:MAX_INVOICES_KEPT]],
        "invoices_total": len(over),
    }
