"""The numbers a collector may dial for a call task (issue 5): pure, no I/O.

The customer's own card first (its switchboard, to the attention of its contact), then
the contacts entered by hand (V13), then Sage's contacts (mobile before desk phone). A
number listed once, under the first who has it: the same switchboard often appears on
several Sage contacts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypedDict

from relance.domain.details import ManualContact
from relance.domain.records import Contact, Customer

Source = Literal["customer", "manual", "contact"]


class PhoneNumber(TypedDict):
    name: str
    role: str
    number: str
    kind: Literal["phone", "mobile"]
    source: Source


def _digits(number: str) -> str:
    digits = "".join(c for c in number if c.isdigit())
    return "0" + digits[2:] if digits.startswith("33") and len(digits) == 11 else digits


def phone_numbers(
    customer: Customer | None, contacts: Sequence[Contact], manual: Sequence[ManualContact]
) -> list[PhoneNumber]:
    found: list[PhoneNumber] = []
    if customer is not None and customer.phone:
        name = customer.contact_name or customer.name
        found.append(PhoneNumber(name=name, role="", number=customer.phone, kind="phone",
                                 source="customer"))  # fmt: skip
    for m in manual:
        if m.phone:
            found.append(PhoneNumber(name=m.name, role=m.role, number=m.phone, kind="phone",
                                     source="manual"))  # fmt: skip
    for c in sorted(contacts, key=lambda c: c.number):
        name = " ".join(p for p in (c.first_name, c.last_name) if p)
        lines: tuple[tuple[Literal["phone", "mobile"], str], ...] = (
            ("mobile", c.mobile), ("phone", c.phone))  # fmt: skip
        for kind, number in lines:
            if number:
                found.append(PhoneNumber(name=name, role=c.function, number=number,
                                         kind=kind, source="contact"))  # fmt: skip
    seen: set[str] = set()
    unique = []
    for phone in found:
        key = _digits(phone["number"]) or phone["number"]
        if key not in seen:
            seen.add(key)
            unique.append(phone)
    return unique
