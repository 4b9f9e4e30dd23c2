"""Recording the follow-up of a customer: disputes, promises, comments, positions, details.

Who may write: an admin, or a user whose portfolio covers the customer (a user without a
portfolio works on every customer). Viewers read only. The customer is looked up in the
caller's tenant first, so another tenant's customer is simply unknown (404).

Creations accept an idempotency key (the `Idempotency-Key` header): the new item's id is
derived from it, so a retried request finds the item it already wrote and returns it
instead of writing a second copy.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from relance.auth.identity import Identity
from relance.domain.aging import AgingFact
from relance.domain.details import Details, FieldDefs, ItemNote, field_errors
from relance.domain.followup import (
    DEFAULT_REASONS,
    ZERO,
    Cancellation,
    Comment,
    Dispute,
    NewComment,
    NewDispute,
    NewPromise,
    Promise,
    ReasonList,
    Resolution,
    TimelineEvent,
    assess,
)
from relance.domain.payments.score import FollowUpCounts, followup_counts
from relance.domain.portfolios import Portfolio
from relance.domain.records import Customer, LedgerLine
from relance.services.errors import Conflict, Forbidden, Invalid, NotFound
from relance.services.integration_events import (
    announce_dispute_opened,
    announce_dispute_resolved,
    announce_promise_recorded,
    announce_promises_broken,
)
from relance.store.dynamo import ConflictError, SyncStore
from relance.store.followup import FollowUpStore, RollupChange, Write

Created = TypeVar("Created", Dispute, Promise)
REASONS = "DISPUTE_REASONS"
FIELDS = "CUSTOM_FIELDS"


@dataclass
class CustomerFile:
    """One customer as the Sage data has it, for a follow-up change to check against."""

    company: str
    number: str
    customer: Customer | None
    lines: list[LedgerLine] = field(default_factory=list)
    profile: str | None = None  # its summary's dunning profile (C3); None before a sync

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    def open_by_entry(self) -> dict[int, Decimal]:
        amounts: dict[int, Decimal] = {}
        for line in self.lines:
            amounts[line.entry_number] = amounts.get(line.entry_number, ZERO) + line.amount
        return amounts


def open_lines_by_customer(lines: dict[str, AgingFact]) -> dict[str, dict[int, Decimal]]:
    """Per customer, the open amount of each entry, from a sync's {entry key: facts}."""
    found: dict[str, dict[int, Decimal]] = {}
    for key, fact in lines.items():
        entries = found.setdefault(fact.customer, {})
        entry = int(key)
        entries[entry] = entries.get(entry, ZERO) + fact.amount
    return found


def new_id(tenant: str, who: str, idempotency_key: str | None) -> str:
    if not idempotency_key:
        return secrets.token_hex(8)
    return hashlib.sha256(f"{tenant}|{who}|{idempotency_key}".encode()).hexdigest()[:16]


def event(kind: str, actor: str, now: datetime, **summary: Any) -> Write:
    item = TimelineEvent(
        event_id=secrets.token_hex(6), kind=kind, at=now, actor=actor, summary=summary
    )
    return Write(
        f"EVENT#{now.isoformat()}#{item.event_id}",
        "event",
        item.model_dump(),
        expect_version=None,
    )


def _stale(what: str, current: int) -> Conflict:
    return Conflict(
        "stale_version",
        f"The {what} changed since you read it: reload and try again.",
        f"Cet élément ({what}) a changé depuis votre lecture : rechargez puis recommencez.",
        current_version=current,
    )


