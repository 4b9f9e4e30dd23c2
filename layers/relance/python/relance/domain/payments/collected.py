"""Cash collected, from the synced settled lines (V6, K1).

A payment is a credit line of a settled lettering group (uppercase EC_Lettrage, with at
least one debit: something was paid): it was collected on its accounting date, for its
amount. Not cash: the opening-balance copies (RAN: the payment is in an earlier year), and
credit lines of the sales journals (credit notes settle an invoice without money).
Partial payments still pre-lettered (lowercase) count once their group is settled.
Pure: dates are parameters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from relance.domain.records import LedgerLine

ZERO = Decimal("0")
Collected = list[tuple[date, Decimal]]  # (day, amount) in day order


def window_start(as_of: date) -> date:
    """The first day kept: the first of the previous month, so that yesterday, the month
    to date, the current week and 30 days back are always covered."""
    previous = as_of.replace(day=1) - timedelta(days=1)
    return previous.replace(day=1)


def collected_by_customer(
    settled: Iterable[LedgerLine], since: date, *, sales_journals: Collection[str] = ()
) -> dict[str, Collected]:
    """Cash collected per customer and day, from `since` on."""
    groups: dict[tuple[str, str], list[LedgerLine]] = defaultdict(list)
    for line in settled:
        if line.lettering and not line.pre_lettered:
            groups[(line.customer, line.lettering)].append(line)
    per_day: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for (customer, _code), group in groups.items():
        if not any(g.amount > ZERO for g in group):
            continue
        for line in group:
            if line.amount >= ZERO or line.opening_balance or line.journal in sales_journals:
                continue
            if line.accounting_date >= since:
                per_day[customer][line.accounting_date] -= line.amount
    return {c: sorted(days.items()) for c, days in sorted(per_day.items())}


def per_day(collected: Iterable[Collected]) -> dict[date, Decimal]:
    """Several customers' collections summed per day."""
    out: dict[date, Decimal] = defaultdict(Decimal)
    for entries in collected:
        for day, amount in entries:
            out[day] += amount
    return dict(out)


def between(days: Mapping[date, Decimal], start: date, end: date) -> Decimal:
    return sum((a for d, a in days.items() if start <= d <= end), ZERO)


@dataclass(frozen=True)
class CollectedToDate:
    yesterday: Decimal
    week_to_date: Decimal  # Monday to today
    month_to_date: Decimal  # the 1st to today

    def as_json(self) -> dict[str, str]:
        return {
            "yesterday": str(self.yesterday),
            "week_to_date": str(self.week_to_date),
            "month_to_date": str(self.month_to_date),
        }


def to_date(days: Mapping[date, Decimal], today: date) -> CollectedToDate:
    yesterday = today - timedelta(days=1)
    monday = today - timedelta(days=today.weekday())
    return CollectedToDate(
        between(days, yesterday, yesterday),
        between(days, monday, today),
        between(days, today.replace(day=1), today),
    )


def last_days(days: Mapping[date, Decimal], today: date, count: int = 30) -> Collected:
    """The `count` days before today (today excluded: a sync has not seen it), zeros kept."""
    first = today - timedelta(days=count)
    return [(first + timedelta(days=i), days.get(first + timedelta(days=i), ZERO))
            for i in range(count)]  # fmt: skip
