"""The dispatch (issue 5): a queued automatic action becomes an email (SES) or a letter
(PDF in S3), exactly once (B4), and leaves its proof (C16).

One message of the dispatch queue names one action. The service claims it (queued ->
sending, one claimer whatever the deliveries), renders it with the tenant's templates,
stores the documents (the letter PDF; the email as sent, .eml), sends the email, then in
one transaction marks the action sent and writes its sent-log item.

What can happen to a message, and what the queue is told:
- claimed, sent, recorded: done.
- the action is already sent, failed for good, cancelled or not there: done, nothing sent.
- nothing could be sent for a known reason (SES kept throttling or is paused: back to
  queued; SES refused it, no address, the template failed: to failed, for a human): an
  alert (C13), and `RetryLater` so SQS reports the message failed. A failed action is
  never sent by a later delivery; a queued one is.
- another delivery holds the claim: RetryLater, come back when it is done.
- a claim older than the lease (its holder died between the claim and the record): an
  email may have left or not; it is never sent again blindly: status "uncertain" and a
  `dispatch_uncertain` alert for a human. A letter has left nothing: it is taken over.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from relance.domain.dunning.scenarios import Channel
from relance.domain.records import Customer, LedgerLine
from relance.domain.sender import EmailSender
from relance.domain.templates import (
    Collector,
    CompanyInfo,
    Language,
    Rendered,
    RenderError,
    TemplateSet,
    build_context,
    render,
)
from relance.letters import LetterBatch, LetterInput
from relance.services.dispatch_compose import (
    PortalLinker,
    attaches_letter,
    carries_portal_link,
    email_recipients,
    invoice_facts,
    language_for,
    letter_input,
)
from relance.services.integration_events import announce_sent
from relance.store.dispatch import ActionRef, DispatchStore, run_letters_pk, sent_log_pk
from relance.store.documents import (
    EML,
    PDF,
    DocumentStore,
    action_document_key,
    grouped_letters_key,
)
from relance.store.mail import (
    Attachment,
    Mailer,
    OutgoingEmail,
    SendRefused,
    SendThrottled,
    mime_message,
    tag_value,
    tenant_tag,
)
from relance.store.schema import PARTITION_KEY, SORT_KEY

# Longer than the dispatch function's timeout: a claim this old has no living holder.
LEASE = timedelta(minutes=5)
ACCOUNTING_CURRENCY = "EUR"


class DispatchMessage(BaseModel):
    """One dispatch queue message (services/wiring.py `_dispatch_message`)."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=300)
    company: str = Field(min_length=1, max_length=40)
    customer: str = Field(min_length=1, max_length=40)
    step: str = Field(min_length=1, max_length=10)
    as_of: date
    channel: str = Field(min_length=1, max_length=10)
    triggered_by: str = Field(default="nightly", max_length=120)

    @property
    def ref(self) -> ActionRef:
        return ActionRef(self.tenant_id, self.company, self.customer, self.as_of.isoformat(),
                         self.step)  # fmt: skip


class RetryLater(Exception):
    """The message is reported failed to SQS: it comes back after its visibility timeout."""


Result = Literal["sent", "produced", "done_already", "skipped", "uncertain"]


@dataclass
class Outcome:
    result: Result
    detail: str = ""
    message_id: str = ""
    document_key: str = ""


class TenantSettings(Protocol):
    """The tenant's templates, company and sender (store/templates.py TemplateStore)."""

    def template_set(self, tenant: str) -> TemplateSet: ...
    def company_info(self, tenant: str) -> CompanyInfo: ...
    def sender(self, tenant: str) -> EmailSender: ...


class UserSource(Protocol):
    def get(self, tenant: str, user_id: str) -> Any: ...


@dataclass
class TenantSetup:
    """What every message of a tenant uses, read once per invocation."""

    templates: TemplateSet
    company: CompanyInfo
    sender_address: str
    sender_name: str
    reply_to: str
    logo: bytes | None
    currencies: dict[str, dict[int, str]] = field(default_factory=dict)
    collectors: dict[str, Collector | None] = field(default_factory=dict)


