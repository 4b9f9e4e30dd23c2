"""Whole relay runs from a generated Sage company (real ODBC) to a throw-away http.server
on 127.0.0.1 standing in for the API's network end: what a run sends, how a killed run
resumes (same run id, same numbering, nothing lost, nothing sent twice), incremental
runs, the CLI's `sync`, `check` and `run`.

The real relay -> API path is covered by the integration tests."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bench.sagegen.generate import generate_company
from relance.relay.cli import main, run_loop
from relance.relay.client import RelayError, RetryPolicy
from relance.relay.config import CompanyConfig, RelayConfig
from relance.relay.progress import LogProgress
from relance.relay.runner import run_sync
from relance.relay.state import StateStore
from relance.sage import extract as sage
from relance.sage.settings import SyncSettings
from relance.sync.protocol import decode_body
from relance.sync.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify

SECRET = "relay-test-secret"
AS_OF = date(2024, 6, 30)
FAST = RetryPolicy(attempts=2, base_delay_s=0.001, max_delay_s=0.002)


def sage_time(text: str) -> datetime:
    """Sage datetimes are naive local times (SQL Server datetime has no zone)."""
    return datetime.fromisoformat(text)


@dataclass
class StandIn:
    """The API's answers, minimal: batches stored by id, watermarks kept from finish."""

    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: list[str] = field(default_factory=list)  # batch ids in arrival order
    sizes: dict[str, int] = field(default_factory=dict)  # compressed body size per batch id
    statuses: list[str] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    finishes: list[dict[str, Any]] = field(default_factory=list)
    watermarks: dict[str, dict[str, str]] = field(default_factory=dict)
    sync_requested: dict[str, Any] | None = None
    fail_on: str | None = None  # refuse the batch whose id ends so (a "kill" of the relay)
    store_then_fail: bool = False  # ...after storing it (killed before the ack arrived)
    refuse_key: bool = False
    clock_offset_s: float = 0  # how far the server's clock (its Date header) is from ours

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if self.refuse_key:
            return 401, {"error": {"code": "unauthorized", "message": "unknown key",
                                   "message_fr": "clé inconnue"}}  # fmt: skip
        data: Any = decode_body(body) if body else None
        if method == "GET" and path == "/relay/state":
            return 200, {"watermarks": self.watermarks, "sync_requested": self.sync_requested}
        if path == "/relay/runs":
            self.runs.append(data)
            return 200, {"run_id": data["run_id"]}
        if path == "/relay/batches":
            bid = ".".join([data["run_id"], data["company"], data["entity"], data["kind"],
                            f"{data['seq']:06d}"])  # fmt: skip
            self.posts.append(bid)
            self.sizes[bid] = len(body)
            failing = self.fail_on is not None and bid.endswith(self.fail_on)
            if failing and not self.store_then_fail:
                return 400, {"error": {"code": "killed", "message": "killed", "message_fr": "tué"}}
            status = "duplicate" if bid in self.batches else "stored"
            self.batches.setdefault(bid, data)
            self.statuses.append(status)
            if failing:
                return 400, {"error": {"code": "killed", "message": "killed", "message_fr": "tué"}}
            return 200, {"batch_id": bid, "status": status, "written": 0}
        if path.endswith("/finish"):
            self.finishes.append(data)
            for company in data["companies"]:
                self.watermarks.setdefault(company["company"], {}).update(company["watermarks"])
            return 200, {"run_id": data["run_id"], "companies": [
                {"company": c["company"], "deleted": {}, "control": {"matches": True}}
                for c in data["companies"]]}  # fmt: skip
        return 404, {"error": {"code": "not_found", "message": path, "message_fr": path}}

    def records(self, run_id: str | None = None) -> list[tuple[str, str, Any]]:
        return [
            (b["company"], b["entity"], r)
            for bid, b in sorted(self.batches.items())
            if b["kind"] == "records" and (run_id is None or b["run_id"] == run_id)
            for r in b["records"]
        ]


