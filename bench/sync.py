"""bench/sync: how fast and how frugal the Sage 100 -> Relance sync is, in one run.

Against DynamoDB Local in memory and moto, with a generated Sage fixture (default 5,000
customers and 200,000 ledger lines over 2 companies):
- full sync, end to end: the relay (its own process, through ODBC) -> local API -> DynamoDB;
- the same items written by raw BatchWriteItem with the ingest's concurrency: the limit
  (and one request after the other, for reference);
- DynamoDB write requests the server made, against the minimum (items / 25, the synced
  records and the customer summaries the finish derives from them);
- an incremental sync after 1 % of the rows changed, against the full one;
- the relay's peak memory (its process's max RSS).
Figures go to bench/results/sync.json. Usage: python -m bench.sync [--customers N --lines N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3

from bench.sagegen.generate import generate_tenant
from bench.sagegen.mutate import apply_changes
from local import standins
from local.devserver import LocalApi, make_server, serve_in_background
from local.relayconf import write_sqlite_relay_config
from relance.auth.tokens import LocalKeys
from relance.sage.dialect import Dialect
from relance.sage.extract import connect, extract
from relance.sage.queries import entity_names
from relance.sage.settings import SyncSettings
from relance.store.dynamo import BATCH_WRITE_LIMIT, WRITE_CONCURRENCY, SyncStore

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
RESULTS = ROOT / "bench" / "results" / "sync.json"
AS_OF = date(2026, 11, 23)
# Sage keeps local, naive times; the edits come the morning after the generated data.
SAGE_EDIT_TIME = datetime(2026, 11, 24, 7, 30)  # noqa: DTZ001
WRITE_OPERATIONS = {"BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}


class WriteCounter:
    """Counts the DynamoDB write requests this process sends (the API server's)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("before-call.dynamodb", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    @property
    def writes(self) -> int:
        return sum(n for op, n in self.calls.items() if op in WRITE_OPERATIONS)


def run_relay(config: Path, mode: str, secret: str) -> tuple[float, int]:
    """One relay sync in its own process: (seconds, peak RSS in bytes)."""
    env = {**os.environ, "BENCH_RELAY_SECRET": secret, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "relance.relay.cli", "sync", "--config", str(config)]
    command += [f"--{mode}", "--as-of", AS_OF.isoformat(), "--restart"]
    log = config.parent / f"relay-{mode}.log"
    started = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = peak_rss_while_running(proc)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"relay failed, see {log}")
    return elapsed, peak


def peak_rss_while_running(proc: subprocess.Popen[bytes]) -> int:
    """The relay's own peak resident memory (VmHWM), sampled until it exits.

    Not wait4's ru_maxrss: Linux carries the parent's high-water mark across fork+exec.
    """
    peak = 0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for row in status.read_text().splitlines():
                if row.startswith("VmHWM:"):
                    peak = max(peak, int(row.split()[1]) * 1024)
        except OSError:
            break
        time.sleep(0.05)
    return peak


def raw_items(store: SyncStore, files: dict[str, Path]) -> list[dict[str, Any]]:
    """The same items the sync writes, built beforehand from the same Sage files."""
    settings = SyncSettings()
    items: list[dict[str, Any]] = []
    for company, path in files.items():
        conn = connect(f"DRIVER={{SQLite3}};Database={path}", Dialect.SQLITE)
        for entity in entity_names(settings):
            records = extract(conn, "sqlite", company, entity, settings, as_of=AS_OF)
            items += store.record_items("raw", records)
        conn.close()
    return items


