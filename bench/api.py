"""bench/api: what one user API call costs on a 5,000-customer tenant (issue 3), in one run.

A generated Sage company (default 5,000 customers, about 25,000 open lines) is synced by the
relay, in its own process, through the local API into DynamoDB Local (as bench/sync does).
Then the real API handler (functions/api/handler.py) is called in this process with the
REST proxy events local/devserver.py builds, for an admin and for a collector (role user)
whose portfolio is a rule on a Sage rep:
- DynamoDB requests per call of GET /dashboard, GET /customers/{company}/{number} (card)
  and GET /customers (a searched, filtered list page with the default paging), counted
  through botocore's events on every client the process creates;
- the handler's own time per request, p50 and p95: the wall time of handler() minus the
  time DynamoDB had the request (from botocore's before-send to its before-parse: network
  and server). What stays is the Lambda's own work, botocore's serialising and parsing
  included (reported apart too); and the time outside the boto3 client calls (the Lambda's
  own code and Powertools, botocore left out). Slow routes get a time budget (--seconds,
  at least 30 calls) rather than all --requests;
- the cold import of the API handler module against a bare Powertools
  APIGatewayRestResolver app, and against the "floor" (that app plus boto3, pydantic,
  Logger and Tracer): fresh interpreters in the environment the CDK app gives the function
  (tracing active), with bytecode (written once to a cache of the bench's own), taking
  turns, median. The layers ship no .pyc today, so Lambda compiles every module at each
  cold start: these figures are what shipping bytecode gives;
- and, since the handler builds its resolver and loads routers at the first request, a
  cold start as a caller sees it: import + first request in a fresh interpreter, for the
  handler on each route, the bare app on /ping and the floor app on one DynamoDB read.
Figures go to bench/results/api.json.
Usage: python -m bench.api [--customers N --lines N --requests N --seconds S --imports N
                            --profile ROUTE --results PATH]
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from rich.console import Console
from rich.table import Table

from bench.sagegen.generate import generate_tenant
from bench.sync import AS_OF, DATA, run_relay
from local import standins
from local.devserver import (
    FunctionPool,
    LambdaContextStandIn,
    LocalApi,
    make_server,
    rest_event,
    serve_in_background,
)
from local.relayconf import write_sqlite_relay_config
from relance.auth.identity import Identity
from relance.auth.tokens import LocalKeys
from relance.domain.portfolios import PortfolioBody
from relance.domain.users import NewUser
from relance.services.wiring import portfolio_service, user_service
from relance.store.dynamo import SyncStore

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "api.json"
HANDLER = ROOT / "functions" / "api" / "handler.py"
PYCACHE = DATA / "bench-api-pycache"  # the cold imports' bytecode, outside the tree
TABLE, BUCKET, TENANT, COMPANY = "bench-api", "bench-api-raw", "bench", "BIJOU"
KEY_ID, SECRET = "bench-api-relay", "bench-api-secret"
# A search and a filter, with the default paging (offset 0, limit 50).
SEARCHES = ("garage", "pharmacie", "sas", "boulangerie", "C004")
TARGET_REQUESTS = {"card": 2, "dashboard": 3, "list": 2}
TARGET_HANDLER_P50_MS = 5.0
TARGET_IMPORT_RATIO = 1.5
WARMUP, WARMUP_S = 20, 5.0  # calls, seconds: whichever comes first
MIN_CALLS = 30
console = Console() if Console().is_terminal else Console(width=150)


# -- DynamoDB meter ------------------------------------------------------------------------
def _union_s(spans: list[tuple[float, float]]) -> float:
    """Seconds covered by possibly overlapping spans (calls made from several threads)."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


