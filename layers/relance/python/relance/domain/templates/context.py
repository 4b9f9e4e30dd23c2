"""What a template may use (C12): the documented variables and the context built for them.

`VARIABLES` is the one list of what templates see: name (a dotted path; `invoices[].number`
is a field of each row of `invoices`), type, what it is in French and English, and an
example value (the French preview's). Checking a template (render.check) refuses any name
not in it; the API shows it to the admin who edits templates; a test keeps it equal to
what `build_context` builds.

`build_context` turns one stored action (services/nightly.action_record, as written or as
read back from DynamoDB: dates may be ISO strings, numbers int or Decimal) and the
customer, company and collector into a plain dict of text, integers, booleans, lists and
dicts: every amount and date is already formatted with babel in the message's language
(domain/display.py), so a template never formats nor computes. Amounts of an invoice are
in its own currency where it has one (C11); penalties, indemnities and what a letter
claims are in the accounting currency (the 40 € of D441-5 are euros). Pure: no I/O, no
clock (`as_of` is the run's date).
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import Any, Literal, NamedTuple

from babel.numbers import get_currency_precision
from pydantic import BaseModel, ConfigDict, Field, field_validator

from relance.domain.display import CurrencyDisplay, DisplaySettings, day, money
from relance.domain.dunning.contacts import postal_address
from relance.domain.dunning.penalties import INDEMNITY
from relance.domain.records import Customer, LedgerLine
from relance.domain.templates.model import Language

ACCOUNTING_CURRENCY = "EUR"  # books are kept in euros (C11)
DEADLINE_DAYS = 8  # "sous huitaine": the payment deadline a message gives, from its date
ZERO = Decimal(0)

# The example portal link (services/portal.py makes real ones: a token in the fragment).
EXAMPLE_PORTAL_URL = "https://app.relance.fr/portal/index.html#t=exemple"

VarType = Literal["text", "amount", "date", "integer", "boolean", "list", "text list"]
Example = str | int | bool | list[str] | None


class Variable(NamedTuple):
    name: str
    type: VarType
    fr: str
    en: str
    example: Example  # the French example context's value; None for a list of rows


class Block(NamedTuple):
    """A ready-made block a template calls (render.py's block library)."""

    call: str
    fr: str
    en: str


NNBSP, NBSP = "\u202f", "\xa0"  # babel's French group separator and the space before €


def _eur(text: str) -> str:
    """A French amount as babel writes it: '1 234,56 €' with its no-break spaces."""
    whole, _, rest = text.partition(",")
    return whole.replace(" ", NNBSP) + "," + rest.replace(" ", NBSP)


# fmt: off
VARIABLES: tuple[Variable, ...] = (
    Variable("language", "text", "Langue du message (fr ou en)", "Message language (fr or en)",
             "fr"),
    Variable("today", "date", "Date du message", "Date of the message", "23 novembre 2026"),
    Variable("deadline", "date", "Date limite de paiement demandée (date du message + délai)",
             "Payment deadline asked for (date of the message + delay)", "1er décembre 2026"),
    Variable("deadline_days", "integer", "Délai de paiement accordé, en jours",
             "Days given to pay", 8),
    Variable("step.id", "text", "Étape du scénario : N1 à N3, R1 à R5, T",
             "Scenario step: N1 to N3, R1 to R5, T", "R5"),
    Variable("step.phase", "text",
             "Phase : notice (prévenance), reminder (relance), thanks (remerciement)",
             "Phase: notice, reminder, thanks", "reminder"),
    Variable("step.level", "integer", "Niveau de relance, 1 à 5 (0 hors relance)",
             "Reminder level, 1 to 5 (0 outside reminders)", 5),
    Variable("step.channel", "text", "Canal : email, letter, phone, other",
             "Channel: email, letter, phone, other", "letter"),
    Variable("step.formal_notice", "boolean", "L'étape est une mise en demeure",
             "The step is a formal notice (mise en demeure)", True),
    Variable("step.claims_penalties", "boolean", "L'étape réclame pénalités et indemnités "
             "(voir claim.claimed pour ce client)", "The step claims penalties and indemnities "
             "(see claim.claimed for this customer)", True),
    Variable("company.name", "text", "Raison sociale de votre société", "Your company's legal name",
             "Ateliers Martin SAS"),
    Variable("company.address_lines", "text list", "Adresse de votre société, ligne par ligne",
             "Your company's address, line by line",
             ["14 rue de la République", "69002 Lyon"]),
    Variable("company.city", "text", "Ville de votre société (« Lyon, le … »)",
             "Your company's town", "Lyon"),
    Variable("company.phone", "text", "Téléphone de votre société", "Your company's phone",
             "04 72 00 00 00"),
    Variable("company.email", "text", "E-mail de votre société", "Your company's email",
             "compta@ateliers-martin.fr"),
    Variable("company.website", "text", "Site web", "Website", "www.ateliers-martin.fr"),
    Variable("company.siret", "text", "SIRET", "SIRET number", "123 456 789 00012"),
    Variable("company.vat_number", "text", "N° de TVA intracommunautaire", "VAT number",
             "FR32123456789"),
    Variable("company.legal_mentions", "text",
             "Mentions légales (forme, capital, RCS, SIRET, TVA) en une ligne",
             "Legal mentions (form, capital, registration, SIRET, VAT) on one line",
             "Ateliers Martin SAS – SAS au capital de 50 000 € – RCS Lyon 123 456 789"
             " – SIRET 123 456 789 00012 – TVA FR32123456789"),
    Variable("customer.number", "text", "N° de compte client (Sage)",
             "Customer account number (Sage)",
             "BOULDUP"),
    Variable("customer.name", "text", "Nom du client", "Customer name", "Boulangerie Dupont SARL"),
    Variable("customer.address_lines", "text list", "Adresse postale du client, ligne par ligne",
             "Customer's postal address, line by line",
             ["Boulangerie Dupont SARL", "3 place du Marché", "38000 Grenoble"]),
    Variable("customer.phone", "text", "Téléphone du client (fiche Sage)",
             "Customer's phone (Sage card)",
             "04 76 00 00 00"),
    Variable("customer.email", "text", "E-mail du client (fiche Sage)",
             "Customer's email (Sage card)",
             "contact@boulangerie-dupont.fr"),
    Variable("customer.no_penalty", "boolean", "Client exonéré de pénalités (CT_NotPenal)",
             "Customer exempt from penalties (CT_NotPenal)", False),
    Variable("recipient.name", "text", "Contact destinataire", "Contact the message goes to",
             "Claire Dupont"),
    Variable("recipient.email", "text", "Son e-mail", "Their email",
             "claire.dupont@boulangerie-dupont.fr"),
    Variable("recipient.phone", "text", "Son téléphone", "Their phone", "06 12 34 56 78"),
    Variable("collector.name", "text", "Votre chargé(e) de recouvrement", "Your collector",
             "Sophie Bernard"),
    Variable("collector.title", "text", "Sa fonction", "Their job title",
             "Chargée de recouvrement"),
    Variable("collector.email", "text", "Son e-mail (sinon celui de la société)",
             "Their email (else the company's)", "sophie.bernard@ateliers-martin.fr"),
    Variable("collector.phone", "text", "Son téléphone (sinon celui de la société)",
             "Their phone (else the company's)", "04 72 00 00 01"),
    Variable("invoices", "list", "Factures concernées, la plus ancienne d'abord",
             "Invoices concerned, oldest first", None),
    Variable("invoices[].number", "text", "N° de facture", "Invoice number", "FA-2026-0815"),
    Variable("invoices[].date", "date", "Date de facture", "Invoice date", "14/08/2026"),
    Variable("invoices[].due_date", "date", "Date d'échéance", "Due date", "13/09/2026"),
    Variable("invoices[].days_late", "integer",
             "Jours de retard (négatif : jours avant l'échéance)",
             "Days late (negative: days before the due date)", 71),
    Variable("invoices[].amount", "amount", "Reste dû, dans la devise de la facture",
             "Amount due, in the invoice's currency", _eur("1 234,56 €")),
    Variable("invoices[].original_amount", "amount", "Montant de la facture, dans sa devise",
             "Invoice amount, in its currency", _eur("1 234,56 €")),
    Variable("invoices[].amount_accounting", "amount", "Reste dû en devise de tenue de compte",
             "Amount due in the accounting currency", _eur("1 234,56 €")),
    Variable("invoices[].currency", "text", "Devise de la facture (code ISO)",
             "Invoice currency (ISO code)", "EUR"),
    Variable("invoices[].partial", "boolean", "Facture partiellement réglée",
             "Invoice partly paid", False),
    Variable("invoices[].penalty", "amount",
             "Pénalités de retard réclamées sur la facture (sinon vide)",
             "Late-payment penalties claimed on it (else empty)", _eur("29,18 €")),
    Variable("invoices[].indemnity", "amount",
             "Indemnité forfaitaire réclamée sur la facture (sinon vide)",
             "Fixed recovery indemnity claimed on it (else empty)", _eur("40,00 €")),
    Variable("credits", "list", "Avoirs et règlements non affectés déduits", "Credit notes and "
             "unallocated payments deducted", None),
    Variable("credits[].number", "text", "N° de pièce", "Document number", "AV-2026-0107"),
    Variable("credits[].date", "date", "Date", "Date", "15/10/2026"),
    Variable("credits[].label", "text", "Libellé", "Label", "Avoir retour marchandise"),
    Variable("credits[].amount", "amount", "Montant (négatif), dans sa devise",
             "Amount (negative), in its currency", _eur("-150,00 €")),
    Variable("credits[].currency", "text", "Devise (code ISO)", "Currency (ISO code)", "EUR"),
    Variable("invoice_count", "integer", "Nombre de factures", "Number of invoices", 2),
    Variable("days_late", "integer", "Retard de la facture la plus ancienne, en jours",
             "Days late of the oldest invoice", 71),
    Variable("first_due_date", "date", "Première échéance concernée", "Earliest due date concerned",
             "13/09/2026"),
    Variable("balance", "amount", "Solde dû (factures moins avoirs), dans la devise des factures",
             "Balance due (invoices less credits), in the invoices' currency", _eur("3 564,56 €")),
    Variable("totals", "list", "Solde dû par devise (plusieurs lignes si plusieurs devises)",
             "Balance due per currency (several rows for several currencies)", None),
    Variable("totals[].currency", "text", "Devise (code ISO)", "Currency (ISO code)", "EUR"),
    Variable("totals[].amount", "amount", "Solde dû dans cette devise", "Balance due in it",
             _eur("3 564,56 €")),
    Variable("claim.claimed", "boolean", "Pénalités et indemnités réclamées (étape R4/R5, client "
             "non exonéré)", "Penalties and indemnities claimed", True),
    Variable("claim.principal", "amount", "Principal réclamé (factures échues)",
             "Principal claimed (overdue invoices)", _eur("3 714,56 €")),
    Variable("claim.penalties", "amount", "Pénalités de retard (art. L441-10 C. com.)",
             "Late-payment penalties (art. L441-10)", _eur("72,11 €")),
    Variable("claim.indemnities", "amount",
             "Indemnités forfaitaires (40 € par facture, art. D441-5)",
             "Fixed recovery indemnities (€40 per invoice, art. D441-5)", _eur("80,00 €")),
    Variable("claim.indemnity_per_invoice", "amount", "Indemnité forfaitaire par facture",
             "Fixed indemnity per invoice", _eur("40,00 €")),
    Variable("claim.has_credits", "boolean", "Des avoirs ou règlements viennent en déduction",
             "Credits are deducted", True),
    Variable("claim.credits", "amount", "Avoirs et règlements déduits (valeur positive)",
             "Credits deducted (positive)", _eur("150,00 €")),
    Variable("claim.total", "amount", "Total demandé : principal + pénalités + indemnités − avoirs",
             "Total asked: principal + penalties + indemnities − credits", _eur("3 716,67 €")),
    Variable("payment.beneficiary", "text", "Bénéficiaire du virement", "Transfer beneficiary",
             "Ateliers Martin SAS"),
    Variable("payment.iban", "text", "IBAN", "IBAN", "FR76 3000 6000 0112 3456 7890 189"),
    Variable("payment.bic", "text", "BIC", "BIC", "AGRIFRPP"),
    Variable("payment.bank_name", "text", "Banque", "Bank", "Crédit Agricole"),
    Variable("payment.reference", "text",
             "Référence de virement à rappeler (ISO 11649, stable pour un client et une date)",
             "Transfer reference to quote (ISO 11649, stable for a customer and a date)",
             "RF19 BOUL DUP2 6112 3"),
    Variable("portal_url", "text",
             "Lien personnel du client vers son relevé en ligne (répondre, promettre, "
             "contester) ; vide pour un courrier", "The customer's personal link to its "
             "online statement (answer, promise, dispute); empty for a letter",
             EXAMPLE_PORTAL_URL),
)

BLOCKS: tuple[Block, ...] = (
    Block("invoice_table(days_late=true)",
          "Tableau des factures (n°, date, échéance, retard, montant dû), avoirs et solde",
          "Table of invoices (number, date, due date, days late, amount due), credits, balance"),
    Block("claim_table()",
          "Décompte par facture : principal, retard, pénalités, indemnité, et total réclamé",
          "Per-invoice breakdown: principal, days late, penalties, indemnity, total claimed"),
    Block("bank_details()", "Coordonnées bancaires et référence de virement (rien sans IBAN)",
          "Bank details and transfer reference (nothing without an IBAN)"),
    Block("signature()", "Signature : chargé(e) de recouvrement, société, téléphone, e-mail",
          "Signature: collector, company, phone, email"),
)
# fmt: on

NAMES: frozenset[str] = frozenset(v.name for v in VARIABLES)
TOP_LEVEL: frozenset[str] = frozenset(v.name.split(".")[0].split("[")[0] for v in VARIABLES)
# Paths whose value is a dict (customer, invoices[]...): an unknown attribute on one of them
# is an unknown variable.
OBJECTS: frozenset[str] = frozenset(
    name.rsplit(".", 1)[0] for name in NAMES if "." in name
) | frozenset(f"{v.name}[]" for v in VARIABLES if v.type == "list")
LISTS: frozenset[str] = frozenset(v.name for v in VARIABLES if v.type in ("list", "text list"))


class CompanyInfo(BaseModel):
    """The tenant's company as its messages show it (a tenant setting)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    legal_name: str = Field(default="", max_length=120)
    legal_form: str = Field(default="", max_length=40)  # SAS, SARL...
    share_capital: str = Field(default="", max_length=40)  # as written: "50 000 €"
    rcs: str = Field(default="", max_length=80)  # "RCS Lyon 123 456 789"
    address: str = Field(default="", max_length=120)
    address_complement: str = Field(default="", max_length=120)
    postal_code: str = Field(default="", max_length=20)
    city: str = Field(default="", max_length=80)
    country: str = Field(default="", max_length=60)
    siret: str = Field(default="", max_length=20)
    vat_number: str = Field(default="", max_length=20)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)
    website: str = Field(default="", max_length=120)
    iban: str = Field(default="", max_length=42)
    bic: str = Field(default="", max_length=11)
    bank_name: str = Field(default="", max_length=80)
    logo_key: str = Field(default="", max_length=300)  # S3 key of the logo printed on letters
    version: int = Field(default=0, ge=0)

    @field_validator("siret")
    @classmethod
    def _siret(cls, value: str) -> str:
        if value and not re.fullmatch(r"\d{14}", value.replace(" ", "")):
            raise ValueError("a SIRET has 14 digits")
        return value.strip()

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        iban = value.replace(" ", "").upper()
        if iban and not valid_iban(iban):
            raise ValueError("this IBAN is not valid (check its digits)")
        return iban

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str) -> str:
        bic = value.strip().upper()
        if bic and not re.fullmatch(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?", bic):
            raise ValueError("a BIC has 8 or 11 letters and digits")
        return bic

    @property
    def address_lines(self) -> list[str]:
        town = " ".join(p for p in (self.postal_code, self.city) if p)
        lines = (self.address, self.address_complement, town, self.country)
        return [line for line in lines if line]


class Collector(BaseModel):
    """Who signs: the collector in charge of the customer (a user of the tenant)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="", max_length=100)
    title: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)