def raw_write_seconds(store: SyncStore, items: list[dict[str, Any]], concurrency: int) -> float:
    """Plain BatchWriteItem of ready-made items, `concurrency` calls at a time: the limit."""
    client = store.client

    def write(chunk: list[dict[str, Any]]) -> None:
        pending = [{"PutRequest": {"Item": i}} for i in chunk]
        while pending:
            answer = client.batch_write_item(RequestItems={store.table: pending})
            pending = answer.get("UnprocessedItems", {}).get(store.table, [])

    chunks = [items[i : i + BATCH_WRITE_LIMIT] for i in range(0, len(items), BATCH_WRITE_LIMIT)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(write, chunks))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args()
    folder = DATA / f"{args.customers}-{args.lines}-unpaid"
    half = (args.customers // 2, args.lines // 2)
    print(f"Generating the Sage fixture in {folder} …", flush=True)
    # A backlog-heavy ledger (most invoices unpaid), so that the 200,000 lines asked for are
    # open lines the relay really moves, not settled history it filters out.
    files = generate_tenant(
        folder, {"BIJOU": half, "ATELIER": half}, as_of=AS_OF, seed=42, unpaid_share=0.95
    )

    running = standins.start()
    running.apply_env()
    os.environ.update(
        {
            "RELANCE_TABLE": "bench",
            "RELANCE_RAW_BUCKET": "bench-raw",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    try:
        figures = measure(running, folder, files, args.customers)
    finally:
        running.stop()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


def measure(
    running: standins.Standins, folder: Path, files: dict[str, Path], customers: int
) -> dict[str, Any]:
    standins.ensure_resources(running, "bench", ["bench-raw"])
    standins.ensure_resources(running, "bench-rawwrite", [])
    counter = WriteCounter()
    store = SyncStore("bench")
    store.put_connector("bench", "bench-relay", "bench-secret", "bench relay")
    server = make_server(LocalApi(LocalKeys(DATA / "keys")))
    serve_in_background(server)
    config = write_sqlite_relay_config(
        folder / "relay.toml",
        api_url=f"http://127.0.0.1:{server.server_address[1]}",
        key_id="bench-relay",
        secret_env="BENCH_RELAY_SECRET",
        files=files,
    )

    print("Full sync, end to end …", flush=True)
    writes_before = counter.writes
    full_s, relay_peak = run_relay(config, "full", "bench-secret")
    server_writes = counter.writes - writes_before

    print("Raw BatchWriteItem of the same items …", flush=True)
    raw_store = SyncStore("bench-rawwrite")
    ready = raw_items(raw_store, files)
    items = len(ready)
    raw_seq_s = raw_write_seconds(raw_store, ready, 1)
    raw_s = raw_write_seconds(raw_store, ready, WRITE_CONCURRENCY)
    lines = sum(1 for _ in _lines(store, files))
    # The finish also writes one summary per customer (who owes what): items too.
    summaries = len(store.summaries("bench"))

    print("Incremental sync after 1 % of the rows changed …", flush=True)
    changed = [
        apply_changes(path, fraction=0.01, now=SAGE_EDIT_TIME, seed=9) for path in files.values()
    ]
    incr_s, incr_peak = run_relay(config, "incremental", "bench-secret")
    minimum = -(-(items + summaries) // BATCH_WRITE_LIMIT)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "fixture_customers": customers,
        "fixture_open_lines": lines,
        "items_written": items,
        "summary_items_written": summaries,
        "full_sync_s": round(full_s, 2),
        "sync_lines_per_s": round(lines / full_s, 1),
        "sync_items_per_s": round(items / full_s, 1),
        "raw_batchwrite_sequential_items_per_s": round(items / raw_seq_s, 1),
        "ratio_end_to_end_vs_raw_sequential": round(raw_seq_s / full_s, 3),
        # The limit: raw writes with the same concurrency the ingest uses.
        "raw_batchwrite_concurrency": WRITE_CONCURRENCY,
        "raw_batchwrite_s": round(raw_s, 2),
        "raw_items_per_s": round(items / raw_s, 1),
        "ratio_end_to_end_vs_raw": round(raw_s / full_s, 3),
        "write_requests": server_writes,
        "write_requests_minimum": minimum,
        "ratio_write_requests_vs_minimum": round(server_writes / minimum, 3),
        "incremental_rows_changed": sum(c.total for c in changed),
        "incremental_sync_s": round(incr_s, 2),
        "ratio_incremental_vs_full": round(incr_s / full_s, 3),
        "relay_peak_rss_mb": round(max(relay_peak, incr_peak) / 2**20, 1),
        "bench_process_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }


def _lines(store: SyncStore, files: dict[str, Path]) -> Any:
    for company in files:
        yield from store.record_keys("bench", company, "ledger_line")


if __name__ == "__main__":
    main()
