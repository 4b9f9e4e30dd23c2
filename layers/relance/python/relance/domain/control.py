"""Aged-balance control (S6): Sage's aged balance against Relance's, to the cent."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from relance.domain.aging import BUCKETS, AgedBalance, Bucket, BucketAmounts

CENT = Decimal("0.01")


class Difference(BaseModel):
    model_config = ConfigDict(frozen=True)

    customer: str
    bucket: Bucket
    sage: Decimal
    relance: Decimal

    @property
    def gap(self) -> Decimal:
        return self.relance - self.sage


class ControlReport(BaseModel):
    company: str
    as_of: str
    sage_total: BucketAmounts
    relance_total: BucketAmounts
    customers_compared: int
    differences: list[Difference]

    @property
    def matches(self) -> bool:
        return not self.differences


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT)


def compare(sage: AgedBalance, relance: AgedBalance) -> ControlReport:
    """Every customer and bucket where the two balances differ by a cent or more.

    Amounts are compared rounded to the cent, as the accountants' control is: Sage keeps
    six decimals, and sub-cent noise is not a difference anyone can act on.
    """
    differences: list[Difference] = []
    zero = BucketAmounts()
    for customer in sorted(set(sage.customers) | set(relance.customers)):
        s = sage.customers.get(customer, zero)
        r = relance.customers.get(customer, zero)
        for bucket in BUCKETS:
            s_amount, r_amount = _cents(getattr(s, bucket)), _cents(getattr(r, bucket))
            if s_amount != r_amount:
                differences.append(
                    Difference(customer=customer, bucket=bucket, sage=s_amount, relance=r_amount)
                )
    return ControlReport(
        company=sage.company,
        as_of=sage.as_of.isoformat(),
        sage_total=sage.total,
        relance_total=relance.total,
        customers_compared=len(set(sage.customers) | set(relance.customers)),
        differences=differences,
    )
