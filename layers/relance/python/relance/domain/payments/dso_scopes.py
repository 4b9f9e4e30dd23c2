"""DSO per scope and month (V8): the figures a month's DSO is computed from, kept per
company and per collector so that any scope's DSO is a sum of figures, not of DSOs.

A DSO cannot be added up (two companies' DSOs say nothing of the pair's), but its inputs
can: the open receivables and the sales per month. So a sync's finish keeps, per company
and per collector's share of it, those figures as of that day; the tenant's (or a
collector's across companies) are their sums, computed when read. Both methods read the
same figures, so switching the tenant's method shows the whole history at once.
Pure: the date is a parameter.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, Field

from relance.domain.payments.dso import Method, dso
from relance.domain.records import Journal

ZERO = Decimal("0")
SALES_JOURNAL = 1  # JO_Type of a sales journal in Sage 100
WINDOW_MONTHS = 24  # the count-back method walks back at most this far (dso.py)


class DsoSettings(BaseModel):
    """The tenant's DSO method (version 0: the default, never saved)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    method: Method = "count_back"
    version: int = Field(default=0, ge=0)


class DsoSettingsBody(DsoSettings):
    method: Method
    version: int = Field(ge=0)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def window_start(as_of: date) -> date:
    """First day of the oldest month the count-back may reach from as_of."""
    index = as_of.year * 12 + as_of.month - 1 - (WINDOW_MONTHS - 1)
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class Figures:
    """What a scope's DSO is computed from: receivables at `as_of`, sales per month."""

    as_of: date
    receivables: Decimal = ZERO
    sales: dict[str, Decimal] = field(default_factory=dict)  # "yyyy-mm" -> invoiced amount

    def add(self, other: Figures) -> None:
        self.as_of = max(self.as_of, other.as_of)
        self.receivables += other.receivables
        for month, amount in other.sales.items():
            self.sales[month] = self.sales.get(month, ZERO) + amount

    def dso(self, method: Method) -> Decimal | None:
        by_day = {first_day(m): amount for m, amount in self.sales.items()}
        return dso(self.receivables, by_day, self.as_of, method)


class Line(Protocol):
    """What the DSO and the terms check read of a ledger line (LedgerLine, SettledLine and
    the lighter OpenLine a sync's finish reads fit)."""

    @property
    def company(self) -> str: ...
    @property
    def customer(self) -> str: ...
    @property
    def entry_number(self) -> int: ...
    @property
    def journal(self) -> str: ...
    @property
    def accounting_date(self) -> date: ...
    @property
    def due_date(self) -> date | None: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def opening_balance(self) -> bool: ...


class OpenLine(NamedTuple):
    """An open ledger line as read for the DSO: only the attributes it needs (reading whole
    lines cost twice as long on a large ledger: bench/dso.py)."""

    company: str
    customer: str
    entry_number: int
    journal: str
    accounting_date: date
    due_date: date | None
    amount: Decimal
    opening_balance: bool = False


def sales_journals(journals: Iterable[Journal]) -> frozenset[str]:
    return frozenset(j.code for j in journals if j.type == SALES_JOURNAL)


def is_sale(line: Line, journals: frozenset[str]) -> bool:
    """An invoice: a debit of a sales journal (every debit when no journal is known), not
    an opening-balance copy (its invoice was counted in its own year)."""
    if line.amount <= ZERO or line.opening_balance:
        return False
    return not journals or line.journal in journals


def customer_figures(
    open_lines: Sequence[Line],
    settled_lines: Iterable[Line],
    journals: frozenset[str],
    as_of: date,
    owed: Iterable[Line] | None = None,
) -> dict[str, Figures]:
    """Per customer: its open balance at as_of (the `owed` lines; every open line when not
    given), and its sales of the window's months up to as_of (open and settled invoices
    together are every invoice of 24 months)."""
    out: dict[str, Figures] = defaultdict(lambda: Figures(as_of))
    start = window_start(as_of)
    for line in open_lines if owed is None else owed:
        out[line.customer].receivables += line.amount
    for line in itertools.chain(open_lines, settled_lines):
        if is_sale(line, journals) and start <= line.accounting_date <= as_of:
            sales = out[line.customer].sales
            month = month_of(line.accounting_date)
            sales[month] = sales.get(month, ZERO) + line.amount
    return dict(out)


def scope_figures(
    per_customer: Mapping[str, Figures], customers: Iterable[str], as_of: date
) -> Figures:
    total = Figures(as_of)
    for number in customers:
        if number in per_customer:
            total.add(per_customer[number])
    return total


Scope = Literal["tenant", "company", "collector"]


@dataclass(frozen=True)
class MonthPoint:
    month: str
    as_of: date
    receivables: Decimal
    count_back: Decimal | None
    simple: Decimal | None


def series(parts: Iterable[tuple[str, Figures]]) -> list[MonthPoint]:
    """One point per month from the stored figures (month, figures) of the parts of a
    scope: summed per month, then both methods, oldest month first."""
    months: dict[str, Figures] = {}
    for month, figures in parts:
        if month not in months:
            months[month] = Figures(figures.as_of)
        months[month].add(figures)
    return [
        MonthPoint(m, f.as_of, f.receivables, f.dso("count_back"), f.dso("simple"))
        for m, f in sorted(months.items())
    ]
