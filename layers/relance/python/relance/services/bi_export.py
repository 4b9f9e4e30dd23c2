"""The daily BI export of a tenant (K6): read its data, write each dataset as CSV and
Parquet with a manifest, replacing that day's files atomically for readers.

One run = collect (DynamoDB reads: companies, their open and settled lines, the summary
packs, users and portfolios, promises of the customers with follow-up, the day's sent log
and tasks) -> stage (every file under this run's own names) -> publish (each dataset's
manifest, written last: the one object readers trust) -> sweep (earlier runs' files of the
day). A reader holding the old manifest until the sweep still finds its files; one that
reads the manifest after the publish gets the new run; after the sweep the day's folder
holds the new run's files only, so even a reader listing the folder sees no duplicate.
The day and "now" are parameters.
"""

from __future__ import annotations

import secrets
import time as clock
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from relance.domain import bi_datasets as ds
from relance.domain.bi_files import File, manifest, to_csv, to_parquet
from relance.domain.followup import Promise
from relance.domain.portfolios import Portfolio
from relance.domain.records import LedgerLine
from relance.store import bi_exports
from relance.store.bi_exports import BiExportStore
from relance.store.dunning import UNASSIGNED, DunningStore
from relance.store.dynamo import SyncStore
from relance.store.followup import FollowUpStore
from relance.store.sent_log import SentLogStore
from relance.store.users import UserStore

# The tenants are French SMEs: a day is a day in Paris (the sent log is kept in UTC).
TENANT_ZONE = ZoneInfo("Europe/Paris")
READ_THREADS = 8  # promise reads, one Query per customer with follow-up


@dataclass
class Collected:
    dataset: ds.Dataset
    rows: list[ds.Row]
    window: tuple[datetime, datetime] | None = None


@dataclass
class Staged:
    dataset: ds.Dataset
    manifest: dict[str, Any]


@dataclass
class ExportReport:
    tenant: str
    day: date
    run_id: str
    rows: dict[str, int] = field(default_factory=dict)
    csv_bytes: dict[str, int] = field(default_factory=dict)
    parquet_bytes: dict[str, int] = field(default_factory=dict)
    replaced: int = 0  # files of earlier runs of the day, deleted
    seconds: dict[str, float] = field(default_factory=dict)  # collect, write, publish


def day_window(day: date, zone: ZoneInfo = TENANT_ZONE) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, time(), zone),
        datetime.combine(day + timedelta(days=1), time(), zone),
    )


def new_run_id(now: datetime) -> str:
    """Sortable by time, unique: two runs in the same second still differ."""
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"