class DispatchService:
    def __init__(
        self,
        store: DispatchStore,
        mailer: Mailer,
        documents: DocumentStore,
        templates: TenantSettings,
        users: UserSource | None,
        default_sender: str,
        letters: LetterBatch | None = None,
        token: Callable[[], str] = lambda: secrets.token_hex(8),
        portal: PortalLinker | None = None,
    ) -> None:
        self.store = store
        self.mailer = mailer
        self.documents = documents
        self.templates = templates
        self.users = users
        self.default_sender = default_sender
        self._letters = letters
        self.token = token
        self.portal = portal
        self._tenants: dict[str, TenantSetup] = {}
        self._setup_lock = threading.Lock()

    @property
    def letters(self) -> LetterBatch:
        if self._letters is None:  # fonts load on the first letter, not at import
            self._letters = LetterBatch()
        return self._letters

    def new_invocation(self) -> None:
        """Read the tenants' set-up and SES's rate again (once per Lambda invocation)."""
        self._tenants.clear()
        self.mailer.new_invocation()

    # -- one message ------------------------------------------------------------------------
    def dispatch(self, message: DispatchMessage, now: datetime) -> Outcome:
        ref = message.ref
        token = self.token()
        claim = self.store.claim(ref, token, now)
        if not claim.won:
            if claim.status == "sending" and claim.action is not None:
                return self._held(ref, claim.action, token, message, now)
            if claim.status == "sent":
                return Outcome("done_already", "sent before")
            return Outcome("skipped", claim.status)  # failed, cancelled, uncertain, absent
        assert claim.action is not None
        return self._send(ref, claim.action, token, message, now)

    def _held(
        self,
        ref: ActionRef,
        action: dict[str, Any],
        token: str,
        message: DispatchMessage,
        now: datetime,
    ) -> Outcome:
        """Another delivery claimed it: wait for it, unless its lease ran out."""
        claimed_at = datetime.fromisoformat(str(action.get("claimed_at")))
        if now - claimed_at < LEASE:
            raise RetryLater("another delivery is sending this action")
        old = str(action.get("claim_token", ""))
        if action.get("channel") == "letter":
            taken = self.store.claim(ref, token, now, expect=("sending", old))
            if taken.won and taken.action is not None:
                return self._send(ref, taken.action, token, message, now)
            raise RetryLater("the letter's claim changed meanwhile")
        # An email claimed and never recorded: it may have left. A human decides.
        if self.store.release(ref, old, "uncertain", "claimed, never recorded", now):
            detail = (f"claimed at {claimed_at.isoformat()} and never recorded: check whether "
                      "the customer received it before sending it again")  # fmt: skip
            self._alert(ref, action, "dispatch_uncertain", detail, now)
        return Outcome("uncertain", "claim expired")

    def _send(
        self,
        ref: ActionRef,
        action: dict[str, Any],
        token: str,
        message: DispatchMessage,
        now: datetime,
    ) -> Outcome:
        try:
            channel = action.get("channel")
            if channel == "letter":
                return self._letter(ref, action, token, message, now)
            if channel == "email":
                return self._email(ref, action, token, message, now)
            raise Unsendable(f"a {channel} step is a collector's task, not sent automatically")
        except SendThrottled as err:
            self._give_back(ref, action, token, "queued", "dispatch_throttled", str(err), now)
            raise RetryLater(str(err)) from err
        except (SendRefused, RenderError, Unsendable) as err:
            self._give_back(ref, action, token, "failed", "dispatch_failed", str(err), now)
            raise RetryLater(str(err)) from err

    def _give_back(
        self,
        ref: ActionRef,
        action: dict[str, Any],
        token: str,
        status: str,
        kind: str,
        reason: str,
        now: datetime,
    ) -> None:
        self.store.release(ref, token, status, reason, now)
        self._alert(ref, action, kind, reason, now)

    def _alert(
        self, ref: ActionRef, action: dict[str, Any], kind: str, detail: str, now: datetime
    ) -> None:
        self.store.put_alert(
            ref.tenant,
            {"company": ref.company, "customer": ref.customer, "kind": kind, "step": ref.step,
             "entries": [int(line["entry"]) for line in action.get("lines", [])],
             "detail": detail[:500], "raised_on": ref.as_of, "raised_at": now.isoformat()},
        )  # fmt: skip

    # -- composing ---------------------------------------------------------------------------
    def setup(self, tenant: str) -> TenantSetup:
        with self._setup_lock:  # a batch's messages run side by side: read it once
            return self._setup(tenant)

    def _setup(self, tenant: str) -> TenantSetup:
        found = self._tenants.get(tenant)
        if found is None:
            company = self.templates.company_info(tenant)
            sender = self.templates.sender(tenant)
            logo = None
            if company.logo_key.startswith(f"{tenant}/"):  # a tenant's own documents only
                logo = self.documents.get(company.logo_key)
            found = TenantSetup(
                templates=self.templates.template_set(tenant),
                company=company,
                # Field by field, what the tenant left empty (domain/sender.py).
                sender_address=sender.address or self.default_sender,
                sender_name=sender.name or company.legal_name or "Relance",
                reply_to=sender.reply_to or company.email,
                logo=logo,
            )
            self._tenants[tenant] = found
        return found

    def _collector(self, tenant: str, setup: TenantSetup, assignee: str) -> Collector | None:
        if self.users is None or not assignee or assignee == "_":
            return None
        if assignee not in setup.collectors:
            user = self.users.get(tenant, assignee)
            setup.collectors[assignee] = (
                Collector(name=user.display_name, email=user.email) if user else None
            )
        return setup.collectors[assignee]

    def compose(
        self, ref: ActionRef, action: dict[str, Any], now: datetime | None = None
    ) -> Composed:
        """What a message of this action is rendered from: the customer, its lines, the
        template variables (one BatchGetItem, the tenant's set-up read once)."""
        setup = self.setup(ref.tenant)
        entries = [int(x["entry"]) for x in [*action.get("lines", []), *action.get("credits", [])]]
        found, ledger = self.store.customer_and_lines(
            ref.tenant, ref.company, ref.customer, entries
        )
        customer = found or Customer(company=ref.company, number=ref.customer)
        if ref.company not in setup.currencies:
            setup.currencies[ref.company] = self.store.currencies(ref.tenant, ref.company)
        language = language_for(customer)
        as_of = date.fromisoformat(ref.as_of)
        context = build_context(
            action, customer, setup.company,
            self._collector(ref.tenant, setup, str(action.get("assignee", ""))),
            language, as_of, ledger=ledger, currencies=setup.currencies[ref.company],
            portal_url=self._portal_url(ref, action, now),
        )  # fmt: skip
        return Composed(customer, ledger, context, language, as_of, setup)

    def _portal_url(self, ref: ActionRef, action: dict[str, Any], now: datetime | None) -> str:
        """The action's own portal link (K7): one per action, the same on a retry."""
        if self.portal is None or now is None or not carries_portal_link(action):
            return ""
        return self.portal.for_action(ref.tenant, ref.company, ref.customer,
                                      str(action["key"]), now)  # fmt: skip

    def render(
        self,
        ref: ActionRef,
        action: dict[str, Any],
        composed: Composed,
        channel: Channel,
        now: datetime,
    ) -> Rendered:
        """The tenant's template for the step, language and channel; the default one (and
        a `template_error` alert) when the tenant's fails to render."""
        template_id = str(action.get("template", ""))
        language = composed.language
        template = composed.setup.templates.resolve(template_id, language, channel)
        if template is None:
            raise Unsendable(f"no template {template_id} for {channel} ({language})")
        try:
            return render(template, composed.context)
        except RenderError as err:
            default = TemplateSet().resolve(template_id, language, channel)
            if default is None or template.version == 0:
                raise
            self._alert(ref, action, "template_error",
                        f"template {template_id}/{language}/{channel}: {err}; the default "
                        "template was sent instead", now)  # fmt: skip
            return render(default, composed.context)

    def _letter_of(self, action: dict[str, Any], rendered: Rendered, c: Composed) -> LetterInput:
        return letter_input(action, rendered, c.customer, c.ledger, c.setup.company, c.context,
                            c.language, c.as_of, c.setup.logo)  # fmt: skip

    # -- channels ----------------------------------------------------------------------------
    def _email(
        self,
        ref: ActionRef,
        action: dict[str, Any],
        token: str,
        message: DispatchMessage,
        now: datetime,
    ) -> Outcome:
        composed = self.compose(ref, action, now)
        rendered = self.render(ref, action, composed, "email", now)
        to = email_recipients(action, composed.customer)
        if not to:
            raise Unsendable("no valid email address for this customer")
        attachments: tuple[Attachment, ...] = ()
        pdf_key = ""
        if attaches_letter(action):
            letter_rendered = self.render(ref, action, composed, "letter", now)
            pdf = self.letters.letter_pdf(self._letter_of(action, letter_rendered, composed))
            pdf_key = self.documents.put(self._key(ref, "pdf"), pdf, PDF)
            attachments = (Attachment(f"{action.get('template')}_{ref.customer}_{ref.as_of}.pdf",
                                      pdf),)  # fmt: skip
        setup = composed.setup
        email = OutgoingEmail(
            sender_address=setup.sender_address, sender_name=setup.sender_name, to=to,
            subject=rendered.subject, html=rendered.html, text=rendered.text,
            attachments=attachments, reply_to=setup.reply_to,
            tags={"tenant": tenant_tag(ref.tenant), "action": tag_value(str(action["key"]))},
        )  # fmt: skip
        raw = mime_message(email)
        # The proof is stored before sending: once SES has it, only the record is left.
        eml_key = self.documents.put(self._key(ref, "eml"), raw, EML)
        message_id = self.mailer.send_raw(email, raw)
        sent = {"message_id": message_id, "recipients": list(to), "subject": rendered.subject,
                "document_key": pdf_key or eml_key, "email_key": eml_key,
                "sent_at": now.isoformat(), "triggered_by": message.triggered_by}  # fmt: skip
        log = self._log(ref, action, composed, sent, "sent")
        if not self.store.record_sent(ref, token, sent, log):
            raise RetryLater("the claim was lost before the record: left for a human")
        announce_sent(log, now)
        return Outcome("sent", message_id=message_id, document_key=pdf_key or eml_key)

    def _letter(
        self,
        ref: ActionRef,
        action: dict[str, Any],
        token: str,
        message: DispatchMessage,
        now: datetime,
    ) -> Outcome:
        composed = self.compose(ref, action)
        rendered = self.render(ref, action, composed, "letter", now)
        letter = self._letter_of(action, rendered, composed)
        pdf_key = self.documents.put(self._key(ref, "pdf"), self.letters.letter_pdf(letter), PDF)
        sent = {"message_id": "", "recipients": list(letter.recipient.address),
                "subject": rendered.subject, "document_key": pdf_key,
                "sent_at": now.isoformat(), "triggered_by": message.triggered_by}  # fmt: skip
        log = self._log(ref, action, composed, sent, "produced")
        run_letter = {
            PARTITION_KEY: run_letters_pk(ref.tenant, ref.as_of),
            SORT_KEY: f"{ref.company}#{ref.customer}#{ref.step}",
            "item_type": "run_letter",
            "company": ref.company, "customer": ref.customer, "step": ref.step,
            "document_key": pdf_key,
            # As JSON text: the codec drops empty strings, which the model requires.
            "letter": letter.model_dump_json(exclude={"sender": {"logo"}}),
        }  # fmt: skip
        if not self.store.record_sent(ref, token, sent, log, run_letter):
            raise RetryLater("the claim was lost before the record")
        announce_sent(log, now)
        return Outcome("produced", document_key=pdf_key)

    @staticmethod
    def _key(ref: ActionRef, extension: str) -> str:
        return action_document_key(ref.tenant, ref.company, ref.customer, ref.as_of, ref.step,
                                   extension)  # fmt: skip

    def _log(
        self,
        ref: ActionRef,
        action: dict[str, Any],
        composed: Composed,
        sent: dict[str, Any],
        status: str,
    ) -> dict[str, Any]:
        """The sent-log item: what an export (CSV, Excel) shows of one reminder."""
        invoices = invoice_facts(action, composed.ledger)
        claim = action.get("claim") or {}
        return {
            PARTITION_KEY: sent_log_pk(ref.tenant, sent["sent_at"][:7]),
            SORT_KEY: f"{sent['sent_at']}#{ref.company}#{ref.customer}#{ref.step}#{ref.as_of}",
            "item_type": "sent",
            "tenant": ref.tenant,
            "key": action.get("key"),
            "company": ref.company,
            "customer": ref.customer,
            "customer_name": composed.customer.name or ref.customer,
            "step": ref.step,
            "level": int(action.get("level") or 0),
            "channel": action.get("channel"),
            "template": action.get("template"),
            "language": composed.language,
            "recipients": sent["recipients"],
            "subject": sent["subject"],
            "amount": action.get("amount"),
            "claimed_total": claim.get("total") if claim else None,
            "currency": ACCOUNTING_CURRENCY,
            "invoice_numbers": [row["number"] for row in invoices if row["kind"] == "invoice"],
            "invoices": invoices,
            "document_key": sent["document_key"],
            "message_id": sent["message_id"],
            "status": status,
            "triggered_by": sent["triggered_by"],
            "as_of": ref.as_of,
            "sent_at": sent["sent_at"],
        }

    # -- a run's letters to print (C18) --------------------------------------------------------
    def grouped_letters(self, tenant: str, as_of: date, duplex: bool = False) -> str | None:
        """Every letter the run of `as_of` produced, in one PDF behind a cover sheet, in
        customer order, stored in S3: its key (None when the run produced no letter)."""
        stored = self.store.run_letters(tenant, as_of.isoformat())
        if not stored:
            return None
        logo = self.setup(tenant).logo
        letters = []
        for item in stored:
            letter = LetterInput.model_validate_json(item["letter"])
            sender = letter.sender.model_copy(update={"logo": logo})
            letters.append(letter.model_copy(update={"sender": sender}))
        pdf = self.letters.grouped_pdf(letters, run_date=as_of, duplex=duplex)
        return self.documents.put(grouped_letters_key(tenant, as_of.isoformat()), pdf, PDF)


class Unsendable(Exception):
    """Nothing to send it with (no address, no template): a human must look."""


@dataclass
class Composed:
    customer: Customer
    ledger: dict[int, LedgerLine]
    context: dict[str, Any]
    language: Language
    as_of: date
    setup: TenantSetup
