"""One sync run: state -> start -> per company and entity, records then key sets ->
Sage's aged balance -> finish. Resumable after a crash (see relance.relay.state)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from relance.domain.records import EntityName, SyncRecord
from relance.relay.client import RelayClient, RetryPolicy, Transport
from relance.relay.config import CompanyConfig, RelayConfig
from relance.relay.progress import Progress, make_progress
from relance.relay.state import CompanyProgress, EntityProgress, RunState, StateStore
from relance.sage import extract as sage
from relance.sage.dialect import dialect
from relance.sage.queries import INCREMENTAL_ENTITIES, ResumeKey, entity_names
from relance.sync.protocol import (
    MAX_BATCH_BODY_BYTES,
    MAX_KEYS_PER_BATCH,
    MAX_RECORDS_PER_BATCH,
    CompanyResult,
    KeysBatch,
    RecordsBatch,
    RunFinish,
    RunStart,
    SyncMode,
    encode_body,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class BatchTooLarge(Exception):
    """A single item does not fit in a batch body."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_run_id() -> str:
    return secrets.token_urlsafe(16)  # 22 chars of [A-Za-z0-9_-]


def pack(
    items: Iterable[T],
    build: Callable[[list[T], int], M],
    *,
    first_seq: int = 0,
    max_items: int,
    max_bytes: int = MAX_BATCH_BODY_BYTES,
) -> Iterator[tuple[M, list[T], bytes]]:
    """Group items into batches of at most max_items whose encoded body fits max_bytes.

    Yields (message, items, body). Order is kept, so the last item of each batch is the
    resume point. Only one batch worth of items is held in memory.
    """
    source = iter(items)
    buffer: list[T] = []
    seq = first_seq
    exhausted = False
    while True:
        while not exhausted and len(buffer) < max_items:
            try:
                buffer.append(next(source))
            except StopIteration:
                exhausted = True
        if not buffer:
            return
        n = len(buffer)
        while True:
            message = build(buffer[:n], seq)
            body = encode_body(message)
            if len(body) <= max_bytes:
                break
            if n == 1:
                raise BatchTooLarge(f"one item encodes to {len(body)} bytes > {max_bytes}")
            # Shrink in proportion to the overshoot (with margin), at least by one.
            n = max(1, min(n - 1, int(n * max_bytes / len(body) * 0.9)))
        yield message, buffer[:n], body
        del buffer[:n]
        seq += 1


@dataclass
class RunSummary:
    run_id: str
    mode: SyncMode
    as_of: date
    resumed: bool
    records_sent: dict[str, dict[str, int]] = field(default_factory=dict)
    key_batches: dict[str, dict[str, int]] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)  # the server's answer to finish

    @property
    def controls(self) -> dict[str, bool]:
        """Per company: does Sage's aged balance match Relance's (per the server)?"""
        return {
            str(c.get("company")): bool((c.get("control") or {}).get("matches", False))
            for c in self.report.get("companies", [])
            if isinstance(c, dict)
        }


