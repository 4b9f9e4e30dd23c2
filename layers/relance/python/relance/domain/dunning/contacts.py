"""Who receives a step (C10) and what is missing to reach them (C13).

A step names a contact role. "main" is the customer's own card (CT_EMail, CT_Telephone,
address). Any other role matches, case and accents ignored, the function of a Sage contact
(CT_Fonction) or the role of a contact entered by hand (V13). The first that has what the
channel needs wins, in this order: hand-entered contacts with the role, Sage contacts with
the role, the customer's card, any Sage contact, any hand-entered contact. Letters always
go to the customer's postal address (Sage contacts have none), to the attention of the
matched contact. Called once per action, never per item.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterator, Sequence
from typing import Literal, NamedTuple

from relance.domain.details import ManualContact
from relance.domain.dunning.scenarios import Channel
from relance.domain.records import Contact, Customer

Source = Literal["customer", "contact", "manual"]


class Recipient(NamedTuple):
    name: str
    email: str
    phone: str
    address: tuple[str, ...]  # a letter's postal address lines (the customer's); else ()
    source: Source
    role_matched: bool  # False: the role asked for had nothing usable, this is a fallback


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def email_key(address: str) -> str:
    """How an address is compared with the tenant's suppressed ones (B5): trimmed, lower
    case (mail servers treat the local part case-insensitively in practice)."""
    return address.strip().lower()


def postal_address(customer: Customer) -> tuple[str, ...]:
    if not customer.address or not (customer.postal_code or customer.city):
        return ()
    town = " ".join(p for p in (customer.postal_code, customer.city) if p)
    lines = (customer.name, customer.address, customer.address_complement, town, customer.country)
    return tuple(line for line in lines if line)


class _Person(NamedTuple):
    name: str
    email: str
    phone: str
    source: Source
    function: str


def _sage(contacts: Sequence[Contact]) -> Iterator[_Person]:
    for c in contacts:
        name = " ".join(p for p in (c.first_name, c.last_name) if p)
        yield _Person(name, c.email, c.mobile or c.phone, "contact", c.function)


def _hand(manual: Sequence[ManualContact]) -> Iterator[_Person]:
    for m in manual:
        yield _Person(m.name, m.email, m.phone, "manual", m.role)


def _candidates(
    role: str, customer: Customer, contacts: Sequence[Contact], manual: Sequence[ManualContact]
) -> Iterator[tuple[_Person, bool]]:
    """Who could receive it, best first, with whether each has the role asked for. Lazy:
    most messages go to the first candidate."""
    own = _Person(
        customer.contact_name or customer.name, customer.email, customer.phone, "customer", ""
    )
    if role == "main":
        yield own, True
    else:
        wanted = _fold(role)
        for person in (*_hand(manual), *_sage(contacts)):
            if wanted and wanted in _fold(person.function):
                yield person, True
        yield own, False
    for person in (*_sage(contacts), *_hand(manual)):
        yield person, False


def recipient(
    channel: Channel,
    role: str,
    customer: Customer,
    contacts: Sequence[Contact] = (),
    manual: Sequence[ManualContact] = (),
    suppressed: Collection[str] = (),
) -> Recipient | None:
    """Who gets a message on this channel, or None when the detail it needs is missing.
    `address` is filled for letters only. An email address in `suppressed` (email_key
    form: it bounced or complained, B5) counts as missing: the next candidate is taken."""
    address = postal_address(customer) if channel == "letter" else ()
    if channel == "letter" and not address:
        return None
    for person, matched in _candidates(role, customer, contacts, manual):
        if channel in ("letter", "other"):
            usable = True
        elif channel == "email":
            usable = bool(person.email) and (
                not suppressed or email_key(person.email) not in suppressed
            )
        else:
            usable = bool(person.phone)
        if usable:
            return Recipient(*person[:3], address, person.source, matched)
    return None
