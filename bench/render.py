"""bench/render: how many reminder emails the templates render a second (target ≥ 1,000/s).

Generates distinct customers and stored actions (1 to 6 invoices each, some with a
credit, names with accents and ampersands) and times, with the default French R1 email:
- `render` alone, the context already built (Jinja in the sandbox, the HTML document,
  the text part derived from the HTML);
- `build_context` + `render`: what the dispatch does per message (babel formatting of
  every amount and date included);
- the same for the French R5 letter (mise en demeure: claim table, text blocks);
- `check` of a default template (what saving a template costs the API).
Best of several runs; generation is not timed. Figures go to bench/results/render.json.
Usage: python -m bench.render [--emails N --runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from relance.domain.records import Customer, LedgerLine
from relance.domain.templates import (
    Collector,
    build_context,
    check,
    default_template,
    render,
)
from relance.domain.templates.context import EXAMPLE_COMPANY, _day, _money

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "render.json"
AS_OF = date(2026, 11, 23)
TARGET_PER_S = 1000
COLLECTOR = Collector(
    name="Sophie Bernard",
    title="Chargée de recouvrement",
    email="sophie.bernard@ateliers-martin.fr",
    phone="04 72 00 00 01",
)
NAMES = ("Boulangerie Dupont", "Garage Lefèvre & Fils", "Société Générale d'Équipement",
         "Café <Le Zinc>", "Établissements Müller", "SARL Hôtel-Dieu")  # fmt: skip

Message = tuple[dict[str, Any], Customer, dict[int, LedgerLine]]


def generate(n: int, seed: int = 11) -> list[Message]:
    rng = random.Random(seed)
    out: list[Message] = []
    entry = 0
    for k in range(n):
        number = f"C{k:06d}"
        customer = Customer(
            company="LYON", number=number, name=f"{rng.choice(NAMES)} {k}",
            address=f"{k} rue de la République", postal_code="69002", city="Lyon",
            email=f"compta{k}@example.fr", phone="04 72 00 00 00",
        )  # fmt: skip
        lines: list[dict[str, Any]] = []
        credits: list[dict[str, Any]] = []
        ledger: dict[int, LedgerLine] = {}
        for _ in range(rng.randint(1, 6)):
            entry += 1
            late = rng.randint(6, 90)
            due = AS_OF - timedelta(days=late)
            amount = Decimal(rng.randint(20, 50000)) + Decimal(rng.randint(0, 99)) / 100
            ledger[entry] = LedgerLine(
                company="LYON", entry_number=entry, journal="VTE",
                accounting_date=due - timedelta(days=30), invoice_number=f"FA-2026-{entry:05d}",
                general_account="41100000", customer=number, due_date=due, amount=amount,
            )  # fmt: skip
            lines.append({"entry": entry, "amount": amount, "days_late": late, "aging_date": due})
        if rng.random() < 0.2:
            entry += 1
            credits.append({"entry": entry, "amount": Decimal("-120.00"), "days_late": 0,
                            "aging_date": AS_OF})  # fmt: skip
        principal = sum((li["amount"] for li in lines), Decimal(0))
        action = {
            "step": "R1", "phase": "reminder", "level": 1, "channel": "email",
            "template": "relance_1", "lines": lines, "credits": credits,
            "amount": principal + sum((c["amount"] for c in credits), Decimal(0)),
            "days_late": max(li["days_late"] for li in lines),
            "recipient": {"name": customer.name, "email": customer.email, "phone": "",
                          "address": [], "source": "customer", "role_matched": True},
            "claim": {
                "principal": principal, "penalties": Decimal("12.34") * len(lines),
                "indemnities": Decimal("40.00") * len(lines),
                "lines": [{"entry": li["entry"], "principal": li["amount"],
                           "days_late": li["days_late"], "penalty": Decimal("12.34"),
                           "indemnity": Decimal("40.00")} for li in lines],
            },
        }  # fmt: skip
        out.append((action, customer, ledger))
    return out


def context(message: Message) -> dict[str, Any]:
    action, customer, ledger = message
    return build_context(action, customer, EXAMPLE_COMPANY, COLLECTOR, "fr", AS_OF, ledger=ledger)


def best(runs: int, fn: Callable[[], Any]) -> tuple[float, float, float]:
    """(best, median) wall seconds and best CPU seconds of `runs` calls. The formatting
    caches start empty each run, as in a dispatch that meets every customer once. CPU
    time is given too: on a shared machine, wall time also counts the other processes."""
    times, cpu = [], []
    for _ in range(runs):
        _money.cache_clear()
        _day.cache_clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return min(times), statistics.median(times), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    messages = generate(args.emails)
    email = default_template("relance_1", "fr", "email")
    letter = default_template("mise_en_demeure", "fr", "letter")
    assert email is not None and letter is not None
    contexts = [context(m) for m in messages]
    render(email, contexts[0])  # compile once, as a warm Lambda has
    render(letter, contexts[0])
    n = len(messages)

    render_s, render_median, render_cpu = best(
        args.runs, lambda: [render(email, c) for c in contexts]
    )
    full_s, full_median, full_cpu = best(
        args.runs, lambda: [render(email, context(m)) for m in messages]
    )
    letter_s, _, letter_cpu = best(
        args.runs, lambda: [render(letter, context(m)) for m in messages]
    )
    context_s, _, context_cpu = best(args.runs, lambda: [context(m) for m in messages])
    check_s, _, _ = best(args.runs, lambda: check(email))
    sample = render(email, contexts[0])
    load = os.getloadavg()[0]

    figures = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "template": "relance_1/fr/email",
        "emails": n,
        "invoices_per_email_mean": round(statistics.mean(len(c["invoices"]) for c in contexts), 2),
        "render_emails_per_s": round(n / render_s, 1),
        "render_emails_per_s_median_run": round(n / render_median, 1),
        "render_emails_per_cpu_s": round(n / render_cpu, 1),
        "build_context_and_render_emails_per_s": round(n / full_s, 1),
        "build_context_and_render_emails_per_s_median_run": round(n / full_median, 1),
        "build_context_and_render_emails_per_cpu_s": round(n / full_cpu, 1),
        "build_context_per_s": round(n / context_s, 1),
        "build_context_per_cpu_s": round(n / context_cpu, 1),
        "render_ms_per_email": round(render_s / n * 1000, 3),
        "build_context_and_render_ms_per_email": round(full_s / n * 1000, 3),
        "letter_r5_build_context_and_render_per_s": round(n / letter_s, 1),
        "letter_r5_build_context_and_render_per_cpu_s": round(n / letter_cpu, 1),
        "check_template_ms": round(check_s * 1000, 1),
        "email_html_bytes": len(sample.html.encode()),
        "email_text_bytes": len(sample.text.encode()),
        "target_emails_per_s": TARGET_PER_S,
        "target_met_wall": n / full_s >= TARGET_PER_S,
        "target_met_cpu": n / full_cpu >= TARGET_PER_S,
        "load_average_1min": round(load, 2),
        "runs": args.runs,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
