"""The customer portal (K7, B6): personal links, what the customer sees and may send.

A portal link lets one customer (not a Relance user) read its statement and answer: promise
a payment date, dispute items, write to its collector. The link carries a random token
(services/portal.py draws it); only the token's SHA-256 is stored, so the table alone
opens no portal. Pure: the clock, the token and the request are parameters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from relance.domain.followup import Dispute
from relance.domain.records import Customer, LedgerLine

ZERO = Decimal(0)
CENT = Decimal("0.01")  # amounts shown with their cents (DynamoDB gives 300 for 300.00)
DEFAULT_LINK_DAYS = 30
# Per link: at most this many portal requests in one clock minute (a counter item in
# DynamoDB per minute, expired by TTL). A person reading and answering needs a handful.
REQUESTS_PER_MINUTE = 30
ACCESS_KEPT = timedelta(days=365)  # the access log's retention (TTL)
PORTAL_ACTOR = "portal"  # the actor prefix of what a customer recorded: "portal:{link_id}"

LinkState = Literal["live", "expired", "revoked"]


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_id_for_action(tenant: str, action_key: str) -> str:
    """The link a reminder carries: one per action, the same id on every retry of it."""
    return hashlib.sha256(f"{tenant}|portal|{action_key}".encode()).hexdigest()[:16]


def ip_fingerprint(tenant: str, source_ip: str) -> str:
    """The source address as the access log keeps it: hashed (personal data), salted by
    the tenant so the same address is not linkable across tenants."""
    return hashlib.sha256(f"{tenant}|{source_ip}".encode()).hexdigest()[:16]


def portal_actor(link_id: str) -> str:
    return f"{PORTAL_ACTOR}:{link_id}"


def portal_url(page: str, token: str) -> str:
    """The link as sent: the portal page's address, the token in its fragment, which
    browsers never send to a server: it stays out of every access log (CloudFront, API
    Gateway, proxies) and out of the Referer of what the page loads."""
    return f"{page}#t={token}"


class PortalSettings(BaseModel):
    """The tenant's portal setting: how long a new link lives."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    link_days: int = Field(default=DEFAULT_LINK_DAYS, ge=1, le=365)
    version: int = Field(default=0, ge=0)


class PortalLink(BaseModel):
    """One link as collectors list it (never its token)."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    link_id: str
    company: str
    customer: str
    created_by: str
    created_at: datetime
    valid_until: datetime
    revoked_at: datetime | None = None
    revoked_by: str = ""
    action_key: str = ""  # the reminder that carries it, for a link the dispatch made

    def state_at(self, now: datetime) -> LinkState:
        if self.revoked_at is not None:
            return "revoked"
        return "live" if now < self.valid_until else "expired"


class Grant(BaseModel):
    """What a valid token opens: one customer of one tenant, through one link."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    tenant: str
    company: str
    customer: str
    link_id: str
    valid_until: datetime

    def valid(self, now: datetime) -> bool:
        return now < self.valid_until


def new_link(
    link_id: str,
    company: str,
    customer: str,
    created_by: str,
    now: datetime,
    days: int,
    action_key: str = "",
) -> PortalLink:
    return PortalLink(
        link_id=link_id,
        company=company,
        customer=customer,
        created_by=created_by,
        created_at=now,
        valid_until=now + timedelta(days=days),
        action_key=action_key,
    )


def rate_window(now: datetime) -> tuple[str, int]:
    """(the minute a request counts in, seconds until the next one: its Retry-After)."""
    return now.strftime("%Y-%m-%dT%H:%M"), 60 - now.second


# -- what the customer sends ---------------------------------------------------------------
class PortalPromise(BaseModel):
    """A payment promise: a date, and the amount (else everything open)."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    promised_date: date
    amount: Decimal | None = Field(default=None, gt=0, max_digits=15, decimal_places=2)
    note: str = Field(default="", max_length=2000)


class PortalDispute(BaseModel):
    """A dispute on some of the items of the statement (their entry numbers)."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    entries: list[int] = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=40)
    message: str = Field(default="", max_length=2000)


class PortalMessage(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    text: str = Field(min_length=1, max_length=4000)


# -- what the customer sees ------------------------------------------------------------------
class Letterhead(BaseModel):
    name: str
    address_lines: list[str]
    phone: str = ""
    email: str = ""
    website: str = ""


class StatementItem(BaseModel):
    entry: int  # what a dispute names
    number: str  # the invoice number the customer knows
    kind: Literal["invoice", "credit"]
    invoice_date: date
    due_date: date | None
    amount: Decimal  # the item's amount
    remaining: Decimal  # still open
    days_late: int
    disputed: bool
    pdf_url: str = ""  # the invoice PDF, when the tenant provides it


class Reason(BaseModel):
    code: str
    label_fr: str
    label_en: str


class Statement(BaseModel):
    customer_number: str
    customer_name: str
    company: Letterhead
    items: list[StatementItem]
    total_remaining: Decimal
    total_overdue: Decimal
    total_disputed: Decimal
    as_of: date
    link_valid_until: datetime
    reasons: list[Reason]


def statement_items(
    lines: Iterable[LedgerLine],
    disputes: Iterable[Dispute],
    as_of: date,
    pdf_urls: Mapping[str, str] | None = None,
) -> list[StatementItem]:
    """The customer's open items, one per entry (its lines summed), oldest due first.

    Sage keeps one open line per entry with its open amount: `amount` and `remaining` are
    the same until the sync carries an item's original amount. `pdf_urls`: invoice number
    -> link."""
    open_disputes = [d for d in disputes if d.status == "open"]
    by_entry: dict[int, list[LedgerLine]] = {}
    for line in lines:
        by_entry.setdefault(line.entry_number, []).append(line)
    items = []
    for entry, parts in by_entry.items():
        first = parts[0]
        remaining = sum((p.amount for p in parts), ZERO).quantize(CENT)
        if remaining == ZERO:
            continue
        due = first.due_date or first.accounting_date
        number = first.invoice_number or first.piece or str(entry)
        items.append(
            StatementItem(
                entry=entry,
                number=number,
                kind="invoice" if remaining > 0 else "credit",
                invoice_date=first.accounting_date,
                due_date=first.due_date,
                amount=remaining,
                remaining=remaining,
                days_late=(as_of - due).days,
                disputed=any(d.covers(entry) for d in open_disputes),
                pdf_url=(pdf_urls or {}).get(number, ""),
            )
        )
    items.sort(key=lambda i: (i.due_date or i.invoice_date, i.entry))
    return items


def letterhead(
    name: str, address_lines: list[str], phone: str, email: str, website: str
) -> Letterhead:
    return Letterhead(
        name=name, address_lines=address_lines, phone=phone, email=email, website=website
    )


def statement(
    customer: Customer | None,
    number: str,
    head: Letterhead,
    items: list[StatementItem],
    as_of: date,
    valid_until: datetime,
    reasons: list[Reason],
) -> Statement:
    return Statement(
        customer_number=number,
        customer_name=(customer.name if customer and customer.name else number),
        company=head,
        items=items,
        total_remaining=sum((i.remaining for i in items), ZERO).quantize(CENT),
        total_overdue=sum(
            (i.remaining for i in items if i.days_late > 0 and i.remaining > 0), ZERO
        ).quantize(CENT),
        total_disputed=sum((i.remaining for i in items if i.disputed), ZERO).quantize(CENT),
        as_of=as_of,
        link_valid_until=valid_until,
        reasons=reasons,
    )
