"""bench/forecast: backtest of the payment-date prediction and the bad-payer score.

Generates a company whose customers follow known payment behaviours over 24 months
(bench/sagegen/behaviours.py, fixed seed), shows the model only the ledger as it stood at
the end of month 18 (settled groups lettered, later payments absent), then:
- predicts the payment date of every invoice issued in months 19-24 and reports the mean
  absolute error in days against two baselines: "pays on the due date" and "pays at the
  customer's mean delay" (training months; the company's mean for customers without
  history), with the coverage of the 80 % range;
- grades every customer and compares with the grade defined per behaviour up front;
- forecasts the cash from the items open at the end of month 18, per month, against
  what those items actually brought in (and against a due-date forecast);
- computes the company's DSO (count-back and simple) at some month ends, and the
  invoices breaking the legal payment terms.
No public receivables data set shipped by a PyPI package was found (searched: the IBM
"accounts receivable" sample lives in an R package and on IBM's site, not on PyPI), so
the figures are synthetic only. Figures go to bench/results/forecast.json.
The prediction borrows from similar customers as production does (peers.py: Sage quality,
terms, size), compared with the company alone and with the generator's own groups.
The score's weights were tuned on the default seed; the grade agreement on three other
seeds (never tuned on) is reported beside (grade_agreement_seed_N_pct).
Usage: python -m bench.forecast [--seed N --per-behaviour N --check-seeds N ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.figures import write_results
from bench.sagegen.behaviours import Behaviours, generate_behaviours, ledger_as_of
from relance.domain.payments import (
    PaymentModel,
    SettledInvoice,
    cash_forecast,
    open_items,
    predict_open,
    score_customer,
    settled_invoices,
)
from relance.domain.payments.dso import dso, sales_by_month
from relance.domain.payments.history import OpenItem, by_customer
from relance.domain.payments.peers import similar
from relance.domain.payments.predict import MIN_OWN_INVOICES
from relance.domain.payments.terms import breaches
from relance.domain.payments.terms import by_customer as terms_by_customer

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "forecast.json"
TRAIN_MONTHS = 18
DEFAULT_SEED = 20260630  # the seed the score's weights were tuned on
CHECK_SEEDS = (7, 11, 42)  # never tuned on: they check the grades hold
ZERO = Decimal("0")


def _mae(errors: Sequence[int]) -> float:
    return round(sum(abs(e) for e in errors) / len(errors), 2) if errors else float("nan")


def _improvement(model: float, baseline: float) -> float:
    return round(100 * (baseline - model) / baseline, 1) if baseline else 0.0


def backtest_dates(
    gen: Behaviours,
    model: PaymentModel,
    train: Sequence[SettledInvoice],
    truth: Sequence[SettledInvoice],
) -> dict[str, Any]:
    first_test, last_test = gen.month_start(TRAIN_MONTHS + 1), gen.month_end(gen.months)
    means = {
        key: statistics.fmean(h.days_late for h in items)
        for key, items in by_customer(train).items()
    }
    company_mean = statistics.fmean(h.days_late for h in train)
    behaviour = {(gen.company, c.customer.number): c.behaviour for c in gen.customers}
    errors: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    covered: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    for h in truth:
        if not first_test <= h.invoice_date <= last_test:
            continue
        key = (h.company, h.customer)
        estimate = model.estimate(key, h.due_date)
        mean = means.get(key, company_mean)
        for group in ("all", behaviour[key]):
            errors[group]["model"].append((estimate.expected_on - h.paid_on).days)
            errors[group]["due_date"].append((h.due_date - h.paid_on).days)
            errors[group]["mean_delay"].append(
                (h.due_date + timedelta(days=round(mean)) - h.paid_on).days
            )
            covered[group] += estimate.earliest <= h.paid_on <= estimate.latest
        sources[estimate.source] += 1
    out: dict[str, Any] = {}
    for group, by_method in errors.items():
        n = len(by_method["model"])
        best = min(_mae(by_method["due_date"]), _mae(by_method["mean_delay"]))
        out[group] = {
            "invoices": n,
            "mae_days": {m: _mae(v) for m, v in by_method.items()},
            "median_abs_error_days": statistics.median(abs(e) for e in by_method["model"]),
            "bias_days": round(statistics.fmean(by_method["model"]), 2),
            "improvement_vs_better_baseline_pct": _improvement(_mae(by_method["model"]), best),
            "range_80_coverage_pct": round(100 * covered[group] / n, 1),
        }
    out["all"]["sources"] = dict(sources)
    return out


def backtest_grades(
    gen: Behaviours, train: Sequence[SettledInvoice], open_now: Sequence[OpenItem], as_of: date
) -> dict[str, Any]:
    histories = by_customer(train)
    opens: dict[tuple[str, str], list[OpenItem]] = defaultdict(list)
    for item in open_now:
        opens[(item.company, item.customer)].append(item)
    agree = 0
    per: dict[str, Counter[str]] = defaultdict(Counter)
    scores: dict[str, list[float]] = defaultdict(list)
    for c in gen.customers:
        key = (gen.company, c.customer.number)
        s = score_customer(histories.get(key, []), opens.get(key, []), as_of)
        assert s.score == sum((f.points for f in s.factors), ZERO)
        grade = s.grade or "unrated"
        per[c.behaviour][grade] += 1
        scores[c.behaviour].append(float(s.score))
        agree += grade == c.expected_grade
    return {
        "customers": len(gen.customers),
        "agreement_pct": round(100 * agree / len(gen.customers), 1),
        "per_behaviour": {
            b: {
                "expected": next(c.expected_grade for c in gen.customers if c.behaviour == b),
                "grades": dict(sorted(g.items())),
                "score_median": round(statistics.median(scores[b]), 1),
                "score_range": [min(scores[b]), max(scores[b])],
            }
            for b, g in per.items()
        },
    }


def backtest_cash(
    gen: Behaviours,
    model: PaymentModel,
    open_now: Sequence[OpenItem],
    truth: Sequence[SettledInvoice],
) -> dict[str, Any]:
    as_of = model.as_of
    horizon = gen.month_end(gen.months)
    predictions = predict_open(model, open_now)
    forecast = cash_forecast(predictions, as_of, horizon, "month")
    paid_on = {(h.company, h.entry_number): h.paid_on for h in truth}
    actual: dict[str, Decimal] = defaultdict(lambda: ZERO)
    naive: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for item in open_now:
        day = paid_on.get((item.company, item.entry_number))
        if day is not None and item.amount > 0:
            actual[f"{day.year}-{day.month:02d}"] += item.amount
            due = max(item.due_date, as_of)
            naive[f"{due.year}-{due.month:02d}"] += item.amount
    rows = []
    model_err = naive_err = ZERO
    for p in forecast.periods:
        a = actual.get(p.key, ZERO)
        model_err += abs(p.expected - a)
        naive_err += abs(naive.get(p.key, ZERO) - a)
        rows.append(
            {
                "month": p.key,
                "forecast": str(p.expected),
                "due_date_forecast": str(naive.get(p.key, ZERO)),
                "actual": str(a),
            }
        )
    total = forecast.open_total
    return {
        "open_items": len(open_now),
        "open_total": str(total),
        "beyond_horizon": str(forecast.beyond),
        "periods_plus_beyond_equals_open": forecast.expected_total + forecast.beyond == total,
        "monthly": rows,
        "wape_pct": {
            "model": round(float(100 * model_err / total), 1),
            "due_date": round(float(100 * naive_err / total), 1),
        },
    }


def company_dso(
    gen: Behaviours, truth: Sequence[SettledInvoice], months: Sequence[int]
) -> dict[str, Any]:
    sales = sales_by_month((h.invoice_date, h.amount) for h in truth)
    out = {}
    for m in months:
        day = gen.month_end(m)
        receivables = sum((h.amount for h in truth if h.invoice_date <= day < h.paid_on), ZERO)
        out[day.isoformat()] = {
            "receivables": str(receivables),
            "count_back": str(dso(receivables, sales, day, "count_back")),
            "simple_3_months": str(dso(receivables, sales, day, "simple")),
        }
    return out


def backtest_peers(
    gen: Behaviours,
    models: dict[str, PaymentModel],
    train: Sequence[SettledInvoice],
    truth: Sequence[SettledInvoice],
) -> dict[str, Any]:
    """MAE of the test invoices of thin customers (fewer than 5 settled invoices at the
    cut-off: where peers matter) and of all, for each way of choosing whom to borrow from."""
    first_test, last_test = gen.month_start(TRAIN_MONTHS + 1), gen.month_end(gen.months)
    settled = Counter((h.company, h.customer) for h in train)
    tested = [h for h in truth if first_test <= h.invoice_date <= last_test]
    thin = [h for h in tested if settled[(h.company, h.customer)] < MIN_OWN_INVOICES]
    out: dict[str, Any] = {
        "thin_customers": len({h.customer for h in thin}),
        "thin_invoices": len(thin),
    }
    for name, model in models.items():
        for group, items in (("thin", thin), ("all", tested)):
            errors = [
                (model.estimate((h.company, h.customer), h.due_date).expected_on - h.paid_on).days
                for h in items
            ]
            out[f"mae_days_{group}_{name}"] = _mae(errors)
    return out


def run(seed: int, per_behaviour: int) -> dict[str, Any]:
    gen = generate_behaviours(seed, per_behaviour)
    cutoff = gen.month_end(TRAIN_MONTHS)
    seen = ledger_as_of(gen.lines, cutoff)
    train = settled_invoices(seen)
    open_now = open_items(seen)
    truth = settled_invoices(gen.lines)
    # Similar customers as production finds them (peers.py): Sage quality, terms, size.
    qualities = {(gen.company, c.customer.number): c.customer.quality for c in gen.customers}
    groups = similar(train, open_now, qualities)
    started = time.perf_counter()
    model = PaymentModel(train, cutoff, groups.of, open_now, groups.members)
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    dates = backtest_dates(gen, model, train, truth)
    predict_s = time.perf_counter() - started
    generator_groups = {(gen.company, c.customer.number): c.peer_group for c in gen.customers}
    peers = backtest_peers(
        gen,
        {
            "company_only": PaymentModel(train, cutoff, {}, open_now),
            "peers": model,
            "generator_groups": PaymentModel(train, cutoff, generator_groups, open_now),
        },
        train,
        truth,
    )
    found = breaches(truth)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "seed": seed,
        "data": {
            "customers": len(gen.customers),
            "ledger_lines": len(gen.lines),
            "settled_invoices": len(truth),
            "train_until": cutoff.isoformat(),
            "train_settled_invoices": len(train),
            "public_dataset": "none found shipped by a PyPI package",
        },
        "targets": {"mae_improvement_pct": 25, "grade_agreement_pct": 90},
        "payment_dates": dates,
        "peers": peers,
        "grades": backtest_grades(gen, train, open_now, cutoff),
        "cash_forecast": backtest_cash(gen, model, open_now, truth),
        "dso": company_dso(gen, truth, (6, 12, 18, 24)),
        "terms_breaches": {
            "invoices": len(found),
            "customers": len(terms_by_customer(found)),
        },
        "timing_s": {"fit": round(fit_s, 3), "predict_test_invoices": round(predict_s, 3)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--per-behaviour", type=int, default=40)
    parser.add_argument(
        "--check-seeds",
        type=int,
        nargs="*",
        default=list(CHECK_SEEDS),
        help="other seeds whose grade agreement and MAE gain are reported beside",
    )
    args = parser.parse_args()
    figures = run(args.seed, args.per_behaviour)
    # The score was tuned on the default seed only; these say whether it holds elsewhere.
    for seed in args.check_seeds:
        if seed == args.seed:
            continue
        other = run(seed, args.per_behaviour)
        figures[f"grade_agreement_seed_{seed}_pct"] = other["grades"]["agreement_pct"]
        figures[f"mae_improvement_seed_{seed}_pct"] = other["payment_dates"]["all"][
            "improvement_vs_better_baseline_pct"
        ]
        for method in ("company_only", "peers", "generator_groups"):
            figures[f"peers_mae_days_thin_{method}_seed_{seed}"] = other["peers"][
                f"mae_days_thin_{method}"
            ]
    results = (
        RESULTS
        if args.seed == DEFAULT_SEED
        else RESULTS.with_name(f"forecast-seed-{args.seed}.json")
    )
    write_results(results, figures)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
