"""What the DSO and payment-terms hook adds to a sync's finish (V8, B2).

A synthetic Sage company (bench/sagegen) is written straight into DynamoDB Local, then the
finish's existing reads (the open lines' aging facts, the settled lines) and the hook
(`record_dso`: journals and open lines read, the month's figures and the terms report
written) are timed: once as a company's first sync (which also rebuilds the 12 months
before), then as any later sync, median of `--runs`. Figures in bench/results/dso.json.

    .venv/bin/python -m bench.dso --customers 1000 --lines 80000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers/relance/python")]
RESULTS = ROOT / "bench/results/dso.json"
TABLE, TENANT, COMPANY = "relance-bench-dso", "t-bench", "BIJOU"
AS_OF = date(2026, 11, 23)


def _median_s(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3), result


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from bench.sagegen.generate import generate_company
    from relance.domain.receivables import summarize
    from relance.sage.dialect import Dialect
    from relance.sage.extract import connect, extract
    from relance.sage.settings import SyncSettings
    from relance.services.dso import record_dso
    from relance.store.dynamo import SyncStore

    folder = Path(tempfile.mkdtemp(prefix="bench-dso-"))
    path = generate_company(folder / f"{COMPANY}.db", COMPANY, customers=args.customers,
                            lines=args.lines, as_of=AS_OF, seed=args.seed).path  # fmt: skip
    conn = connect(f"DRIVER={{SQLite3}};Database={path}", Dialect.SQLITE)
    store = SyncStore(TABLE)
    counts = {}
    for entity in ("customer", "journal", "ledger_line", "settled_line"):
        records = list(extract(conn, Dialect.SQLITE, COMPANY, entity, SyncSettings(), as_of=AS_OF))
        counts[entity] = len(records)
        store.write_records(TENANT, records)
    conn.close()
    customers = list(store.records(TENANT, COMPANY, "customer"))
    facts_s, facts = _median_s(args.runs, lambda: dict(store.line_aging_facts(TENANT, COMPANY)))
    owed = summarize(COMPANY, customers, facts.values(), AS_OF)
    settled_s, settled = _median_s(
        args.runs, lambda: list(store.records(TENANT, COMPANY, "settled_line"))
    )
    # The company's first sync also rebuilds the 12 months before (dso_backfill.py).
    first_s, first = _median_s(1, lambda: record_dso(store, TENANT, COMPANY, owed, settled, AS_OF))
    hook_s, written = _median_s(
        args.runs, lambda: record_dso(store, TENANT, COMPANY, owed, settled, AS_OF)
    )
    return {
        "customers": counts["customer"],
        "open_lines": counts["ledger_line"],
        "settled_lines": counts["settled_line"],
        "finish_facts_read_s": facts_s,
        "finish_settled_read_s": settled_s,
        "record_dso_first_sync_s": first_s,
        "months_rebuilt": first["rebuilt_months"],
        "record_dso_s": hook_s,
        "record_dso_over_those_reads": round(hook_s / (facts_s + settled_s), 2),
        "invoices_over_terms": written["invoices_over_terms"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=80_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from bench.figures import write_results
    from local import standins

    running = standins.start()
    running.apply_env()
    os.environ["RELANCE_TABLE"] = TABLE
    standins.ensure_resources(running, TABLE, [])
    try:
        figures = measure(args)
    finally:
        running.stop()
    write_results(RESULTS, figures)
    print(figures)


if __name__ == "__main__":
    main()
