"""Personal data (X3, B7): the card access log, export and erasure of a person's data,
the erasure list a sync applies, and the retention run.

Erasure covers a customer's contacts (Sage's and hand-entered ones) reached by their
email: the customer records, contacts, manual contacts, sent-log recipients, the summaries
lists show, and the suppression list (the erasure list takes over its job: a sync scrubs
any record bearing the address, so no reminder can reach it). Users are the tenant's staff:
exported, not erased here (an admin deactivates them).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from relance.auth.identity import Identity
from relance.domain import personal_data as pd
from relance.domain.records import SyncRecord
from relance.services.errors import NotFound
from relance.store.dynamo import SyncStore
from relance.store.personal_data import Holding, PersonalDataStore

_writer = ThreadPoolExecutor(max_workers=2, thread_name_prefix="access-log")
ERASABLE = frozenset({"customer", "contact", "manual_contact", "sent_log", "action", "suppression"})


def _nothing_held(email: str) -> NotFound:
    return NotFound(
        "no_personal_data",
        "Nothing is held about this person.",
        "Aucune donnée n'est détenue sur cette personne.",
    )


class PersonalDataService:
    def __init__(self, store: PersonalDataStore, records: SyncStore) -> None:
        self.store = store
        self.records = records

    # -- access log --------------------------------------------------------------------
    def record_view(self, who: Identity, company: str, number: str, at: datetime) -> None:
        self.store.record_view(who.tenant, who.user_id, company, number, at)

    def view_recorder(self, who: Identity, company: str, number: str, at: datetime) -> Future[None]:
        """Record a card view in the background; the caller waits for it before answering
        (a Lambda may be frozen once it has answered: a write left running could be lost)."""
        return _writer.submit(self.record_view, who, company, number, at)

    def views(
        self, who: Identity, start: datetime, end: datetime, **filters: Any
    ) -> dict[str, Any]:
        who.require("admin")
        rows, cursor = self.store.views(who.tenant, start, end, **filters)
        return {"views": rows, "next": cursor}

    # -- export ------------------------------------------------------------------------
    def export(self, who: Identity, email: str, now: datetime) -> dict[str, Any]:
        who.require("admin")
        held = self.store.holdings(who.tenant, email, now)
        if not held:
            raise _nothing_held(email)
        return {
            "email": pd.normalized(email),
            "exported_at": now.isoformat(),
            "items": [h.as_json() for h in held],
        }

    # -- erasure -----------------------------------------------------------------------
    def erase(self, who: Identity, email: str, now: datetime) -> dict[str, Any]:
        who.require("admin")
        return self._erase(who.tenant, email, now, by=who.user_id, reason="request")

    def _erase(
        self, tenant: str, email: str, now: datetime, *, by: str, reason: str
    ) -> dict[str, Any]:
        held = [h for h in self.store.holdings(tenant, email, now) if h.kind in ERASABLE]
        if not held:
            raise _nothing_held(email)
        # The list first: a sync running meanwhile already leaves the person out.
        self.store.add_to_erasure_list(tenant, pd.email_digest(tenant, email), now)
        for holding in held:
            self.store.scrub(holding, email)
        self._scrub_summaries(tenant, [h for h in held if h.kind == "customer"])
        record = {
            "erasure_id": uuid.uuid4().hex,
            "at": now.isoformat(),
            "by": by,
            "reason": reason,
            # What kinds of items, never what they held.
            "items": dict(Counter(h.kind for h in held)),
        }
        self.store.record_erasure(tenant, record)
        return record

    def _scrub_summaries(self, tenant: str, customers: list[Holding]) -> None:
        """The lists show a customer's email from its summary: erase it there too."""
        numbers: dict[str, set[str]] = {}
        for h in customers:
            numbers.setdefault(h.company, set()).add(h.customer)
        for company, wanted in numbers.items():
            changed = [
                s.model_copy(update={"email": ""})
                for s in self.records.summaries(tenant, company, with_followup=False)
                if s.number in wanted and s.email
            ]
            if changed:
                self.records.put_summaries(tenant, changed)

    def erasures(self, who: Identity) -> list[dict[str, Any]]:
        who.require("admin")
        return self.store.erasures(who.tenant)

    # -- retention ---------------------------------------------------------------------
    def apply_retention(
        self, tenant: str, activity: Iterable[pd.CustomerActivity], today: date, now: datetime
    ) -> list[dict[str, Any]]:
        """Erase every contact of each customer the retention rule says is due (with or
        without an email); one erasure record per customer, by "retention"."""
        done: list[dict[str, Any]] = []
        for customer in pd.due_for_erasure(activity, today):
            held = self._still_held(tenant, customer.company, customer.number)
            if not held:
                continue  # erased by an earlier run
            for email in sorted({str(h.fields["email"]) for h in held if h.fields.get("email")}):
                self.store.add_to_erasure_list(tenant, pd.email_digest(tenant, email), now)
            for holding in held:
                self.store.scrub(holding, None)
            self._scrub_summaries(tenant, [h for h in held if h.kind == "customer"])
            record = {
                "erasure_id": uuid.uuid4().hex,
                "at": now.isoformat(),
                "by": "retention",
                "reason": "retention",
                "company": customer.company,  # Sage codes, not personal data
                "customer": customer.number,
                "items": dict(Counter(h.kind for h in held)),
            }
            self.store.record_erasure(tenant, record)
            done.append(record)
        return done

    def apply_retention_to_tenant(
        self, tenant: str, today: date, now: datetime
    ) -> list[dict[str, Any]]:
        companies = self.records.list_companies(tenant)
        activity = [a for company in companies for a in self.activity(tenant, company)]
        return self.apply_retention(tenant, activity, today, now)

    def activity(self, tenant: str, company: str) -> list[pd.CustomerActivity]:
        """Each customer's open balance (its held lines) and last activity: the latest of
        its Sage record's creation or change and its lines' dates."""
        balance: dict[str, Decimal] = {}
        latest: dict[str, date] = {}
        for _, fact in self.records.line_aging_facts(tenant, company):
            number, on = fact.customer, fact.aging_date
            balance[number] = balance.get(number, Decimal(0)) + fact.amount
            latest[number] = max(latest.get(number, on), on)
        found: list[pd.CustomerActivity] = []
        for customer in self.records.records(tenant, company, "customer"):
            dates = [d for d in (customer.created_on, latest.get(customer.number)) if d]
            if customer.modified_at is not None:
                dates.append(customer.modified_at.date())
            owed = balance.get(customer.number, Decimal(0))
            found.append(
                pd.CustomerActivity(company, customer.number, owed, max(dates) if dates else None)
            )
        return found

    def tenants(self) -> list[str]:
        return self.store.tenants()

    def _still_held(self, tenant: str, company: str, number: str) -> list[Holding]:
        """The customer's items that still hold some contact's personal data."""
        held: list[Holding] = []
        for item in self.records.customer_items(tenant, company, number):
            kind = str(item.get("item_type"))
            pk, sk = str(item["PK"]), str(item["SK"])
            if kind in ("customer", "contact") and not pd.is_erased(kind, item):
                fields = pd.personal_fields(kind, item)
                held.append(Holding(kind, "sage", pk, sk, company, number, fields))
            elif kind == "details" and any(
                not pd.is_erased("manual_contact", c) for c in item.get("contacts") or []
            ):
                held.append(Holding("manual_contact", "hand-entered", pk, sk, company, number))
        return held


def forget_erased(store: SyncStore, tenant: str, records: list[SyncRecord]) -> list[SyncRecord]:
    """A sync's records with the erased people left erased: a customer or contact whose
    email is on the tenant's erasure list arrives with its personal fields scrubbed. Only
    batches of customers and contacts read the list (one Query)."""
    if not any(r.entity in ("customer", "contact") for r in records):
        return records
    erased = PersonalDataStore(store.table, store.client).erasure_list(tenant)
    if not erased:
        return records
    kept: list[SyncRecord] = []
    for record in records:
        email = str(getattr(record, "email", "") or "")
        if email and pd.email_digest(tenant, email) in erased:
            values = record.model_dump()
            record = record.model_copy(update=pd.scrubbed(record.entity, values))
        kept.append(record)
    return kept
