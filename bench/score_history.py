"""bench/score_history: what the score's history and its follow-up factors cost a sync.

The bench/sync approach (count the DynamoDB requests the API server sends, through botocore's
events), on a smaller generated tenant, over four syncs: a full one on a
Monday, then incremental ones the next day (same week), a week later and the same day
again. For each: write requests and items written by kind (summaries, outlooks, score
histories...), and the reads the score adds at the finish: the company's follow-up
rollups (broken promises, disputes) and its score histories, one paged Query each.
Figures go to bench/results/score_history.json.
Usage: python -m bench.score_history [--customers N --lines N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from bench.figures import write_results
from bench.sagegen.generate import generate_tenant
from local import standins
from local.devserver import LocalApi, make_server, serve_in_background
from relance.auth.tokens import LocalKeys
from relance.relay.config import CompanyConfig, RelayConfig
from relance.relay.runner import run_sync
from relance.sage.dialect import Dialect
from relance.store.dynamo import SyncStore

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
RESULTS = ROOT / "bench" / "results" / "score_history.json"
MONDAY = date(2026, 11, 23)
WRITES = {"BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}


def _kind(pk: str) -> str:
    """The item kind from a key: T#{t}#SCOREHIST#{c} -> SCOREHIST."""
    parts = pk.split("#")
    return parts[2] if len(parts) > 2 else parts[0]


class Requests:
    """The DynamoDB requests this process sends: operations, items written and partitions
    queried, by kind (botocore's retries of a throttled call are not counted again)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items: Counter[str] = Counter()
        self.queries: Counter[str] = Counter()
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        # before-parameter-build: once per API call, with the call's own parameters.
        boto3.DEFAULT_SESSION.events.register("before-parameter-build.dynamodb", self._count)

    def _count(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls[model.name] += 1
        if model.name == "BatchWriteItem":
            for requests in params["RequestItems"].values():
                for r in requests:
                    body = r.get("PutRequest", {}).get("Item") or r["DeleteRequest"]["Key"]
                    self.items[_kind(body["PK"]["S"])] += 1
        elif model.name == "Query":
            values = params.get("ExpressionAttributeValues", {})
            pk = values.get(":pk", {}).get("S", "")
            self.queries[_kind(pk)] += 1

    def snapshot(self) -> tuple[Counter[str], Counter[str], Counter[str]]:
        return Counter(self.calls), Counter(self.items), Counter(self.queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=30_000)
    args = parser.parse_args()
    folder = DATA / f"score-{args.customers}-{args.lines}"
    files = generate_tenant(folder, {"BIJOU": (args.customers, args.lines)}, MONDAY, seed=42)
    running = standins.start()
    running.apply_env()
    os.environ.update(
        {
            "RELANCE_TABLE": "bench-score",
            "RELANCE_RAW_BUCKET": "bench-score-raw",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    try:
        figures = measure(running, files, folder, args.customers)
    finally:
        running.stop()
    write_results(RESULTS, figures)
    print(json.dumps(figures, indent=2))


def measure(
    running: standins.Standins, files: dict[str, Path], folder: Path, customers: int
) -> dict[str, Any]:
    counter = Requests()  # before any client: it counts through the default session
    standins.ensure_resources(running, "bench-score", ["bench-score-raw"])
    store = SyncStore("bench-score")
    secret = secrets.token_urlsafe(24)
    store.put_connector("bench", "bench-relay", secret, "bench relay")
    server = make_server(LocalApi(LocalKeys(DATA / "keys")))
    serve_in_background(server)
    config = RelayConfig(
        api_url=f"http://127.0.0.1:{server.server_address[1]}",
        key_id="bench-relay",
        secret=secret,
        state_dir=folder / "state",
        companies=[
            CompanyConfig(
                code=code,
                connection_string=f"DRIVER={{SQLite3}};Database={path}",
                dialect=Dialect.SQLITE,
            )
            for code, path in files.items()
        ],
    )
    syncs = (
        ("full_monday", "full", MONDAY),
        ("next_day_same_week", "incremental", MONDAY + timedelta(days=1)),
        ("next_week", "incremental", MONDAY + timedelta(days=7)),
        ("next_week_again", "incremental", MONDAY + timedelta(days=7)),
    )
    out: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "customers": customers,
    }
    for name, mode, as_of in syncs:
        calls0, items0, queries0 = counter.snapshot()
        run_sync(config, mode=mode, as_of=as_of)  # type: ignore[arg-type]
        calls1, items1, queries1 = counter.snapshot()
        calls, items, queries = calls1 - calls0, items1 - items0, queries1 - queries0
        out[name] = {
            "as_of": as_of.isoformat(),
            "write_requests": sum(n for op, n in calls.items() if op in WRITES),
            "items_written": dict(sorted(items.items())),
            "score_history_items_written": items.get("SCOREHIST", 0),
            "score_history_queries": queries.get("SCOREHIST", 0),
            "rollup_queries": queries.get("SUMMARIES", 0),
            "requests_total": sum(calls.values()),
        }
    return out


if __name__ == "__main__":
    main()
