"""Cash-in forecast (V6): expected cash per ISO week or month, against the cash objective.

Each open item's predicted payment date puts its amount in one period, from the period
holding as_of to the one holding the horizon; what is predicted later is reported apart
("beyond"), so the periods plus beyond add up to the open receivables to the cent.
An amount already expected before as_of (cannot happen with predict.py, may with other
inputs) counts in the first period: it is still to be collected. Pure.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal, Protocol

Granularity = Literal["week", "month"]
ZERO = Decimal("0")


class Expected(Protocol):
    @property
    def amount(self) -> Decimal: ...
    @property
    def expected_on(self) -> date: ...


def period_key(day: date, granularity: Granularity) -> str:
    """'2026-W27' (ISO week) or '2026-07'."""
    if granularity == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def period_bounds(day: date, granularity: Granularity) -> tuple[date, date]:
    if granularity == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date
    expected: Decimal  # predicted to come in during the period (not yet collected)
    collected: Decimal  # already collected in the period, up to as_of
    objective: Decimal | None  # the tenant's cash objective for the period, if set

    @property
    def outlook(self) -> Decimal:
        return self.collected + self.expected

    @property
    def gap(self) -> Decimal | None:
        """What is missing to reach the objective (negative: above it)."""
        return None if self.objective is None else self.objective - self.outlook


@dataclass(frozen=True)
class CashForecast:
    granularity: Granularity
    as_of: date
    periods: tuple[Period, ...]
    beyond: Decimal  # predicted after the last period
    open_total: Decimal  # all open items given

    @property
    def expected_total(self) -> Decimal:
        return sum((p.expected for p in self.periods), ZERO)


def cash_forecast(
    predictions: Iterable[Expected],
    as_of: date,
    horizon: date,
    granularity: Granularity,
    *,
    objectives: Mapping[str, Decimal] | None = None,
    collections: Sequence[tuple[date, Decimal]] = (),
) -> CashForecast:
    """Periods from as_of's to horizon's (whole periods); collections are (date, amount)."""
    if horizon < as_of:
        raise ValueError("horizon is before as_of")
    objectives = objectives or {}
    bounds: list[tuple[date, date]] = []
    start, end = period_bounds(as_of, granularity)
    while start <= horizon:
        bounds.append((start, end))
        start, end = period_bounds(end + timedelta(days=1), granularity)
    last_day = bounds[-1][1]
    expected = [ZERO] * len(bounds)
    beyond = ZERO
    open_total = ZERO
    for p in predictions:
        open_total += p.amount
        if p.expected_on > last_day:
            beyond += p.amount
            continue
        day = max(p.expected_on, as_of)
        index = next(i for i, (_s, e) in enumerate(bounds) if day <= e)
        expected[index] += p.amount
    periods = []
    for (s, e), amount in zip(bounds, expected, strict=True):
        collected = sum((a for d, a in collections if s <= d <= min(e, as_of)), ZERO)
        key = period_key(s, granularity)
        periods.append(Period(key, s, e, amount, collected, objectives.get(key)))
    return CashForecast(granularity, as_of, tuple(periods), beyond, open_total)
