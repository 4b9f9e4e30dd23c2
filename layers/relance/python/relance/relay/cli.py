"""`relance-relay`: sync, check, run (the resident loop).

Messages meant for the person at the server are in French and English: the relay is
installed by the customer's IT provider, who may read either.
Exit codes: 0 ok, 1 error, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType

import pyodbc

from relance.relay.client import RelayClient, RelayError, RetryPolicy
from relance.relay.config import CompanyConfig, ConfigError, RelayConfig, load_config
from relance.relay.runner import BatchTooLarge, RunSummary, discard_unfinished, run_sync
from relance.relay.state import StateStore
from relance.sage import extract as sage
from relance.sage.dialect import Dialect
from relance.sync.protocol import SyncMode
from relance.sync.signing import MAX_SKEW_SECONDS

OK, ERROR, USAGE = 0, 1, 2
TABLES = ("F_COMPTET", "F_CONTACTT", "F_COLLABORATEUR", "P_REGLEMENT", "P_DEVISE", "F_JOURNAUX",
          "F_ECRITUREC")  # fmt: skip


def say(fr: str, en: str, *, ok: bool = True) -> None:
    tag = "[OK]" if ok else "[ERREUR / ERROR]"
    print(f"{tag} {fr}\n      {en}", file=sys.stdout if ok else sys.stderr, flush=True)


# --- diagnostics -------------------------------------------------------------------------


def _driver(connection_string: str) -> str:
    match = re.search(r"DRIVER\s*=\s*\{?([^};]+)\}?", connection_string, re.I)
    return match.group(1).strip() if match else "?"


def _sqlite_path(connection_string: str) -> Path | None:
    match = re.search(r"DATABASE\s*=\s*([^;]+)", connection_string, re.I)
    return Path(match.group(1).strip()) if match else None


def explain_odbc(exc: Exception, driver: str = "?") -> tuple[str, str]:
    """(French, English) for what a person can fix, from an ODBC error."""
    state = str(exc.args[0]) if exc.args else ""
    text = " ".join(str(a) for a in exc.args)
    low = text.lower()
    if state == "IM002" or "can't open lib" in low or "data source name not found" in low:
        return (
            f"pilote ODBC « {driver} » introuvable : installez-le ou corrigez DRIVER=",
            f"ODBC driver '{driver}' not found: install it or fix DRIVER=",
        )
    if state == "42S02" or "no such table" in low or "invalid object name" in low:
        return (
            f"table Sage absente ({text}) : est-ce bien une base Sage 100 Comptabilité ?",
            f"Sage table missing ({text}): is this a Sage 100 accounting database?",
        )
    if "cannot open database" in low or "4060" in low:
        return (
            "base de données introuvable sur le serveur (DATABASE=) ou accès refusé",
            "database not found on the server (DATABASE=) or access denied",
        )
    if state == "28000" or "login failed" in low:
        return ("connexion SQL refusée : identifiant ou mot de passe", "SQL login refused")
    if state in ("08001", "HYT00", "08S01"):
        return (f"serveur SQL injoignable : {text}", f"SQL server unreachable: {text}")
    return (f"erreur ODBC : {text}", f"ODBC error: {text}")


def explain_api(exc: RelayError) -> tuple[str, str]:
    if exc.code == "unreachable":
        return (f"{exc.message_fr}", f"{exc.message}")
    skew = None
    if exc.server_time is not None:
        skew = (datetime.now(UTC) - exc.server_time).total_seconds()
    if exc.status in (401, 403):
        if (skew is not None and abs(skew) > MAX_SKEW_SECONDS) or "expired" in exc.message:
            gap = f" ({skew:+.0f} s)" if skew is not None else ""
            return (
                f"horloge de ce serveur décalée{gap} : synchronisez l'heure (NTP)",
                f"this server's clock is off{gap}: synchronise the time (NTP)",
            )
        return (
            f"clé du connecteur refusée : vérifiez key_id et le secret ({exc.message_fr})",
            f"connector key refused: check key_id and the secret ({exc.message})",
        )
    return (f"l'API a répondu : {exc.message_fr}", f"the API answered: {exc}")


def check_company(company: CompanyConfig, contacts: bool) -> bool:
    if company.dialect is Dialect.SQLITE:  # the SQLite driver would create an empty file
        path = _sqlite_path(company.connection_string)
        if path is None or not path.is_file():
            say(f"{company.code} : base introuvable ({path})",
                f"{company.code}: database not found ({path})", ok=False)  # fmt: skip
            return False
    try:
        conn = sage.connect(company.connection_string, company.dialect, timeout=15)
        try:
            for table in TABLES:
                if table == "F_CONTACTT" and not contacts:
                    continue
                conn.execute(f"SELECT COUNT(*) FROM {table} WHERE 1 = 0").fetchall()
            customers = conn.execute("SELECT COUNT(*) FROM F_COMPTET WHERE CT_Type = 0").fetchone()
        finally:
            conn.close()
    except pyodbc.Error as exc:
        fr, en = explain_odbc(exc, _driver(company.connection_string))
        say(f"{company.code} : {fr}", f"{company.code}: {en}", ok=False)
        return False
    n = customers[0] if customers else 0
    say(f"{company.code} : base Sage lisible, {n} clients",
        f"{company.code}: Sage database readable, {n} customers")  # fmt: skip
    return True


def check_api(config: RelayConfig) -> bool:
    client = RelayClient(
        config.api_url, config.key_id, config.resolved_secret(),
        retry=RetryPolicy(attempts=2, base_delay_s=1.0), timeout_s=20,
    )  # fmt: skip
    try:
        client.get_state()
    except RelayError as exc:
        fr, en = explain_api(exc)
        say(fr, en, ok=False)
        return False
    say(f"API joignable et clé acceptée ({config.api_url})",
        f"API reachable and key accepted ({config.api_url})")  # fmt: skip
    return True


# --- commands ----------------------------------------------------------------------------


def _report(summary: RunSummary) -> int:
    resumed = " (reprise / resumed)" if summary.resumed else ""
    print(f"run {summary.run_id} {summary.mode} as of {summary.as_of}{resumed}")
    for company, counts in summary.records_sent.items():
        sent = ", ".join(f"{entity} {n}" for entity, n in counts.items())
        print(f"  {company}: {sent}")
    for company, matches in summary.controls.items():
        if matches:
            say(
                f"{company} : balance âgée conforme à Sage", f"{company}: aged balance matches Sage"
            )
        else:
            say(
                f"{company} : la balance âgée diffère de celle de Sage (voir le rapport)",
                f"{company}: aged balance differs from Sage's (see the report)",
                ok=False,
            )
    return OK


def _sync(config: RelayConfig, mode: SyncMode, as_of: date, restart: bool) -> int:
    try:
        return _report(run_sync(config, mode=mode, as_of=as_of, restart=restart))
    except RelayError as exc:
        fr, en = explain_api(exc)
        say(fr + " ; la synchronisation reprendra là où elle s'est arrêtée",
            en + "; the sync will resume where it stopped", ok=False)  # fmt: skip
    except pyodbc.Error as exc:
        drivers = ", ".join(sorted({_driver(c.connection_string) for c in config.companies}))
        fr, en = explain_odbc(exc, drivers)
        say(fr, en, ok=False)
    except (OSError, BatchTooLarge) as exc:  # e.g. state_dir not writable
        say(f"échec : {exc}", f"failed: {exc}", ok=False)
    return ERROR


class _LoopMemory:
    """What the resident loop must not forget across restarts: handled on-demand requests
    and the date of the last full reconcile."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "relay-loop.json"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.handled: list[str] = list(data.get("handled", []))
        last = data.get("last_full")
        self.last_full: date | None = date.fromisoformat(last) if last else None

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"handled": self.handled[-50:], "last_full": self.last_full and str(self.last_full)}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(self.path)


