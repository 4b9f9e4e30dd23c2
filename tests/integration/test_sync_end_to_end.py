"""Sage 100 (SQLite through the real ODBC stack) -> relay -> local API -> DynamoDB Local.

What an accountant needs to trust the copy: it equals Sage row for row, an incremental run
lands where a fresh full run does, nothing doubles on replays or crashes, and Sage's own
aged balance agrees with Relance's to the cent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bench.sagegen.generate import generate_company
from bench.sagegen.mutate import apply_changes
from local.relayconf import write_sqlite_relay_config
from relance.relay.client import HttpResponse, urllib_transport
from relance.relay.config import CompanyConfig, RelayConfig
from relance.relay.runner import run_sync
from relance.sage.dialect import Dialect
from relance.sage.extract import connect, extract
from relance.sage.queries import entity_names
from relance.sage.settings import SyncSettings

pytestmark = pytest.mark.integration
AS_OF = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def source_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sage-template")
    return {
        code: generate_company(
            folder / f"{code}.db", code, customers=40, lines=900, as_of=AS_OF, seed=seed
        ).path
        for code, seed in (("BIJOU", 11), ("ATELIER", 12))
    }


@pytest.fixture
def source(source_template: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    """A private copy of the Sage companies, free to mutate."""
    copies = {}
    for code, path in source_template.items():
        copies[code] = tmp_path / path.name
        copies[code].write_bytes(path.read_bytes())
    return copies


def relay_config(api_url: str, tenant: Any, source: dict[str, Path], state: Path) -> RelayConfig:
    return RelayConfig(
        api_url=api_url,
        key_id=tenant.key_id,
        secret=tenant.secret,
        state_dir=state,
        companies=[
            CompanyConfig(
                code=code,
                connection_string=f"DRIVER={{SQLite3}};Database={path}",
                dialect=Dialect.SQLITE,
            )
            for code, path in source.items()
        ],
    )


def snapshot(store: Any, tenant_id: str, companies: list[str]) -> dict[tuple[str, str], list[Any]]:
    """Every record Relance holds for the tenant, per company and entity, in key order."""
    settings = SyncSettings()
    return {
        (company, entity): sorted(store.records(tenant_id, company, entity), key=lambda r: r.key())
        for company in companies
        for entity in entity_names(settings)
    }


def sage_truth(source: dict[str, Path]) -> dict[tuple[str, str], list[Any]]:
    """What Sage holds, read through ODBC and cleaned by the extraction."""
    settings = SyncSettings()
    truth = {}
    for company, path in source.items():
        conn = connect(f"DRIVER={{SQLite3}};Database={path}", Dialect.SQLITE)
        for entity in entity_names(settings):
            records = extract(conn, Dialect.SQLITE, company, entity, settings, as_of=AS_OF)
            truth[(company, entity)] = sorted(records, key=lambda r: r.key())
        conn.close()
    return truth


def full_copy(api_url: str, new_tenant: Any, source: dict[str, Path], tmp: Path) -> Any:
    tenant = new_tenant()
    run_sync(
        relay_config(api_url, tenant, source, tmp / f"state-{tenant.id}"), mode="full", as_of=AS_OF
    )
    return tenant


def test_full_sync_equals_sage_row_for_row_and_the_control_matches(
    api_url: str, new_tenant: Any, store: Any, source: dict[str, Path], tmp_path: Path
) -> None:
    tenant = new_tenant()
    config = relay_config(api_url, tenant, source, tmp_path / "state")
    summary = run_sync(config, mode="full", as_of=AS_OF)

    copy = snapshot(store, tenant.id, list(source))
    truth = sage_truth(source)
    assert copy == truth
    assert sum(len(v) for (_, e), v in copy.items() if e == "ledger_line") > 150
    assert summary.controls == {"BIJOU": True, "ATELIER": True}
    control = summary.report["companies"][0]["control"]
    assert control["difference_count"] == 0
    sage, relance = control["sage_total"], control["relance_total"]
    assert {b: Decimal(v) for b, v in sage.items()} == {b: Decimal(v) for b, v in relance.items()}
    assert Decimal(sage["total"]) != 0


def test_the_awkward_sage_cases_arrive_cleaned(
    api_url: str, new_tenant: Any, store: Any, source: dict[str, Path], tmp_path: Path
) -> None:
    tenant = full_copy(api_url, new_tenant, source, tmp_path)
    lines = list(store.records(tenant.id, "BIJOU", "ledger_line"))
    customers = list(store.records(tenant.id, "BIJOU", "customer"))

    assert all(line.customer == line.customer.strip() for line in lines)
    assert any(line.due_date is None for line in lines)  # 1753 / 1900 placeholders
    assert any(line.amount < 0 for line in lines)  # credits signed by EC_Sens
    assert any(line.pre_lettered for line in lines)
    assert any(line.opening_balance for line in lines)
    assert any(line.currency_amount is not None and line.currency_index for line in lines)
    assert not any(line.general_account.startswith("4191") for line in lines)
    assert any(c.payer for c in customers)
    assert any(c.dormant for c in customers)
    assert any(c.no_reminder for c in customers) and any(c.no_penalty for c in customers)


def test_incremental_sync_after_changes_equals_a_fresh_full_sync(
    api_url: str, new_tenant: Any, store: Any, source: dict[str, Path], tmp_path: Path
) -> None:
    tenant = new_tenant()
    config = relay_config(api_url, tenant, source, tmp_path / "state")
    run_sync(config, mode="full", as_of=AS_OF)
    changes = {
        code: apply_changes(path, fraction=0.05, now=datetime(2026, 11, 24, 7, 30), seed=5)  # noqa: DTZ001 - Sage local time
        for code, path in source.items()
    }
    summary = run_sync(config, mode="incremental", as_of=AS_OF)
    fresh = full_copy(api_url, new_tenant, source, tmp_path)

    assert snapshot(store, tenant.id, list(source)) == snapshot(store, fresh.id, list(source))
    assert snapshot(store, tenant.id, list(source)) == sage_truth(source)
    deleted = summary.report["companies"][0]["deleted"]
    assert deleted["ledger_line"] > 0  # deletes and newly lettered lines left the copy
    sent = summary.records_sent["BIJOU"]["ledger_line"]
    assert 0 < sent < len(sage_truth(source)[("BIJOU", "ledger_line")]) / 2
    assert all(summary.controls.values()), changes


def test_replaying_every_request_twice_changes_nothing(
    api_url: str, new_tenant: Any, store: Any, source: dict[str, Path], tmp_path: Path
) -> None:
    answers: list[dict[str, Any]] = []

    def twice(
        method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: float
    ) -> HttpResponse:
        first = urllib_transport(method, url, headers, body, timeout)
        second = urllib_transport(method, url, headers, body, timeout)  # the network resends
        if url.endswith("/relay/batches"):
            answers.append(json.loads(second.body))
        return first

    tenant = new_tenant()
    config = relay_config(api_url, tenant, source, tmp_path / "state")
    summary = run_sync(config, mode="full", as_of=AS_OF, transport=twice)

    assert answers and all(a["status"] == "duplicate" for a in answers)
    assert snapshot(store, tenant.id, list(source)) == sage_truth(source)
    assert all(summary.controls.values())
    runs = store.list_runs(tenant.id)
    assert len(runs) == 1 and runs[0]["status"] == "finished"


def test_a_relay_killed_mid_sync_resumes_and_ends_with_the_exact_data(
    api_url: str, new_tenant: Any, store: Any, source: dict[str, Path], tmp_path: Path
) -> None:
    tenant = new_tenant()
    state = tmp_path / "state"
    config_file = write_sqlite_relay_config(
        tmp_path / "relay.toml",
        api_url=api_url,
        key_id=tenant.key_id,
        secret_env="TEST_RELAY_SECRET",
        files=source,
        state_dir=state,
    )
    env = {**os.environ, "TEST_RELAY_SECRET": tenant.secret, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "relance.relay.cli", "sync", "--config", str(config_file)]
    command += ["--full", "--as-of", AS_OF.isoformat()]

    relay = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    state_file = state / "relay-run.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it once the ledger lines are under way
        if (
            state_file.exists()
            and '"ledger_line"' in state_file.read_text()
            and _lines_sent(state_file)
        ):
            break
        time.sleep(0.02)
    relay.send_signal(signal.SIGKILL)
    relay.wait()
    assert state_file.exists(), "the relay finished before it could be killed"
    run_id = json.loads(state_file.read_text())["run_id"]

    restarted = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert restarted.returncode == 0, restarted.stderr
    assert snapshot(store, tenant.id, list(source)) == sage_truth(source)
    runs = store.list_runs(tenant.id)
    assert [r["run_id"] for r in runs] == [run_id]  # the same run, resumed, not a second one
    assert all(c["control"]["matches"] for c in runs[0]["result"]["companies"])


def _lines_sent(state_file: Path) -> bool:
    try:
        data = json.loads(state_file.read_text())
    except ValueError:
        return False
    return any(
        c["entities"].get("ledger_line", {}).get("records_sent", 0) > 0
        for c in data["companies"].values()
    )


def test_sync_on_demand_is_asked_by_a_user_and_seen_by_the_relay(
    api_url: str, new_tenant: Any, local_keys: Any, source: dict[str, Path], tmp_path: Path
) -> None:
    tenant, other = new_tenant(), new_tenant()

    def call(path: str, who: Any, role: str, body: dict[str, Any] | None = None) -> int:
        token = local_keys.issue(
            tenant=who.id, role=role, user_id=f"u-{role}", email="x@y.fr", now=datetime.now(UTC)
        )
        request = urllib.request.Request(
            api_url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method="POST" if body is not None else "GET",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as err:
            return int(err.code)

    assert call("/sync-requests", tenant, "viewer", {"mode": "full"}) == 403
    assert call("/sync-requests", tenant, "user", {"mode": "full"}) == 202
    config = relay_config(api_url, tenant, source, tmp_path / "state")
    from relance.relay.client import RelayClient

    client = RelayClient(config.api_url, config.key_id, tenant.secret)
    other_client = RelayClient(api_url, other.key_id, other.secret)
    requested = client.get_state().sync_requested
    assert requested is not None and requested.mode == "full"
    assert other_client.get_state().sync_requested is None  # another tenant sees nothing

    run_sync(config, mode="full", as_of=AS_OF)
    assert client.get_state().sync_requested is None  # the run consumed the request
    assert call("/controls/aged-balance?company=BIJOU", tenant, "viewer") == 200
    assert call("/controls/aged-balance?company=BIJOU", other, "admin") == 404
