"""Customer follow-up: what collectors record beside the Sage data (V3-V5, V10-V13).

Disputes, payment promises, comments, repositioned payment dates, the watch flag, manual
contact details and free fields. Sage never writes any of these, so a sync cannot
overwrite them. Pure: ids, dates and "now" are parameters.

Each customer also has one `Rollup`: the follow-up figures a customer list and the
dashboard show (disputed, promised, flagged...). It is kept next to the customer's sync
summary and changed in the same transaction as the follow-up item it counts.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ZERO = Decimal("0")
Money = Decimal


class Reason(BaseModel):
    """One dispute reason of the tenant's list (V4)."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    label_fr: str = Field(min_length=1, max_length=80)
    label_en: str = Field(min_length=1, max_length=80)


DEFAULT_REASONS = [
    Reason(code="price", label_fr="Prix contesté", label_en="Price disputed"),
    Reason(code="not_delivered", label_fr="Marchandise non reçue", label_en="Goods not received"),
    Reason(code="defective", label_fr="Produit défectueux", label_en="Defective product"),
    Reason(code="quantity", label_fr="Quantité erronée", label_en="Wrong quantity"),
    Reason(code="duplicate", label_fr="Facture en double", label_en="Duplicate invoice"),
    Reason(code="credit_expected", label_fr="Avoir attendu", label_en="Credit note expected"),
    Reason(code="other", label_fr="Autre", label_en="Other"),
]


class ReasonList(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    reasons: list[Reason] = Field(min_length=1, max_length=50)
    version: int = Field(default=0, ge=0)

    @field_validator("reasons")
    @classmethod
    def _unique_codes(cls, reasons: list[Reason]) -> list[Reason]:
        codes = [r.code for r in reasons]
        if len(set(codes)) != len(codes):
            raise ValueError("reason codes must be unique")
        return reasons


# -- disputes (V4) -----------------------------------------------------------------------
class NewDispute(BaseModel):
    """A dispute on some invoices of a customer, or (no entries) on the whole customer."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    reason: str = Field(min_length=1, max_length=40)
    entries: list[int] = Field(default_factory=list, max_length=200)
    note: str = Field(default="", max_length=2000)


class Dispute(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    dispute_id: str
    reason: str
    entries: list[int] = Field(default_factory=list)  # empty: the whole customer
    note: str = ""
    amount: Money = ZERO  # open amount of what was disputed, when it was opened
    status: Literal["open", "resolved"] = "open"
    opened_by: str
    opened_at: datetime
    resolved_by: str = ""
    resolved_at: datetime | None = None
    resolution: str = ""
    version: int = 1

    def covers(self, entry: int) -> bool:
        return self.status == "open" and (not self.entries or entry in self.entries)


class Resolution(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    version: int = Field(ge=1)
    resolution: str = Field(default="", max_length=2000)


# -- payment promises (V5) ---------------------------------------------------------------
PromiseStatus = Literal["open", "kept", "partly_kept", "broken", "cancelled"]


class NewPromise(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    amount: Money = Field(gt=0, max_digits=15, decimal_places=2)
    promised_date: date
    entries: list[int] = Field(default_factory=list, max_length=200)
    note: str = Field(default="", max_length=2000)


class Promise(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    promise_id: str
    amount: Money
    promised_date: date
    entries: list[int] = Field(default_factory=list)  # empty: any payment of the customer
    note: str = ""
    # What was open when the promise was made: per covered entry, or the customer's total.
    baseline: dict[str, Money] = Field(default_factory=dict)
    baseline_total: Money = ZERO
    status: PromiseStatus = "open"
    paid: Money = ZERO
    made_by: str
    made_at: datetime
    decided_on: date | None = None
    version: int = 1


class Cancellation(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    version: int = Field(ge=1)


def promise_paid(promise: Promise, open_by_entry: dict[int, Money], customer_total: Money) -> Money:
    """How much of a promise has been paid, from what is open now.

    With entries: what each covered entry lost since the promise (an entry no longer
    open counts as paid in full). Without: how much the customer's balance went down.
    """
    if promise.entries:
        paid = ZERO
        for key, before in promise.baseline.items():
            now = open_by_entry.get(int(key), ZERO)
            paid += max(ZERO, before - now)
        return paid
    return max(ZERO, promise.baseline_total - customer_total)


def assess(
    promise: Promise, open_by_entry: dict[int, Money], customer_total: Money, as_of: date
) -> tuple[PromiseStatus, Money]:
    """Kept as soon as the promised amount is paid; after the promised date, partly kept
    if something was paid, broken if nothing was. Until then, still open."""
    if promise.status != "open":
        return promise.status, promise.paid
    paid = promise_paid(promise, open_by_entry, customer_total)
    if paid >= promise.amount:
        return "kept", paid
    if as_of > promise.promised_date:
        return ("partly_kept" if paid > 0 else "broken"), paid
    return "open", paid


# -- comments, positions, customer details (V10-V13) --------------------------------------
class NewComment(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    text: str = Field(min_length=1, max_length=4000)
    entry_number: int | None = Field(default=None, ge=0)


class Comment(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    comment_id: str
    text: str
    entry_number: int | None = None
    author: str
    created_at: datetime


class TimelineEvent(BaseModel):
    """One thing that happened to a customer, for the card's timeline."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    event_id: str
    kind: str  # dispute_opened, dispute_resolved, promise_made, promise_kept, ...
    at: datetime
    actor: str  # a user id, or "sync" for what the sync decided
    summary: dict[str, str | int | bool | None] = Field(default_factory=dict)


class Rollup(BaseModel):
    """A customer's follow-up figures, for lists and the dashboard."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    open_disputes: int = 0
    disputed: Money = ZERO
    open_promises: int = 0
    promised: Money = ZERO
    broken_promises: int = 0
    flagged: bool = False