@pytest.fixture
def api() -> Iterator[tuple[str, StandIn]]:
    standin = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                verify(SECRET, self.command, self.path, body, self.headers[TIMESTAMP_HEADER],
                       self.headers[SIGNATURE_HEADER], int(time.time()))  # fmt: skip
                status, answer = standin.handle(self.command, self.path, body)
            except SignatureError as exc:
                status, answer = 401, {"error": {"code": "bad_signature", "message": str(exc)}}
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _handle

        def date_time_string(self, timestamp: float | None = None) -> str:
            return super().date_time_string(time.time() + standin.clock_offset_s)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", standin
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def company_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sage") / "BIJOU.db"
    generate_company(path, "BIJOU", customers=300, lines=20_000, as_of=AS_OF, seed=11)
    return path


def conn_str(path: Path) -> str:
    return f"DRIVER={{SQLite3}};Database={path}"


def make_config(url: str, db: Path, tmp_path: Path, **settings: Any) -> RelayConfig:
    return RelayConfig(
        api_url=url,
        key_id="conn-1",
        secret=SECRET,
        state_dir=tmp_path / "state",
        companies=[CompanyConfig(code="BIJOU", connection_string=conn_str(db), dialect="sqlite")],
        settings=SyncSettings(**settings),
    )


def quiet() -> LogProgress:
    return LogProgress(io.StringIO())


def expected_keys(db: Path, entity: str) -> list[str]:
    conn = sage.connect(conn_str(db), "sqlite")
    try:
        return [k for k, _ in sage.extract_keys(conn, "sqlite", entity, SyncSettings())]  # type: ignore[arg-type]
    finally:
        conn.close()


def test_a_full_run_sends_every_entity_then_finishes(api, company_db, tmp_path) -> None:
    url, standin = api
    config = make_config(url, company_db, tmp_path)
    summary = run_sync(config, mode="full", as_of=AS_OF, progress=quiet(), retry=FAST)

    (start,) = standin.runs
    assert start["run_id"] == summary.run_id and start["mode"] == "full"
    entities_in_order = list(dict.fromkeys(bid.split(".")[2] for bid in standin.posts))
    assert entities_in_order == [
        "rep", "payment_method", "currency", "journal", "customer", "contact", "ledger_line",
        "settled_line",
    ]  # fmt: skip
    # Per entity: records first, then keys.
    for entity in entities_in_order:
        kinds = [b.split(".")[3] for b in standin.posts if b.split(".")[2] == entity]
        assert kinds == sorted(kinds, key=lambda k: k == "keys")
    lines = [r for _, e, r in standin.records() if e == "ledger_line"]
    assert sorted(str(r["entry_number"]) for r in lines) == sorted(
        expected_keys(company_db, "ledger_line")
    )
    (finish,) = standin.finishes
    (result,) = finish["companies"]
    assert result["records_sent"]["ledger_line"] == len(lines)
    assert result["key_batches"]["ledger_line"] >= 1
    assert set(result["watermarks"]) <= {"customer", "contact", "ledger_line", "settled_line"}
    assert result["sage_aged_balance"]["as_of"] == AS_OF.isoformat()
    assert summary.controls == {"BIJOU": True}
    assert StateStore(config.state_dir).load() is None  # a finished run leaves no state


@pytest.mark.parametrize("store_then_fail", [False, True], ids=["lost-in-flight", "stored-unacked"])
def test_a_killed_run_resumes_without_loss_or_duplicates(
    api, company_db, tmp_path, store_then_fail: bool
) -> None:
    url, standin = api
    config = make_config(url, company_db, tmp_path)
    # Killed in the middle of the ledger lines.
    standin.fail_on, standin.store_then_fail = ".ledger_line.records.000002", store_then_fail
    with pytest.raises(RelayError, match="killed"):
        run_sync(config, mode="full", as_of=AS_OF, progress=quiet(), retry=FAST,
                 max_batch_bytes=20_000)  # fmt: skip
    state = StateStore(config.state_dir).load()
    assert state is not None
    first_run = state.run_id
    posted_before = list(standin.posts)

    standin.fail_on = None
    # Same batch limits (they are constants in real life): the same batches come out.
    summary = run_sync(config, mode="incremental", as_of=date(2024, 7, 1), progress=quiet(),
                       retry=FAST, max_batch_bytes=20_000)  # fmt: skip
    assert summary.resumed and summary.run_id == first_run
    assert (summary.mode, summary.as_of) == ("full", AS_OF)  # the run as it was started
    assert [r["run_id"] for r in standin.runs] == [first_run, first_run]
    # The resumed run re-sends the unacknowledged batch under the same id, then goes on.
    assert standin.posts[len(posted_before)] == posted_before[-1]
    assert standin.statuses.count("duplicate") == (1 if store_then_fail else 0)
    # Nothing lost, nothing twice: every open line exactly once across the stored batches.
    lines = [str(r["entry_number"]) for _, e, r in standin.records() if e == "ledger_line"]
    assert sorted(lines) == sorted(expected_keys(company_db, "ledger_line"))
    customers = [r["number"] for _, e, r in standin.records() if e == "customer"]
    assert len(customers) == len(set(customers)) == len(expected_keys(company_db, "customer"))
    (finish,) = standin.finishes
    assert finish["companies"][0]["records_sent"]["ledger_line"] == len(lines)
    assert StateStore(config.state_dir).load() is None