class DynamoMeter:
    """Every DynamoDB call this process makes, counted and timed through botocore's events.

    Registered on the default boto3 session before any client exists, so that every
    client the services create (each copies the session's handlers) reports here, from
    whichever thread it is called. Two spans per call: the whole call in botocore
    (parameters built -> response parsed) and the wire, per attempt (request sent ->
    response read: what DynamoDB, local or real, and the network take).
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self.operations: Counter[str] = Counter()
        self.sends = 0
        self.wire: list[tuple[float, float]] = []
        self.calls: list[tuple[float, float]] = []
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        events = boto3.DEFAULT_SESSION.events
        events.register("before-parameter-build.dynamodb", self._call_started)
        events.register("before-call.dynamodb", self._count)
        events.register("after-call.dynamodb", self._call_ended)
        events.register("after-call-error.dynamodb", self._call_ended)
        events.register("before-send.dynamodb", self._send_started)
        events.register("before-parse.dynamodb", self._send_ended)
        events.register("response-received.dynamodb", self._send_ended)

    def reset(self) -> None:
        with self._lock:
            self.operations, self.sends = Counter(), 0
            self.wire, self.calls = [], []

    @property
    def wire_s(self) -> float:
        return _union_s(self.wire)

    @property
    def call_s(self) -> float:
        """Time inside boto3 client calls: DynamoDB's and botocore's."""
        return _union_s(self.calls)

    @property
    def botocore_s(self) -> float:
        """Time in botocore outside the wire: serialising, signing, parsing."""
        return _union_s(self.calls) - self.wire_s

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.operations[model.name] += 1

    def _call_started(self, **_: Any) -> None:
        self._local.call = time.perf_counter()

    def _call_ended(self, **_: Any) -> None:
        self._close("call", self.calls)

    def _send_started(self, **_: Any) -> None:
        with self._lock:
            self.sends += 1
        self._local.send = time.perf_counter()  # returns None: botocore sends it

    def _send_ended(self, **_: Any) -> None:
        self._close("send", self.wire)

    def _close(self, what: str, spans: list[tuple[float, float]]) -> None:
        started = getattr(self._local, what, None)
        if started is not None:
            setattr(self._local, what, None)
            with self._lock:
                spans.append((started, time.perf_counter()))


# -- fixture -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Caller:
    name: str  # "admin", "collector"
    token: str
    claims: dict[str, Any]  # verified, as API Gateway's authorizer passes them


@dataclass(frozen=True)
class Fixture:
    customers: int
    open_lines: int
    admin: Caller
    collector: Caller
    portfolio: list[str]  # the collector's customers (numbers), all in COMPANY


def build_fixture(running: standins.Standins, folder: Path, customers: int, lines: int) -> Fixture:
    """Generate the Sage company, sync it through the relay, create the two users."""
    files = generate_tenant(
        folder, {COMPANY: (customers, lines)}, as_of=AS_OF, seed=42, unpaid_share=0.95
    )
    standins.ensure_resources(running, TABLE, [BUCKET])
    store = SyncStore(TABLE)
    store.put_connector(TENANT, KEY_ID, SECRET, "bench api relay")
    server = make_server(LocalApi(LocalKeys(DATA / "keys"), pool_size=1))
    serve_in_background(server)
    config = write_sqlite_relay_config(
        folder / "relay.toml",
        api_url=f"http://127.0.0.1:{server.server_address[1]}",
        key_id=KEY_ID,
        secret_env="BENCH_RELAY_SECRET",
        files=files,
    )
    try:
        run_relay(config, "full", SECRET)
    finally:
        server.shutdown()
        server.server_close()
    return _users(store, customers)


def _users(store: SyncStore, customers: int) -> Fixture:
    """An admin, and a collector whose portfolio is the rule "customers of Sage rep N"
    (the collector rep with the most customers), through the services."""
    now = datetime.now(UTC)
    users = user_service()
    admin = users.provision(
        TENANT,
        NewUser.model_validate(
            {"email": "admin@bench.example", "display_name": "Bench Admin", "role": "admin"}
        ),
        now,
    )
    admin_id = Identity(tenant=TENANT, role="admin", user_id=admin.user_id, email=admin.email)
    summaries = store.summaries(TENANT, COMPANY)
    per_rep = Counter(s.rep_number for s in summaries if s.rep_number)
    reps = [r for r in users.reps(TENANT) if r.company == COMPANY and r.is_collector]
    rep = max(reps or users.reps(TENANT), key=lambda r: (per_rep[r.number], -r.number)).number
    link = {"company": COMPANY, "rep_number": rep}
    collector = users.create(
        admin_id,
        NewUser.model_validate(
            {
                "email": "collector@bench.example",
                "display_name": "Bench Collector",
                "role": "user",
                "rep_links": [link],
            }
        ),
        now,
    )
    portfolio_service().put(
        admin_id,
        collector["user_id"],
        PortfolioBody.model_validate({"rules": [link], "version": 0}),
    )
    keys = LocalKeys(DATA / "keys")

    def caller(name: str, role: str, user_id: str, email: str) -> Caller:
        token = keys.issue(tenant=TENANT, role=role, user_id=user_id, email=email, now=now)
        return Caller(name, token, keys.verify(token))

    return Fixture(
        customers=customers,
        open_lines=len(store.record_keys(TENANT, COMPANY, "ledger_line")),
        admin=caller("admin", "admin", admin.user_id, admin.email),
        collector=caller("collector", "user", collector["user_id"], collector["email"]),
        portfolio=sorted(s.number for s in summaries if s.rep_number == rep),
    )


# -- requests ------------------------------------------------------------------------------
@dataclass
class Route:
    name: str  # "card", "dashboard", "list"
    paths: list[str]  # cycled through


@dataclass
class Sample:
    requests: list[int] = field(default_factory=list)
    operations: Counter[str] = field(default_factory=Counter)
    wall_ms: list[float] = field(default_factory=list)
    handler_ms: list[float] = field(default_factory=list)
    own_ms: list[float] = field(default_factory=list)
    botocore_ms: list[float] = field(default_factory=list)
    dynamodb_ms: list[float] = field(default_factory=list)


def routes(fixture: Fixture, requests: int) -> list[Route]:
    # Cards of customers spread over the collector's portfolio, so both callers may read
    # them and lines per customer vary as they do in the ledger.
    step = max(1, len(fixture.portfolio) // requests)
    cards = [f"/customers/{COMPANY}/{n}" for n in fixture.portfolio[::step][:requests]]
    lists = [f"/customers?q={q}&overdue_only=true" for q in SEARCHES]
    return [Route("dashboard", ["/dashboard"]), Route("card", cards), Route("list", lists)]


def event_for(path: str, caller: Caller) -> dict[str, Any]:
    headers = {
        "Host": "127.0.0.1",
        "Accept": "application/json",
        "Authorization": f"Bearer {caller.token}",
    }
    return rest_event("GET", path, headers, b"", caller.claims)


def call(module: ModuleType, meter: DynamoMeter, path: str, caller: Caller) -> tuple[float, int]:
    """One handler() call: (wall seconds, requests); the meter holds its DynamoDB spans."""
    event, context = event_for(path, caller), LambdaContextStandIn("api")
    meter.reset()
    started = time.perf_counter()
    answer = module.handler(event, context)
    wall = time.perf_counter() - started
    if answer["statusCode"] != 200:
        raise SystemExit(f"{caller.name} GET {path}: {answer['statusCode']} {answer['body']}")
    return wall, meter.sends


def measure_route(
    module: ModuleType,
    meter: DynamoMeter,
    route: Route,
    caller: Caller,
    requests: int,
    budget_s: float,
) -> Sample:
    """`requests` timed calls, or fewer when they would take longer than `budget_s` (never
    fewer than MIN_CALLS), after a warm-up."""
    paths = itertools.cycle(route.paths)
    warm_until = time.perf_counter() + WARMUP_S
    for _ in range(WARMUP):
        call(module, meter, next(paths), caller)
        if time.perf_counter() > warm_until:
            break
    sample = Sample()
    until = time.perf_counter() + budget_s
    while len(sample.wall_ms) < requests:
        wall, sends = call(module, meter, next(paths), caller)
        wire, botocore, in_client = meter.wire_s, meter.botocore_s, meter.call_s
        sample.requests.append(sends)
        sample.operations.update(meter.operations)
        sample.wall_ms.append(wall * 1000)
        sample.handler_ms.append((wall - wire) * 1000)
        sample.own_ms.append((wall - in_client) * 1000)
        sample.botocore_ms.append(botocore * 1000)
        sample.dynamodb_ms.append(wire * 1000)
        if len(sample.wall_ms) >= MIN_CALLS and time.perf_counter() > until:
            break
    return sample


def p50(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[-1], 2)


# -- cold import ---------------------------------------------------------------------------
BARE_APP = '''"""A bare Powertools REST app: where any Lambda handler module starts from."""
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

app = APIGatewayRestResolver()


@app.get("/ping")
def ping():
    return {"ok": True}


def handler(event, context):
    return app.resolve(event, context)
'''
# The bare app plus what every handler of this stack imports whatever it does: boto3,
# pydantic, Powertools' Logger and Tracer (tracing is active in AWS): the floor.
FLOOR_APP = '''"""The bare app with boto3, pydantic and Powertools' Logger and Tracer."""
import os

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from pydantic import BaseModel

