"""Synthetic customers with known payment behaviours, as the synced Sage ledger shows them.

For bench/forecast: `generate_behaviours(seed)` makes one company whose customers each
follow one behaviour over 24 months of invoices, and the ledger lines Relance would sync
(records.LedgerLine): invoices on VTE (debit 4110000, with a due date) and the bank
payments on BQ1 (credit) that settle them, lettered together with an uppercase
EC_Lettrage code — one payment may settle several invoices paid within 3 days of each
other, as a remittance does. Payments land on business days. Same seed -> same data.

The behaviours, with the grade the score is expected to give at the end of month 18
(defined here, before any scoring, from what a credit manager would call each one):
- punctual (A): pays around the due date (mean -3..+2 days, sd 2), rarely a week late;
- seasonal (A): punctual, except invoices due in July, August and December: +25..40 days
  (summer closure, year-end) — late 3 months a year, a good payer otherwise;
- erratic (B): 55 % of invoices within 3 days of the due date, the rest 8..50 days late;
- slow (C): steadily late, mean 28..45 days, sd 4..8;
- deteriorating (C): starts 0..5 days late and pays 2..3.2 days later each month;
- chronic (D): 60..100 days late, sd 15 — added beside the five of the issue so that
  every grade is exercised.
10 % of customers start between months 13 and 17 (short history: the peers help), 3 %
of customers have 90-day terms (breaking the legal cap, B2).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from bench.sagegen.generate import company_name, lettering_code, random_amount
from relance.domain.records import Customer, LedgerLine

Behaviour = Literal["punctual", "seasonal", "erratic", "slow", "deteriorating", "chronic"]
BEHAVIOURS: tuple[Behaviour, ...] = (
    "punctual",
    "seasonal",
    "erratic",
    "slow",
    "deteriorating",
    "chronic",
)
EXPECTED_GRADE: dict[Behaviour, str] = {
    "punctual": "A",
    "seasonal": "A",
    "erratic": "B",
    "slow": "C",
    "deteriorating": "C",
    "chronic": "D",
}
# Sage qualities (CT_Qualite), drawn with behaviour-dependent odds: public bodies pay
# slowly more often, as in France; the predictor's peer groups use them.
QUALITIES = ("PME", "Grand compte", "Administration")
QUALITY_ODDS: dict[Behaviour, tuple[int, int, int]] = {
    "punctual": (6, 3, 1),
    "seasonal": (7, 2, 1),
    "erratic": (6, 2, 2),
    "slow": (3, 3, 4),
    "deteriorating": (6, 2, 2),
    "chronic": (5, 1, 4),
}
TERMS = ((30, False), (45, False), (60, False), (30, True), (45, True))  # (days, end of month)
COMPANY = "BEHAV"
START = date(2025, 1, 1)
MONTHS = 24
SEASON_MONTHS = (7, 8, 12)


@dataclass
class GeneratedCustomer:
    customer: Customer
    behaviour: Behaviour
    expected_grade: str
    peer_group: str  # quality / size: what "similar customers" means to the predictor
    first_month: int  # 1-based month of the first invoice


@dataclass
class Behaviours:
    company: str
    start: date
    months: int
    customers: list[GeneratedCustomer]
    lines: list[LedgerLine] = field(default_factory=list)

    def month_start(self, month: int) -> date:
        """First day of the 1-based month `month` of the generated period."""
        index = self.start.month - 1 + month - 1
        return date(self.start.year + index // 12, index % 12 + 1, 1)

    def month_end(self, month: int) -> date:
        return self.month_start(month + 1) - timedelta(days=1)


def _month_start(start: date, offset: int) -> date:
    index = start.month - 1 + offset
    return date(start.year + index // 12, index % 12 + 1, 1)


def _due(invoice: date, days: int, end_of_month: bool) -> date:
    due = invoice + timedelta(days=days)
    if end_of_month:
        due = _month_start(due, 1) - timedelta(days=1)
    return due


def _business_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class _Delays:
    """One customer's hidden parameters and its dice: days late for an invoice."""

    def __init__(self, behaviour: Behaviour, rng: random.Random) -> None:
        self.behaviour = behaviour
        self.rng = rng
        u = rng.uniform
        self.mean = {
            "punctual": u(-3, 2),
            "seasonal": u(-2, 2),
            "erratic": 0.0,
            "slow": u(28, 45),
            "deteriorating": u(0, 5),
            "chronic": u(60, 100),
        }[behaviour]
        self.sd = {"slow": u(4, 8), "chronic": 15.0, "deteriorating": 4.0}.get(behaviour, 2.0)
        self.rate = u(2.0, 3.2)  # deteriorating: days later per month
        self.season_extra = u(25, 40)

    def days_late(self, due: date, month_index: int) -> int:
        rng = self.rng
        match self.behaviour:
            case "punctual":
                late = rng.gauss(self.mean, self.sd)
                if rng.random() < 0.03:
                    late += rng.uniform(5, 10)
            case "seasonal":
                late = rng.gauss(self.mean, self.sd)
                if due.month in SEASON_MONTHS:
                    late += self.season_extra + rng.gauss(0, 4)
            case "erratic":
                late = rng.uniform(-3, 3) if rng.random() < 0.55 else rng.uniform(8, 50)
            case "deteriorating":
                late = rng.gauss(self.mean + self.rate * month_index, self.sd)
            case _:
                late = rng.gauss(self.mean, self.sd)
        return round(late)