# -- bank references ------------------------------------------------------------------------
def _numeric(text: str) -> int:
    """ISO 7064 letters to digits (A=10 ... Z=35), as IBANs and RF references use."""
    return int("".join(str(int(c, 36)) for c in text))


def valid_iban(iban: str) -> bool:
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    return _numeric(iban[4:] + iban[:4]) % 97 == 1


def grouped(code: str) -> str:
    """An IBAN or reference in groups of four, as banks print them."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def _base36(data: bytes, size: int) -> str:
    n = int.from_bytes(data, "big")
    digits = []
    for _ in range(size):
        n, rest = divmod(n, 36)
        digits.append("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rest])
    return "".join(digits)


def transfer_reference(customer_number: str, on: date) -> str:
    """A structured creditor reference (ISO 11649, "RF" + check digits + up to 21
    characters) for a transfer paying the message of this customer sent on this date:
    the customer number (letters and digits; shortened with a hash past 15) and the date
    YYMMDD. Same customer and date, same reference; banks check its digits."""
    core = re.sub(r"[^0-9A-Z]", "", customer_number.upper())
    if not core or len(core) > 15:
        digest = _base36(hashlib.sha256(customer_number.encode()).digest(), 6)
        core = core[:9] + digest
    body = core + on.strftime("%y%m%d")
    check = 98 - _numeric(body + "RF00") % 97
    return grouped(f"RF{check:02d}{body}")


def valid_reference(reference: str) -> bool:
    ref = reference.replace(" ", "").upper()
    if not re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", ref):
        return False
    return _numeric(ref[4:] + ref[:4]) % 97 == 1


# -- formatting -----------------------------------------------------------------------------
@cache
def _settings(language: Language, date_format: str, currency_display: str) -> DisplaySettings:
    return DisplaySettings.model_validate(
        {"language": language, "date_format": date_format, "currency_display": currency_display}
    )


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-get_currency_precision(currency))


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@lru_cache(maxsize=8192)
def _money(amount: str, currency: str, settings: DisplaySettings) -> str:
    # keyed by the amount's text: 1.0 and 1.00 are equal Decimals but not the same display
    return money(Decimal(amount), currency, settings)


@lru_cache(maxsize=4096)
def _day(d: date, settings: DisplaySettings) -> str:
    return day(d, settings)


class _Fmt:
    """The message's formats: short dates in tables, long dates in sentences. babel is
    the costly part of a message: the same amount or date is formatted once."""

    def __init__(self, language: Language, currency_display: CurrencyDisplay) -> None:
        self.short = _settings(language, "short", currency_display)
        self.long = _settings(language, "long", currency_display)

    def money(self, amount: Decimal, currency: str) -> str:
        return _money(str(amount), currency, self.short)

    def day(self, d: date | None) -> str:
        return _day(d, self.short) if d is not None else ""

    def long_day(self, d: date) -> str:
        text = _day(d, self.long)
        if self.long.language == "fr" and d.day == 1:
            return "1er" + text[1:]  # "1er décembre 2026": the first of a month is ordinal
        return text


LABELS: dict[Language, dict[str, str]] = {
    "fr": {
        "service": "Service comptabilité clients",
        "credit": "Avoir / règlement",
        "capital": "{form} au capital de {capital}",
    },
    "en": {
        "service": "Accounts receivable",
        "credit": "Credit / payment",
        "capital": "{form} with a share capital of {capital}",
    },
}


# -- the context ----------------------------------------------------------------------------
class _Line(NamedTuple):
    entry: int
    amount: Decimal  # open, accounting currency
    days_late: int
    aging_date: date | None


def _lines(raw: Sequence[Mapping[str, Any]] | None) -> list[_Line]:
    return [
        _Line(int(r["entry"]), _dec(r["amount"]), int(r.get("days_late") or 0),
              _date(r.get("aging_date")))
        for r in raw or ()
    ]  # fmt: skip


def _in_currency(
    line: _Line,
    led: LedgerLine | None,
    currencies: Mapping[int, str],
    accounting: str,
) -> tuple[str, Decimal, Decimal]:
    """(currency, open amount, original amount) of a line in the invoice's own currency
    when it has one (C11); a partly paid foreign invoice's open part is prorated."""
    if led is not None and led.currency_index and led.currency_amount is not None:
        iso = currencies.get(led.currency_index, "")
        if iso:
            original = led.currency_amount
            if led.amount == line.amount or not led.amount:
                return iso, original, original
            open_part = (original * line.amount / led.amount).quantize(
                _quantum(iso), rounding=ROUND_HALF_UP
            )
            return iso, open_part, original
    original = led.amount if led is not None else line.amount
    return accounting, line.amount, original


