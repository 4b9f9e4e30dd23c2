"""Personal data of a customer's contacts (X3, B7): what counts as personal, how it is
erased, and which customers are due for erasure under the retention rule. Pure.

A contact is reached by its email address. Erasure replaces names with a marker and blanks
emails, phones and street addresses; amounts, dates and Sage codes stay (the accounting
duty outlives the contact's). A customer's own name stays: it is the debtor's (usually a
company's) name the ledger needs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ERASED = "[effacé]"  # shown where a name was: the card says something was erased
DEFAULT_RETENTION_YEARS = 3  # CNIL: prospects/customers 3 years after the last contact

# Personal fields of each stored kind: names get the marker, the others are blanked
# (emails and phones keep their format rules: a marker would not pass them).
NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "customer": ("contact_name",),
    "contact": ("last_name", "first_name"),
    "manual_contact": ("name",),
}
OTHER_FIELDS: dict[str, tuple[str, ...]] = {
    "customer": ("email", "phone", "fax", "address", "address_complement"),
    "contact": ("email", "phone", "mobile", "fax", "function"),
    "manual_contact": ("email", "phone", "role", "note"),
}
EMAIL_FIELDS = ("email",)


class ErasureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalized(email: str) -> str:
    return email.strip().casefold()


def email_digest(tenant: str, email: str) -> str:
    """What the erasure list keeps of an erased address: a digest, not the address (the
    list must recognise it in a later sync without holding it)."""
    return hashlib.sha256(f"{tenant}\n{normalized(email)}".encode()).hexdigest()


def holds_email(values: Mapping[str, Any], email: str) -> bool:
    wanted = normalized(email)
    return any(normalized(str(values.get(name) or "")) == wanted for name in EMAIL_FIELDS)


def scrubbed(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The personal fields of one item of `kind` as erasure leaves them (only those it
    has, or would have)."""
    erased: dict[str, Any] = {name: ERASED for name in NAME_FIELDS[kind] if values.get(name)}
    erased.update({name: "" for name in OTHER_FIELDS[kind]})
    return erased


def personal_fields(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The personal fields an item holds (for the export), empty ones left out."""
    names = NAME_FIELDS[kind] + OTHER_FIELDS[kind]
    return {name: values[name] for name in names if values.get(name) not in (None, "")}


def is_erased(kind: str, values: Mapping[str, Any]) -> bool:
    """True when no personal field of the item holds anything but the marker."""
    names = NAME_FIELDS[kind] + OTHER_FIELDS[kind]
    return all(values.get(name) in (None, "", ERASED) for name in names)


@dataclass(frozen=True)
class CustomerActivity:
    """What the retention rule needs of one customer: its open balance and the date of the
    last thing that happened with it (a ledger entry, a reminder, a follow-up)."""

    company: str
    number: str
    open_total: Decimal
    last_activity: date | None


def retention_cutoff(today: date, years: int = DEFAULT_RETENTION_YEARS) -> date:
    """The day before which activity is too old to keep contacts for (29 Feb -> 28 Feb)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def due_for_erasure(
    customers: Iterable[CustomerActivity], today: date, years: int = DEFAULT_RETENTION_YEARS
) -> list[CustomerActivity]:
    """Customers whose contacts are due for erasure: nothing open and no activity since the
    cut-off. A customer without any known activity date is kept (nothing proves it old)."""
    cutoff = retention_cutoff(today, years)
    return [
        c
        for c in customers
        if c.open_total == 0 and c.last_activity is not None and c.last_activity < cutoff
    ]
