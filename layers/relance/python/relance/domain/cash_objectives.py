"""The tenant's cash objective per month (V6), for the whole tenant or one company.

Amounts are Decimal strings (a JSON float would carry binary noise into money). The
objective of a week is its month's prorated by calendar days (a week across two months
takes a share of each): the dashboard's weekly forecast compares with it. Pure.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CENT = Decimal("0.01")
MAX_OBJECTIVES = 600  # 10 companies and the tenant, over about four years


class CashObjective(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")  # 2026-11
    company: str | None = Field(default=None, min_length=1, max_length=40)  # None: the tenant
    amount: Decimal = Field(ge=0, max_digits=15, decimal_places=2)

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError('give the amount as a string, e.g. "125000.00"')
        return value


class CashObjectives(BaseModel):
    """The stored document: every objective, and its version (optimistic locking)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    objectives: list[CashObjective] = Field(default_factory=list, max_length=MAX_OBJECTIVES)
    version: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _one_per_month_and_scope(self) -> CashObjectives:
        seen: set[tuple[str, str | None]] = set()
        for o in self.objectives:
            if (o.month, o.company) in seen:
                where = o.company or "the tenant"
                raise ValueError(f"two objectives for {o.month} and {where}")
            seen.add((o.month, o.company))
        return self

    def for_month(self, month: str, company: str | None) -> Decimal | None:
        """The objective of a month for one company, or for the tenant (its own, else the
        sum of its companies' when only those are set); None when none is set."""
        own = [o.amount for o in self.objectives if o.month == month and o.company == company]
        if own:
            return own[0]
        if company is None:
            parts = [o.amount for o in self.objectives if o.month == month and o.company]
            if parts:
                return sum(parts, Decimal(0))
        return None

    def for_period(self, start: date, end: date, company: str | None) -> Decimal | None:
        """The objective of the days start..end: each month's objective prorated by the
        days of it the period covers (a whole month: its objective exactly); to the cent."""
        total = Decimal(0)
        found = False
        day = start
        while day <= end:
            days_in_month = calendar.monthrange(day.year, day.month)[1]
            month_end = day.replace(day=days_in_month)
            last = min(end, month_end)
            objective = self.for_month(f"{day.year}-{day.month:02d}", company)
            if objective is not None:
                found = True
                covered = (last - day).days + 1
                if covered == days_in_month:
                    total += objective
                else:
                    total += (objective * covered / days_in_month).quantize(CENT)
            day = last + timedelta(days=1)
        return total if found else None


class CashObjectivesBody(CashObjectives):
    version: int = Field(ge=0)  # the version read (0: never saved)
