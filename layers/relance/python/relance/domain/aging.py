"""Aged balance: open amounts per customer in the buckets accountants use.

Buckets count days late from the item's aging date (due date, or accounting date when the
line has none) to the as-of date: not due (<= 0), 1-30, 31-60, 61-90, over 90.
Pure: the as-of date is a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Literal, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, Field

Bucket = Literal["not_due", "d1_30", "d31_60", "d61_90", "over_90"]
BUCKETS: tuple[Bucket, ...] = ("not_due", "d1_30", "d31_60", "d61_90", "over_90")
ZERO = Decimal("0")


def bucket_for(days_late: int) -> Bucket:
    if days_late <= 0:
        return "not_due"
    if days_late <= 30:
        return "d1_30"
    if days_late <= 60:
        return "d31_60"
    if days_late <= 90:
        return "d61_90"
    return "over_90"


def days_late(aging_date: date, as_of: date) -> int:
    return (as_of - aging_date).days


class BucketAmounts(BaseModel):
    """Signed amounts per bucket, in the accounting currency."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    not_due: Decimal = ZERO
    d1_30: Decimal = ZERO
    d31_60: Decimal = ZERO
    d61_90: Decimal = ZERO
    over_90: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum((getattr(self, b) for b in BUCKETS), ZERO)

    def add(self, bucket: Bucket, amount: Decimal) -> None:
        setattr(self, bucket, getattr(self, bucket) + amount)


class AgedBalance(BaseModel):
    """One company's aged balance as of a date: per customer, and the company total."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    company: str
    as_of: date
    customers: dict[str, BucketAmounts] = Field(default_factory=dict)

    @property
    def total(self) -> BucketAmounts:
        total = BucketAmounts()
        for amounts in self.customers.values():
            for b in BUCKETS:
                total.add(b, getattr(amounts, b))
        return total


class Ageable(Protocol):
    """What aging needs of an open item (a LedgerLine has it)."""

    @property
    def customer(self) -> str: ...

    @property
    def aging_date(self) -> date: ...

    @property
    def amount(self) -> Decimal: ...


class AgingFact(NamedTuple):
    """The three facts aging reads, without the rest of the line (cheap bulk reads)."""

    customer: str
    aging_date: date
    amount: Decimal


def aged_balance(company: str, lines: Iterable[Ageable], as_of: date) -> AgedBalance:
    """Relance's aged balance of one company from its open ledger lines."""
    balance = AgedBalance(company=company, as_of=as_of)
    for line in lines:
        amounts = balance.customers.setdefault(line.customer, BucketAmounts())
        amounts.add(bucket_for(days_late(line.aging_date, as_of)), line.amount)
    return balance
