"""bench/dunning_eval: how many open items the dunning evaluation gets through a second.

Generates a tenant's worth of customers and open items (default 200,000 items over 10,000
customers, two companies), with histories at every level, contacts (some missing), stops,
disputes, promises, overrides, pre-lettered partial payments, credit notes, and two
profiles (item mode, and account mode for a Sage quality). Then times `evaluate` over all
of them (best of several runs; generation and compiling the settings are not timed).
Figures go to bench/results/dunning_eval.json.
Usage: python -m bench.dunning_eval [--items N --customers N --runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from relance.domain.dunning import (
    CustomerCase,
    Done,
    DunningSettings,
    Item,
    Override,
    Profile,
    ProfileBook,
    ProfileRule,
    Stop,
    default_scenario,
    evaluate,
)
from relance.domain.dunning.inputs import CREDIT_NOTE, INVOICE, PAYMENT
from relance.domain.dunning.scenarios import StepId
from relance.domain.followup import Dispute, Promise
from relance.domain.records import Contact, Customer

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "dunning_eval.json"
AS_OF = date(2026, 11, 23)
STEPS: tuple[StepId, ...] = ("R1", "R2", "R3", "R4", "R5")
OPENED = datetime(2026, 10, 1, tzinfo=UTC)


def settings() -> DunningSettings:
    standard = default_scenario()
    grouped = standard.model_copy(
        update={"scenario_id": "grouped", "name": "Relevé de compte", "account_mode": True}
    )
    return DunningSettings(
        scenarios=[standard, grouped],
        profiles=[
            Profile(
                profile_id="grouped",
                name="Grands comptes",
                scenario_id="grouped",
                rules=[ProfileRule(quality="GROUPE")],
            ),
            Profile(profile_id="standard", name="Standard", scenario_id="standard"),
        ],
        default_profile="standard",
    )


def generate(items: int, customers: int, seed: int = 7) -> list[CustomerCase]:
    rng = random.Random(seed)
    per = items // customers
    cases: list[CustomerCase] = []
    entry = 0
    for n in range(customers):
        company = "BIJOU" if n % 2 else "ATELIER"
        number = f"C{n:06d}"
        customer = Customer(
            company=company,
            number=number,
            name=f"Client {n}",
            email="" if rng.random() < 0.1 else f"compta{n}@example.fr",
            phone="01 23 45 67 89",
            address="" if rng.random() < 0.05 else "1 rue de la Paix",
            postal_code="75002",
            city="Paris",
            quality="GROUPE" if rng.random() < 0.3 else "",
            no_reminder=rng.random() < 0.02,
            no_penalty=rng.random() < 0.1,
        )
        lines: list[Item] = []
        history: dict[int, Done] = {}
        for k in range(per):
            entry += 1
            late = rng.randint(-40, 150)
            aging = AS_OF - timedelta(days=late)
            roll = rng.random()
            if roll < 0.08:
                amount = -Decimal(rng.randint(50, 2000))
                lines.append(Item(entry, "VTE", CREDIT_NOTE, aging, amount))
                continue
            if roll < 0.12:
                lines.append(Item(entry, "BQ", PAYMENT, aging, -Decimal(rng.randint(50, 900))))
                continue
            if k == per - 1 and lines and lines[0].lettering:  # a partial payment of it
                lines.append(Item(entry, "BQ", PAYMENT, AS_OF, -Decimal(100), "ab"))
                continue
            amount = Decimal(rng.randint(20, 20000)) + Decimal(rng.randint(0, 99)) / 100
            lettering = "ab" if k == 0 and roll < 0.3 else ""
            lines.append(Item(entry, "VTE", INVOICE, aging, amount, lettering))
            if late > 5 and rng.random() < 0.7:
                level = min(5, 1 + late // 20, rng.randint(1, 5))
                on = AS_OF - timedelta(days=rng.randint(1, 20))
                history[entry] = Done(STEPS[level - 1], on, 1, rng.random() < 0.05)
        # Settled since the last run (in the history, not open): thank-yous.
        for _ in range(rng.randint(0, 2)):
            entry += 1
            history[entry] = Done("R2", AS_OF - timedelta(days=10))
        cases.append(
            CustomerCase(
                customer=customer, items=lines, history=history, **follow_up(rng, customer, lines)
            )
        )
    return cases


def follow_up(rng: random.Random, customer: Customer, lines: list[Item]) -> dict[str, Any]:
    """A few stops, disputes, promises, overrides and Sage contacts, on some customers."""
    first = lines[0].entry
    out: dict[str, Any] = {}
    if rng.random() < 0.05:
        out["stops"] = [Stop(stop_id="s", entry=first, reason="accord", until=AS_OF)]
    if rng.random() < 0.05:
        dispute = Dispute(
            dispute_id="d", reason="price", entries=[first + 1], opened_by="u", opened_at=OPENED
        )
        out["disputes"] = [dispute]
    if rng.random() < 0.05:
        promise = Promise(
            promise_id="p",
            amount=Decimal(100),
            promised_date=AS_OF,
            entries=[first + 2],
            made_by="u",
            made_at=OPENED,
        )
        out["promises"] = [promise]
    if rng.random() < 0.02:
        out["overrides"] = [Override(override_id="o", entry=first + 3, step="R3", on=AS_OF)]
    if rng.random() < 0.5:
        contact = Contact(
            company=customer.company,
            customer=customer.number,
            number=1,
            function="Comptable",
            email="c@example.fr",
        )
        out["contacts"] = [contact]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cases = generate(args.items, args.customers)
    items = sum(len(c.items) for c in cases)
    book = ProfileBook.of(settings())
    timings: list[float] = []
    outcome = None
    for _ in range(args.runs):
        started = time.perf_counter()
        outcome = evaluate(cases, book, AS_OF)
        timings.append(time.perf_counter() - started)
    assert outcome is not None and outcome.items == items
    best = min(timings)
    figures: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "items": items,
        "customers": len(cases),
        "evaluation_items_per_s": round(items / best, 1),
        "evaluation_s_best": round(best, 3),
        "evaluation_s_median": round(sorted(timings)[len(timings) // 2], 3),
        "runs": args.runs,
        "actions": len(outcome.actions),
        "alerts": len(outcome.alerts),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
