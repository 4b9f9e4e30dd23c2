"""bench/web: what the browser app costs to load, measured in Chromium on demo-like data.

A tenant like `make demo`'s (two generated Sage companies of 150 customers and 5,000 lines
each, synced by the relay through the local API, the four demo users, tonight's dunning
run) is served with the app by the dev server (local/website.py). Debian's Chromium,
driven by Playwright, signs in as the admin and opens the dashboard:
- transferred bytes (total, JS, CSS, JSON), from the Resource Timing entries' transferSize
  (what crossed the wire: gzip-compressed, headers included; 304s count their headers);
- time to a usable dashboard: navigation start to the moment the dashboard's figures,
  chart and Top 10 are on screen (the app marks it with performance.mark("dashboard-ready")),
  cold (fresh browser profile: empty cache) and warm (the same profile, reloaded), median
  of --runs each.
Figures go to bench/results/web.json. The same world serves `make screenshots`
(tests/e2e/screenshots.py) and the browser tests (tests/e2e/conftest.py).
Usage: python -m bench.web [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.sagegen.generate import generate_tenant
from local.devserver import LocalApi, make_server, serve_in_background
from local.website import WebSite
from relance.auth.tokens import LocalKeys
from relance.relay.config import CompanyConfig, RelayConfig
from relance.relay.runner import run_sync
from relance.sage.dialect import Dialect

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "web.json"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_COMPANIES = {"BIJOU": (150, 5000), "ATELIER": (150, 5000)}
TARGET_BYTES, TARGET_READY_MS = 400_000, 1000


@dataclass(frozen=True)
class World:
    """A served tenant: the app's URL, the tenant, and its users' e-mails by persona."""

    url: str
    tenant: str
    as_of: date
    logins: dict[str, str]


def paris_today() -> date:
    # The edge of the system, as `make demo`: the domain gets the date as a parameter.
    return datetime.now(ZoneInfo("Europe/Paris")).date()


@contextmanager
def serve_world(
    store: Any,
    keys: LocalKeys,
    folder: Path,
    companies: dict[str, tuple[int, int]],
    seed: int = 2026,
) -> Iterator[World]:
    """A fresh tenant synced from generated Sage files, its demo users and tonight's run,
    served with the app. The stand-ins must run and the environment point at them."""
    from local.nightly import drain_dispatch, run_nightly
    from relance.services.users import seed_demo_users
    from relance.services.wiring import user_service

    as_of = paris_today()
    tenant = f"web-{secrets.token_hex(4)}"
    key_id, secret = f"k-{secrets.token_hex(6)}", secrets.token_urlsafe(24)
    store.put_connector(tenant, key_id, secret, "web relay")
    server = make_server(LocalApi(keys), web=WebSite(keys, tenant))
    serve_in_background(server)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        files = generate_tenant(folder / "sage", companies, as_of=as_of, seed=seed)
        config = RelayConfig(
            api_url=url,
            key_id=key_id,
            secret=secret,
            state_dir=folder / "relay-state",
            companies=[
                CompanyConfig(
                    code=code,
                    connection_string=f"DRIVER={{SQLite3}};Database={path}",
                    dialect=Dialect.SQLITE,
                )
                for code, path in files.items()
            ],
        )
        run_sync(config, mode="full", as_of=as_of)
        users = seed_demo_users(user_service(), tenant, datetime.now(UTC))
        call = _Caller(url, keys, tenant, {u["persona"]: u for u in users})
        _plan_calls(call, as_of)
        run_nightly(tenant, as_of)
        drain_dispatch()  # no dispatcher here: the queue would only grow
        yield World(url, tenant, as_of, {u["persona"]: u["email"] for u in users})
    finally:
        server.shutdown()
        server.server_close()


class _Caller:
    """The API over HTTP as one of the world's users (what the app itself does)."""

    def __init__(self, url: str, keys: LocalKeys, tenant: str, users: dict[str, Any]) -> None:
        self.url, self.keys, self.tenant, self.users = url, keys, tenant, users

    def __call__(self, persona: str, method: str, path: str, body: Any = None) -> Any:
        user = self.users[persona]
        token = self.keys.issue(
            tenant=self.tenant,
            role=user["role"],
            user_id=user["user_id"],
            email=user["email"],
            now=datetime.now(UTC),
        )
        request = urllib.request.Request(
            self.url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:
            return json.loads(answer.read() or b"null")


def _plan_calls(call: _Caller, as_of: date, per_persona: int = 6) -> None:
    """Phone calls for tonight (the R3 step, forced by an override, C17) on the most
    overdue customers of the collector's portfolio and of the whole tenant: a first
    night's run only sends R1 emails, and "my actions" would be empty."""
    portfolio: set[tuple[str, str]] = set()
    for persona in ("collector", "admin"):
        page = call(persona, "GET", "/customers?overdue_only=true&sort=days_late&limit=200")
        rows = [c for c in page["customers"] if not c.get("no_reminder")]
        # The admin's calls go to the unassigned pool: customers outside the portfolio.
        chosen = [c for c in rows if (c["company"], c["number"]) not in portfolio][:per_persona]
        portfolio |= {(c["company"], c["number"]) for c in rows}
        for row in chosen:
            path = f"/customers/{row['company']}/{row['number']}/overrides"
            call(persona, "POST", path, {"step": "R3", "on": as_of.isoformat()})


@contextmanager
def standalone_world(companies: dict[str, tuple[int, int]]) -> Iterator[World]:
    """serve_world on stand-ins of its own (in memory), for the bench and the screenshots."""
    from local import standins
    from local.nightly import ensure_queues
    from relance.store.dynamo import SyncStore

    table, bucket = "web", "web-raw"
    running = standins.start()
    running.apply_env()
    os.environ.update(
        {
            "RELANCE_TABLE": table,
            "RELANCE_RAW_BUCKET": bucket,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    try:
        standins.ensure_resources(running, table, [bucket])
        ensure_queues()
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            keys = LocalKeys(folder / "keys")
            with serve_world(SyncStore(table), keys, folder, companies) as world:
                yield world
    finally:
        running.stop()


# -- measuring ---------------------------------------------------------------------------
READY_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const entries = [nav, ...performance.getEntriesByType('resource')];
  const ready = performance.getEntriesByName('dashboard-ready')[0];
  const kind = (e) => {
    const path = new URL(e.name).pathname;
    if (e.entryType === 'navigation') return 'html';
    if (/\\.m?js$/.test(path)) return 'js';
    if (/\\.css$/.test(path)) return 'css';
    if (e.initiatorType === 'fetch' || path.endsWith('.json')) return 'json';
    return 'other';
  };
  const bytes = {total: 0, html: 0, js: 0, css: 0, json: 0, other: 0};
  for (const e of entries) { bytes[kind(e)] += e.transferSize; bytes.total += e.transferSize; }
  return {ready_ms: ready ? ready.startTime : null, bytes, requests: entries.length};
}"""


def _sign_in(page: Any, world: World) -> None:
    """The local sign-in, as a user does it: the token stays in the page's storage."""
    page.goto(world.url + "/app/#/sign-in")
    page.get_by_label("E-mail").fill(world.logins["admin"])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_function("performance.getEntriesByName('dashboard-ready').length > 0")


def _measure(page: Any, world: World) -> dict[str, Any]:
    page.goto("about:blank")  # a new document: fresh performance entries
    page.goto(world.url + "/app/#/", wait_until="load")
    page.wait_for_function("performance.getEntriesByName('dashboard-ready').length > 0")
    page.wait_for_load_state("networkidle")
    result: dict[str, Any] = page.evaluate(READY_JS)
    return result


def measure(world: World, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    cold: list[dict[str, Any]] = []
    warm: list[dict[str, Any]] = []
    with sync_playwright() as pw:
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as profile:
                context = pw.chromium.launch_persistent_context(
                    profile,
                    executable_path=str(CHROMIUM),
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1280, "height": 800},
                )
                page = context.new_page()
                _sign_in(page, world)
                # Cold: the cache emptied (the token kept), then the dashboard opened.
                client = context.new_cdp_session(page)
                client.send("Network.clearBrowserCache")
                cold.append(_measure(page, world))
                warm.append(_measure(page, world))
                context.close()
    return {"cold": cold, "warm": warm}


def _median(samples: list[dict[str, Any]], pick: Any) -> float:
    return round(statistics.median(pick(s) for s in samples), 1)


def summarize(samples: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in ("cold", "warm"):
        runs = samples[mode]
        out[f"{mode}_ready_ms_p50"] = _median(runs, lambda s: s["ready_ms"])
        out[f"{mode}_ready_ms_max"] = round(max(s["ready_ms"] for s in runs), 1)
        for kind in ("total", "html", "js", "css", "json"):
            out[f"{mode}_transferred_{kind}_bytes"] = int(
                _median(runs, lambda s, k=kind: s["bytes"][k])
            )
        out[f"{mode}_requests"] = int(_median(runs, lambda s: s["requests"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit("bench/web needs Debian's chromium: sudo apt-get install chromium")

    with standalone_world(DEMO_COMPANIES) as world:
        samples = measure(world, args.runs)
    figures = summarize(samples)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "chromium": _chromium_version(),
        "fixture": "2 companies x (150 customers, 5,000 lines), as `make demo`",
        "viewport": "1280x800",
        "runs": args.runs,
        **figures,
        "target_transferred_bytes": TARGET_BYTES,
        "target_ready_ms": TARGET_READY_MS,
        "meets_targets": figures["cold_transferred_total_bytes"] <= TARGET_BYTES
        and figures["cold_ready_ms_p50"] <= TARGET_READY_MS,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def _chromium_version() -> str:
    import subprocess

    answer = subprocess.run(
        [str(CHROMIUM), "--version"], capture_output=True, text=True, check=False
    )
    return answer.stdout.strip()


if __name__ == "__main__":
    main()
