"""Ingest: what happens to a relay's run on the server side.

start -> batches -> finish. A batch is stored at most once (its id is recorded after its
items are written, so a crash half-way is simply redone by the relay's retry), and a run's
finish deletes what Sage no longer has, moves the watermarks, writes the customer
summaries (with each customer's dunning profile) and runs the aged-balance control. The
tenant is always the connector's, never anything the body says.
"""

from __future__ import annotations

import itertools
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from relance.domain.aging import aged_balance
from relance.domain.control import ControlReport, compare
from relance.domain.dunning.profiles import ProfileBook
from relance.domain.payments.outlook import Outlook, open_from_facts, outlooks
from relance.domain.receivables import CustomerSummary, summarize
from relance.services.cash import record_collected
from relance.services.dso import record_dso
from relance.services.errors import Conflict, Invalid, NotFound, ServiceError, Unauthorized
from relance.services.followup import FollowUpService, open_lines_by_customer
from relance.services.integration_events import announce_sync_finished
from relance.services.personal_data import forget_erased
from relance.services.profiles import ProfileService
from relance.services.score_history import record_scores
from relance.store.archive import BatchArchive
from relance.store.dynamo import SyncStore
from relance.sync import signing
from relance.sync.protocol import (
    CompanyResult,
    KeysBatch,
    RecordsBatch,
    RunFinish,
    RunStart,
    batch_id,
    decode_body,
)

MAX_DIFFERENCES_KEPT = 500