def test_restart_discards_the_unfinished_run(api, company_db, tmp_path) -> None:
    url, standin = api
    config = make_config(url, company_db, tmp_path)
    standin.fail_on = ".customer.records.000000"
    with pytest.raises(RelayError):
        run_sync(config, mode="full", as_of=AS_OF, progress=quiet(), retry=FAST)
    standin.fail_on = None
    summary = run_sync(config, mode="full", as_of=AS_OF, progress=quiet(), retry=FAST,
                       restart=True)  # fmt: skip
    assert not summary.resumed
    assert summary.run_id != standin.runs[0]["run_id"]


def test_incremental_run_sends_only_what_changed_and_all_keys(api, tmp_path) -> None:
    from bench.sagegen.mutate import apply_changes

    url, standin = api
    db = tmp_path / "INC.db"
    generate_company(db, "BIJOU", customers=60, lines=800, as_of=AS_OF, seed=5)
    config = make_config(url, db, tmp_path)
    run_sync(config, mode="full", as_of=AS_OF, progress=quiet(), retry=FAST)
    marks = dict(standin.watermarks["BIJOU"])
    assert {"customer", "ledger_line"} <= set(marks)

    apply_changes(db, fraction=0.05, now=sage_time("2031-01-02 09:30"), seed=3)
    inc = run_sync(config, mode="incremental", as_of=AS_OF, progress=quiet(), retry=FAST)
    sent = [r for _, e, r in standin.records(inc.run_id) if e == "ledger_line"]
    assert 0 < len(sent) < len(expected_keys(db, "ledger_line"))
    # Changed rows, plus those of the previous watermark's minute (inclusive on purpose).
    previous = marks["ledger_line"]
    assert all(r["modified_at"] >= "2031-01-02T09:30" or r["modified_at"] == previous for r in sent)
    assert any(r["modified_at"] >= "2031-01-02T09:30" for r in sent)
    # Key sets are complete on every run: they are how settled and deleted lines go away.
    keys = [
        k
        for b in standin.batches.values()
        if (b["run_id"], b["kind"], b["entity"]) == (inc.run_id, "keys", "ledger_line")
        for k in b["keys"]
    ]
    assert sorted(keys) == sorted(expected_keys(db, "ledger_line"))
    assert standin.watermarks["BIJOU"]["ledger_line"].startswith("2031-01-02T09:30")

    # Nothing changed since: only the watermark minute comes again, the watermark stays.
    again = run_sync(config, mode="incremental", as_of=AS_OF, progress=quiet(), retry=FAST)
    assert again.records_sent["BIJOU"]["ledger_line"] <= sum(
        1 for r in sent if r["modified_at"].startswith("2031-01-02T09:30")
    )
    assert standin.finishes[-1]["companies"][0]["watermarks"]["ledger_line"].startswith(
        "2031-01-02T09:30"
    )