def _customer(rng: random.Random, n: int, behaviour: Behaviour) -> tuple[Customer, str]:
    quality = rng.choices(QUALITIES, weights=QUALITY_ODDS[behaviour])[0]
    return (
        Customer(
            company=COMPANY,
            number=f"B{n:05d}",
            name=company_name(rng),
            quality=quality,
        ),
        quality,
    )


def generate_behaviours(
    seed: int = 20260630, per_behaviour: int = 40, start: date = START, months: int = MONTHS
) -> Behaviours:
    rng = random.Random(seed)
    customers: list[GeneratedCustomer] = []
    plans: list[tuple[GeneratedCustomer, _Delays, float, float, tuple[int, bool]]] = []
    n = 0
    for behaviour in BEHAVIOURS:
        for _ in range(per_behaviour):
            n += 1
            record, quality = _customer(rng, n, behaviour)
            per_month = rng.uniform(1.0, 6.0)
            median = rng.choice((600.0, 2000.0, 8000.0))
            size = {600.0: "small", 2000.0: "medium", 8000.0: "large"}[median]
            first = rng.randint(13, 17) if rng.random() < 0.10 else 1
            terms = (90, False) if rng.random() < 0.03 else rng.choice(TERMS)
            generated = GeneratedCustomer(
                record, behaviour, EXPECTED_GRADE[behaviour], f"{quality}/{size}", first
            )
            customers.append(generated)
            plans.append((generated, _Delays(behaviour, rng), per_month, median, terms))
    out = Behaviours(COMPANY, start, months, customers)
    entry = 0
    for generated, delays, per_month, median, (days, eom) in plans:
        invoices: list[tuple[LedgerLine, date]] = []
        for m in range(generated.first_month - 1, months):
            month = _month_start(start, m)
            next_month = _month_start(start, m + 1)
            for _ in range(_poisson(rng, per_month)):
                day = month + timedelta(days=rng.randrange((next_month - month).days))
                due = _due(day, days, eom)
                entry += 1
                line = LedgerLine(
                    company=COMPANY,
                    entry_number=entry,
                    journal="VTE",
                    accounting_date=day,
                    piece=f"{day:%y}{entry:06d}",
                    invoice_number=f"FA{day:%y}{entry:05d}",
                    general_account="4110000",
                    customer=generated.customer.number,
                    label=f"Facture {generated.customer.name}"[:60],
                    due_date=due,
                    amount=random_amount(rng, median, 0.8),
                )
                paid = _business_day(max(day, due + timedelta(days=delays.days_late(due, m))))
                invoices.append((line, paid))
        entry = _settle(out, generated, invoices, entry)
    out.lines.sort(key=lambda line: line.entry_number)
    return out


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for the small means used here.
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _settle(
    out: Behaviours,
    generated: GeneratedCustomer,
    invoices: list[tuple[LedgerLine, date]],
    entry: int,
) -> int:
    """Payments: invoices paid within 3 days of each other go in one remittance."""
    invoices.sort(key=lambda pair: pair[1])
    batches: list[list[tuple[LedgerLine, date]]] = []
    for pair in invoices:
        if batches and (pair[1] - batches[-1][0][1]).days <= 3:
            batches[-1].append(pair)
        else:
            batches.append([pair])
    for code_index, batch in enumerate(batches):
        code = lettering_code(code_index)
        paid_on = max(p for _, p in batch)
        for line, _ in batch:
            out.lines.append(line.model_copy(update={"lettering": code}))
        entry += 1
        out.lines.append(
            LedgerLine(
                company=out.company,
                entry_number=entry,
                journal="BQ1",
                accounting_date=paid_on,
                piece=f"{paid_on:%y}{entry:06d}",
                general_account="4110000",
                customer=generated.customer.number,
                label=f"Règlement {generated.customer.name}"[:60],
                amount=-sum((line.amount for line, _ in batch), Decimal(0)),
                lettering=code,
            )
        )
    return entry


def ledger_as_of(lines: Iterable[LedgerLine], day: date) -> list[LedgerLine]:
    """What the ledger showed at the end of `day`: later lines absent, and lettering only
    on groups already settled (an invoice paid later was open, so unlettered)."""
    settled_on: dict[tuple[str, str], date] = defaultdict(lambda: date.min)
    kept = [line for line in lines if line.accounting_date <= day]
    for line in lines:
        if line.lettering:
            group = (line.customer, line.lettering)
            settled_on[group] = max(settled_on[group], line.accounting_date)
    return [
        line.model_copy(update={"lettering": ""})
        if line.lettering and settled_on[(line.customer, line.lettering)] > day
        else line
        for line in kept
    ]


def by_behaviour(customers: Sequence[GeneratedCustomer]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for c in customers:
        out[c.behaviour].append(c.customer.number)
    return dict(out)