class IngestService:
    def __init__(
        self,
        store: SyncStore,
        archive: BatchArchive,
        followup: FollowUpService | None = None,
        profiles: ProfileService | None = None,
    ) -> None:
        self.store = store
        self.archive = archive
        self.followup = followup
        self.profiles = profiles  # None: summaries without a profile (tests of the sync)

    # -- identity ------------------------------------------------------------------------
    def authenticate(
        self, headers: dict[str, str], method: str, path: str, body: bytes, now_epoch: int
    ) -> tuple[str, str]:
        """(tenant, key id) of a correctly signed, fresh request; Unauthorized otherwise."""
        lowered = {k.lower(): v for k, v in headers.items()}
        key_id = lowered.get(signing.KEY_ID_HEADER.lower(), "")
        connector = self.store.get_connector(key_id) if key_id else None
        if connector is None or not connector.get("active", False):
            raise Unauthorized(
                "unknown_key", "Unknown or inactive connector key.", "Clé de connecteur inconnue."
            )
        try:
            signing.verify(
                connector["secret"],
                method,
                path,
                body,
                lowered.get(signing.TIMESTAMP_HEADER.lower(), ""),
                lowered.get(signing.SIGNATURE_HEADER.lower(), ""),
                now_epoch,
            )
        except signing.SignatureError as err:
            raise Unauthorized(
                "bad_signature",
                f"Request refused: {err}.",
                "Requête refusée : signature invalide ou expirée.",
            ) from None
        return str(connector["tenant"]), key_id

    # -- state -----------------------------------------------------------------------------
    def relay_state(self, tenant: str) -> dict[str, Any]:
        request = self.store.get_sync_request(tenant)
        return {"watermarks": self.store.watermarks(tenant), "sync_requested": request}

    def request_sync(self, tenant: str, mode: str, by: str, now: datetime) -> dict[str, Any]:
        request = {
            "request_id": uuid.uuid4().hex,
            "mode": mode,
            "requested_by": by,
            "requested_at": now.isoformat(),
        }
        self.store.put_sync_request(tenant, request)
        return request

    # -- runs ------------------------------------------------------------------------------
    def start_run(self, tenant: str, key_id: str, start: RunStart) -> dict[str, Any]:
        existing = self.store.get_run(tenant, start.run_id)
        if existing is not None:
            if existing["mode"] != start.mode:
                raise Conflict(
                    "run_exists",
                    f"Run {start.run_id} already exists with mode {existing['mode']}.",
                    f"Le lot {start.run_id} existe déjà en mode {existing['mode']}.",
                )
            return {"run_id": start.run_id, "status": existing["status"]}
        pending = self.store.get_sync_request(tenant)
        self.store.register_companies(tenant, start.companies)
        self.store.put_run(
            tenant,
            {
                "run_id": start.run_id,
                "connector": key_id,
                "mode": start.mode,
                "companies": start.companies,
                "started_at": start.started_at.isoformat(),
                "status": "running",
                "request_id": pending["request_id"] if pending else None,
            },
        )
        return {"run_id": start.run_id, "status": "running"}

    def _open_run(self, tenant: str, run_id: str) -> dict[str, Any]:
        run = self.store.get_run(tenant, run_id)
        if run is None:
            raise NotFound(
                "unknown_run",
                f"Run {run_id} was never started.",
                f"Le lot de synchronisation {run_id} n'a pas été ouvert.",
            )
        return run

    # -- batches ---------------------------------------------------------------------------
    def store_batch(
        self, tenant: str, batch: RecordsBatch | KeysBatch, raw_body: bytes, now: datetime
    ) -> dict[str, Any]:
        bid = batch.batch_id
        if self.store.batch_seen(tenant, bid):
            return {"batch_id": bid, "status": "duplicate", "written": 0}
        run = self._open_run(tenant, batch.run_id)
        try:
            return self._store_new_batch(tenant, run, batch, raw_body, now)
        except ServiceError as err:
            error = {"batch_id": bid, "code": err.code, "message": err.message, "at": now}
            self.store.record_run_error(tenant, batch.run_id, error)
            raise

    def _store_new_batch(
        self,
        tenant: str,
        run: dict[str, Any],
        batch: RecordsBatch | KeysBatch,
        raw_body: bytes,
        now: datetime,
    ) -> dict[str, Any]:
        bid = batch.batch_id
        if run["status"] != "running":
            raise Conflict(
                "run_finished",
                f"Run {batch.run_id} is finished; start a new run.",
                f"Le lot {batch.run_id} est terminé ; lancez une nouvelle synchronisation.",
            )
        if batch.company not in run["companies"]:
            raise Invalid(
                "unknown_company",
                f"Company {batch.company} is not part of run {batch.run_id}.",
                f"La société {batch.company} ne fait pas partie de ce lot.",
            )
        written = 0
        if isinstance(batch, RecordsBatch):
            _check_records_belong(batch)
            # People erased at their request stay erased (services/personal_data.py).
            records = forget_erased(self.store, tenant, list(batch.records))
            written = self.store.write_records(tenant, records)
        # Archive every batch: the audit trail, and where key sets wait for the finish.
        self.archive.put(tenant, batch.run_id, bid, raw_body)
        stored = self.store.mark_batch(tenant, bid, batch.run_id, written, now)
        return {"batch_id": bid, "status": "stored" if stored else "duplicate", "written": written}

    # -- finish ----------------------------------------------------------------------------
    def finish_run(self, tenant: str, finish: RunFinish, now: datetime) -> dict[str, Any]:
        run = self._open_run(tenant, finish.run_id)
        if run["status"] == "finished":
            return dict(run["result"])  # a retried finish answers the same, does nothing
        unknown = {c.company for c in finish.companies} - set(run["companies"])
        if unknown:
            raise Invalid(
                "unknown_company",
                f"Companies not part of the run: {sorted(unknown)}.",
                f"Sociétés hors du lot : {sorted(unknown)}.",
            )
        # Check every key set is complete before deleting anything anywhere.
        key_sets: dict[tuple[str, str], set[str]] = {
            (c.company, entity): self._key_set(tenant, finish.run_id, c.company, entity, n)
            for c in finish.companies
            for entity, n in c.key_batches.items()
        }
        # The tenant's profiles, read once for every company of the run.
        book = self.profiles.book(tenant) if self.profiles is not None else None
        # Companies are independent partitions: finish them side by side.
        with ThreadPoolExecutor(len(finish.companies), thread_name_prefix="finish") as pool:
            companies = list(
                pool.map(
                    lambda result: self._finish_company(
                        tenant, finish, result, key_sets, now, book
                    ),
                    finish.companies,
                )
            )
        markers = self.store.batch_markers(tenant, finish.run_id)
        result = {
            "run_id": finish.run_id,
            "mode": run["mode"],
            "batches": len(markers),
            "records_written": int(sum(m["written"] for m in markers)),
            "companies": companies,
        }
        self.store.put_run(
            tenant,
            {
                **run,
                "status": "finished",
                "finished_at": now.isoformat(),
                "result": result,
            },
        )
        if run.get("request_id"):
            self.store.clear_sync_request(tenant, run["request_id"])
        announce_sync_finished(tenant, result, now)
        return result

    def _key_set(self, tenant: str, run_id: str, company: str, entity: str, n: int) -> set[str]:
        found: set[str] = set()
        for seq in range(n):
            bid = batch_id(run_id, company, entity, "keys", seq)
            body = self.archive.get(tenant, run_id, bid)
            if body is None:
                raise Conflict(
                    "key_set_incomplete",
                    f"Key batch {bid} never arrived: nothing was deleted; resend it.",
                    f"Le lot de clés {bid} n'est pas arrivé : rien n'a été supprimé.",
                )
            found.update(KeysBatch.model_validate(decode_body(body)).keys)
        return found

    def _finish_company(
        self,
        tenant: str,
        finish: RunFinish,
        result: CompanyResult,
        key_sets: dict[tuple[str, str], set[str]],
        now: datetime,
        book: ProfileBook | None = None,
    ) -> dict[str, Any]:
        deleted: dict[str, int] = {}
        lines = dict(self.store.line_aging_facts(tenant, result.company))
        for entity in result.key_batches:
            present = key_sets[(result.company, entity)]
            held = (
                set(lines)
                if entity == "ledger_line"
                else self.store.record_keys(tenant, result.company, entity)
            )
            gone = held - present
            deleted[entity] = self.store.delete_records(tenant, result.company, entity, gone)
            if entity == "ledger_line":
                for key in gone:
                    del lines[key]
        for entity, mark in result.watermarks.items():
            self.store.put_watermark(tenant, result.company, entity, mark)
        customers = list(self.store.records(tenant, result.company, "customer"))
        owed = summarize(result.company, customers, lines.values(), finish.as_of)
        if self.profiles is not None and book is not None:
            owed = self.profiles.assign(tenant, result.company, owed, customers, book)
        # Score and predicted payment dates (V7, B3) from the history as this run left it.
        settled = list(self.store.records(tenant, result.company, "settled_line"))
        # Cash collected per customer and day (V6, K1): the dashboard and the daily report.
        record_collected(self.store, tenant, result.company, settled, finish.as_of)
        # The month's DSO figures and the payment-terms report (V8, B2).
        record_dso(self.store, tenant, result.company, owed, settled, finish.as_of)
        # Promises are kept or broken by what this sync found paid (V5), before the score
        # counts the broken ones with the disputes (one rollup Query per company).
        decided, counts = None, {}
        if self.followup is not None:
            decided = self.followup.assess_promises(
                tenant, result.company, open_lines_by_customer(lines), finish.as_of, now
            )
            counts = self.followup.score_counts(tenant, result.company, finish.as_of)
        found = outlooks(
            result.company,
            settled,
            open_from_facts(result.company, lines),
            finish.as_of,
            followup=counts,
            qualities={c.number: c.quality for c in customers},
            profiles={s.number: s.profile for s in owed if s.profile},
        )
        owed = [_scored(s, found.get(s.number)) for s in owed]
        updated = self.store.replace_summaries(
            tenant, result.company, owed, {n: o.as_json() for n, o in found.items()}
        )
        summary: dict[str, Any] = {
            "company": result.company,
            "deleted": deleted,
            "summaries_updated": updated,
            # Each rated customer's weekly score points, for the card's trend (V7).
            "score_histories_written": record_scores(
                self.store, tenant, result.company, found, finish.as_of
            ),
        }
        if decided is not None:
            summary["promises_decided"] = decided
        if result.sage_aged_balance is not None:
            sage = result.sage_aged_balance
            report = compare(sage, aged_balance(sage.company, lines.values(), sage.as_of))
            stored = report_to_json(report)
            self.store.put_control(tenant, finish.run_id, result.company, stored)
            summary["control"] = stored
        return summary


def _scored(summary: CustomerSummary, outlook: Outlook | None) -> CustomerSummary:
    if outlook is None:
        return summary
    score = outlook.score
    update = {"score": score.score, "grade": score.grade, "expected": outlook.expected()}
    return summary.model_copy(update=update)


def _check_records_belong(batch: RecordsBatch) -> None:
    for index, record in enumerate(batch.records):
        if record.company != batch.company or record.entity != batch.entity:
            raise Invalid(
                "record_mismatch",
                f"Record {index} is a {record.entity} of {record.company}, "
                f"but the batch holds {batch.entity} of {batch.company}.",
                f"L'enregistrement {index} ({record.entity}, {record.company}) ne correspond "
                f"pas au lot ({batch.entity}, {batch.company}).",
            )


def report_to_json(report: ControlReport) -> dict[str, Any]:
    """The control as stored and returned: money as strings, differences capped."""
    data = report.model_dump(mode="json")
    data["matches"] = report.matches
    data["difference_count"] = len(report.differences)
    data["differences"] = list(itertools.islice(data["differences"], MAX_DIFFERENCES_KEPT))
    for name in ("sage_total", "relance_total"):
        data[name]["total"] = str(getattr(report, name).total)
    return data