def run_loop(
    config: RelayConfig,
    *,
    local_now: Callable[[], datetime] = datetime.now,
    sleep: Callable[[float], None] = time.sleep,
    cycles: int | None = None,
) -> None:
    """Poll the server; sync on demand, on schedule, and resume an interrupted run."""
    memory = _LoopMemory(config.state_dir)
    store = StateStore(config.state_dir)
    client = RelayClient(config.api_url, config.key_id, config.resolved_secret())
    last_tick = local_now()
    print(f"relance-relay: en attente / waiting (poll {config.poll_interval_s:.0f} s)", flush=True)
    while cycles is None or cycles > 0:
        cycles = None if cycles is None else cycles - 1
        tick = local_now()
        mode: SyncMode | None = None
        request_id = None
        try:
            requested = client.get_state().sync_requested
            if requested and requested.request_id not in memory.handled:
                mode = "full" if requested.mode == "full" else "incremental"
                request_id = requested.request_id
        except RelayError as exc:
            fr, en = explain_api(exc)
            say(fr, en, ok=False)
        for slot in config.schedule.slots_between(last_tick, tick):
            full = config.schedule.wants_full(slot, memory.last_full)
            mode = "full" if full or mode == "full" else "incremental"
        last_tick = tick
        if mode is None and store.load() is not None:
            mode = "incremental"  # an interrupted run: run_sync resumes it as it was
        if mode is not None and _sync(config, mode, tick.date(), restart=False) == OK:
            if request_id:
                memory.handled.append(request_id)
            if mode == "full":
                memory.last_full = tick.date()
            memory.save()
        sleep(config.poll_interval_s)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relance-relay", description="Sage 100 -> Relance")
    sub = parser.add_subparsers(dest="command", required=True)
    sync = sub.add_parser("sync", help="one sync run now")
    sync.add_argument("--config", required=True, type=Path)
    modes = sync.add_mutually_exclusive_group()
    modes.add_argument("--full", dest="mode", action="store_const", const="full")
    modes.add_argument("--incremental", dest="mode", action="store_const", const="incremental")
    sync.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD")
    sync.add_argument("--restart", action="store_true", help="discard an unfinished run")
    check = sub.add_parser("check", help="test the Sage connections and the API key")
    check.add_argument("--config", required=True, type=Path)
    run = sub.add_parser("run", help="stay resident: sync on demand and on schedule")
    run.add_argument("--config", required=True, type=Path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # exits 2 on bad usage
    try:
        config = load_config(args.config)
        config.resolved_secret()
    except ConfigError as exc:
        print(f"[ERREUR / ERROR] {exc}", file=sys.stderr)
        return USAGE
    try:
        if args.command == "check":
            results = [check_company(c, config.settings.contacts_enabled) for c in config.companies]
            results.append(check_api(config))
            return OK if all(results) else ERROR
        if args.command == "sync":
            if args.restart and discard_unfinished(config):
                print("run inachevé abandonné / unfinished run discarded")
            mode: SyncMode = args.mode or "incremental"
            return _sync(
                config, mode, args.as_of or datetime.now().astimezone().date(), restart=args.restart
            )
        signal.signal(signal.SIGTERM, _interrupt)
        run_loop(config)
        return OK
    except KeyboardInterrupt:
        print("arrêt demandé / stopped (un run inachevé reprendra / an unfinished run will resume)")
        return OK


if __name__ == "__main__":
    sys.exit(main())
