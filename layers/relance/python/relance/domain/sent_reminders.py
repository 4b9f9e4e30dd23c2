"""Sent reminders as a user reads or exports them (C16): rows, totals, CSV and Excel.

A row is one sent-log item (written by the dispatch: store/dispatch.py). Amounts stay
Decimal from DynamoDB to the file: the CSV writes their exact digits, the workbook stores
them as numbers with a currency format, and each file ends with one total row per currency
that adds up to the cent (reminders in several currencies are never summed together).

The files are written by domain/tabular.py (CSV for Excel in the reader's language,
standard CSV, workbook) like every list's. Pure: the caller gives the time zone and
language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from relance.domain.tabular import (
    CSV_TYPE,
    XLSX_TYPE,
    Column,
    Format,
    Language,
    Table,
    padded,
    rendered,
)

ExportFormat = Format
# Re-exported: the reminders' routes and services import them from here.
__all__ = ["COLUMNS", "CSV_TYPE", "XLSX_TYPE", "ExportFormat", "Language", "SentReminder",
           "export", "headers", "label", "padded", "table", "to_csv", "to_xlsx"]  # fmt: skip


class SentReminder(BaseModel):
    """One reminder sent (email) or produced (letter), as the sent log keeps it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    sent_at: datetime
    company: str
    customer: str
    customer_name: str = ""
    step: str = ""
    level: int | None = None
    channel: str = ""
    recipients: list[str] = Field(default_factory=list)
    subject: str = ""
    amount: Decimal | None = None
    currency: str = "EUR"
    invoice_numbers: list[str] = Field(default_factory=list)
    document_key: str = ""
    message_id: str = ""
    status: str = ""
    triggered_by: str = ""
    as_of: date | None = None

    @field_validator("recipients", "invoice_numbers", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> list[str]:
        """Email addresses, a letter's address lines, or contacts stored as objects."""
        if not value:
            return []
        return [
            str(v.get("email") or v.get("name") or "") if isinstance(v, dict) else str(v)
            for v in value
        ]


# -- columns --------------------------------------------------------------------------------
COLUMNS: tuple[Column, ...] = (
    Column("sent_at", "Envoyée le", "Sent at", "datetime", 17),
    Column("company", "Société", "Company", "text", 10),
    Column("customer", "Client", "Customer", "text", 12),
    Column("customer_name", "Nom du client", "Customer name", "text", 30),
    Column("step", "Étape", "Step", "text", 7),
    Column("level", "Niveau", "Level", "int", 7),
    Column("channel", "Canal", "Channel", "text", 11),
    Column("recipients", "Destinataires", "Recipients", "text", 34),
    Column("subject", "Objet", "Subject", "text", 40),
    Column("invoice_numbers", "Factures", "Invoices", "text", 24),
    Column("amount", "Montant", "Amount", "money", 14),
    Column("currency", "Devise", "Currency", "text", 8),
    Column("status", "Statut", "Status", "text", 11),
    Column("triggered_by", "Déclenchée par", "Triggered by", "text", 16),
    Column("as_of", "Date de relance", "Run date", "date", 12),
    Column("message_id", "Identifiant du message", "Message id", "text", 28),
    Column("document_key", "Document", "Document", "text", 40),
)
_LABELS: dict[str, dict[str, str]] = {
    "email": {"fr": "E-mail", "en": "Email"},
    "letter": {"fr": "Courrier", "en": "Letter"},
    "phone": {"fr": "Téléphone", "en": "Phone"},
    "other": {"fr": "Autre", "en": "Other"},
    "sent": {"fr": "Envoyé", "en": "Sent"},
    "produced": {"fr": "Produit", "en": "Produced"},
    "delivered": {"fr": "Délivré", "en": "Delivered"},
    "bounced": {"fr": "Rejeté", "en": "Bounced"},
    "complained": {"fr": "Plainte", "en": "Complaint"},
}


def headers(language: Language) -> list[str]:
    return [c.label(language) for c in COLUMNS]


def label(code: str, language: Language) -> str:
    return _LABELS.get(code, {}).get(language, code)


def table(rows: Sequence[SentReminder], language: Language) -> Table:
    shown = [
        {
            **row.model_dump(),
            "channel": label(row.channel, language),
            "status": label(row.status, language),
            "recipients": ", ".join(row.recipients),
            "invoice_numbers": ", ".join(row.invoice_numbers),
        }
        for row in rows
    ]
    return Table(COLUMNS, shown, "Relances", "Reminders", "relance", "reminder",
                 currency_key="currency")  # fmt: skip


def export(
    rows: Sequence[SentReminder], fmt: Format, language: Language, zone: ZoneInfo
) -> bytes | str:
    """The rows, then a total row per currency, in a list format (domain/tabular.py)."""
    return rendered(table(rows, language), fmt, language, zone)[0]


def to_csv(rows: Sequence[SentReminder], language: Language, zone: ZoneInfo) -> str:
    return str(export(rows, "csv", language, zone))


def to_xlsx(rows: Sequence[SentReminder], language: Language, zone: ZoneInfo) -> bytes:
    body = export(rows, "xlsx", language, zone)
    assert isinstance(body, bytes)
    return body
