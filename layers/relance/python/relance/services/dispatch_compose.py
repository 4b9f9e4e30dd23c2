"""What a reminder is made of, from a stored action: pure functions, no I/O.

The dispatch service (services/dispatch.py) reads the action, the customer and its ledger
lines, the tenant's templates and company; these turn them into the message's language,
recipients, the letter's layout input, and the rows kept as proof (C16).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from relance.domain.dunning.contacts import postal_address
from relance.domain.records import Customer, LedgerLine
from relance.domain.templates import CompanyInfo, Language, Rendered, letter_parts
from relance.letters import Addressee, ClaimBreakdown, InvoiceRow, LetterInput, Sender

FRENCH_COUNTRIES = frozenset({"", "france", "fr", "fra", "monaco", "belgique", "suisse",
                              "luxembourg", "martinique", "guadeloupe", "réunion", "reunion",
                              "guyane", "mayotte"})  # fmt: skip
_ADDRESS = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")


def language_for(customer: Customer) -> Language:
    """French unless the customer's country is known and not French-speaking."""
    return "fr" if customer.country.strip().casefold() in FRENCH_COUNTRIES else "en"


def email_recipients(action: Mapping[str, Any], customer: Customer) -> tuple[str, ...]:
    """The addresses a step's email goes to: its recipient's (C10; a Sage field may hold
    several, separated by ; or ,), else the customer's own; invalid ones left out."""
    recipient = action.get("recipient") or {}
    raw = str(recipient.get("email") or customer.email or "")
    found = [part.strip() for part in re.split(r"[;,]", raw)]
    return tuple(dict.fromkeys(a for a in found if _ADDRESS.match(a)))


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def invoice_facts(
    action: Mapping[str, Any], ledger: Mapping[int, LedgerLine]
) -> list[dict[str, Any]]:
    """Each line of the action as the customer knows it: number, dates, open amount (the
    proof kept with the sent record, and the letter's table)."""
    rows = []
    for kind, lines in (("invoice", action.get("lines")), ("credit", action.get("credits"))):
        for line in lines or ():
            entry = int(line["entry"])
            led = ledger.get(entry)
            aging = _day(line.get("aging_date"))
            rows.append({
                "entry": entry,
                "kind": kind,
                "number": (led.invoice_number or led.piece or str(entry)) if led else str(entry),
                "date": led.accounting_date if led else aging,
                "due_date": (led.due_date or led.accounting_date) if led else aging,
                "days_late": int(line.get("days_late") or 0),
                "amount": _dec(line.get("amount")),
            })  # fmt: skip
    return rows


def claimed(action: Mapping[str, Any]) -> ClaimBreakdown | None:
    """B1: what the letter claims, when the step claims penalties or indemnities."""
    claim = action.get("claim")
    if not claim or not (_dec(claim.get("penalties")) or _dec(claim.get("indemnities"))):
        return None
    return ClaimBreakdown.from_record(claim)


def sender_of(company: CompanyInfo, context: Mapping[str, Any], logo: bytes | None) -> Sender:
    return Sender(
        name=company.legal_name or "-",
        address=tuple(company.address_lines),
        phone=company.phone,
        email=company.email,
        siret=company.siret,
        legal_mentions=str(context["company"]["legal_mentions"]),
        logo=logo,
    )


def letter_input(
    action: Mapping[str, Any],
    rendered: Rendered,
    customer: Customer,
    ledger: Mapping[int, LedgerLine],
    company: CompanyInfo,
    context: Mapping[str, Any],
    language: Language,
    as_of: date,
    logo: bytes | None = None,
) -> LetterInput:
    """The letter's layout input: the template's paragraphs around the invoice table and
    the claim, which the layout draws from the action's own figures (the template's pipe
    tables are left out: they say the same). A last paragraph of several lines after the
    table is the signature block."""
    parts = letter_parts(rendered.blocks)
    after: Sequence[str] = parts.after
    signature: tuple[str, ...] = ()
    if after and "\n" in after[-1] and len(after) > 1:
        signature = tuple(line for line in after[-1].splitlines() if line.strip())
        after = after[:-1]
    recipient = action.get("recipient") or {}
    address = tuple(recipient.get("address") or ()) or postal_address(customer)
    name = str(recipient.get("name") or customer.contact_name or "")
    rows = [
        InvoiceRow(
            number=row["number"],
            date=row["date"] or as_of,
            due_date=row["due_date"] or as_of,
            days_late=row["days_late"],
            amount=row["amount"],
        )
        for row in invoice_facts(action, ledger)
    ]
    return LetterInput(
        sender=sender_of(company, context, logo),
        recipient=Addressee(
            address=address or (customer.name or customer.number,),
            attention=name if address and name and name != address[0] else "",
            customer_number=customer.number,
        ),
        place=company.city,
        date=as_of,
        subject=rendered.subject,
        paragraphs=parts.before,
        closing=tuple(after),
        invoices=tuple(rows),
        claim=claimed(action),
        formal_notice=bool(action.get("formal_notice")),
        signature=signature,
        our_reference=f"{action.get('step', '')}-{customer.number}-{as_of:%Y%m%d}",
        language=language,
    )


def attaches_letter(action: Mapping[str, Any]) -> bool:
    """An email step sends its letter as a PDF attachment when it is a formal notice: the
    scenario model has no attachment switch yet, and a mise en demeure is the message
    whose formal copy matters (docs/decisions.md)."""
    return bool(action.get("formal_notice"))


class PortalLinker(Protocol):
    """services/portal.PortalLinks: the customer portal link a reminder carries (K7)."""

    def for_action(
        self, tenant: str, company: str, customer: str, action_key: str, now: datetime
    ) -> str: ...


def carries_portal_link(action: Mapping[str, Any]) -> bool:
    """An email carries the customer's portal link; a letter does not (a link typed from
    paper is a token copied by hand; the letter's own drafts would also issue links)."""
    return action.get("channel") == "email" and bool(action.get("key"))