class BiExportService:
    def __init__(
        self,
        records: SyncStore,
        followup: FollowUpStore,
        dunning: DunningStore,
        users: UserStore,
        sent_log: SentLogStore,
        files: BiExportStore,
        tenants: Callable[[], list[str]] = list,
        run_id: Callable[[datetime], str] = new_run_id,
    ) -> None:
        self.records = records
        self.followup = followup
        self.dunning = dunning
        self.users = users
        self.sent_log = sent_log
        self.files = files
        self.tenants = tenants  # every tenant, for the daily run
        self.run_id = run_id

    # -- reading ---------------------------------------------------------------------------
    def collect(self, tenant: str, day: date) -> list[Collected]:
        open_lines: list[LedgerLine] = []
        settled: list[LedgerLine] = []
        for company in self.records.list_companies(tenant):
            open_lines += self.records.records(tenant, company, "ledger_line")
            settled += self.records.records(tenant, company, "settled_line")
        portfolios = {
            p.user_id: p
            for p in (Portfolio.model_validate(v) for v in self.dunning.portfolio_items(tenant))
        }
        # In the portfolio items' order (by user id), as the nightly run assigns tasks.
        collectors = [(u, p) for u, p in portfolios.items() if not p.is_empty]
        summaries = self.records.summary_set(tenant, with_followup=False).rows()
        users = self.users.list_users(tenant)
        window = day_window(day)
        sent = [item for _, item in self.sent_log.between(tenant, *window)]
        tasks = [
            t for a in [*(u.user_id for u in users), UNASSIGNED]
            for t in self.dunning.tasks(tenant, a)
        ]  # fmt: skip
        return [
            Collected(ds.LEDGER_ENTRIES, ds.ledger_rows(open_lines, settled)),
            Collected(ds.CUSTOMERS, ds.customer_rows(summaries, collectors, day)),
            Collected(ds.USERS, ds.user_rows(users, portfolios)),
            Collected(ds.PROMISES, ds.promise_rows(self._promises(tenant))),
            Collected(ds.WHO_OWES_WHAT, ds.who_owes_what_rows(open_lines, day)),
            Collected(ds.ACTIONS_DONE, ds.action_rows(sent, tasks, *window), window),
        ]

    def _promises(self, tenant: str) -> list[tuple[str, str, Promise]]:
        """Every promise of the tenant: a Query per customer with follow-up (a promise
        always moves its customer's rollup, so no promise is elsewhere)."""
        customers = sorted(self.followup.rollups(tenant))

        def of(key: tuple[str, str]) -> list[tuple[str, str, Promise]]:
            company, number = key
            items = self.followup.items(tenant, company, number, "PROMISE#")
            return [(company, number, Promise.model_validate(i)) for i in items]

        with ThreadPoolExecutor(READ_THREADS) as pool:
            return [p for found in pool.map(of, customers) for p in found]

    # -- writing ---------------------------------------------------------------------------
    def stage(
        self, tenant: str, day: date, run_id: str, now: datetime, collected: list[Collected]
    ) -> list[Staged]:
        """Every dataset's files under this run's names; nothing a reader trusts changes."""
        staged = []
        for c in collected:
            written: list[tuple[str, File]] = []
            for f in (to_csv(c.dataset, c.rows), to_parquet(c.dataset, c.rows)):
                key = bi_exports.file_key(tenant, c.dataset.name, day, run_id, f.format)
                self.files.put(key, f.body, f.content_type)
                written.append((key, f))
            staged.append(
                Staged(c.dataset, manifest(c.dataset, tenant, day, run_id, now, written, c.window))
            )
        return staged

    def publish(self, tenant: str, day: date, staged: list[Staged]) -> None:
        for s in staged:
            self.files.put_manifest(tenant, s.dataset.name, day, s.manifest)

    def sweep(self, tenant: str, day: date, staged: list[Staged]) -> int:
        """Delete the files of earlier runs of the day. Two runs of one day may overlap (a
        retry beside a run by hand): a run keeps whatever the manifest published now lists
        (the other run's, if it published last) and the files of later runs, so a manifest
        never points at a deleted file."""
        gone: list[str] = []
        for s in staged:
            name, run_id = s.dataset.name, s.manifest["run_id"]
            prefix = bi_exports.day_prefix(tenant, name, day)
            current = self.files.manifest(tenant, name, day) or {"files": []}
            kept = {f["key"] for f in [*s.manifest["files"], *current["files"]]}
            kept.add(prefix + bi_exports.MANIFEST)
            gone += [
                k
                for k in self.files.keys(prefix)
                if k not in kept and (bi_exports.run_of(k) or "") < run_id
            ]
        return self.files.delete(gone)

    def export(self, tenant: str, day: date, now: datetime) -> ExportReport:
        """The tenant's datasets of `day`, replacing any earlier export of that day."""
        report = ExportReport(tenant, day, self.run_id(now))
        started = clock.perf_counter()
        collected = self.collect(tenant, day)
        report.seconds["collect"] = clock.perf_counter() - started
        started = clock.perf_counter()
        staged = self.stage(tenant, day, report.run_id, now, collected)
        report.seconds["write"] = clock.perf_counter() - started
        started = clock.perf_counter()
        self.publish(tenant, day, staged)
        report.replaced = self.sweep(tenant, day, staged)
        report.seconds["publish"] = clock.perf_counter() - started
        for s in staged:
            name, files = s.dataset.name, {f["format"]: f for f in s.manifest["files"]}
            report.rows[name] = files["csv"]["rows"]
            report.csv_bytes[name] = files["csv"]["bytes"]
            report.parquet_bytes[name] = files["parquet"]["bytes"]
        return report


@cache
def bi_export_service() -> BiExportService:
    """The service as the export function uses it, from the environment (once per container)."""
    from relance.store.names import table_name
    from relance.store.personal_data import PersonalDataStore

    records = SyncStore(table_name())
    client = records.client
    return BiExportService(
        records,
        FollowUpStore(table_name(), client),
        DunningStore(table_name(), client),
        UserStore(table_name(), client),
        SentLogStore(table_name(), client),
        BiExportStore(bi_exports.exports_bucket_name()),
        PersonalDataStore(table_name(), client).tenants,
    )
