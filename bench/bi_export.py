"""bench/bi_export: the daily BI export (K6) of a 5,000-customer tenant, in one run.

The fixture is bench/api's (a generated Sage company of 5,000 customers, about 25,000 open
lines and the settled lines of 24 months, synced by the relay through the local API into
DynamoDB Local; an admin and a collector with a portfolio). Then the real service
(services/bi_export.py) exports the tenant's day into a moto S3 bucket, twice (the second
run replaces the first). Figures:
- time of a whole export, and of its parts: reading (DynamoDB), writing (encoding + S3
  puts), publishing (manifests + deleting the replaced run's files);
- rows per dataset, rows per second (whole export; and encoding alone, CSV and Parquet);
- bytes per row, CSV against Parquet, per dataset and over all.
Figures go to bench/results/bi_export.json. About 3 minutes (most of it the fixture's sync).
Usage: python -m bench.bi_export [--customers N --lines N --results PATH]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import api as bench_api
from bench.figures import write_results
from bench.sync import AS_OF, DATA
from local import standins
from relance.domain.bi_files import to_csv, to_parquet
from relance.services.bi_export import BiExportService, bi_export_service
from relance.store.bi_exports import EXPORTS_BUCKET_ENV

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "bi_export.json"
EXPORTS = "bench-bi-exports"


def encoding(service: BiExportService, day: Any) -> dict[str, Any]:
    """Rows, bytes and encoding time per dataset, CSV and Parquet, without S3."""
    figures: dict[str, Any] = {}
    csv_s = parquet_s = 0.0
    rows = csv_bytes = parquet_bytes = 0
    for c in service.collect(bench_api.TENANT, day):
        started = time.perf_counter()
        as_csv = to_csv(c.dataset, c.rows)
        middle = time.perf_counter()
        as_parquet = to_parquet(c.dataset, c.rows)
        csv_s, parquet_s = csv_s + middle - started, parquet_s + time.perf_counter() - middle
        n = len(c.rows)
        figures[c.dataset.name] = {"rows": n, "csv_bytes": len(as_csv.body),
                                   "parquet_bytes": len(as_parquet.body)}  # fmt: skip
        if n:  # an empty file is its header or its schema: no figure per row
            figures[c.dataset.name] |= {
                "csv_bytes_per_row": round(len(as_csv.body) / n, 1),
                "parquet_bytes_per_row": round(len(as_parquet.body) / n, 1),
            }
        rows += len(c.rows)
        csv_bytes, parquet_bytes = (
            csv_bytes + len(as_csv.body),
            parquet_bytes + len(as_parquet.body),
        )
    figures["all"] = {
        "rows": rows,
        "csv_mb": round(csv_bytes / 1e6, 2),
        "parquet_mb": round(parquet_bytes / 1e6, 2),
        "csv_bytes_per_row": round(csv_bytes / rows, 1),
        "parquet_bytes_per_row": round(parquet_bytes / rows, 1),
        "parquet_vs_csv_size": round(parquet_bytes / csv_bytes, 3),
        "csv_encode_rows_per_s": round(rows / csv_s),
        "parquet_encode_rows_per_s": round(rows / parquet_s),
    }
    return figures


def export_twice(service: BiExportService, day: Any) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for run in ("first", "rerun"):
        started = time.perf_counter()
        report = service.export(bench_api.TENANT, day, datetime.now(UTC))
        total = time.perf_counter() - started
        rows = sum(report.rows.values())
        figures[run] = {
            "seconds": round(total, 2),
            **{f"{part}_s": round(s, 2) for part, s in report.seconds.items()},
            "rows_per_s": round(rows / total),
            "files_replaced": report.replaced,
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=80_000, help="Sage ledger lines (all)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    os.environ.update({"RELANCE_TABLE": bench_api.TABLE, "RELANCE_RAW_BUCKET": bench_api.BUCKET,
                       EXPORTS_BUCKET_ENV: EXPORTS, "POWERTOOLS_TRACE_DISABLED": "true",
                       "POWERTOOLS_LOG_LEVEL": "WARNING"})  # fmt: skip
    folder = DATA / f"api-{args.customers}-{args.lines}-unpaid"
    running = standins.start()
    running.apply_env()
    try:
        started = time.perf_counter()
        print(f"Generating and syncing the fixture in {folder} …", flush=True)
        fixture = bench_api.build_fixture(running, folder, args.customers, args.lines)
        built_s = time.perf_counter() - started
        standins.ensure_resources(running, bench_api.TABLE, [EXPORTS])
        service = bi_export_service()
        print("Exporting the day twice …", flush=True)
        runs = export_twice(service, AS_OF)
        datasets = encoding(service, AS_OF)
    finally:
        running.stop()
    figures = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "fixture_customers": fixture.customers,
        "fixture_open_lines": fixture.open_lines,
        "fixture_build_s": round(built_s, 1),
        "export": runs,
        "datasets": datasets,
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }
    write_results(args.results, figures)
    print(f"{args.results.relative_to(ROOT)}: export of {fixture.customers} customers in "
          f"{runs['first']['seconds']} s (re-run {runs['rerun']['seconds']} s), "
          f"{datasets['all']['rows']} rows, CSV {datasets['all']['csv_bytes_per_row']} B/row, "
          f"Parquet {datasets['all']['parquet_bytes_per_row']} B/row")  # fmt: skip


if __name__ == "__main__":
    main()
