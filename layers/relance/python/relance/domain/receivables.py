"""Who owes what: one summary per customer, and the figures a dashboard adds up.

Summaries are computed when a sync finishes (the finish already reads every open line of
the company once), so a customer list or a dashboard is one Query, not a ledger scan.
Amounts are as of the sync's date; days late are recomputed at read time from the oldest
due date, so they stay right between syncs. Each summary also carries the customer's
dunning profile (C3), which lists filter on and portfolio rules match. Pure: dates and
the tenant's profiles are parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from relance.domain.aging import BUCKETS, Ageable, BucketAmounts, bucket_for, days_late
from relance.domain.dunning.profiles import ProfileBook
from relance.domain.records import Customer

ZERO = Decimal("0")


class CustomerSummary(BaseModel):
    model_config = ConfigDict(extra="ignore")

    company: str
    number: str
    name: str = ""
    siret: str = ""
    email: str = ""
    city: str = ""
    rep_number: int | None = None
    dormant: bool = False
    no_reminder: bool = False
    as_of: date
    open_items: int = 0
    total: Decimal = ZERO
    overdue: Decimal = ZERO
    buckets: BucketAmounts = Field(default_factory=BucketAmounts)
    oldest_due: date | None = None  # oldest aging date among overdue debit items
    profile: str = ""  # dunning profile id (C3); "" until a sync or a save computed it
    # Follow-up figures (domain/followup.py Rollup): not from Sage, merged in at read time.
    open_disputes: int = 0
    disputed: Decimal = ZERO
    open_promises: int = 0
    promised: Decimal = ZERO
    broken_promises: int = 0
    flagged: bool = False

    def days_late(self, today: date) -> int:
        return max(0, days_late(self.oldest_due, today)) if self.oldest_due else 0


def summarize(
    company: str, customers: Iterable[Customer], lines: Iterable[Ageable], as_of: date
) -> list[CustomerSummary]:
    """A summary for every customer with open items or on file, as of a date."""
    summaries = {
        c.number: CustomerSummary(
            company=company,
            number=c.number,
            name=c.name,
            siret=c.siret,
            email=c.email,
            city=c.city,
            rep_number=c.rep_number,
            dormant=c.dormant,
            no_reminder=c.no_reminder,
            as_of=as_of,
        )
        for c in customers
    }
    for line in lines:
        s = summaries.setdefault(
            line.customer,
            CustomerSummary(company=company, number=line.customer, as_of=as_of),
        )
        s.open_items += 1
        s.total += line.amount
        late = days_late(line.aging_date, as_of)
        s.buckets.add(bucket_for(late), line.amount)
        if late > 0:
            s.overdue += line.amount
            if line.amount > 0 and (s.oldest_due is None or line.aging_date < s.oldest_due):
                s.oldest_due = line.aging_date
    return sorted(summaries.values(), key=lambda s: s.number)


def with_profiles(
    summaries: Iterable[CustomerSummary],
    customers: Mapping[str, Customer],
    book: ProfileBook,
    chosen: Mapping[str, str],
) -> list[CustomerSummary]:
    """The summaries with each customer's profile (C3), as the nightly run would pick it:
    by hand (`chosen`, by number), else by the rules on its Sage record (`customers`, by
    number; a customer with lines but no record has an empty one) and its outstanding, the
    summary's total, else the default. Summaries keep their other figures."""
    found = []
    for s in summaries:
        customer = customers.get(s.number) or Customer(company=s.company, number=s.number)
        profile = book.profile_for(customer, s.total, chosen.get(s.number))
        found.append(s if s.profile == profile else s.model_copy(update={"profile": profile}))
    return found


class Dashboard(BaseModel):
    as_of: date | None
    customers: int
    customers_overdue: int
    total: Decimal
    overdue: Decimal
    buckets: BucketAmounts
    disputes_open: int
    disputed: Decimal
    promises_open: int
    promised: Decimal
    broken_promises: int
    flagged: int
    top_debtors: list[CustomerSummary]


def dashboard(summaries: Iterable[CustomerSummary], top: int = 10) -> Dashboard:
    """The home page figures for whatever set of summaries the caller may see."""
    rows = list(summaries)
    buckets = BucketAmounts()
    for s in rows:
        for b in BUCKETS:
            buckets.add(b, getattr(s.buckets, b))
    return Dashboard(
        as_of=max((s.as_of for s in rows), default=None),
        customers=len(rows),
        customers_overdue=sum(1 for s in rows if s.overdue > 0),
        total=sum((s.total for s in rows), ZERO),
        overdue=sum((s.overdue for s in rows), ZERO),
        buckets=buckets,
        disputes_open=sum(s.open_disputes for s in rows),
        disputed=sum((s.disputed for s in rows), ZERO),
        promises_open=sum(s.open_promises for s in rows),
        promised=sum((s.promised for s in rows), ZERO),
        broken_promises=sum(s.broken_promises for s in rows),
        flagged=sum(1 for s in rows if s.flagged),
        top_debtors=sorted(rows, key=lambda s: (-s.total, s.company, s.number))[:top],
    )