class FollowUpService:
    def __init__(self, store: FollowUpStore, records: SyncStore) -> None:
        self.store = store
        self.records = records

    # -- the customer a change is about ----------------------------------------------------
    def customer_file(
        self, who: Identity, company: str, number: str, scope: Portfolio | None, *, write: bool
    ) -> CustomerFile:
        if write:
            who.require("user")
        file = CustomerFile(company, number, None)
        for item in self.records.customer_items(who.tenant, company, number):
            kind = item["item_type"]
            fields = {k: v for k, v in item.items() if not k.isupper() and k != "item_type"}
            if kind == "customer":
                file.customer = Customer.model_validate({**fields, "company": company})
            elif kind == "ledger_line":
                file.lines.append(LedgerLine.model_validate({**fields, "company": company}))
            elif kind == "summary":  # in the customer's index too, for this
                file.profile = item.get("profile") or None
        if file.customer is None and not file.lines:
            raise NotFound(
                "unknown_customer",
                f"No customer {number} in company {company}.",
                f"Aucun client {number} dans la société {company}.",
            )
        rep = file.customer.rep_number if file.customer else None
        if scope is not None and not scope.covers(company, number, rep, file.profile):
            raise Forbidden(
                "not_in_portfolio",
                f"Customer {number} of {company} is not in your portfolio.",
                f"Le client {number} ({company}) n'est pas dans votre portefeuille.",
            )
        return file

    @staticmethod
    def _entries_open(file: CustomerFile, entries: list[int]) -> dict[int, Decimal]:
        open_now = file.open_by_entry()
        unknown = sorted(set(entries) - open_now.keys())
        if unknown:
            raise Invalid(
                "unknown_entries",
                f"These entries are not open items of customer {file.number}: {unknown}.",
                f"Ces écritures ne sont pas des pièces ouvertes du client {file.number} : "
                f"{unknown}.",
                field="entries",
                entries=unknown,
            )
        return {e: open_now[e] for e in dict.fromkeys(entries)}

    def _replay(self, tenant: str, file: CustomerFile, sk: str) -> dict[str, Any] | None:
        return self.store.get(tenant, file.company, file.number, sk)

    # -- disputes (V4) ---------------------------------------------------------------------
    def reasons(self, tenant: str) -> ReasonList:
        stored = self.store.get_setting(tenant, REASONS)
        return ReasonList.model_validate(stored) if stored else ReasonList(reasons=DEFAULT_REASONS)

    def put_reasons(self, who: Identity, body: ReasonList) -> ReasonList:
        who.require("admin")
        values = body.model_dump(mode="json", exclude={"version"})
        try:
            self.store.put_setting(who.tenant, REASONS, values, body.version)
        except ConflictError:
            raise _stale("reason list", self.reasons(who.tenant).version) from None
        return ReasonList.model_validate({**values, "version": body.version + 1})

    def open_dispute(
        self,
        who: Identity,
        file: CustomerFile,
        body: NewDispute,
        now: datetime,
        idempotency_key: str | None = None,
    ) -> tuple[Dispute, bool]:
        """Open a dispute; (dispute, created). Not created: a retry of the same request."""
        dispute, writes, rollup = self.dispute_change(who, file, body, now, idempotency_key)
        made = self._create(who, file, f"DISPUTE#{dispute.dispute_id}", dispute, writes, rollup)
        if made[1]:  # a retry's event went out with the first write (or was counted lost)
            announce_dispute_opened(who.tenant, file.company, file.number, made[0])
        return made

    def dispute_change(
        self,
        who: Identity,
        file: CustomerFile,
        body: NewDispute,
        now: datetime,
        idempotency_key: str | None = None,
    ) -> tuple[Dispute, list[Write], RollupChange]:
        """A new dispute checked (Invalid: a reason or entries the tenant does not know)
        and what writing it takes, nothing written yet."""
        if body.reason not in {r.code for r in self.reasons(who.tenant).reasons}:
            raise Invalid(
                "unknown_reason",
                f"'{body.reason}' is not one of this workspace's dispute reasons.",
                f"« {body.reason} » ne fait pas partie des motifs de litige de cet espace.",
                field="reason",
            )
        disputed = self._entries_open(file, body.entries) if body.entries else {}
        amount = sum(disputed.values(), ZERO) if body.entries else file.total
        dispute = Dispute(
            dispute_id=new_id(who.tenant, who.user_id, idempotency_key),
            reason=body.reason,
            entries=list(disputed),
            note=body.note,
            amount=amount,
            opened_by=who.user_id,
            opened_at=now,
        )
        writes = [
            Write(f"DISPUTE#{dispute.dispute_id}", "dispute", dispute.model_dump()),
            event(
                "dispute_opened",
                who.user_id,
                now,
                dispute_id=dispute.dispute_id,
                reason=body.reason,
                amount=str(amount),
                entries=len(disputed),
            ),
        ]
        opened = frozenset({f"{now.date().isoformat()}#{dispute.dispute_id}"})
        change = RollupChange(
            add={"open_disputes": 1, "disputed": amount}, mark={"disputes_opened": opened}
        )
        return dispute, writes, change

    def resolve_dispute(
        self, who: Identity, file: CustomerFile, dispute_id: str, body: Resolution, now: datetime
    ) -> Dispute:
        sk = f"DISPUTE#{dispute_id}"
        stored = self.store.get(who.tenant, file.company, file.number, sk)
        if stored is None:
            raise NotFound(
                "unknown_dispute",
                f"No dispute {dispute_id} for this customer.",
                f"Aucun litige {dispute_id} pour ce client.",
            )
        current = Dispute.model_validate(stored)
        if current.version != body.version:
            raise _stale("dispute", current.version)
        if current.status == "resolved":
            raise Conflict(
                "already_resolved",
                "This dispute is already resolved.",
                "Ce litige est déjà résolu.",
            )
        resolved = current.model_copy(
            update={
                "status": "resolved",
                "resolved_by": who.user_id,
                "resolved_at": now,
                "resolution": body.resolution,
                "version": current.version + 1,
            }
        )
        try:
            self.store.commit(
                who.tenant,
                file.company,
                file.number,
                [
                    Write(sk, "dispute", resolved.model_dump(), expect_version=current.version),
                    event("dispute_resolved", who.user_id, now, dispute_id=dispute_id),
                ],
                RollupChange(
                    add={"open_disputes": -1, "disputed": -current.amount},
                    mark={"disputes_resolved": frozenset({dispute_id})},
                ),
            )
        except ConflictError:
            latest = self.store.get(who.tenant, file.company, file.number, sk) or {}
            raise _stale("dispute", int(latest.get("version", 0))) from None
        announce_dispute_resolved(who.tenant, file.company, file.number, resolved)
        return resolved

    def _create(
        self,
        who: Identity,
        file: CustomerFile,
        sk: str,
        made: Created,
        writes: list[Write],
        rollup: RollupChange,
    ) -> tuple[Created, bool]:
        """Write a new dispute or promise; (it, created). Its id comes from the request's
        idempotency key when there is one: a retry finds it written and gets it back."""
        try:
            self.store.commit(who.tenant, file.company, file.number, writes, rollup)
        except ConflictError:
            stored = self._replay(who.tenant, file, sk)
            if stored is None:
                raise
            return type(made).model_validate(stored), False
        return made, True

    # -- payment promises (V5) ---------------------------------------------------------------
    def make_promise(
        self,
        who: Identity,
        file: CustomerFile,
        body: NewPromise,
        now: datetime,
        idempotency_key: str | None = None,
    ) -> tuple[Promise, bool]:
        promise, writes, rollup = self.promise_change(who, file, body, now, idempotency_key)
        made = self._create(who, file, f"PROMISE#{promise.promise_id}", promise, writes, rollup)
        if made[1]:
            announce_promise_recorded(who.tenant, file.company, file.number, made[0])
        return made

    def promise_change(
        self,
        who: Identity,
        file: CustomerFile,
        body: NewPromise,
        now: datetime,
        idempotency_key: str | None = None,
    ) -> tuple[Promise, list[Write], RollupChange]:
        """A new promise checked (Invalid: a past date, entries not open) and what writing
        it takes, nothing written yet."""
        if body.promised_date < now.date():
            raise Invalid(
                "promised_date_past",
                "A payment promise is for today or later.",
                "Une promesse de paiement porte sur aujourd'hui ou plus tard.",
                field="promised_date",
            )
        covered = self._entries_open(file, body.entries) if body.entries else {}
        promise = Promise(
            promise_id=new_id(who.tenant, who.user_id, idempotency_key),
            amount=body.amount,
            promised_date=body.promised_date,
            entries=list(covered),
            note=body.note,
            baseline={str(e): a for e, a in covered.items()},
            baseline_total=file.total,
            made_by=who.user_id,
            made_at=now,
        )
        writes = [
            Write(f"PROMISE#{promise.promise_id}", "promise", promise.model_dump()),
            event(
                "promise_made",
                who.user_id,
                now,
                promise_id=promise.promise_id,
                amount=str(body.amount),
                promised_date=body.promised_date.isoformat(),
            ),
        ]
        return promise, writes, RollupChange(add={"open_promises": 1, "promised": body.amount})

    def cancel_promise(
        self, who: Identity, file: CustomerFile, promise_id: str, body: Cancellation, now: datetime
    ) -> Promise:
        sk = f"PROMISE#{promise_id}"
        stored = self.store.get(who.tenant, file.company, file.number, sk)
        if stored is None:
            raise NotFound(
                "unknown_promise",
                f"No promise {promise_id} for this customer.",
                f"Aucune promesse {promise_id} pour ce client.",
            )
        current = Promise.model_validate(stored)
        if current.version != body.version:
            raise _stale("promise", current.version)
        if current.status != "open":
            raise Conflict(
                "promise_closed",
                f"This promise is already {current.status}.",
                f"Cette promesse est déjà close ({current.status}).",
            )
        cancelled = current.model_copy(update={"status": "cancelled", "version": body.version + 1})
        self._close_promise(
            who.tenant, file.company, file.number, current, cancelled, who.user_id, now
        )
        return cancelled

    def _close_promise(
        self,
        tenant: str,
        company: str,
        number: str,
        before: Promise,
        after: Promise,
        actor: str,
        now: datetime,
    ) -> None:
        sk = f"PROMISE#{before.promise_id}"
        add: dict[str, int | Decimal] = {"open_promises": -1, "promised": -before.amount}
        mark: dict[str, frozenset[str]] = {}
        if after.status == "broken":
            add["broken_promises"] = 1
            # Dated, for the score's 12 months (domain/payments/score.py followup_counts).
            day = (after.decided_on or now.date()).isoformat()
            mark["promises_broken"] = frozenset({f"{day}#{before.promise_id}"})
        try:
            self.store.commit(
                tenant,
                company,
                number,
                [
                    Write(sk, "promise", after.model_dump(), expect_version=before.version),
                    event(
                        f"promise_{after.status}",
                        actor,
                        now,
                        promise_id=before.promise_id,
                        amount=str(before.amount),
                        paid=str(after.paid),
                    ),
                ],
                RollupChange(add=add, mark=mark),
            )
        except ConflictError:
            latest = self.store.get(tenant, company, number, sk) or {}
            raise _stale("promise", int(latest.get("version", 0))) from None

    def assess_promises(
        self,
        tenant: str,
        company: str,
        open_lines: dict[str, dict[int, Decimal]],
        as_of: date,
        now: datetime,
    ) -> int:
        """After a sync: decide every open promise of the company that is due or paid.

        `open_lines`: per customer, the open amount of each entry now. Returns how many
        promises were decided. Only customers whose rollup counts open promises are read.
        """
        decided = 0
        broken: list[tuple[str, Promise]] = []
        for (_, number), rollup in self.store.rollups(tenant, company).items():
            if int(rollup.get("open_promises", 0)) <= 0:
                continue
            by_entry = open_lines.get(number, {})
            total = sum(by_entry.values(), ZERO)
            for raw in self.store.items(tenant, company, number, "PROMISE#"):
                promise = Promise.model_validate(raw)
                if promise.status != "open":
                    continue  # decided or cancelled before: closing it again would count twice
                status, paid = assess(promise, by_entry, total, as_of)
                if status == "open":
                    continue
                after = promise.model_copy(
                    update={
                        "status": status,
                        "paid": paid,
                        "decided_on": as_of,
                        "version": promise.version + 1,
                    }
                )
                try:
                    self._close_promise(tenant, company, number, promise, after, "sync", now)
                except Conflict:
                    continue  # changed by a user meanwhile: the next sync decides again
                decided += 1
                if status == "broken":
                    broken.append((number, after))
        announce_promises_broken(tenant, company, broken, now)
        return decided

    def score_counts(self, tenant: str, company: str, as_of: date) -> dict[str, FollowUpCounts]:
        """Per customer with follow-up, the broken promises and disputes its score counts:
        from the company's rollups, one paged Query for the whole company."""
        return {
            number: followup_counts(
                rollup.get("promises_broken", ()),
                rollup.get("disputes_opened", ()),
                rollup.get("disputes_resolved", ()),
                as_of,
            )
            for (_, number), rollup in self.store.rollups(tenant, company).items()
        }

    # -- comments (V11) ----------------------------------------------------------------------
    def add_comment(
        self,
        who: Identity,
        file: CustomerFile,
        body: NewComment,
        now: datetime,
        idempotency_key: str | None = None,
    ) -> tuple[Comment, bool]:
        if body.entry_number is not None and body.entry_number not in file.open_by_entry():
            raise Invalid(
                "unknown_entries",
                f"Entry {body.entry_number} is not an open item of customer {file.number}.",
                f"L'écriture {body.entry_number} n'est pas une pièce ouverte du client "
                f"{file.number}.",
                field="entry_number",
            )
        comment = Comment(
            comment_id=new_id(who.tenant, who.user_id, idempotency_key),
            text=body.text,
            entry_number=body.entry_number,
            author=who.user_id,
            created_at=now,
        )
        # The id, not the time, makes the key: a retry a second later finds the first copy.
        sk = f"COMMENT#{comment.comment_id}"
        try:
            self.store.commit(
                who.tenant,
                file.company,
                file.number,
                [
                    Write(sk, "comment", comment.model_dump()),
                    event(
                        "comment",
                        who.user_id,
                        now,
                        comment_id=comment.comment_id,
                        entry_number=body.entry_number,
                    ),
                ],
            )
        except ConflictError:
            stored = self._replay(who.tenant, file, sk)
            if stored is None:
                raise
            return Comment.model_validate(stored), False
        return comment, True

    # -- free fields (V12), details (V3 flag, V13), positions (V10) --------------------------
    def field_defs(self, tenant: str) -> FieldDefs:
        stored = self.store.get_setting(tenant, FIELDS)
        return FieldDefs.model_validate(stored) if stored else FieldDefs()

    def put_field_defs(self, who: Identity, body: FieldDefs) -> FieldDefs:
        who.require("admin")
        values = body.model_dump(mode="json", exclude={"version"})
        try:
            self.store.put_setting(who.tenant, FIELDS, values, body.version)
        except ConflictError:
            raise _stale("field list", self.field_defs(who.tenant).version) from None
        return FieldDefs.model_validate({**values, "version": body.version + 1})

    def _check_fields(
        self, defs: list[Any], values: dict[str, Any], stored: dict[str, Any]
    ) -> None:
        """Refuse wrong values. A value kept unchanged from before passes even if the admin
        has since removed or changed its field: the page sends back what it was given."""
        changed = {k: v for k, v in values.items() if k not in stored or stored[k] != v}
        errors = field_errors(defs, changed)
        if errors:
            raise Invalid(
                "bad_fields",
                "Some free fields are wrong: "
                + "; ".join(f"{k}: {v}" for k, v in sorted(errors.items())),
                "Certains champs libres sont incorrects : "
                + " ; ".join(f"{k} : {v}" for k, v in sorted(errors.items())),
                field="fields",
                fields=errors,
            )

    def put_details(
        self, who: Identity, file: CustomerFile, body: Details, now: datetime
    ) -> Details:
        stored = self.store.get(who.tenant, file.company, file.number, "DETAILS")
        before = Details.model_validate(stored) if stored else Details()
        self._check_fields(self.field_defs(who.tenant).customer_fields, body.fields, before.fields)
        if before.version != body.version:
            raise _stale("customer details", before.version)
        after = body.model_copy(update={"version": body.version + 1})
        writes = [Write("DETAILS", "details", after.model_dump(mode="json"), body.version)]
        if before.flagged != after.flagged:
            writes.append(event("flagged" if after.flagged else "unflagged", who.user_id, now))
        if before.contacts != after.contacts:
            writes.append(event("contacts_changed", who.user_id, now, count=len(after.contacts)))
        if before.fields != after.fields:
            writes.append(event("fields_changed", who.user_id, now))
        try:
            self.store.commit(
                who.tenant,
                file.company,
                file.number,
                writes,
                # The nightly run reads manual contacts only where this says there are some.
                RollupChange(
                    set={"flagged": after.flagged, "manual_contacts": len(after.contacts)}
                ),
            )
        except ConflictError:
            latest = self.store.get(who.tenant, file.company, file.number, "DETAILS") or {}
            raise _stale("customer details", int(latest.get("version", 0))) from None
        return after

    def put_item_note(
        self, who: Identity, file: CustomerFile, entry: int, body: ItemNote, now: datetime
    ) -> ItemNote:
        if entry not in file.open_by_entry():
            raise NotFound(
                "unknown_item",
                f"Entry {entry} is not an open item of customer {file.number}.",
                f"L'écriture {entry} n'est pas une pièce ouverte du client {file.number}.",
            )
        sk = f"ITEM#{entry}"
        stored = self.store.get(who.tenant, file.company, file.number, sk)
        # The stored note also says which entry it is about: not a field of the model.
        before = (
            ItemNote.model_validate({k: v for k, v in stored.items() if k != "entry_number"})
            if stored
            else ItemNote()
        )
        self._check_fields(self.field_defs(who.tenant).entry_fields, body.fields, before.fields)
        if before.version != body.version:
            raise _stale("invoice note", before.version)
        after = body.model_copy(update={"version": body.version + 1})
        values = {**after.model_dump(mode="json"), "entry_number": entry}
        writes = [Write(sk, "item_note", values, body.version)]
        if before.expected_date != after.expected_date:
            writes.append(
                event(
                    "expected_date_changed",
                    who.user_id,
                    now,
                    entry_number=entry,
                    expected_date=after.expected_date.isoformat() if after.expected_date else None,
                )
            )
        try:
            self.store.commit(who.tenant, file.company, file.number, writes)
        except ConflictError:
            latest = self.store.get(who.tenant, file.company, file.number, sk) or {}
            raise _stale("invoice note", int(latest.get("version", 0))) from None
        return after
