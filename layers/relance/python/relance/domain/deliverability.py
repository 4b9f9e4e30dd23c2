"""The deliverability loop (B5, C13): what an SES event says about a reminder. Pure.

SES publishes an email's events to EventBridge (configuration set event destination):
`source` "aws.ses", `detail-type` "Email Bounced" / "Email Complaint Received" / "Email
Delivered" / ..., and `detail` the SES event record (eventType, mail with messageId and
the EmailTags as {name: [values]}, then bounce / complaint / delivery). The dispatch tags
every email with `tenant` (the tenant id) and `action` (the action's key,
company#customer#step#as_of, in base64url without padding: SES tag values allow only
letters, digits, "_" and "-").

What it means:
- a permanent bounce or a complaint: the address is suppressed for the tenant (the nightly
  run's contact choice skips it), an alert is raised, and when every recipient of the
  reminder is now unreachable the step falls back to a letter if its scenario says so;
- a transient (or undetermined) bounce: the status only ("soft_bounced");
- a delivery: the status "delivered".
Statuses only move up (STATUS_RANK): an event arriving twice, or late (a delivery after a
bounce), changes nothing. Anything else (no tags, another source, a malformed action) is
`Ignored`, with a reason to log, never an exception.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from email.utils import parseaddr
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from relance.domain.dunning.actions import Alert, AlertKind
from relance.domain.dunning.contacts import email_key
from relance.domain.dunning.profiles import DunningSettings
from relance.domain.dunning.scenarios import ORDER, Step

EventKind = Literal["bounce", "soft_bounce", "complaint", "delivery"]
DeliveryStatus = Literal["delivered", "soft_bounced", "bounced", "complaint"]

TENANT_TAG = "tenant"
ACTION_TAG = "action"
# The statuses an email action goes through (dispatch: queued -> sending -> sent), then what
# SES tells of it. An event applies only when it ranks above the status held.
STATUS_RANK: dict[str, int] = {
    "queued": 0,
    "sending": 0,
    "sent": 0,
    "delivered": 1,
    "soft_bounced": 2,
    "bounced": 3,
    "complaint": 4,
}
STATUS_OF: dict[EventKind, DeliveryStatus] = {
    "bounce": "bounced",
    "soft_bounce": "soft_bounced",
    "complaint": "complaint",
    "delivery": "delivered",
}
ALERT_OF: dict[EventKind, AlertKind] = {"bounce": "email_bounced", "complaint": "email_complaint"}
# Raised here, not by the nightly run: the run must neither clear nor re-raise them.
EVENT_ALERT_KINDS: frozenset[str] = frozenset(ALERT_OF.values())
# The step of a fallback letter: its own action (and task, document, sent-log line) beside
# the email's, under the same date. "R1" -> "R1-letter".
LETTER_SUFFIX = "-letter"

_TENANT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ActionRef(NamedTuple):
    """Which stored action an email was: its key's parts."""

    company: str
    customer: str
    step: str
    as_of: date

    @property
    def key(self) -> str:
        return f"{self.company}#{self.customer}#{self.step}#{self.as_of.isoformat()}"


class SesEvent(NamedTuple):
    kind: EventKind
    tenant: str
    action: ActionRef
    message_id: str
    addresses: tuple[str, ...]  # the recipients it is about, email_key form
    at: datetime  # when SES saw it (UTC)
    detail: str  # bounce type / subtype or complaint feedback type: no personal data


class Ignored(NamedTuple):
    reason: str


class Verdict(NamedTuple):
    status: DeliveryStatus
    suppress: tuple[str, ...]  # addresses to suppress for the tenant
    alert: AlertKind | None
    fallback: bool  # nobody the reminder went to can be reached by email any more


# -- the action tag --------------------------------------------------------------------


def action_tag(key: str) -> str:
    """The `action` EmailTag value of an action key."""
    return base64.urlsafe_b64encode(key.encode()).rstrip(b"=").decode()


