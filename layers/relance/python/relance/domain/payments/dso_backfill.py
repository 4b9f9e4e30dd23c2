"""Past months' DSO figures rebuilt from the payment history (V8), for a company's first
sync: its DSO chart starts with a year of history instead of one point.

A line was owed at a month's end if it was booked by then and, for a settled line, its
lettered group was not yet complete: the group is settled on the date of its latest line
(the one that made it balance). Open lines of today were owed at every date since their
own. Sales are those of the same lines (dso_scopes.customer_figures). Settled lines are
kept 24 months, so a year back every line open at the month's end is known. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Protocol

from relance.domain.payments.dso_scopes import Figures, Line, customer_figures

BACKFILL_MONTHS = 12


class SettledFacts(Line, Protocol):
    @property
    def lettering(self) -> str: ...


def month_ends_before(as_of: date, months: int = BACKFILL_MONTHS) -> list[date]:
    """The last days of the `months` months before as_of's month, latest first."""
    out = []
    day = as_of.replace(day=1) - timedelta(days=1)
    for _ in range(months):
        out.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return out


def settled_on(settled: Iterable[SettledFacts]) -> dict[tuple[str, str], date]:
    """(customer, lettering) -> the day its group became settled."""
    out: dict[tuple[str, str], date] = {}
    for line in settled:
        key = (line.customer, line.lettering)
        out[key] = max(out.get(key, line.accounting_date), line.accounting_date)
    return out


def figures_at(
    open_lines: Sequence[Line],
    settled: Sequence[SettledFacts],
    journals: frozenset[str],
    day: date,
) -> dict[str, Figures]:
    """Per customer, the figures as a sync on `day` would have found them."""
    closed = settled_on(settled)
    owed = [line for line in open_lines if line.accounting_date <= day]
    owed += [
        line
        for line in settled
        if line.accounting_date <= day < closed[(line.customer, line.lettering)]
    ]
    return customer_figures(open_lines, settled, journals, day, owed=owed)
