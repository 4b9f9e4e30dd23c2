"""bench/nightly: what one company's nightly dunning run costs (issue 4), in one run.

Fixture: one tenant, one generated Sage company (default 5,000 customers, 95 % of them with
an email, and about 200,000 open lines: a backlog-heavy ledger of some 635,000 Sage lines),
synced by the relay, in its own process, through the local API into DynamoDB Local on disk
(as bench/sync does). The synced database is cached under .local/bench-nightly/ and copied
for each bench run, so only the first run (or --rebuild) pays the generation and the sync.

Then NightlyService.run_company, built by services/wiring.py as the nightly_company function
gets it (only the dispatch queue's SQS client is a counter: moto's queue slows down as it
fills), three times:
1. on the fixture date: wall time (reading, evaluating, writing; and DynamoDB's share, the
   wire, against botocore's and the run's own), read requests and items read against the
   minimum (every open line, customer, contact and journal and the company's dunning
   partition read once, in 1 MB Query pages counted from the DynamoDB size of the full
   items), write requests against the customers with something new (one transaction each);
2. the same day again: it must write nothing;
3. the next day, after about 1 % of the open lines were paid (invoices deleted with
   SyncStore.delete_records, as the sync does): writes against the customers that changed.
Every DynamoDB call is counted through botocore's events on the default session (every
client the services create copies its handlers): operation, items returned and scanned
(before a filter), capacity consumed (a before-parameter-build hook adds
ReturnConsumedCapacity=TOTAL; the library code is unchanged). "Customers with something
new" follows the run's own rule (a new action, or a history that differs), applied to the
run's own evaluate() input and answer, kept by a wrapper.
Last, the pure evaluation (domain.dunning.evaluate) of the first run's own cases: best of
--runs, in this process. Sizing what a run must read is done beforehand, meter off.
Figures go to bench/results/nightly.json.
Usage: python -m bench.nightly [--customers N --lines N --seed N --runs N --rebuild]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import platform
import random
import shutil
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from rich.console import Console
from rich.table import Table

import relance.services.nightly as nightly_module
import relance.services.wiring as wiring
import relance.store.queues as queues_module
from bench.figures import write_results
from bench.sagegen.generate import generate_tenant
from bench.sync import AS_OF, DATA, run_relay
from local import standins
from local.devserver import LocalApi, make_server, serve_in_background
from local.relayconf import write_sqlite_relay_config
from relance.auth.tokens import LocalKeys
from relance.domain.dunning import Action, CustomerCase, Outcome, ProfileBook, evaluate, record
from relance.services.nightly import NightlyService, RunReport
from relance.store import keys
from relance.store.dunning import alerts_pk, dunning_pk, runs_pk
from relance.store.dynamo import SyncStore
from relance.store.names import DISPATCH_QUEUE_ENV
from relance.store.queues import JsonQueue

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "nightly.json"
CACHE = ROOT / ".local" / "bench-nightly"
TABLE, BUCKET, TENANT, COMPANY = "bench-nightly", "bench-nightly-raw", "bench", "BIJOU"
KEY_ID, SECRET = "bench-nightly-relay", "bench-nightly-secret"
UNPAID_SHARE = 0.95  # as bench/sync and bench/api: most invoices still open
FIXTURE_FORMAT = 1  # bump when what the cache holds changes (the sync's item format)
PAGE_BYTES = 1024 * 1024  # a Query page reads at most 1 MB of items
TARGET_READ_RATIO = 1.2
TARGET_ITEMS_PER_S = 50_000
READ_OPS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem", "TransactGetItems"})
WRITE_OPS = frozenset(
    {"TransactWriteItems", "BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem"}
)
console = Console() if Console().is_terminal else Console(width=150)


# -- DynamoDB meter ------------------------------------------------------------------------
@dataclass
class Call:
    """One DynamoDB API call (retries inside botocore included in it)."""

    op: str
    what: str  # which data it reads or writes (see _what)
    ok: bool = True
    returned: int = 0  # items in the answer
    scanned: int = 0  # items DynamoDB read for it (before a filter)
    capacity: float = 0.0  # capacity units consumed
    body_bytes: int = 0  # size of the HTTP answer
    puts: Counter[str] = field(default_factory=Counter)  # written items by item_type
    span: tuple[float, float] = (0.0, 0.0)  # in botocore: parameters built -> answer parsed


def union_s(spans: list[tuple[float, float]]) -> float:
    """Seconds covered by possibly overlapping spans (calls made from several threads)."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