logger, tracer = Logger(), Tracer()
app = APIGatewayRestResolver()
client = None


class Ping(BaseModel):
    ok: bool


@app.get("/ping")
def ping():
    return Ping(ok=True).model_dump()


@app.get("/item")
def item():
    """One DynamoDB read through a client made at the first request."""
    global client
    client = client or boto3.client("dynamodb")
    client.get_item(TableName=os.environ["RELANCE_TABLE"], Key={"PK": {"S": "x"}, "SK": {"S": "x"}})
    return Ping(ok=True).model_dump()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    return app.resolve(event, context)
'''
# What FunctionPool._load (the dev server) and Lambda's runtime do: import the handler file.
IMPORT_TIMER = """
import importlib.util, sys, time
started, started_cpu = time.perf_counter(), time.process_time()
spec = importlib.util.spec_from_file_location(sys.argv[2], sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
print((time.perf_counter() - started) * 1000)
"""
# A cold container's first request: the import as above, then one handler() call with the
# event in argv[3]. DynamoDB's share of that call (request sent -> response read) is timed
# through botocore's events, registered the moment the handler's code imports boto3, so
# that timing it loads nothing early. Prints one JSON line.
COLD_CALL = IMPORT_TIMER.replace(
    "print((time.perf_counter() - started) * 1000)",
    """imported = time.perf_counter()
import importlib.abc, importlib.machinery, json
wire, marks = [], {}

def _sent(**_):
    marks["sent"] = time.perf_counter()

def _read(**_):
    if "sent" in marks:
        wire.append(time.perf_counter() - marks.pop("sent"))

class _MeterOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "boto3":
            return None
        sys.meta_path.remove(self)
        found = importlib.machinery.PathFinder.find_spec(name, path)
        run = found.loader.exec_module

        def exec_module(module):
            run(module)
            module.setup_default_session()
            for event, fn in (("before-send", _sent), ("before-parse", _read)):
                module.DEFAULT_SESSION.events.register(event + ".dynamodb", fn)

        found.loader.exec_module = exec_module
        return found

if "boto3" in sys.modules:  # imported by the module itself
    sys.modules["boto3"].setup_default_session()
    for event, fn in (("before-send", _sent), ("before-parse", _read)):
        sys.modules["boto3"].DEFAULT_SESSION.events.register(event + ".dynamodb", fn)
else:
    sys.meta_path.insert(0, _MeterOnImport())
event = json.loads(open(sys.argv[3]).read())

class Context:  # what Lambda passes (Logger reads it)
    function_name, function_version, memory_limit_in_mb = "relance-api", "$LATEST", 1024
    invoked_function_arn = "arn:aws:lambda:eu-west-3:000000000000:function:relance-api"
    aws_request_id = "cold"

    def get_remaining_time_in_millis(self):
        return 29000

called = time.perf_counter()
answer = module.handler(event, Context())
done = time.perf_counter()
assert answer["statusCode"] == 200, answer
print(json.dumps({"import_ms": (imported - started) * 1000,
                  "first_request_ms": (done - called) * 1000,
                  "first_request_dynamodb_ms": sum(wire) * 1000,
                  "cpu_ms": (time.process_time() - started_cpu) * 1000}))""",
)
# Top-level packages of -X importtime lines, grouped to say where a cold import goes.
IMPORT_GROUPS = {
    "powertools": ("aws_lambda_powertools",),
    "boto": ("boto3", "botocore", "s3transfer", "urllib3", "dateutil", "jmespath"),
    "pydantic": ("pydantic", "pydantic_core", "annotated_types", "typing_inspection"),
    # The X-Ray SDK, and what Tracer's auto-patching imports to patch it.
    "xray": ("aws_xray_sdk", "wrapt", "requests", "charset_normalizer", "idna", "certifi"),
    "relance": ("relance",),
}


def lambda_env() -> dict[str, str]:
    """The environment the CDK app gives the API function: in Lambda, tracing active.

    Bytecode is written on the first (unmeasured) import into a cache of the bench's own
    (PYCACHE), then read, for every module alike. Without .pyc files (the layers as built
    today), every module, relance's and the libraries', is compiled at each cold start."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("POWERTOOLS_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    return {
        **env,
        "PYTHONPYCACHEPREFIX": str(PYCACHE),
        # What Lambda's runtime sets when tracing is active (the function's own segment).
        "_X_AMZN_TRACE_ID": "Root=1-6740a000-0123456789abcdef01234567;Parent=0123456789abcdef;"
        "Sampled=1",
        "PYTHONPATH": str(ROOT),
        "LAMBDA_TASK_ROOT": str(HANDLER.parent),
        "AWS_LAMBDA_FUNCTION_NAME": "relance-api",
        "AWS_REGION": standins.REGION,
        "AWS_DEFAULT_REGION": standins.REGION,
        "POWERTOOLS_SERVICE_NAME": "relance-api",
        "POWERTOOLS_METRICS_NAMESPACE": "Relance",
        "LOG_LEVEL": "INFO",
    }


def cold_import(
    path: Path, *flags: str, script: str = IMPORT_TIMER, args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, *flags, "-c", script, str(path), f"_fn_{path.stem}_0", *args]
    done = subprocess.run(command, env=lambda_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"importing {path} failed:\n{done.stderr[-3000:]}")
    return done


def cold_import_ms(path: Path) -> float:
    return float(cold_import(path).stdout.strip().splitlines()[-1])


def import_breakdown_ms(path: Path) -> dict[str, float]:
    """Self time of every module the import loads (-X importtime), summed per group;
    approximate (the instrumentation costs a little), and "other" is the rest."""
    out = cold_import(path, "-X", "importtime")
    groups = dict.fromkeys([*IMPORT_GROUPS, "other"], 0.0)
    owner = {package: group for group, packages in IMPORT_GROUPS.items() for package in packages}
    for row in out.stderr.splitlines():
        parts = row.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        package = parts[2].strip().split(".")[0]
        groups[owner.get(package, "other")] += int(parts[0]) / 1000
    return {group: round(ms, 1) for group, ms in groups.items()}


def cold_imports(repetitions: int) -> dict[str, float]:
    """Median import time (ms) of the API handler, a bare resolver app and the floor app,
    each in a fresh interpreter, taking turns; one unmeasured run of each first (bytecode,
    page cache)."""
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        modules = {"api_handler": HANDLER}
        for name, text in (("bare_resolver", BARE_APP), ("floor", FLOOR_APP)):
            modules[name] = Path(tmp) / f"{name}.py"
            modules[name].write_text(text)
        times: dict[str, list[float]] = {name: [] for name in modules}
        for repetition in range(repetitions + 1):
            for name, path in modules.items():
                ms = cold_import_ms(path)
                if repetition:
                    times[name].append(ms)
    return {name: statistics.median(values) for name, values in times.items()}


def cold_first_requests(fixture: Fixture, repetitions: int) -> dict[str, dict[str, float]]:
    """A cold container's import and first request, medians over fresh interpreters taking
    turns (one unmeasured round first): the API handler on each route (as the admin), the
    bare app on /ping, the floor app on one DynamoDB read through a client it creates."""
    calls = {f"api_{r.name}": (HANDLER, r.paths[0], fixture.admin) for r in routes(fixture, 1)}
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        for name, text, path in (("bare", BARE_APP, "/ping"), ("floor", FLOOR_APP, "/item")):
            module = Path(tmp) / f"{name}_app.py"
            module.write_text(text)
            calls[name] = (module, path, fixture.admin)
        events = {}
        for name, (_, path, caller) in calls.items():
            events[name] = Path(tmp) / f"{name}.json"
            events[name].write_text(json.dumps(event_for(path, caller)))
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in calls}
        for repetition in range(repetitions + 1):
            for name, (module, _, _) in calls.items():
                out = cold_import(module, script=COLD_CALL, args=(str(events[name]),))
                if repetition:
                    runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        name: {key: statistics.median(run[key] for run in done) for key in done[0]}
        | {"total_ms": statistics.median(r["import_ms"] + r["first_request_ms"] for r in done)}
        for name, done in runs.items()
    }


def cold_start_figures(cold: dict[str, dict[str, float]]) -> dict[str, float]:
    bare, floor = cold["bare"]["total_ms"], cold["floor"]["total_ms"]
    figures: dict[str, float] = {}
    for name, values in cold.items():
        figures.update({f"cold_{name}_{key}": round(ms, 1) for key, ms in values.items()})
        if name != "bare":
            figures[f"ratio_cold_{name}_total_vs_bare"] = round(values["total_ms"] / bare, 2)
        if name.startswith("api_"):
            figures[f"ratio_cold_{name}_total_vs_floor"] = round(values["total_ms"] / floor, 2)
    return figures


# -- run -----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=80_000, help="Sage ledger lines (all)")
    parser.add_argument("--requests", type=int, default=200, help="timed calls per route")
    parser.add_argument(
        "--seconds", type=float, default=30, help=f"time budget per route (>= {MIN_CALLS} calls)"
    )
    parser.add_argument("--imports", type=int, default=9, help="cold imports of each module")
    parser.add_argument("--profile", choices=["card", "dashboard", "list"], help="print a cProfile")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the figures go")
    args = parser.parse_args()
    started, load_at_start = time.perf_counter(), os.getloadavg()[0]
    folder = DATA / f"api-{args.customers}-{args.lines}-unpaid"
    os.environ.update(
        {
            "RELANCE_TABLE": TABLE,
            "RELANCE_RAW_BUCKET": BUCKET,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    # First, while the machine runs nothing else of ours (and fails fast on a broken import).
    console.print(f"Cold imports, {args.imports} of each module …")
    imports = cold_imports(args.imports)
    breakdown = import_breakdown_ms(HANDLER)
    meter = DynamoMeter()  # before any client exists
    running = standins.start()
    running.apply_env()
    try:
        console.print(f"Generating and syncing the fixture in {folder} …")
        fixture = build_fixture(running, folder, args.customers, args.lines)
        built_s = time.perf_counter() - started
        console.print(
            f"Calling the API handler: up to {args.requests} timed calls or {args.seconds:g} s "
            "per route and caller …"
        )
        samples = measure_all(fixture, meter, args.requests, args.seconds, args.profile)
        console.print(f"Cold starts with a first request, {args.imports} of each …")
        cold = cold_first_requests(fixture, args.imports)
    finally:
        running.stop()
    figures = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "fixture_customers": fixture.customers,
        "fixture_open_lines": fixture.open_lines,
        "collector_portfolio_customers": len(fixture.portfolio),
        **route_figures(samples),
        "cold_import_repetitions": args.imports,
        "cold_import_api_handler_ms": round(imports["api_handler"], 1),
        "cold_import_bare_resolver_ms": round(imports["bare_resolver"], 1),
        "ratio_cold_import_vs_bare": round(imports["api_handler"] / imports["bare_resolver"], 2),
        "cold_import_floor_ms": round(imports["floor"], 1),
        "ratio_cold_import_vs_floor": round(imports["api_handler"] / imports["floor"], 2),
        **{f"cold_import_self_{group}_ms": ms for group, ms in breakdown.items()},
        # Import + first request: what a cold start costs whatever moved from one to the other.
        **cold_start_figures(cold),
        # Timings are only comparable between runs on an otherwise idle machine.
        "load_average_1m_at_start": round(load_at_start, 2),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "fixture_build_s": round(built_s, 1),
        "bench_s": round(time.perf_counter() - started, 1),
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(figures, indent=2) + "\n")
    print_tables(figures, samples)
    console.print(f"Figures in {args.results}")


def measure_all(
    fixture: Fixture, meter: DynamoMeter, requests: int, budget_s: float, profile: str | None
) -> dict[tuple[str, str], Sample]:
    module = FunctionPool("api", 1).copies.get()  # loaded as the dev server loads a Lambda
    samples = {}
    for route in routes(fixture, requests):
        for caller in (fixture.admin, fixture.collector):
            samples[route.name, caller.name] = measure_route(
                module, meter, route, caller, requests, budget_s
            )
        if route.name == profile:
            profiler = cProfile.Profile()
            profiler.runcall(measure_route, module, meter, route, fixture.admin, 50, budget_s)
            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(15)
    return samples


def _prefix(route: str, who: str) -> str:
    return route if who == "admin" else f"{who}_{route}"


def route_figures(samples: dict[tuple[str, str], Sample]) -> dict[str, float | int]:
    figures: dict[str, float | int] = {}
    for (route, who), s in samples.items():
        prefix = _prefix(route, who)
        figures[f"{prefix}_dynamodb_requests"] = max(s.requests)
        figures[f"{prefix}_handler_ms_p50"] = p50(s.handler_ms)
        figures[f"{prefix}_handler_ms_p95"] = p95(s.handler_ms)
        figures[f"{prefix}_handler_botocore_ms_p50"] = p50(s.botocore_ms)
        # The issue's "excluding DynamoDB time" read as the time inside the boto3 client call:
        # the Lambda's own code and Powertools, botocore's serialising and parsing left out.
        figures[f"{prefix}_handler_outside_boto3_ms_p50"] = p50(s.own_ms)
        figures[f"{prefix}_handler_outside_boto3_ms_p95"] = p95(s.own_ms)
        figures[f"{prefix}_dynamodb_ms_p50"] = p50(s.dynamodb_ms)
        figures[f"{prefix}_wall_ms_p50"] = p50(s.wall_ms)
        figures[f"{prefix}_timed_calls"] = len(s.wall_ms)
    return figures


def _mark(ok: bool) -> str:
    return "[green]ok[/]" if ok else "[red]missed[/]"


def print_tables(figures: dict[str, Any], samples: dict[tuple[str, str], Sample]) -> None:
    table = Table(
        title=f"User API on {figures['fixture_customers']:,} customers, "
        f"{figures['fixture_open_lines']:,} open lines: per call (handler = wall - DynamoDB)"
    )
    table.add_column("Route")
    table.add_column("Caller")
    for column in (
        "DynamoDB requests",
        "Operations",
        f"Handler ms p50 (≤ {TARGET_HANDLER_P50_MS:g})",
    ):
        table.add_column(column, justify="right")
    table.add_column("p95", justify="right")
    for column in ("of it botocore", f"outside boto3 p50 (≤ {TARGET_HANDLER_P50_MS:g})"):
        table.add_column(column, justify="right")
    for column in ("DynamoDB ms", "Calls"):
        table.add_column(column, justify="right")
    for (route, who), s in samples.items():
        prefix = _prefix(route, who)
        requests, target = figures[f"{prefix}_dynamodb_requests"], TARGET_REQUESTS[route]
        handler = figures[f"{prefix}_handler_ms_p50"]
        outside = figures[f"{prefix}_handler_outside_boto3_ms_p50"]
        per_call = " + ".join(
            op if n == len(s.requests) else f"{n / len(s.requests):g}×{op}"
            for op, n in s.operations.items()
        )
        table.add_row(
            route,
            who,
            f"{requests} (≤ {target}) {_mark(requests <= target)}",
            per_call,
            f"{handler} {_mark(handler <= TARGET_HANDLER_P50_MS)}",
            str(figures[f"{prefix}_handler_ms_p95"]),
            str(figures[f"{prefix}_handler_botocore_ms_p50"]),
            f"{outside} {_mark(outside <= TARGET_HANDLER_P50_MS)}",
            str(figures[f"{prefix}_dynamodb_ms_p50"]),
            str(figures[f"{prefix}_timed_calls"]),
        )
    console.print(table)
    ratio = figures["ratio_cold_import_vs_bare"]
    imports = Table(
        title=f"Cold import, Lambda's environment (median of {figures['cold_import_repetitions']})"
    )
    imports.add_column("Module")
    imports.add_column("ms", justify="right")
    imports.add_column("API handler vs it", justify="right")
    imports.add_row(
        "API handler (functions/api/handler.py)", str(figures["cold_import_api_handler_ms"]), ""
    )
    imports.add_row(
        "bare APIGatewayRestResolver app",
        str(figures["cold_import_bare_resolver_ms"]),
        f"{ratio} (≤ {TARGET_IMPORT_RATIO:g}) {_mark(ratio <= TARGET_IMPORT_RATIO)}",
    )
    imports.add_row(
        "floor: bare + boto3, pydantic, Logger, Tracer",
        str(figures["cold_import_floor_ms"]),
        str(figures["ratio_cold_import_vs_floor"]),
    )
    console.print(imports)
    cold = Table(
        title="Cold start as a caller sees it: import + first request, fresh interpreter "
        f"(median of {figures['cold_import_repetitions']})"
    )
    for column in ("Module, request", "import ms", "first request ms", "of it DynamoDB ms"):
        cold.add_column(column, justify="left" if column.startswith("Module") else "right")
    cold.add_column("total ms", justify="right")
    cold.add_column("vs bare", justify="right")
    cold.add_column("vs floor", justify="right")
    for name, label in (
        ("bare", "bare app, GET /ping"),
        ("floor", "floor app, one DynamoDB GetItem"),
        ("api_dashboard", "API handler, GET /dashboard"),
        ("api_card", "API handler, GET card"),
        ("api_list", "API handler, GET /customers (search)"),
    ):
        cold.add_row(
            label,
            str(figures[f"cold_{name}_import_ms"]),
            str(figures[f"cold_{name}_first_request_ms"]),
            str(figures[f"cold_{name}_first_request_dynamodb_ms"]),
            str(figures[f"cold_{name}_total_ms"]),
            str(figures.get(f"ratio_cold_{name}_total_vs_bare", "")),
            str(figures.get(f"ratio_cold_{name}_total_vs_floor", "")),
        )
    console.print(cold)
    shares = ", ".join(
        f"{group} {figures[f'cold_import_self_{group}_ms']}" for group in [*IMPORT_GROUPS, "other"]
    )
    console.print(f"API handler import, self time per package group (ms, -X importtime): {shares}")
    console.print(
        f"Fixture built in {figures['fixture_build_s']} s; whole bench {figures['bench_s']} s; "
        f"load average {figures['load_average_1m_at_start']} at the start, "
        f"{figures['load_average_1m_at_end']} at the end ({os.cpu_count()} cores)."
    )


if __name__ == "__main__":
    main()
