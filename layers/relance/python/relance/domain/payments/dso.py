"""DSO (V8), days sales outstanding, by the two methods tenants ask for.

- simple: receivables / sales of the last N months x the days of those months;
- count-back (exhaustion): walk back month by month from the date, taking each month's
  sales out of the receivables; full months count all their days, the month that
  exhausts the balance counts days x what was left / its sales. It follows the actual
  recent sales, so a seasonal peak does not distort it as the simple method does.
Sales are invoiced amounts (debits of the sales journal on the customer accounts), per
month; receivables the open balance at the date. Per company, per collector or per
customer group: call with that group's figures. Pure, Decimal, rounded to 0.1 day.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Method = Literal["count_back", "simple"]
ZERO = Decimal("0")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class SalesPeriod:
    days: int
    sales: Decimal


def sales_by_month(invoices: Iterable[tuple[date, Decimal]]) -> dict[date, Decimal]:
    """Invoiced amount per month (keyed by the month's first day)."""
    out: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for day, amount in invoices:
        out[day.replace(day=1)] += amount
    return dict(out)


def periods_back(sales: Mapping[date, Decimal], as_of: date, months: int) -> list[SalesPeriod]:
    """The month of as_of (its days up to as_of) then the `months - 1` before, latest first."""
    out = []
    month = as_of.replace(day=1)
    for i in range(months):
        days = as_of.day if i == 0 else calendar.monthrange(month.year, month.month)[1]
        out.append(SalesPeriod(days, sales.get(month, ZERO)))
        month = (month - timedelta(days=1)).replace(day=1)
    return out


def _round(value: Decimal) -> Decimal:
    return value.quantize(TENTH, ROUND_HALF_UP)


def dso_simple(receivables: Decimal, periods: list[SalesPeriod]) -> Decimal | None:
    """None when there were no sales in the window (DSO undefined)."""
    sales = sum((p.sales for p in periods), ZERO)
    if sales <= ZERO:
        return None
    days = sum(p.days for p in periods)
    return _round(max(receivables, ZERO) / sales * days)


def dso_count_back(receivables: Decimal, periods: list[SalesPeriod]) -> Decimal:
    """Periods latest first. A balance larger than every sale given counts all the days."""
    left = max(receivables, ZERO)
    days = ZERO
    for p in periods:
        if left <= ZERO:
            break
        if p.sales > ZERO and left <= p.sales:
            days += Decimal(p.days) * left / p.sales
            left = ZERO
        else:
            days += p.days
            left -= max(p.sales, ZERO)
    return _round(days)


def dso(
    receivables: Decimal,
    sales: Mapping[date, Decimal],
    as_of: date,
    method: Method,
    *,
    simple_months: int = 3,
    count_back_months: int = 24,
) -> Decimal | None:
    if method == "simple":
        return dso_simple(receivables, periods_back(sales, as_of, simple_months))
    return dso_count_back(receivables, periods_back(sales, as_of, count_back_months))


def dso_history(
    month_ends: Iterable[date],
    receivables_at: Mapping[date, Decimal],
    sales: Mapping[date, Decimal],
    method: Method,
) -> list[tuple[date, Decimal | None]]:
    """DSO at each month end, for the chart over time."""
    return [(d, dso(receivables_at.get(d, ZERO), sales, d, method)) for d in month_ends]