class _Run:
    def __init__(
        self, config: RelayConfig, state: RunState, client: RelayClient, store: StateStore,
        progress: Progress, max_bytes: int,
    ) -> None:  # fmt: skip
        self.config = config
        self.state = state
        self.client = client
        self.store = store
        self.progress = progress
        self.max_bytes = max_bytes

    def company(self, company: CompanyConfig) -> None:
        cp = self.state.companies[company.code]
        names = entity_names(self.config.settings)
        if cp.aged_balance is not None and all(
            cp.entities.get(n, EntityProgress(phase="records")).phase == "done" for n in names
        ):
            return
        conn = sage.connect(company.connection_string, company.dialect)
        try:
            if cp.db_started_at is None:
                cp.db_started_at = sage.database_now(conn, company.dialect)
                self.store.save(self.state)
            for name in names:
                ep = cp.entities.setdefault(name, EntityProgress())
                self.records(conn, company, name, ep)
                self.keys(conn, company, name, ep)
                self.progress.entity_finished(company.code, name, ep.records_sent, ep.key_batches)
            if cp.aged_balance is None:
                cp.aged_balance = sage.sage_aged_balance(
                    conn, company.dialect, company.code, self.config.settings, self.state.as_of
                )
                cp.db_ended_at = sage.database_now(conn, company.dialect)
                self.store.save(self.state)
        finally:
            conn.close()

    def records(
        self, conn: Any, company: CompanyConfig, name: EntityName, ep: EntityProgress
    ) -> None:
        if ep.phase != "records":
            return
        d, settings, code = dialect(company.dialect), self.config.settings, company.code
        since = ep.since if self.state.mode == "incremental" else None
        as_of = self.state.as_of  # settled lines: the 24-month window counts back from it
        total = sage.count(conn, d, name, settings, since=since, after=ep.last_key, as_of=as_of)
        self.progress.entity_started(code, name, total)

        def skipped(entity: EntityName, key: ResumeKey, exc: Exception) -> None:
            # The key and the faulty fields only: row contents may be personal data.
            if isinstance(exc, ValidationError):
                reason = "invalid " + ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
            else:
                reason = type(exc).__name__
            self.progress.note(f"{code}/{entity} {key}: row skipped, cannot be read ({reason})")

        rows = sage.extract(
            conn, d, code, name, settings, since=since, after=ep.last_key, on_invalid=skipped,
            as_of=as_of,
        )  # fmt: skip

        def build(chunk: list[SyncRecord], seq: int) -> RecordsBatch:
            return RecordsBatch(
                run_id=self.state.run_id, company=code, entity=name, seq=seq, records=chunk
            )

        def acknowledged(batch: RecordsBatch, chunk: list[SyncRecord]) -> None:
            ep.seq = batch.seq + 1
            ep.last_key = sage.resume_key(chunk[-1])
            ep.records_sent += len(chunk)
            for record in chunk:
                modified = getattr(record, "modified_at", None)
                if modified is not None and (ep.max_modified is None or modified > ep.max_modified):
                    ep.max_modified = modified
            self.store.save(self.state)
            self.progress.advanced(len(chunk))

        # One batch in flight while the next is read and packed: Sage reading and the
        # server's writing overlap. Acknowledgements are still taken in order, so the state
        # file only ever records a prefix of what the server holds.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-send") as sender:
            in_flight: tuple[Future[Any], RecordsBatch, list[SyncRecord]] | None = None
            for batch, chunk, body in pack(
                rows, build, first_seq=ep.seq, max_items=MAX_RECORDS_PER_BATCH,
                max_bytes=self.max_bytes,
            ):  # fmt: skip
                if in_flight is not None:
                    in_flight[0].result()
                    acknowledged(in_flight[1], in_flight[2])
                in_flight = (sender.submit(self.client.send_batch, batch, body), batch, chunk)
            if in_flight is not None:
                in_flight[0].result()
                acknowledged(in_flight[1], in_flight[2])
        ep.phase, ep.seq, ep.last_key = "keys", 0, None
        self.store.save(self.state)

    def keys(self, conn: Any, company: CompanyConfig, name: EntityName, ep: EntityProgress) -> None:
        if ep.phase != "keys":
            return
        keys = sage.extract_keys(
            conn, company.dialect, name, self.config.settings, after=ep.last_key,
            as_of=self.state.as_of,
        )  # fmt: skip

        def build(chunk: list[tuple[str, ResumeKey]], seq: int) -> KeysBatch:
            return KeysBatch(
                run_id=self.state.run_id, company=company.code, entity=name, seq=seq,
                keys=[k for k, _ in chunk],
            )  # fmt: skip

        for batch, chunk, body in pack(
            keys, build, first_seq=ep.seq, max_items=MAX_KEYS_PER_BATCH, max_bytes=self.max_bytes
        ):
            self.client.send_batch(batch, body)
            ep.seq = ep.key_batches = batch.seq + 1
            ep.last_key = chunk[-1][1]
            self.store.save(self.state)
        if ep.key_batches == 0:
            # An empty set is still a complete set (every line of a customer settled):
            # say so with one empty batch, or the server could not tell it from "not sent".
            batch = KeysBatch(
                run_id=self.state.run_id, company=company.code, entity=name, seq=0, keys=[]
            )
            self.client.send_batch(batch)
            ep.key_batches = 1
        ep.phase, ep.last_key = "done", None
        self.store.save(self.state)

    def result(self, company: CompanyConfig) -> CompanyResult:
        cp = self.state.companies[company.code]
        names = entity_names(self.config.settings)
        watermarks = {}
        for name in names:
            ep = cp.entities[name]
            mark = watermark(
                ep.max_modified, cp.previous_watermarks.get(name), cp.db_started_at, cp.db_ended_at
            )
            if mark is not None and name in INCREMENTAL_ENTITIES:
                watermarks[name] = mark
        return CompanyResult(
            company=company.code,
            watermarks=watermarks,
            records_sent={n: cp.entities[n].records_sent for n in names},
            key_batches={n: cp.entities[n].key_batches for n in names},
            sage_aged_balance=cp.aged_balance,
        )