def test_byte_limit_is_applied_on_a_real_run(api, company_db, tmp_path) -> None:
    url, standin = api
    config = make_config(url, company_db, tmp_path, contacts_enabled=False)
    limit = 8_000
    run_sync(config, mode="full", as_of=AS_OF, progress=quiet(), retry=FAST,
             max_batch_bytes=limit)  # fmt: skip
    assert not any(".contact." in bid for bid in standin.posts)
    assert max(standin.sizes.values()) <= limit
    line_batches = [b for b in standin.batches.values()
                    if b["entity"] == "ledger_line" and b["kind"] == "records"]  # fmt: skip
    open_lines = len(expected_keys(company_db, "ledger_line"))
    assert sum(len(b["records"]) for b in line_batches) == open_lines
    assert len(line_batches) > -(-open_lines // 1000)  # more than the count limit alone needs


def test_progress_log_lines(api, company_db, tmp_path) -> None:
    url, _ = api
    out = io.StringIO()
    run_sync(make_config(url, company_db, tmp_path), mode="full", as_of=AS_OF,
             progress=LogProgress(out, every=1), retry=FAST)  # fmt: skip
    text = out.getvalue()
    assert "BIJOU/ledger_line: done" in text
    assert "rows/s" in text


def test_progress_on_a_terminal(api, company_db, tmp_path) -> None:
    from rich.console import Console

    from relance.relay.progress import RichProgress

    url, _ = api
    out = io.StringIO()
    progress = RichProgress(Console(file=out, force_terminal=True, width=120))
    try:
        run_sync(make_config(url, company_db, tmp_path), mode="full", as_of=AS_OF,
                 progress=progress, retry=FAST)  # fmt: skip
    finally:
        progress.close()
    text = out.getvalue()
    assert "BIJOU ledger_line" in text and "rows/s" in text


def write_toml(tmp_path: Path, url: str, db: Path, *, secret: str = SECRET) -> Path:
    path = tmp_path / "relay.toml"
    path.write_text(
        f'api_url = "{url}"\nkey_id = "conn-1"\nsecret = "{secret}"\npoll_interval_s = 1\n'
        f'[[companies]]\ncode = "BIJOU"\ndialect = "sqlite"\n'
        f'connection_string = "{conn_str(db)}"\n',
        encoding="utf-8",
    )
    return path


def test_cli_sync(api, company_db, tmp_path, capsys) -> None:
    url, standin = api
    code = main(["sync", "--config", str(write_toml(tmp_path, url, company_db)), "--full",
                 "--as-of", "2024-06-30"])  # fmt: skip
    assert code == 0
    assert standin.runs[0]["mode"] == "full"
    assert "aged balance matches Sage" in capsys.readouterr().out


def test_cli_check_ok_and_each_failure(api, company_db, tmp_path, capsys) -> None:
    url, standin = api
    assert main(["check", "--config", str(write_toml(tmp_path, url, company_db))]) == 0
    out = capsys.readouterr().out
    assert "readable" in out and "key accepted" in out

    standin.refuse_key = True
    assert main(["check", "--config", str(write_toml(tmp_path, url, company_db))]) == 1
    assert "key refused" in capsys.readouterr().err
    standin.clock_offset_s = 3600  # the server says it is an hour later: our clock is off
    assert main(["check", "--config", str(write_toml(tmp_path, url, company_db))]) == 1
    assert re.search(r"clock is off \(-3[56]\d\d s\)", capsys.readouterr().err)
    standin.refuse_key, standin.clock_offset_s = False, 0

    missing = tmp_path / "nowhere.db"
    assert main(["check", "--config", str(write_toml(tmp_path, url, missing))]) == 1
    assert "database not found" in capsys.readouterr().err
    assert not missing.exists()  # the check must not create an empty database

    empty = tmp_path / "empty.db"
    import sqlite3

    sqlite3.connect(empty).close()
    assert main(["check", "--config", str(write_toml(tmp_path, url, empty))]) == 1
    assert "table missing" in capsys.readouterr().err

    cfg = write_toml(tmp_path, url, company_db)
    cfg.write_text(cfg.read_text().replace("{SQLite3}", "{No Such Driver}"), encoding="utf-8")
    assert main(["check", "--config", str(cfg)]) == 1
    assert "driver" in capsys.readouterr().err

    assert (
        main(["check", "--config", str(write_toml(tmp_path, "http://127.0.0.1:9", company_db))])
        == 1
    )
    assert "unreachable" in capsys.readouterr().err


def test_run_loop_syncs_on_demand_once(api, company_db, tmp_path) -> None:
    url, standin = api
    config = make_config(url, company_db, tmp_path)
    standin.sync_requested = {"request_id": "req-1", "mode": "full",
                              "requested_at": datetime.now(UTC).isoformat()}  # fmt: skip
    run_loop(config, sleep=lambda s: None, cycles=2)
    assert [r["mode"] for r in standin.runs] == ["full"]  # the same request is not run twice