def _party(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def build_context(
    action: Mapping[str, Any],
    customer: Customer,
    company_info: CompanyInfo,
    collector: Collector | None,
    settings_language: Language,
    as_of: date,
    *,
    ledger: Mapping[int, LedgerLine] | None = None,
    currencies: Mapping[int, str] | None = None,
    accounting_currency: str = ACCOUNTING_CURRENCY,
    deadline_days: int = DEADLINE_DAYS,
    currency_display: CurrencyDisplay = "symbol",
    portal_url: str = "",
) -> dict[str, Any]:
    """The variables of one message (see VARIABLES).

    `action`: a stored action (nightly.action_record, or as read back). `ledger`: the
    customer's ledger lines by entry number (EC_No) for invoice numbers, dates and
    currencies; without it (or for an entry it lacks) a row shows the entry number and
    the aging date. `currencies`: Sage currency index (N_Devise) -> ISO code (P_DEVISE)."""
    fmt = _Fmt(settings_language, currency_display)
    labels = LABELS[settings_language]
    ledger = ledger or {}
    currencies = currencies or {}
    claim = action.get("claim") or None
    if claim and not (_dec(claim.get("penalties")) or _dec(claim.get("indemnities"))):
        claim = None  # nothing but the principal (a customer exempt from penalties)
    claimed = {int(li["entry"]): li for li in (claim or {}).get("lines", ())}

    invoices: list[dict[str, Any]] = []
    totals: dict[str, Decimal] = {}
    accounting_total = ZERO
    for line in _lines(action.get("lines")):
        led = ledger.get(line.entry)
        currency, open_amount, original = _in_currency(line, led, currencies, accounting_currency)
        totals[currency] = totals.get(currency, ZERO) + open_amount
        accounting_total += line.amount
        due = (led.due_date if led is not None else None) or line.aging_date
        penalty = claimed.get(line.entry)
        invoices.append({
            "number": (led.invoice_number or led.piece) if led is not None else str(line.entry),
            "date": fmt.day(led.accounting_date if led is not None else None),
            "due_date": fmt.day(due),
            "days_late": line.days_late,
            "amount": fmt.money(open_amount, currency),
            "original_amount": fmt.money(original, currency),
            "amount_accounting": fmt.money(line.amount, accounting_currency),
            "currency": currency,
            "partial": original != open_amount,
            "penalty": fmt.money(_dec(penalty["penalty"]), accounting_currency) if penalty else "",
            "indemnity": (
                fmt.money(_dec(penalty["indemnity"]), accounting_currency) if penalty else ""
            ),
            "_due": due,
        })  # fmt: skip
    credits: list[dict[str, Any]] = []
    credit_total = ZERO
    for line in _lines(action.get("credits")):
        led = ledger.get(line.entry)
        currency, open_amount, _ = _in_currency(line, led, currencies, accounting_currency)
        totals[currency] = totals.get(currency, ZERO) + open_amount
        accounting_total += line.amount
        credit_total += line.amount
        credits.append({
            "number": (led.invoice_number or led.piece) if led is not None else str(line.entry),
            "date": fmt.day(led.accounting_date if led is not None else line.aging_date),
            "label": (led.label if led is not None and led.label else labels["credit"]),
            "amount": fmt.money(open_amount, currency),
            "currency": currency,
        })  # fmt: skip

    dues = [row.pop("_due") for row in invoices]
    known_dues = [d for d in dues if d is not None]
    if len(totals) == 1:
        (balance_currency, balance_amount), *_ = totals.items()
    else:
        balance_currency, balance_amount = accounting_currency, accounting_total

    if claim:
        principal = _dec(claim.get("principal"))
        penalties = _dec(claim.get("penalties"))
        indemnities = _dec(claim.get("indemnities"))
    else:
        principal = sum((i.amount for i in _lines(action.get("lines")) if i.amount > 0), ZERO)
        penalties = indemnities = ZERO
    recipient = _party(action.get("recipient"))
    address = list(recipient.get("address") or ()) or list(postal_address(customer))
    company = company_info
    mentions = [company.legal_name]
    if company.legal_form and company.share_capital:
        mentions.append(
            labels["capital"].format(form=company.legal_form, capital=company.share_capital)
        )
    elif company.legal_form:
        mentions.append(company.legal_form)
    mentions += [company.rcs]
    mentions += [f"SIRET {company.siret}" if company.siret else ""]
    mentions += [f"TVA {company.vat_number}" if company.vat_number else ""]
    who = collector or Collector()
    step_id = str(action.get("step", ""))
    return {
        "language": settings_language,
        "today": fmt.long_day(as_of),
        "deadline": fmt.long_day(as_of + timedelta(days=deadline_days)),
        "deadline_days": deadline_days,
        "step": {
            "id": step_id,
            "phase": str(action.get("phase", "")),
            "level": int(action.get("level") or 0),
            "channel": str(action.get("channel", "")),
            "formal_notice": bool(action.get("formal_notice")),
            "claims_penalties": bool(action.get("claim_penalties")),
        },
        "company": {
            "name": company.legal_name,
            "address_lines": company.address_lines,
            "city": company.city,
            "phone": company.phone,
            "email": company.email,
            "website": company.website,
            "siret": company.siret,
            "vat_number": company.vat_number,
            "legal_mentions": " – ".join(m for m in mentions if m),
        },
        "customer": {
            "number": customer.number,
            "name": customer.name or customer.number,
            "address_lines": address,
            "phone": customer.phone,
            "email": customer.email,
            "no_penalty": customer.no_penalty,
        },
        "recipient": {
            "name": str(recipient.get("name") or customer.contact_name or customer.name),
            "email": str(recipient.get("email") or customer.email),
            "phone": str(recipient.get("phone") or customer.phone),
        },
        "collector": {
            "name": who.name,
            "title": who.title or (labels["service"] if not who.name else ""),
            "email": who.email or company.email,
            "phone": who.phone or company.phone,
        },
        "invoices": invoices,
        "credits": credits,
        "invoice_count": len(invoices),
        "days_late": max((i["days_late"] for i in invoices), default=0),
        "first_due_date": fmt.day(min(known_dues)) if known_dues else "",
        "balance": fmt.money(balance_amount, balance_currency),
        "totals": [
            {"currency": cur, "amount": fmt.money(amount, cur)} for cur, amount in totals.items()
        ],
        "claim": {
            "claimed": claim is not None,
            "principal": fmt.money(principal, accounting_currency),
            "penalties": fmt.money(penalties, accounting_currency),
            "indemnities": fmt.money(indemnities, accounting_currency),
            "indemnity_per_invoice": fmt.money(INDEMNITY, "EUR"),
            "has_credits": bool(credits),
            "credits": fmt.money(-credit_total, accounting_currency),
            "total": fmt.money(
                principal + penalties + indemnities + credit_total, accounting_currency
            ),
        },
        "payment": {
            "beneficiary": company.legal_name,
            "iban": grouped(company.iban),
            "bic": company.bic,
            "bank_name": company.bank_name,
            "reference": transfer_reference(customer.number, as_of),
        },
        "portal_url": portal_url,
    }


# -- the documented example ------------------------------------------------------------------
ExampleKind = Literal["notice", "reminder", "claim", "thanks", "minimal", "foreign"]
PREVIEW_KINDS: tuple[ExampleKind, ...] = ("notice", "reminder", "claim", "thanks")
# What every template is checked against: the previews, and contexts with little in them
# (no collector, no bank details, no address, one invoice) or several currencies.
CHECK_KINDS: tuple[ExampleKind, ...] = (*PREVIEW_KINDS, "minimal", "foreign")
EXAMPLE_AS_OF = date(2026, 11, 23)
EXAMPLE_COMPANY = CompanyInfo(
    legal_name="Ateliers Martin SAS",
    legal_form="SAS",
    share_capital="50 000 €",
    rcs="RCS Lyon 123 456 789",
    address="14 rue de la République",
    postal_code="69002",
    city="Lyon",
    siret="123 456 789 00012",
    vat_number="FR32123456789",
    phone="04 72 00 00 00",
    email="compta@ateliers-martin.fr",
    website="www.ateliers-martin.fr",
    iban="FR7630006000011234567890189",
    bic="AGRIFRPP",
    bank_name="Crédit Agricole",
)
EXAMPLE_CUSTOMER = Customer(
    company="LYON",
    number="BOULDUP",
    name="Boulangerie Dupont SARL",
    contact_name="Claire Dupont",
    address="3 place du Marché",
    postal_code="38000",
    city="Grenoble",
    phone="04 76 00 00 00",
    email="contact@boulangerie-dupont.fr",
)
EXAMPLE_COLLECTOR = Collector(
    name="Sophie Bernard",
    title="Chargée de recouvrement",
    email="sophie.bernard@ateliers-martin.fr",
    phone="04 72 00 00 01",
)


def _ledger_line(
    entry: int, number: str, on: date, due: date | None, amount: str, label: str = "", **more: Any
) -> LedgerLine:
    return LedgerLine(
        company="LYON", entry_number=entry, journal="VTE", accounting_date=on,
        invoice_number=number, piece=number, general_account="41100000", customer="BOULDUP",
        label=label, due_date=due, amount=Decimal(amount), **more,
    )  # fmt: skip


EXAMPLE_LEDGER: dict[int, LedgerLine] = {
    line.entry_number: line
    for line in (
        _ledger_line(1021, "FA-2026-0815", date(2026, 8, 14), date(2026, 9, 13), "1234.56"),
        _ledger_line(1187, "FA-2026-0932", date(2026, 9, 2), date(2026, 10, 2), "2480.00"),
        _ledger_line(
            1240, "AV-2026-0107", date(2026, 10, 15), None, "-150.00", "Avoir retour marchandise"
        ),
        _ledger_line(1302, "FA-2026-1104", date(2026, 10, 29), date(2026, 11, 28), "1860.00"),
        _ledger_line(1320, "FA-2026-1118", date(2026, 11, 12), date(2026, 12, 12), "972.40"),
        _ledger_line(
            1350,
            "FA-2026-1121",
            date(2026, 10, 1),
            date(2026, 10, 31),
            "920.00",
            currency_index=2,
            currency_amount=Decimal("1000.00"),
            exchange_rate=Decimal("1.0870"),
        ),
    )
}
EXAMPLE_CURRENCIES = {2: "USD"}

_RECIPIENT = {
    "name": "Claire Dupont",
    "email": "claire.dupont@boulangerie-dupont.fr",
    "phone": "06 12 34 56 78",
    "address": ["Boulangerie Dupont SARL", "3 place du Marché", "38000 Grenoble"],
    "source": "contact",
    "role_matched": True,
}


def _line(entry: int, amount: str, days_late: int, aging: date | None) -> dict[str, Any]:
    return {"entry": entry, "amount": Decimal(amount), "days_late": days_late, "aging_date": aging}


_OVERDUE = [
    _line(1021, "1234.56", 71, date(2026, 9, 13)),
    _line(1187, "2480.00", 52, date(2026, 10, 2)),
]
_CREDIT = [_line(1240, "-150.00", 39, date(2026, 10, 15))]
_CLAIM = {
    "principal": Decimal("3714.56"),
    "penalties": Decimal("72.11"),
    "indemnities": Decimal("80.00"),
    "total": Decimal("3866.67"),
    "lines": [
        {"entry": 1021, "principal": Decimal("1234.56"), "days_late": 71,
         "penalty": Decimal("29.18"), "indemnity": Decimal("40.00")},
        {"entry": 1187, "principal": Decimal("2480.00"), "days_late": 52,
         "penalty": Decimal("42.93"), "indemnity": Decimal("40.00")},
    ],
}  # fmt: skip


def _action(step: str, phase: str, level: int, channel: str, **fields: Any) -> dict[str, Any]:
    lines = fields.pop("lines")
    credits = fields.pop("credits", [])
    return {
        "claim": None, "step": step, "phase": phase, "level": level, "channel": channel,
        "template": "", "lines": lines, "credits": credits,
        "amount": sum((li["amount"] for li in (*lines, *credits)), ZERO),
        "days_late": max((li["days_late"] for li in lines), default=0),
        "recipient": _RECIPIENT, "formal_notice": False, "claim_penalties": False, **fields,
    }  # fmt: skip


EXAMPLE_ACTIONS: dict[ExampleKind, dict[str, Any]] = {
    "notice": _action(
        "N1", "notice", 0, "email",
        lines=[_line(1302, "1860.00", -5, date(2026, 11, 28)),
               _line(1320, "972.40", -19, date(2026, 12, 12))],
    ),
    "reminder": _action("R1", "reminder", 1, "email", lines=_OVERDUE, credits=_CREDIT),
    "claim": _action(
        "R5", "reminder", 5, "letter", lines=_OVERDUE, credits=_CREDIT, claim=_CLAIM,
        claim_penalties=True, formal_notice=True,
    ),
    "thanks": _action("T", "thanks", 0, "email",
                      lines=[_line(1021, "1234.56", 0, None), _line(1187, "2480.00", 0, None)]),
    "minimal": _action("R2", "reminder", 2, "email", lines=[_line(9, "10.00", 20, None)],
                       recipient=None),
    "foreign": _action(
        "R4", "reminder", 4, "letter",
        lines=[_line(1021, "1234.56", 71, date(2026, 9, 13)),
               _line(1350, "920.00", 23, date(2026, 10, 31))],
        claim={"principal": Decimal("2154.56"), "penalties": Decimal("36.22"),
               "indemnities": Decimal("80.00"),
               "lines": [{"entry": 1021, "penalty": Decimal("29.18"), "indemnity": Decimal("40")},
                         {"entry": 1350, "penalty": Decimal("7.04"), "indemnity": Decimal("40")}]},
        claim_penalties=True,
    ),
}  # fmt: skip

# Which example a default template previews with; any other id previews the claim (the
# fullest context).
PREVIEW_KIND_OF: dict[str, ExampleKind] = {
    "prevenance": "notice",
    "relance_1": "reminder",
    "relance_2": "reminder",
    "appel": "reminder",
    "relance_courrier": "claim",
    "mise_en_demeure": "claim",
    "remerciement": "thanks",
}


@cache
def _example(language: Language, kind: ExampleKind) -> dict[str, Any]:
    if kind == "minimal":
        return build_context(
            EXAMPLE_ACTIONS[kind], Customer(company="LYON", number="X1"),
            CompanyInfo(legal_name="X"), None, language, EXAMPLE_AS_OF,
        )  # fmt: skip
    return build_context(
        EXAMPLE_ACTIONS[kind], EXAMPLE_CUSTOMER, EXAMPLE_COMPANY, EXAMPLE_COLLECTOR, language,
        EXAMPLE_AS_OF, ledger=EXAMPLE_LEDGER, currencies=EXAMPLE_CURRENCIES,
        portal_url=EXAMPLE_PORTAL_URL,
    )  # fmt: skip


def example_context(language: Language = "fr", kind: ExampleKind = "claim") -> dict[str, Any]:
    """The documented example values, as a template sees them (a copy: yours to change)."""
    return copy.deepcopy(_example(language, kind))


def shared_example(language: Language, kind: ExampleKind) -> dict[str, Any]:
    """The same, not copied: for rendering only (the sandbox cannot change it)."""
    return _example(language, kind)