def watermark(
    max_seen: datetime | None,
    previous: datetime | None,
    db_started_at: datetime | None,
    db_ended_at: datetime | None,
) -> datetime | None:
    """Where the next incremental run starts reading.

    The highest cbModification seen, but never later than a minute before the reading
    began: a row changed while the run was under way (or while a killed relay was down)
    may sit before the resume point, and must be read again next time. The cap only holds
    when the data is not ahead of the database's own clock (test data, or a server whose
    clock was set back), where it would make every run re-read everything.
    """
    if max_seen is None:
        return previous
    if db_started_at is None or db_ended_at is None or max_seen > db_ended_at:
        return max_seen
    # smalldatetime rounds to the nearest minute: a margin of one whole minute.
    cap = db_started_at.replace(second=0, microsecond=0) - timedelta(minutes=1)
    return min(max_seen, cap)


def _new_state(
    config: RelayConfig, client: RelayClient, mode: SyncMode, as_of: date, started_at: datetime
) -> RunState:
    server = client.get_state()
    companies = {}
    for company in config.companies:
        previous = {
            k: v for k, v in server.watermarks.get(company.code, {}).items()
            if k in INCREMENTAL_ENTITIES
        }  # fmt: skip
        entities = {
            name: EntityProgress(since=previous.get(name) if mode == "incremental" else None)
            for name in entity_names(config.settings)
        }
        companies[company.code] = CompanyProgress(entities=entities, previous_watermarks=previous)
    return RunState(
        run_id=new_run_id(), mode=mode, as_of=as_of, started_at=started_at, companies=companies
    )


def run_sync(
    config: RelayConfig,
    *,
    mode: SyncMode,
    as_of: date,
    now: Callable[[], datetime] = utc_now,
    transport: Transport | None = None,
    progress: Progress | None = None,
    restart: bool = False,
    retry: RetryPolicy | None = None,
    max_batch_bytes: int = MAX_BATCH_BODY_BYTES,
) -> RunSummary:
    """Sync every company of the configuration once, resuming an unfinished run if any.

    A resumed run keeps its own mode and as-of date (its batches are already numbered
    under them). restart=True discards an unfinished run and starts a new one.
    """
    store = StateStore(config.state_dir)
    client = RelayClient(
        config.api_url, config.key_id, config.resolved_secret(), transport=transport, retry=retry
    )
    own_progress = progress is None
    shown = progress or make_progress()
    try:
        state = None if restart else store.load()
        if state is not None and set(state.companies) != {c.code for c in config.companies}:
            shown.note(f"unfinished run {state.run_id} was for other companies: starting anew")
            state = None
        resumed = state is not None
        if state is None:
            state = _new_state(config, client, mode, as_of, now())
        else:
            shown.note(f"resuming run {state.run_id} ({state.mode}, as of {state.as_of})")
        store.save(state)
        run = _Run(config, state, client, store, shown, max_batch_bytes)
        codes = [c.code for c in config.companies]
        # Idempotent on the server: a resumed run announces itself again.
        client.start_run(
            RunStart(
                run_id=state.run_id, mode=state.mode, companies=codes, started_at=state.started_at
            )
        )
        for company in config.companies:
            run.company(company)
        finish = RunFinish(
            run_id=state.run_id,
            as_of=state.as_of,
            finished_at=now(),
            companies=[run.result(c) for c in config.companies],
        )
        report = client.finish_run(finish)
        store.clear()
        return RunSummary(
            run_id=state.run_id,
            mode=state.mode,
            as_of=state.as_of,
            resumed=resumed,
            records_sent={c.company: _plain(c.records_sent) for c in finish.companies},
            key_batches={c.company: _plain(c.key_batches) for c in finish.companies},
            report=report,
        )
    finally:
        if own_progress:
            shown.close()


def _plain(counts: dict[EntityName, int]) -> dict[str, int]:
    return {str(k): v for k, v in counts.items()}


def discard_unfinished(config: RelayConfig) -> bool:
    """Forget an unfinished run (the CLI's --restart); True when there was one."""
    store = StateStore(config.state_dir)
    had = store.load() is not None
    store.clear()
    return had
