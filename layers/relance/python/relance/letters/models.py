"""What a letter is made of (C1, B1): already-rendered text and figures, nothing to look up.

The dispatch builds a `LetterInput` from a stored action (services.nightly.action_record:
its lines, recipient and claim) and the rendered template; the layout only places it.
Money stays a Decimal here; it becomes text at layout time, through domain.display.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["fr", "en"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sender(_Model):
    """The tenant's company as it signs its letters (letterhead and footer)."""

    name: str = Field(min_length=1)
    address: tuple[str, ...] = ()  # street, complement, "69002 Lyon"
    phone: str = ""
    email: str = ""
    siret: str = ""
    # The rest of the legal mentions, printed in the footer as given: form and capital,
    # RCS, VAT number ("SAS au capital de 50 000 € · RCS Lyon 812 345 678 · TVA FR…").
    legal_mentions: str = ""
    logo: bytes | None = None  # PNG or JPEG; embedded once per PDF, however many letters


class Addressee(_Model):
    """Who the letter goes to: the customer's postal address (its lines start with the
    company name, as contacts.postal_address builds them) and the person it is for."""

    address: tuple[str, ...] = Field(min_length=1)
    attention: str = ""  # the contact's name: "À l'attention de …" when not the first line
    customer_number: str = ""  # printed as "Vos références"

    @property
    def name(self) -> str:
        return self.address[0]


class InvoiceRow(_Model):
    number: str  # the piece number the customer knows (DO_Piece / EC_RefPiece)
    date: dt.date
    due_date: dt.date
    days_late: int  # <= 0: not late yet (a pre-due notice)
    amount: Decimal  # open amount; a credit is negative
    currency: str = "EUR"


class ClaimBreakdown(_Model):
    """B1: what a letter claims, as nightly.penalty_claim stores it."""

    principal: Decimal
    penalties: Decimal
    indemnities: Decimal
    total: Decimal
    indemnity_count: int = Field(default=0, ge=0)  # invoices carrying the 40 € indemnity
    currency: str = "EUR"

    @classmethod
    def from_record(cls, claim: Mapping[str, Any], currency: str = "EUR") -> ClaimBreakdown:
        """From an action record's `claim` ({principal, penalties, indemnities, total,
        lines: [{…, indemnity}]})."""
        lines = claim.get("lines") or ()
        return cls(
            principal=claim["principal"],
            penalties=claim["penalties"],
            indemnities=claim["indemnities"],
            total=claim["total"],
            indemnity_count=sum(1 for li in lines if Decimal(li.get("indemnity", 0)) > 0),
            currency=currency,
        )


class LetterInput(_Model):
    sender: Sender
    recipient: Addressee
    place: str  # "Lyon": the line reads "Lyon, le 23 novembre 2026"
    date: dt.date
    subject: str
    paragraphs: tuple[str, ...]  # before the invoice table: salutation, facts, request
    closing: tuple[str, ...] = ()  # after the table and the claim: deadline, politeness
    invoices: tuple[InvoiceRow, ...] = ()
    claim: ClaimBreakdown | None = None
    formal_notice: bool = False  # mise en demeure: sent registered, with acknowledgement
    signature: tuple[str, ...] = ()  # name, title, direct line
    our_reference: str = ""  # "Nos références" (e.g. the reminder's key)
    language: Language = "fr"