class DynamoMeter:
    """Every DynamoDB call of this process, through botocore's events on the default
    session: registered before any client exists, so every client the services create
    (each copies the session's handlers) reports here, from whichever thread. Besides the
    calls' figures, two kinds of spans (as bench/api): the whole call in botocore, and the
    wire (request sent -> answer read: what DynamoDB Local and the loopback take)."""

    def __init__(self, company_pk: str) -> None:
        self.company_pk = company_pk
        self.calls: list[Call] = []
        self.wire: list[tuple[float, float]] = []
        self.paused = False
        self._lock = threading.Lock()
        self._local = threading.local()
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        events = boto3.DEFAULT_SESSION.events
        events.register("before-parameter-build.dynamodb", self._prepare)
        events.register("after-call.dynamodb", self._done)
        events.register("before-send.dynamodb", self._send_started)
        events.register("before-parse.dynamodb", self._send_ended)
        events.register("response-received.dynamodb", self._send_ended)

    def reset(self) -> None:
        with self._lock:
            self.calls, self.wire = [], []

    @contextlib.contextmanager
    def off(self) -> Iterator[None]:
        """The bench's own reads and writes (fixture, sizing, expectations): not counted."""
        self.paused = True
        try:
            yield
        finally:
            self.paused = False

    def _prepare(
        self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        if model.name in READ_OPS | WRITE_OPS and model.name != "TransactGetItems":
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        if not self.paused:
            context["bench_call"] = Call(
                model.name,
                self._what(model.name, params),
                puts=_puts(params),
                span=(time.perf_counter(), 0.0),
            )

    def _done(
        self, http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        call: Call | None = context.get("bench_call")
        if call is None:
            return
        call.span = (call.span[0], time.perf_counter())
        call.ok = http_response.status_code < 300
        call.body_bytes = len(http_response.content or b"")
        if "Items" in parsed:
            call.returned = int(parsed.get("Count", len(parsed["Items"])))
            call.scanned = int(parsed.get("ScannedCount", call.returned))
        elif "Item" in parsed:
            call.returned = call.scanned = 1
        elif "Responses" in parsed:
            call.returned = call.scanned = sum(len(v) for v in parsed["Responses"].values())
        consumed = parsed.get("ConsumedCapacity") or []
        for c in consumed if isinstance(consumed, list) else [consumed]:
            call.capacity += float(c.get("CapacityUnits", 0))
        with self._lock:
            self.calls.append(call)

    def _send_started(self, **_: Any) -> None:
        self._local.send = None if self.paused else time.perf_counter()  # None: botocore sends

    def _send_ended(self, **_: Any) -> None:
        started = getattr(self._local, "send", None)
        if started is not None:
            self._local.send = None
            with self._lock:
                self.wire.append((started, time.perf_counter()))

    def _what(self, op: str, params: dict[str, Any]) -> str:
        """Which data a call is about, from its key (store/keys.py, store/dunning.py)."""
        if op == "TransactWriteItems":
            return "customer_writes"
        if op == "BatchWriteItem":
            requests: list[dict[str, Any]] = next(iter(params["RequestItems"].values()), [])
            first = requests[0] if requests else {}
            item = first.get("PutRequest", {}).get("Item") or first.get("DeleteRequest", {}).get(
                "Key", {}
            )
            pk = item.get("PK", {}).get("S", "")
        elif op == "Query":
            values = params.get("ExpressionAttributeValues", {})
            pk = values.get(":pk", {}).get("S", "")
            sk = values.get(":sk", {}).get("S", "")
            if pk == self.company_pk:
                for entity, name in (("ledger_line", "open_lines"), ("customer", "customers"),
                                     ("contact", "contacts"), ("journal", "journals")):  # fmt: skip
                    if sk.startswith(keys.entity_prefix(entity)):
                        return name
        else:
            pk = (params.get("Key") or params.get("Item") or {}).get("PK", {}).get("S", "")
        for name, key in (
            ("dunning_partition", dunning_pk(TENANT, COMPANY)),
            ("followup_rollups", keys.summaries_pk(TENANT)),
            ("alerts", alerts_pk(TENANT)),
            ("run_record", runs_pk(TENANT)),
            ("portfolios", f"T#{TENANT}#USERS"),
            ("settings", f"T#{TENANT}#SETTINGS"),
            ("customer_followup", f"{self.company_pk}#CUST#"),
            ("companies", keys.tenant_pk(TENANT)),
        ):
            if pk == key or (key.endswith("#") and pk.startswith(key)):
                return name
        return f"other:{pk}"


class DispatchCounter:
    """The dispatch queue's SQS client, counting instead of sending. moto's SendMessageBatch
    slows down as its queue fills (14 ms for the first batch, about 0.4 s after 2,000
    messages on this machine): sending a night's 6,000 actions there would time moto, not
    the run. JsonQueue (batches of ten, JSON bodies) and the wiring stay the real ones."""

    def __init__(self) -> None:
        self.batches = self.messages = 0

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.batches += 1
        self.messages += len(Entries)
        return {"Successful": [{"Id": e["Id"]} for e in Entries]}


def nightly_service(counter: DispatchCounter) -> NightlyService:
    """services/wiring.nightly_service(), as the nightly_company function gets it, with the
    dispatch queue's client swapped for the counter."""
    os.environ[DISPATCH_QUEUE_ENV] = "https://sqs.eu-west-3.amazonaws.com/0/relance-dispatch"

    def queue(url: str) -> JsonQueue:
        return JsonQueue(url, client=counter)

    with contextlib.ExitStack() as patches:
        # Wherever wiring takes JsonQueue from: its module (imported lazily) or its own name.
        for module in (queues_module, wiring):
            if hasattr(module, "JsonQueue"):
                patches.enter_context(mock.patch.object(module, "JsonQueue", queue))
        return wiring.nightly_service()


def _puts(params: dict[str, Any]) -> Counter[str]:
    """Items a write request puts or deletes, by item_type ("delete", "check" otherwise)."""
    written: Counter[str] = Counter()
    for op in params.get("TransactItems", []):
        if "Put" in op:
            written[op["Put"]["Item"].get("item_type", {}).get("S", "?")] += 1
        else:
            written["delete" if "Delete" in op else "check"] += 1
    for requests in params.get("RequestItems", {}).values():
        for r in requests:
            if "PutRequest" in r:
                written[r["PutRequest"]["Item"].get("item_type", {}).get("S", "?")] += 1
            elif "DeleteRequest" in r:
                written["delete"] += 1
    if "Item" in params:
        written[params["Item"].get("item_type", {}).get("S", "?")] += 1
    return written


# -- DynamoDB item size (what a 1 MB Query page counts) -------------------------------------
def _value_size(value: dict[str, Any]) -> int:
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return _number_size(v)
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(_value_size(e) + 1 for e in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(e) + 1 for k, e in v.items())
    if kind == "SS":
        return sum(len(e.encode()) for e in v)
    if kind == "NS":
        return sum(_number_size(e) for e in v)
    return sum(len(e) for e in v)  # BS


def _number_size(text: str) -> int:
    digits = text.lstrip("-").split("e")[0].split("E")[0].replace(".", "").strip("0")
    return (max(1, len(digits)) + 1) // 2 + 1


def item_size(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it: attribute names plus values (documented rules)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


@dataclass
class DataSet:
    items: int
    size_bytes: int

    @property
    def min_pages(self) -> int:
        return max(1, math.ceil(self.size_bytes / PAGE_BYTES))


@dataclass(frozen=True)
class Line:
    size: int  # DynamoDB item size, bytes
    customer: str
    invoice: bool  # a debit: what a payment settles


def data_sets(
    client: Any, names: set[str] | None = None
) -> tuple[dict[str, DataSet], dict[str, Line]]:
    """The data a run must read, full items (a projection does not shrink the 1 MB a page
    reads), counted and sized; and every open line by key. `names`: only these sets."""
    company = keys.company_pk(TENANT, COMPANY)
    line_prefix = keys.entity_prefix("ledger_line")
    wanted = {
        "open_lines": (company, line_prefix),
        "customers": (company, keys.entity_prefix("customer")),
        "contacts": (company, keys.entity_prefix("contact")),
        "journals": (company, keys.entity_prefix("journal")),
        "dunning_partition": (dunning_pk(TENANT, COMPANY), ""),
    }
    found, lines = {}, {}
    for name, (pk, prefix) in wanted.items():
        if names is not None and name not in names:
            continue
        request: dict[str, Any] = {
            "TableName": TABLE,
            "KeyConditionExpression": "PK = :pk" + (" AND begins_with(SK, :sk)" if prefix else ""),
            "ExpressionAttributeValues": {
                ":pk": {"S": pk},
                **({":sk": {"S": prefix}} if prefix else {}),
            },
        }
        count = size = 0
        while True:
            page = client.query(**request)
            for item in page["Items"]:
                count += 1
                size += (one := item_size(item))
                if prefix == line_prefix:
                    lines[item["SK"]["S"][len(prefix) :]] = Line(
                        one, item["customer"]["S"], Decimal(item["amount"]["N"]) > 0
                    )
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        found[name] = DataSet(count, size)
    return found, lines


# -- fixture -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fixture:
    customers: int
    ledger_lines: int  # Sage F_ECRITUREC rows generated (all journals)
    open_lines: int  # open customer lines synced
    cached: bool
    build_s: float  # generation + sync (when built by this run)


def bench_env() -> None:
    os.environ.update(
        {
            "RELANCE_TABLE": TABLE,
            "RELANCE_RAW_BUCKET": BUCKET,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "LOG_LEVEL": "WARNING",
        }
    )


def start_fixture(
    args: argparse.Namespace, meter: DynamoMeter
) -> tuple[standins.Standins, Fixture]:
    """DynamoDB Local on a fresh copy of the cached, synced database (built first if
    missing), and moto. Returns the running stand-ins and what the fixture holds."""
    name = f"{args.customers}-{args.lines}-seed{args.seed}"
    cached, work = CACHE / name, CACHE / "work"
    meta_file = cached / "fixture.json"
    meta = json.loads(meta_file.read_text()) if meta_file.exists() and not args.rebuild else {}
    if meta.get("format") != FIXTURE_FORMAT:
        meta = build_fixture(args, meter, cached, work)
        meta_file.write_text(json.dumps(meta, indent=2) + "\n")
        was_cached = False
    else:
        console.print(f"Synced fixture from the cache {cached.relative_to(ROOT)} (--rebuild: anew)")
        was_cached = True
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(cached / "dynamodb", work)
    running = standins.start(data_dir=work)
    running.apply_env()
    return running, Fixture(
        customers=meta["customers"],
        ledger_lines=meta["ledger_lines"],
        open_lines=meta["open_lines"],
        cached=was_cached,
        build_s=0.0 if was_cached else meta["build_s"],
    )


def build_fixture(
    args: argparse.Namespace, meter: DynamoMeter, cached: Path, work: Path
) -> dict[str, Any]:
    """Generate the Sage company, sync it through the relay into DynamoDB Local on disk,
    and keep the database files in the cache."""
    started = time.perf_counter()
    folder = DATA / f"nightly-{args.customers}-{args.lines}-unpaid"
    console.print(f"Generating the Sage company in {folder.relative_to(ROOT)} …")
    files = generate_tenant(
        folder,
        {COMPANY: (args.customers, args.lines)},
        as_of=AS_OF,
        seed=args.seed,
        unpaid_share=UNPAID_SHARE,
    )
    with contextlib.closing(sqlite3.connect(files[COMPANY])) as conn:
        ledger_lines = int(conn.execute("SELECT COUNT(*) FROM F_ECRITUREC").fetchone()[0])
    shutil.rmtree(work, ignore_errors=True)
    running = standins.start(data_dir=work)
    running.apply_env()
    try:
        with meter.off():
            standins.ensure_resources(running, TABLE, [BUCKET])
            store = SyncStore(TABLE)
            store.put_connector(TENANT, KEY_ID, SECRET, "bench nightly relay")
            server = make_server(LocalApi(LocalKeys(DATA / "keys")))
            serve_in_background(server)
            config = write_sqlite_relay_config(
                folder / "relay.toml",
                api_url=f"http://127.0.0.1:{server.server_address[1]}",
                key_id=KEY_ID,
                secret_env="BENCH_RELAY_SECRET",
                files=files,
            )
            console.print(f"Syncing {ledger_lines:,} Sage lines through the relay …")
            try:
                sync_s, _ = run_relay(config, "full", SECRET)
            finally:
                server.shutdown()
                server.server_close()
            open_lines = len(store.record_keys(TENANT, COMPANY, "ledger_line"))
    finally:
        running.stop()  # DynamoDB Local closes its database file
    shutil.rmtree(cached, ignore_errors=True)
    cached.mkdir(parents=True)
    shutil.copytree(work, cached / "dynamodb")
    console.print(
        f"Synced {open_lines:,} open lines in {sync_s:.0f} s; cached in {cached.relative_to(ROOT)}"
    )
    return {
        "format": FIXTURE_FORMAT,
        "customers": args.customers,
        "ledger_lines": ledger_lines,
        "open_lines": open_lines,
        "seed": args.seed,
        "as_of": AS_OF.isoformat(),
        "sync_s": round(sync_s, 1),
        "build_s": round(time.perf_counter() - started, 1),
    }


# -- the runs ------------------------------------------------------------------------------
@dataclass
class Run:
    wall_s: float
    read_s: float  # building the cases: every read but the alerts' and portfolios'
    evaluate_s: float
    report: RunReport
    calls: list[Call]
    wire_s: float  # DynamoDB had the request (DynamoDB Local, loopback)
    dispatch_batches: int  # SendMessageBatch calls the run made (not sent, counted)
    dispatch_messages: int
    cases: list[CustomerCase]  # the run's own input to evaluate(), and what it answered
    book: ProfileBook
    outcome: Outcome
    sets: dict[str, DataSet]  # what it had to read (sized before the run, meter off)

    def _of(self, ops: frozenset[str]) -> list[Call]:
        return [c for c in self.calls if c.op in ops]

    @property
    def write_s(self) -> float:
        return self.wall_s - self.read_s - self.evaluate_s

    @property
    def botocore_s(self) -> float:
        """In botocore outside the wire: building, signing, sending, parsing."""
        return union_s([c.span for c in self.calls]) - self.wire_s

    @property
    def items(self) -> int:
        return sum(len(c.items) for c in self.cases)

    @property
    def changed(self) -> int:
        """Customers with something new, by the run's own rule (services/nightly.py): a
        new action, or a history that differs once the actions are recorded."""
        by_customer: dict[str, list[Action]] = defaultdict(list)
        for action in self.outcome.actions:
            by_customer[action.customer].append(action)
        as_of = self.report.as_of
        changed = 0
        for case in self.cases:
            number = case.customer.number
            actions = by_customer.get(number, [])
            forget = self.outcome.forget.get((COMPANY, number), [])
            if actions or record(case.history, actions, as_of, forget) != dict(case.history):
                changed += 1
        return changed

    @property
    def min_items(self) -> int:
        return sum(s.items for s in self.sets.values())

    @property
    def min_pages(self) -> int:
        return sum(s.min_pages for s in self.sets.values())

    @property
    def read_requests(self) -> int:
        return len(self._of(READ_OPS))

    @property
    def items_read(self) -> int:
        return sum(c.scanned for c in self._of(READ_OPS))

    @property
    def items_returned(self) -> int:
        return sum(c.returned for c in self._of(READ_OPS))

    @property
    def read_capacity(self) -> float:
        return sum(c.capacity for c in self._of(READ_OPS))

    @property
    def read_bytes(self) -> int:
        return sum(c.body_bytes for c in self._of(READ_OPS))

    @property
    def write_requests(self) -> int:
        return len(self._of(WRITE_OPS))

    @property
    def write_capacity(self) -> float:
        return sum(c.capacity for c in self._of(WRITE_OPS))

    @property
    def transactions_ok(self) -> list[Call]:
        return [c for c in self.calls if c.op == "TransactWriteItems" and c.ok]

    def written(self, item_type: str) -> int:
        return sum(c.puts[item_type] for c in self._of(WRITE_OPS) if c.ok)

    def by_operation(self, ops: frozenset[str]) -> dict[str, int]:
        return dict(sorted(Counter(c.op for c in self._of(ops)).items()))

    def reads_by_data(self) -> dict[str, dict[str, int]]:
        rows: dict[str, dict[str, int]] = {}
        for c in self._of(READ_OPS):
            row = rows.setdefault(c.what, {"requests": 0, "items_read": 0, "items_returned": 0})
            row["requests"] += 1
            row["items_read"] += c.scanned
            row["items_returned"] += c.returned
        return dict(sorted(rows.items()))


def measured_run(
    service: NightlyService,
    meter: DynamoMeter,
    counter: DispatchCounter,
    as_of: date,
    sets: dict[str, DataSet],
) -> Run:
    """One run_company, as the nightly_company function calls it, timed by phase; its
    evaluate() call is kept (input and answer) for the checks and the pure timing."""
    spent = {"read": 0.0, "evaluate": 0.0}
    seen: dict[str, Any] = {}
    cases, run_evaluate = service._cases, nightly_module.evaluate

    def timed(phase: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                seen[phase] = (args, fn(*args, **kwargs))
                return seen[phase][1]
            finally:
                spent[phase] += time.perf_counter() - started

        return wrapper

    now = datetime.combine(as_of, clock(2, 0), UTC)
    gc.collect()
    meter.reset()
    counter.batches = counter.messages = 0
    with (
        mock.patch.object(service, "_cases", timed("read", cases)),
        mock.patch.object(nightly_module, "evaluate", timed("evaluate", run_evaluate)),
    ):
        started = time.perf_counter()
        report = service.run_company(TENANT, COMPANY, as_of, now)
        wall = time.perf_counter() - started
    (run_cases, book, _), outcome = seen["evaluate"]
    return Run(
        wall_s=wall,
        read_s=spent["read"],
        evaluate_s=spent["evaluate"],
        report=report,
        calls=list(meter.calls),
        wire_s=union_s(meter.wire),
        dispatch_batches=counter.batches,
        dispatch_messages=counter.messages,
        cases=run_cases,
        book=book,
        outcome=outcome,
        sets=sets,
    )


def pay_invoices(
    client: Any, lines: dict[str, Line], share: float, seed: int
) -> tuple[dict[str, Line], int]:
    """Delete about `share` of the open lines, invoices only, as the sync does when Sage
    letters them: (the lines left, customers concerned)."""
    invoices = sorted(key for key, line in lines.items() if line.invoice)
    paid = random.Random(seed).sample(invoices, round(len(lines) * share))
    SyncStore(TABLE, client).delete_records(TENANT, COMPANY, "ledger_line", paid)
    gone = set(paid)
    left = {key: line for key, line in lines.items() if key not in gone}
    return left, len({lines[key].customer for key in paid})


def evaluation_speed(run: Run, runs: int) -> tuple[float, float]:
    """Best and median seconds of evaluate() over a run's own cases, in this process."""
    timings = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        evaluate(run.cases, run.book, run.report.as_of)
        timings.append(time.perf_counter() - started)
    return min(timings), sorted(timings)[len(timings) // 2]


# -- main ----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument(
        "--lines", type=int, default=635_000, help="Sage ledger lines, all journals (~31 %% open)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=5, help="timed evaluations (best is kept)")
    parser.add_argument("--paid", type=float, default=0.01, help="share of open lines paid")
    parser.add_argument("--rebuild", action="store_true", help="generate and sync anew")
    args = parser.parse_args()
    started = time.perf_counter()
    bench_env()
    meter = DynamoMeter(keys.company_pk(TENANT, COMPANY))  # before any client exists
    running, fixture = start_fixture(args, meter)
    try:
        figures = measure(args, meter, fixture)
    finally:
        running.stop()
    figures["bench_s"] = round(time.perf_counter() - started, 1)
    write_results(RESULTS, figures)
    print_table(figures)
    console.print(f"Figures in {RESULTS.relative_to(ROOT)}")


def measure(args: argparse.Namespace, meter: DynamoMeter, fixture: Fixture) -> dict[str, Any]:
    counter = DispatchCounter()
    service = nightly_service(counter)
    client = service.records.client

    console.print("Sizing what the run must read, then the first run …")
    with meter.off():
        sets, lines = data_sets(client)
    first = measured_run(service, meter, counter, AS_OF, sets)

    console.print("Second run, the same day …")
    with meter.off():
        sets = {**sets, **data_sets(client, {"dunning_partition"})[0]}
    second = measured_run(service, meter, counter, AS_OF, sets)

    console.print(f"Third run, the next day, after {args.paid:.0%} of the open lines were paid …")
    with meter.off():
        left, paying = pay_invoices(client, lines, args.paid, args.seed)
        sets = {
            **sets,
            "open_lines": DataSet(len(left), sum(line.size for line in left.values())),
            **data_sets(client, {"dunning_partition"})[0],
        }
    third = measured_run(service, meter, counter, AS_OF + timedelta(days=1), sets)

    console.print(f"Pure evaluation of the runs' own cases, best of {args.runs} …")
    best, median = evaluation_speed(first, args.runs)
    best_third, _ = evaluation_speed(third, args.runs)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "dynamodb": "DynamoDB Local (on disk), same machine",
        "fixture_customers": fixture.customers,
        "fixture_customers_with_email": sum(1 for c in first.cases if c.customer.email),
        "fixture_ledger_lines": fixture.ledger_lines,
        "fixture_open_lines": fixture.open_lines,
        "fixture_contacts": first.sets["contacts"].items,
        "fixture_cached": fixture.cached,
        "fixture_build_s": fixture.build_s,
        "as_of": AS_OF.isoformat(),
        # 1. the first run
        **run_figures("first_run", first),
        "actions_written": first.written("action"),
        "tasks_written": first.written("task"),
        "first_run_queued_actions": first.report.queued,
        # 2. the minimum (first run)
        "minimum_items": first.min_items,
        "minimum_items_by_data": {k: s.items for k, s in first.sets.items()},
        "minimum_bytes_by_data": {k: s.size_bytes for k, s in first.sets.items()},
        "minimum_read_pages": first.min_pages,
        "ratio_read_items_vs_minimum": round(first.items_read / first.min_items, 3),
        "ratio_read_requests_vs_minimum_pages": round(first.read_requests / first.min_pages, 3),
        "minimum_write_transactions": first.changed,
        # 3. the same day again
        **run_figures("second_run", second),
        "second_run_ratio_read_items_vs_minimum": round(second.items_read / second.min_items, 3),
        # 4. the next day, some invoices paid
        "third_run_lines_paid": len(lines) - len(left),
        "third_run_customers_paying": paying,
        **run_figures("third_run", third),
        "customers_changed_third_run": third.changed,
        "third_run_actions_written": third.written("action"),
        "third_run_ratio_read_items_vs_minimum": round(third.items_read / third.min_items, 3),
        # 5. pure evaluation, on the first run's own cases
        "evaluation_items": first.items,
        "evaluation_customers": len(first.cases),
        "evaluation_s_best": round(best, 3),
        "evaluation_s_median": round(median, 3),
        "evaluation_ms_per_1000_items": round(best / first.items * 1_000_000, 3),
        "evaluation_items_per_s": round(first.items / best, 1),
        "evaluation_items_per_s_third_run": round(third.items / best_third, 1),
        "evaluation_runs": args.runs,
    }


def run_figures(name: str, run: Run) -> dict[str, Any]:
    return {
        f"{name}_wall_s": round(run.wall_s, 2),
        f"{name}_read_s": round(run.read_s, 2),
        f"{name}_evaluate_s": round(run.evaluate_s, 3),
        f"{name}_write_s": round(run.write_s, 2),
        f"{name}_dynamodb_wire_s": round(run.wire_s, 2),
        f"{name}_botocore_s": round(run.botocore_s, 2),
        f"{name}_own_s": round(run.wall_s - run.wire_s - run.botocore_s, 2),
        f"{name}_read_requests": run.read_requests,
        f"{name}_items_read": run.items_read,
        f"{name}_items_returned": run.items_returned,
        f"{name}_read_capacity_units": round(run.read_capacity, 1),
        f"{name}_read_response_mb": round(run.read_bytes / 2**20, 1),
        f"{name}_reads_by_data": run.reads_by_data(),
        f"{name}_minimum_items": run.min_items,
        f"{name}_minimum_read_pages": run.min_pages,
        f"{name}_write_requests": run.write_requests,
        f"{name}_write_requests_by_operation": run.by_operation(WRITE_OPS),
        f"{name}_write_capacity_units": round(run.write_capacity, 1),
        f"{name}_customers_with_something_new": run.changed,
        f"{name}_customers_written": len(run.transactions_ok),
        f"{name}_customers_already_done": run.report.already_done,
        f"{name}_actions": run.report.actions,
        f"{name}_alerts_raised": run.report.alerts,
        f"{name}_alerts_added": run.report.alerts_added,
        f"{name}_alerts_cleared": run.report.alerts_cleared,
        f"{name}_items_evaluated": run.report.items,
        f"{name}_dispatch_batches": run.dispatch_batches,
        f"{name}_dispatch_messages": run.dispatch_messages,
    }


def _mark(ok: bool) -> str:
    return "[green]ok[/]" if ok else "[red]missed[/]"


def print_table(f: dict[str, Any]) -> None:
    table = Table(
        title=f"Nightly run of one company: {f['fixture_customers']:,} customers, "
        f"{f['fixture_open_lines']:,} open lines, {f['dynamodb']}"
    )
    table.add_column("Figure")
    for column in ("First run", "Same day again", "Next day, 1 % paid"):
        table.add_column(column, justify="right")
    table.add_column("Target", justify="right")
    runs = ("first_run", "second_run", "third_run")

    def row(label: str, key: str, target: str = "") -> None:
        table.add_row(label, *(f"{f[f'{r}_{key}']:,}" for r in runs), target)

    row("wall s", "wall_s")
    row("  reading s", "read_s")
    row("  evaluating s", "evaluate_s")
    row("  writing s", "write_s")
    row("  of the wall: DynamoDB wire s", "dynamodb_wire_s")
    row("  of the wall: botocore s", "botocore_s")
    row("  of the wall: the run's own s", "own_s")
    row("read requests", "read_requests")
    row("  minimum (1 MB pages)", "minimum_read_pages")
    row("items read (scanned)", "items_read")
    row("  minimum items", "minimum_items")
    ratios = [
        f["ratio_read_items_vs_minimum"],
        f["second_run_ratio_read_items_vs_minimum"],
        f["third_run_ratio_read_items_vs_minimum"],
    ]
    table.add_row(
        "items read / minimum",
        *(f"{r} {_mark(r <= TARGET_READ_RATIO)}" for r in ratios),
        f"≤ {TARGET_READ_RATIO}",
    )
    ratio_requests = f["ratio_read_requests_vs_minimum_pages"]
    table.add_row(
        "read requests / minimum pages",
        f"{ratio_requests} {_mark(ratio_requests <= TARGET_READ_RATIO)}",
        "",
        "",
        f"≤ {TARGET_READ_RATIO}",
    )
    row("customers with something new", "customers_with_something_new")
    row("customers written (1 transaction each)", "customers_written")
    second_writes = f["second_run_write_requests"]
    table.add_row(
        "write requests",
        f"{f['first_run_write_requests']:,}",
        f"{second_writes} {_mark(second_writes == 0)}",
        f"{f['third_run_write_requests']:,}",
        "0 the same day",
    )
    for r in runs:
        ops = ", ".join(f"{n} {op}" for op, n in f[f"{r}_write_requests_by_operation"].items())
        table.add_row(f"  {r.replace('_', ' ')}", ops or "none", "", "", "")
    row("actions", "actions")
    console.print(table)
    reads = Table(title="Reads by data, first run (requests / items read / items returned)")
    reads.add_column("Data")
    reads.add_column("Requests", justify="right")
    reads.add_column("Items read", justify="right")
    reads.add_column("Returned", justify="right")
    reads.add_column("Minimum items", justify="right")
    reads.add_column("Minimum pages", justify="right")
    minimum = f["minimum_items_by_data"]
    for what, r in f["first_run_reads_by_data"].items():
        pages = math.ceil(f["minimum_bytes_by_data"][what] / PAGE_BYTES) if what in minimum else ""
        reads.add_row(
            what,
            f"{r['requests']:,}",
            f"{r['items_read']:,}",
            f"{r['items_returned']:,}",
            f"{minimum[what]:,}" if what in minimum else "",
            str(max(1, pages)) if pages != "" else "",
        )
    console.print(reads)
    speed = f["evaluation_items_per_s"]
    console.print(
        f"Pure evaluation: {f['evaluation_items']:,} items in {f['evaluation_s_best']} s, "
        f"{f['evaluation_ms_per_1000_items']} ms per 1,000 items, {speed:,.0f} items/s "
        f"(≥ {TARGET_ITEMS_PER_S:,}) {_mark(speed >= TARGET_ITEMS_PER_S)}; "
        f"third run's cases {f['evaluation_items_per_s_third_run']:,.0f} items/s."
    )
    build = f"built in {f['fixture_build_s']} s" if not f["fixture_cached"] else "from the cache"
    console.print(f"Fixture {build}; whole bench {f['bench_s']} s.")


if __name__ == "__main__":
    main()
