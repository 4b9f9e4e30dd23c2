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
    model_config = ConfigDict(defer_build=True, extra="ignore")

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
    # Bad-payer score (V7) as the last sync computed it: 0 pays on time .. 100; grade A-D,
    # None when the history is too thin to rate (or before the first scoring sync).
    score: Decimal | None = None
    grade: str | None = None
    # Predicted cash-in (B3): (expected payment date, amount) of its open items, summed per
    # date; what the dashboard's forecast (V6) adds up. Kept out of dumps: packs only.
    expected: list[tuple[date, Decimal]] = Field(default_factory=list, exclude=True)
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


class Dashboard(BaseModel, defer_build=True):
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


# -- light rows: what lists and dashboards compute on (decision 22) ------------------------
FOLLOWUP_FIELDS = (
    "open_disputes",
    "disputed",
    "open_promises",
    "promised",
    "broken_promises",
    "flagged",
)


class SummaryRow:
    """A customer summary as the hot reads use it: a slotted object, not a pydantic model.

    Built once per packed company version and shared between requests (never mutated:
    `with_followup` answers a copy). `haystack` is the casefolded text a search looks in.
    """

    __slots__ = (
        "as_of",
        "broken_promises",
        "buckets",
        "city",
        "company",
        "disputed",
        "dormant",
        "email",
        "expected",
        "flagged",
        "grade",
        "haystack",
        "name",
        "no_reminder",
        "number",
        "oldest_due",
        "open_disputes",
        "open_items",
        "open_promises",
        "overdue",
        "profile",
        "promised",
        "rep_number",
        "score",
        "siret",
        "total",
    )

    def __init__(
        self,
        company: str,
        number: str,
        name: str,
        siret: str,
        email: str,
        city: str,
        rep_number: int | None,
        dormant: bool,
        no_reminder: bool,
        as_of: date,
        open_items: int,
        total: Decimal,
        overdue: Decimal,
        buckets: tuple[Decimal, ...],
        oldest_due: date | None,
        profile: str,
        score: Decimal | None = None,
        grade: str | None = None,
        expected: tuple[tuple[date, Decimal], ...] = (),
    ) -> None:
        self.company, self.number, self.name = company, number, name
        self.siret, self.email, self.city = siret, email, city
        self.rep_number, self.dormant, self.no_reminder = rep_number, dormant, no_reminder
        self.as_of, self.open_items, self.total, self.overdue = as_of, open_items, total, overdue
        self.buckets, self.oldest_due, self.profile = buckets, oldest_due, profile
        self.score, self.grade, self.expected = score, grade, expected
        self.open_disputes, self.disputed, self.open_promises = 0, ZERO, 0
        self.promised, self.broken_promises, self.flagged = ZERO, 0, False
        self.haystack = "\n".join((number, name, siret, email)).casefold()

    @classmethod
    def of(cls, s: CustomerSummary) -> SummaryRow:
        """A summary's Sage figures (its follow-up figures are left out)."""
        b = s.buckets
        return cls(
            s.company, s.number, s.name, s.siret, s.email, s.city, s.rep_number, s.dormant,
            s.no_reminder, s.as_of, s.open_items, s.total, s.overdue,
            (b.not_due, b.d1_30, b.d31_60, b.d61_90, b.over_90), s.oldest_due, s.profile,
            s.score, s.grade, tuple(s.expected),
        )  # fmt: skip

    def with_followup(self, figures: Mapping[str, object]) -> SummaryRow:
        """A copy with a follow-up rollup's figures (typed as CustomerSummary has them)."""
        row = SummaryRow.__new__(SummaryRow)
        for name in SummaryRow.__slots__:
            setattr(row, name, getattr(self, name))
        for name in FOLLOWUP_FIELDS:
            setattr(row, name, figures[name])
        return row

    def days_late(self, today: date) -> int:
        return max(0, days_late(self.oldest_due, today)) if self.oldest_due else 0

    def to_summary(self) -> CustomerSummary:
        return CustomerSummary.model_validate(self.fields())

    def fields(self) -> dict[str, object]:
        values: dict[str, object] = {
            name: getattr(self, name) for name in SummaryRow.__slots__ if name != "haystack"
        }
        values["buckets"] = dict(zip(BUCKETS, self.buckets, strict=True))
        values["expected"] = list(self.expected)
        return values

    def as_json(self, today: date) -> dict[str, object]:
        """The row as the API shows it: CustomerSummary.model_dump(mode="json") and days late."""
        return {
            "company": self.company,
            "number": self.number,
            "name": self.name,
            "siret": self.siret,
            "email": self.email,
            "city": self.city,
            "rep_number": self.rep_number,
            "dormant": self.dormant,
            "no_reminder": self.no_reminder,
            "as_of": self.as_of.isoformat(),
            "open_items": self.open_items,
            "total": str(self.total),
            "overdue": str(self.overdue),
            "buckets": {b: str(v) for b, v in zip(BUCKETS, self.buckets, strict=True)},
            "oldest_due": self.oldest_due.isoformat() if self.oldest_due else None,
            "profile": self.profile,
            "score": str(self.score) if self.score is not None else None,
            "grade": self.grade,
            "open_disputes": self.open_disputes,
            "disputed": str(self.disputed),
            "open_promises": self.open_promises,
            "promised": str(self.promised),
            "broken_promises": self.broken_promises,
            "flagged": self.flagged,
            "days_late": self.days_late(today),
        }


class Totals:
    """The Sage figures a dashboard adds up over a set of rows (follow-up figures apart:
    they change between syncs). Exact: Decimal sums, in any order, give the same value."""

    __slots__ = (
        "as_of",
        "buckets",
        "customers",
        "customers_overdue",
        "expected",
        "overdue",
        "top",
        "total",
    )

    def __init__(self, rows: Iterable[SummaryRow], top: int = 10) -> None:
        listed = list(rows)
        sums = [ZERO] * len(BUCKETS)
        total = overdue = ZERO
        late = 0
        as_of: date | None = None
        expected: dict[date, Decimal] = {}
        for r in listed:
            for day, amount in r.expected:
                expected[day] = expected.get(day, ZERO) + amount
            total += r.total
            overdue += r.overdue
            if r.overdue > 0:
                late += 1
            for i, amount in enumerate(r.buckets):
                sums[i] += amount
            if as_of is None or r.as_of > as_of:
                as_of = r.as_of
        self.as_of, self.customers, self.customers_overdue = as_of, len(listed), late
        self.total, self.overdue, self.buckets = total, overdue, tuple(sums)
        self.expected = expected  # predicted cash-in per date, summed over the rows
        self.top = top_debtors(listed, top)

    @classmethod
    def combined(cls, parts: Iterable[Totals], top: int = 10) -> Totals:
        found = cls([], top)
        sums = list(found.buckets)
        candidates: list[SummaryRow] = []
        for t in parts:
            found.customers += t.customers
            found.customers_overdue += t.customers_overdue
            found.total += t.total
            found.overdue += t.overdue
            for i, amount in enumerate(t.buckets):
                sums[i] += amount
            if t.as_of is not None and (found.as_of is None or t.as_of > found.as_of):
                found.as_of = t.as_of
            candidates += t.top
            for day, amount in t.expected.items():
                found.expected[day] = found.expected.get(day, ZERO) + amount
        found.buckets = tuple(sums)
        found.top = top_debtors(candidates, top)
        return found


def top_debtors(rows: Iterable[SummaryRow], top: int = 10) -> list[SummaryRow]:
    return sorted(rows, key=lambda r: (-r.total, r.company, r.number))[:top]
