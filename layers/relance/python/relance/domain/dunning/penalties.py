"""B1: late-payment penalties and the fixed recovery indemnity (Code de commerce).

- L441-10 II: penalties run from the day after the due date, at the ECB main refinancing
  rate + 10 points; the ECB rate of a half-year is the one in force on 1 January
  (H1) or 1 July (H2). A contract may set another rate, never below 3 × the legal
  interest rate (professional case, "autres cas") of that half-year: the floor is applied
  to every rate, the default one included (it never binds there in practice).
- Penalty = amount × annual rate × days late / 365, simple interest, computed per
  half-year slice: a late period over two half-years uses each half-year's rate for its
  own days. 365 even in leap years, as the formula says.
- D441-5: 40 € per late unpaid invoice, whatever the days late; no VAT on it.
- A customer flagged CT_NotPenal (Customer.no_penalty) is charged neither (our reading:
  the flag means "no late-payment charges").

Decimal throughout. Rounding happens once per invoice, at the end of its computation, to
the cent with ROUND_HALF_UP; a claim's total is the sum of its rounded lines, so the
table in a letter adds up. Rates are percent per year and DATA: each half-year is a row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from relance.domain.records import Customer

CENT = Decimal("0.01")
DAYS_PER_YEAR = Decimal(365)
HUNDRED = Decimal(100)
ZERO = Decimal("0")
INDEMNITY = Decimal("40.00")  # D441-5, per invoice

# Percent per year, by half-year ("YYYY-H1" from 1 January, "YYYY-H2" from 1 July).
# Defaults only: EACH TENANT MUST CHECK AND UPDATE THEM (Banque de France publishes the ECB
# rate in force on 1 January / 1 July; the legal rate is set by an arrêté every
# half-year). 2026-H2 repeats 2026-H1 until the official figures are entered.
ECB_RATES: dict[str, Decimal] = {
    "2023-H1": Decimal("2.50"),
    "2023-H2": Decimal("4.00"),
    "2024-H1": Decimal("4.50"),
    "2024-H2": Decimal("4.25"),
    "2025-H1": Decimal("3.15"),
    "2025-H2": Decimal("2.15"),
    "2026-H1": Decimal("2.15"),
    "2026-H2": Decimal("2.15"),  # provisional: check
}
# Taux de l'intérêt légal, "tous les autres cas" (creditor acting professionally).
LEGAL_RATES: dict[str, Decimal] = {
    "2023-H1": Decimal("2.06"),
    "2023-H2": Decimal("4.22"),
    "2024-H1": Decimal("5.07"),
    "2024-H2": Decimal("4.92"),
    "2025-H1": Decimal("3.71"),
    "2025-H2": Decimal("2.76"),
    "2026-H1": Decimal("2.62"),  # decree of 15 Dec 2025: floor 7.86 %
    "2026-H2": Decimal("2.62"),  # provisional: check
}
HALF_YEAR_PATTERN = r"^\d{4}-H[12]$"


class MissingRate(LookupError):
    """A half-year with no rate in the table: the tenant must enter it."""


def half_year(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def half_year_bounds(key: str) -> tuple[date, date]:
    """First and last day of a half-year key."""
    year, half = int(key[:4]), key[-1]
    if half == "1":
        return date(year, 1, 1), date(year, 6, 30)
    return date(year, 7, 1), date(year, 12, 31)


class RateTable(BaseModel):
    """The tenant's rates, editable: one row per half-year."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    ecb: dict[str, Decimal] = Field(default_factory=lambda: dict(ECB_RATES))
    legal: dict[str, Decimal] = Field(default_factory=lambda: dict(LEGAL_RATES))
    margin_points: Decimal = Field(default=Decimal("10"), ge=0, le=50)
    floor_multiple: Decimal = Field(default=Decimal("3"), ge=0, le=10)

    @field_validator("ecb", "legal")
    @classmethod
    def _rows(cls, rows: dict[str, Decimal]) -> dict[str, Decimal]:
        for key, rate in rows.items():
            if not re.match(HALF_YEAR_PATTERN, key):
                raise ValueError(f"{key}: a half-year is written YYYY-H1 or YYYY-H2")
            if not ZERO <= rate < HUNDRED:
                raise ValueError(f"{key}: a rate is a percentage between 0 and 100")
        return rows

    def annual_rate(self, half: str, contractual: Decimal | None = None) -> Decimal:
        """Percent per year for a half-year: the contract's rate or ECB + 10 points, never
        below 3 × the legal rate."""
        try:
            base = contractual if contractual is not None else self.ecb[half] + self.margin_points
            floor = self.floor_multiple * self.legal[half]
        except KeyError:
            raise MissingRate(f"no ECB or legal rate for {half}: enter it in the rates") from None
        return max(base, floor)


class Slice(NamedTuple):
    half: str
    start: date  # first late day in this half-year
    end: date  # last late day in this half-year (inclusive)
    days: int
    rate: Decimal  # percent per year
    amount: Decimal  # not rounded


class InvoicePenalty(NamedTuple):
    entry: int
    principal: Decimal
    due_date: date
    days_late: int
    slices: tuple[Slice, ...]
    penalty: Decimal  # rounded to the cent
    indemnity: Decimal


class Claim(NamedTuple):
    lines: tuple[InvoicePenalty, ...]
    principal: Decimal
    penalties: Decimal
    indemnities: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.penalties + self.indemnities


def penalty_slices(
    amount: Decimal,
    due_date: date,
    as_of: date,
    rates: RateTable,
    contractual: Decimal | None = None,
) -> tuple[Slice, ...]:
    """The late period (the day after the due date to `as_of`, inclusive) cut at half-year
    ends, each slice at its half-year's rate."""
    start, end = due_date + timedelta(days=1), as_of
    slices: list[Slice] = []
    while start <= end:
        key = half_year(start)
        stop = min(end, half_year_bounds(key)[1])
        days = (stop - start).days + 1
        rate = rates.annual_rate(key, contractual)
        interest = amount * rate * days / HUNDRED / DAYS_PER_YEAR
        slices.append(Slice(key, start, stop, days, rate, interest))
        start = stop + timedelta(days=1)
    return tuple(slices)


def to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def penalty(
    amount: Decimal,
    due_date: date,
    as_of: date,
    rates: RateTable,
    contractual: Decimal | None = None,
) -> Decimal:
    """Penalties on one amount, rounded to the cent (half up) at the end."""
    slices = penalty_slices(amount, due_date, as_of, rates, contractual)
    return to_cent(sum((s.amount for s in slices), ZERO))


def claim(
    customer: Customer,
    invoices: Iterable[tuple[int, Decimal, date]],
    as_of: date,
    rates: RateTable,
    contractual: Decimal | None = None,
) -> Claim:
    """What may be claimed on late invoices (entry, open amount, due date): principal,
    penalties and 40 € each. Credits and items not yet late carry neither."""
    lines: list[InvoicePenalty] = []
    for entry, principal, due in invoices:
        days = (as_of - due).days
        if principal <= 0 or days <= 0:
            continue
        if customer.no_penalty:
            lines.append(InvoicePenalty(entry, principal, due, days, (), ZERO, ZERO))
            continue
        slices = penalty_slices(principal, due, as_of, rates, contractual)
        amount = to_cent(sum((s.amount for s in slices), ZERO))
        lines.append(InvoicePenalty(entry, principal, due, days, slices, amount, INDEMNITY))
    return Claim(
        lines=tuple(lines),
        principal=sum((li.principal for li in lines), ZERO),
        penalties=sum((li.penalty for li in lines), ZERO),
        indemnities=sum((li.indemnity for li in lines), ZERO),
    )