def _untag(tag: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(tag + "=" * (-len(tag) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def tenant_of(tag: str) -> str | None:
    """The tenant a `tenant` tag names. The dispatch (store/mail.py tag_value) encodes it
    like the action key; a plain tenant id is taken too. Tenant ids are "t-" + hex, whose
    "-" after a "t" cannot start valid UTF-8 once decoded: the two readings never clash."""
    decoded = _untag(tag)
    if decoded is not None and _TENANT.match(decoded):
        return decoded
    return tag if _TENANT.match(tag) else None


def action_ref(tag: str) -> ActionRef | None:
    """The action an `action` tag names, or None when it is not one of ours."""
    key = _untag(tag)
    if key is None:
        return None
    parts = key.split("#")
    if len(parts) != 4 or not all(parts) or parts[2] not in ORDER:
        return None
    try:
        as_of = date.fromisoformat(parts[3])
    except ValueError:
        return None
    return ActionRef(parts[0], parts[1], parts[2], as_of)


# -- parsing ---------------------------------------------------------------------------


class _Model(BaseModel):
    # SES adds fields when it likes: keep what we read, ignore the rest.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Recipient(_Model):
    email_address: str = Field(alias="emailAddress")


class _Bounce(_Model):
    bounce_type: str = Field(alias="bounceType")
    bounce_sub_type: str = Field(default="", alias="bounceSubType")
    recipients: list[_Recipient] = Field(default_factory=list, alias="bouncedRecipients")
    timestamp: datetime | None = None


class _Complaint(_Model):
    recipients: list[_Recipient] = Field(default_factory=list, alias="complainedRecipients")
    feedback_type: str = Field(default="", alias="complaintFeedbackType")
    timestamp: datetime | None = None


class _Delivery(_Model):
    recipients: list[str] = Field(default_factory=list)
    timestamp: datetime | None = None


class _Mail(_Model):
    message_id: str = Field(alias="messageId", min_length=1)
    tags: dict[str, list[str]] = Field(default_factory=dict)
    timestamp: datetime | None = None


class _Detail(_Model):
    event_type: str = Field(alias="eventType")
    mail: _Mail
    bounce: _Bounce | None = None
    complaint: _Complaint | None = None
    delivery: _Delivery | None = None


class _Envelope(_Model):
    source: str
    detail_type: str = Field(alias="detail-type")
    time: datetime | None = None
    detail: _Detail


def _address(raw: str) -> str:
    return email_key(parseaddr(raw)[1] or raw)


def _utc(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def parse(event: Mapping[str, Any]) -> SesEvent | Ignored:
    """The SES event EventBridge delivered, or why it is none of ours."""
    try:
        envelope = _Envelope.model_validate(event)
    except ValidationError as err:
        where = ".".join(str(p) for p in err.errors()[0]["loc"])
        return Ignored(f"not an SES event ({where}: {err.errors()[0]['type']})")
    if envelope.source != "aws.ses":
        return Ignored(f"source {envelope.source}")
    detail = envelope.detail
    kind: EventKind
    addresses: list[str]
    when: datetime | None
    if detail.event_type == "Bounce" and detail.bounce is not None:
        bounce = detail.bounce
        kind = "bounce" if bounce.bounce_type == "Permanent" else "soft_bounce"
        addresses = [_address(r.email_address) for r in bounce.recipients]
        when, what = bounce.timestamp, f"{bounce.bounce_type}/{bounce.bounce_sub_type}"
    elif detail.event_type == "Complaint" and detail.complaint is not None:
        complaint = detail.complaint
        kind = "complaint"
        addresses = [_address(r.email_address) for r in complaint.recipients]
        when, what = complaint.timestamp, complaint.feedback_type or "complaint"
    elif detail.event_type == "Delivery" and detail.delivery is not None:
        kind = "delivery"
        addresses = [_address(r) for r in detail.delivery.recipients]
        when, what = detail.delivery.timestamp, ""
    else:
        return Ignored(f"event type {detail.event_type}")
    tags = detail.mail.tags
    tenant = tenant_of((tags.get(TENANT_TAG) or [""])[0])
    if tenant is None:
        return Ignored("no tenant tag")
    ref = action_ref((tags.get(ACTION_TAG) or [""])[0])
    if ref is None:
        return Ignored("no valid action tag")
    at = _utc(when) or _utc(envelope.time) or _utc(detail.mail.timestamp)
    if at is None:
        return Ignored("no timestamp")
    return SesEvent(
        kind, tenant, ref, detail.mail.message_id, tuple(dict.fromkeys(addresses)), at, what
    )


# -- deciding --------------------------------------------------------------------------


def recipients_of(action: Mapping[str, Any]) -> tuple[str, ...]:
    """Who the email went to: what the dispatch recorded, else the resolved recipient."""
    sent = action.get("recipients") or []
    if not sent and isinstance(action.get("recipient"), Mapping):
        sent = [action["recipient"].get("email") or ""]
    return tuple(a for a in dict.fromkeys(_address(str(r)) for r in sent) if a)


def decide(
    event: SesEvent, action: Mapping[str, Any], suppressed: Collection[str] = frozenset()
) -> Verdict | Ignored:
    """What the event changes on this stored action (the one its tags name, read from the
    tenant they name). `suppressed`: the tenant's addresses already suppressed."""
    if action.get("channel") != "email":
        return Ignored("not an email action")
    held = str(action.get("status", ""))
    if held not in STATUS_RANK:
        return Ignored(f"action status {held}")
    stored_id = action.get("message_id")
    if stored_id and stored_id != event.message_id:
        return Ignored("message id differs from the action's")
    status = STATUS_OF[event.kind]
    if STATUS_RANK[status] <= STATUS_RANK[held]:
        return Ignored(f"already {held}")  # a repeat, or older news than what is held
    alert = ALERT_OF.get(event.kind)
    if alert is None:
        return Verdict(status, (), None, False)
    recipients = recipients_of(action)
    hit = tuple(a for a in event.addresses if a in recipients) if recipients else event.addresses
    if not hit:
        return Ignored("the addresses are not the action's recipients")
    gone = set(hit) | set(suppressed)
    fallback = all(r in gone for r in recipients or hit)
    return Verdict(status, hit, alert, fallback)


def event_alert(event: SesEvent, verdict: Verdict, action: Mapping[str, Any], note: str) -> Alert:
    """The C13 alert: which address, why, and what was done about the reminder."""
    assert verdict.alert is not None
    entries = tuple(int(line["entry"]) for line in action.get("lines", []))
    why = "bounced" if verdict.alert == "email_bounced" else "complaint"
    detail = f"{', '.join(verdict.suppress)}: {why} ({event.detail}); {note}"
    return Alert(
        event.action.company, event.action.customer, verdict.alert, event.action.step, entries,
        detail,
    )  # fmt: skip


# -- the fallback letter ---------------------------------------------------------------


def letter_step(settings: DunningSettings, scenario_id: str, step: str) -> Step | None:
    """The scenario's step when it falls back to a letter, else None (scenario gone, step
    removed, or no letter fallback: then only the alert)."""
    for scenario in settings.scenarios:
        if scenario.scenario_id == scenario_id:
            for step_id, candidate in zip(scenario.step_ids(), scenario.steps, strict=True):
                if step_id == step:
                    return candidate if candidate.fallback_channel == "letter" else None
    return None


# What a letter keeps of the email action (services/nightly.action_record's fields); the
# dispatch's own (message id, recipients, sent_at, claim token...) stay with the email.
_KEPT = ("claim", "as_of", "company", "customer", "scenario", "phase", "level", "contact_role",
         "template", "lines", "credits", "amount", "days_late", "claim_penalties",
         "formal_notice", "assignee")  # fmt: skip


def fallback_letter(
    action: Mapping[str, Any], step: Step, address: tuple[str, ...], reason: str
) -> dict[str, Any]:
    """The letter that replaces a bounced email: same customer, step, date and content, its
    own step id (`R1-letter`) so that it is a distinct action, written once."""
    letter_id = f"{action['step']}{LETTER_SUFFIX}"
    person = action.get("recipient") or {}
    return {
        **{k: action[k] for k in _KEPT if k in action},
        "key": f"{action['company']}#{action['customer']}#{letter_id}#{action['as_of']}",
        "step": letter_id,
        "dunning_step": action["step"],
        "channel": "letter",
        "mode": step.mode,
        "recipient": {
            "name": person.get("name", ""),
            "email": "",
            "phone": "",
            "address": list(address),
            "source": person.get("source", "customer"),
            "role_matched": bool(person.get("role_matched", False)),
        },
        "fallback": True,
        "fallback_of": action["key"],
        "fallback_reason": reason,
        "status": "to_do" if step.mode == "manual" else "queued",
    }
