"""Events for integrators (B8): what Relance tells a tenant's other systems, and their
versioned schema. Pure: the services build them after their write commits, the store puts
them on the EventBridge bus (store/integration_events.py).

Every event is an EventBridge event with source "relance", a detail-type naming what
happened ("relance.reminder.sent", ...) and a detail that always carries:
- `schema_version`: "1". Adding an optional field keeps the version; removing or renaming
  a field, changing a type or a meaning makes a new version, published beside the old one
  for as long as consumers need (docs/events.md).
- `event_id`: derived from the business id (the reminder's action key, the promise's or
  dispute's id, the sync run's id), so an emission retried after a timeout carries the
  same id and a consumer dedupes on it. EventBridge's own `id` differs at each put.
- `tenant_id`, and `occurred_at` (UTC, ISO 8601).
Amounts are strings holding the exact decimal (never a float); dates are ISO dates.

docs/events/*.json are generated from these models (`python -m local.event_schemas`);
tests validate what arrives on a queue against them, and fail when the files are stale.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

SOURCE = "relance"
SCHEMA_VERSION = "1"

Money = Annotated[
    Decimal,
    PlainSerializer(lambda amount: format(amount, "f"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}),
]


def event_id(detail_type: str, tenant: str, *business_key: str) -> str:
    """The same business event gives the same id, whatever emission carried it."""
    joined = "|".join((detail_type, tenant, *business_key))
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


class IntegrationEvent(BaseModel):
    """What every event's detail holds. Subclasses name their detail-type and the fields
    that identify the business event (its id is derived from them)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    detail_type: ClassVar[str]
    business_key: ClassVar[tuple[str, ...]]

    schema_version: Literal["1"] = "1"  # SCHEMA_VERSION
    event_id: str = Field(min_length=32, max_length=32)
    tenant_id: str
    occurred_at: datetime

    @classmethod
    def of(cls, **fields: Any) -> Self:
        """The event with its id derived from its business key."""
        key = [str(fields[name]) for name in cls.business_key]
        return cls(event_id=event_id(cls.detail_type, fields["tenant_id"], *key), **fields)

    def detail_json(self) -> str:
        return self.model_dump_json()


class ReminderSent(IntegrationEvent):
    """A reminder left: an email handed to SES, or a letter's PDF produced for printing."""

    detail_type: ClassVar[str] = "relance.reminder.sent"
    business_key: ClassVar[tuple[str, ...]] = ("action_key",)

    action_key: str = Field(
        description="The reminder's deterministic key (tenant, customer, step, date): "
        "the same reminder is never sent twice."
    )
    company: str
    customer: str
    step: str
    level: int
    channel: Literal["email", "letter"]
    template: str = ""
    amount: Money | None = Field(default=None, description="The overdue amount reminded.")
    currency: str = "EUR"
    invoice_numbers: list[str] = Field(default_factory=list)
    as_of: date = Field(description="The night whose run decided the reminder.")


class PromiseRecorded(IntegrationEvent):
    """A payment promise was recorded (by a collector, from a call, or on the portal)."""

    detail_type: ClassVar[str] = "relance.promise.recorded"
    business_key: ClassVar[tuple[str, ...]] = ("company", "customer", "promise_id")

    company: str
    customer: str
    promise_id: str
    amount: Money
    currency: str = "EUR"
    promised_date: date
    entries: list[int] = Field(
        default_factory=list,
        description="The ledger entries covered; empty: the customer's whole balance.",
    )
    recorded_by: str = Field(
        description="A user id, or 'portal:<link id>' for the customer itself."
    )


class PromiseBroken(IntegrationEvent):
    """A sync found a promise's date passed without the promised amount paid."""

    detail_type: ClassVar[str] = "relance.promise.broken"
    business_key: ClassVar[tuple[str, ...]] = ("company", "customer", "promise_id")

    company: str
    customer: str
    promise_id: str
    amount: Money
    paid: Money = Field(description="What was paid of the promised amount by then.")
    currency: str = "EUR"
    promised_date: date
    decided_on: date


class DisputeOpened(IntegrationEvent):
    """A dispute was opened: reminders stop on its entries (or the customer) until resolved."""

    detail_type: ClassVar[str] = "relance.dispute.opened"
    business_key: ClassVar[tuple[str, ...]] = ("company", "customer", "dispute_id")

    company: str
    customer: str
    dispute_id: str
    reason: str
    amount: Money
    currency: str = "EUR"
    entries: list[int] = Field(default_factory=list)
    opened_by: str = Field(description="A user id, or 'portal:<link id>' for the customer itself.")


class DisputeResolved(IntegrationEvent):
    detail_type: ClassVar[str] = "relance.dispute.resolved"
    business_key: ClassVar[tuple[str, ...]] = ("company", "customer", "dispute_id")

    company: str
    customer: str
    dispute_id: str
    amount: Money
    currency: str = "EUR"
    resolved_by: str


class SyncFinished(IntegrationEvent):
    """A Sage sync run finished: balances, summaries and promises are up to date."""

    detail_type: ClassVar[str] = "relance.sync.finished"
    business_key: ClassVar[tuple[str, ...]] = ("run_id",)

    run_id: str
    mode: str
    companies: list[str]
    batches: int
    records_written: int
    promises_decided: int = 0


EVENT_TYPES: tuple[type[IntegrationEvent], ...] = (
    ReminderSent,
    PromiseRecorded,
    PromiseBroken,
    DisputeOpened,
    DisputeResolved,
    SyncFinished,
)


def event_schema(kind: type[IntegrationEvent]) -> dict[str, Any]:
    """The JSON Schema of the whole EventBridge event a consumer receives (a rule's SQS
    target, a Lambda's event): EventBridge's envelope around this detail."""
    detail = kind.model_json_schema(mode="serialization")
    defs = detail.pop("$defs", {})
    # A consumer's copy of v1 must accept a v1 event that gained an optional field.
    detail.pop("additionalProperties", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://relance.fr/events/{kind.detail_type}/v{SCHEMA_VERSION}.json",
        "title": kind.detail_type,
        "description": (kind.__doc__ or kind.detail_type).strip(),
        "type": "object",
        "required": ["id", "detail-type", "source", "time", "detail"],
        "properties": {
            "version": {"type": "string"},
            "id": {"type": "string", "description": "EventBridge's id: new at each put."},
            "detail-type": {"const": kind.detail_type},
            "source": {"const": SOURCE},
            "account": {"type": "string"},
            "time": {"type": "string"},
            "region": {"type": "string"},
            "resources": {"type": "array", "items": {"type": "string"}},
            "detail": detail,
        },
        **({"$defs": defs} if defs else {}),
    }
