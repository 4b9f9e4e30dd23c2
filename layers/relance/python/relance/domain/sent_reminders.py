"""Sent reminders as a user reads or exports them (C16): rows, totals, CSV and Excel.

A row is one sent-log item (written by the dispatch: store/dispatch.py). Amounts stay
Decimal from DynamoDB to the file: the CSV writes their exact digits, the workbook stores
them as numbers with a currency format, and each file ends with one total row per currency
that adds up to the cent (reminders in several currencies are never summed together).

Excel-FR opens a CSV with ";" between fields and "," as the decimal mark only; an English
export uses "," and ".". Both start with a UTF-8 byte order mark, without which Excel reads
"é" as "Ã©". Texts that a spreadsheet would take for a formula (=, +, -, @ first) are
written as text. Pure: the caller gives the time zone and language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision
from pydantic import BaseModel, ConfigDict, Field, field_validator

Language = Literal["fr", "en"]
ExportFormat = Literal["csv", "xlsx"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


class Total(NamedTuple):
    currency: str
    reminders: int  # reminders with an amount in this currency
    amount: Decimal


def totals(rows: Iterable[SentReminder]) -> list[Total]:
    """The sum of the amounts per currency, exact (Decimal), currencies in code order."""
    sums: dict[str, tuple[int, Decimal]] = {}
    for row in rows:
        if row.amount is None:
            continue
        count, amount = sums.get(row.currency, (0, Decimal(0)))
        sums[row.currency] = (count + 1, amount + row.amount)
    return [Total(c, n, a) for c, (n, a) in sorted(sums.items())]


# -- columns --------------------------------------------------------------------------------
class Column(NamedTuple):
    key: str
    fr: str
    en: str
    width: int  # characters, for the workbook


COLUMNS: tuple[Column, ...] = (
    Column("sent_at", "Envoyée le", "Sent at", 17),
    Column("company", "Société", "Company", 10),
    Column("customer", "Client", "Customer", 12),
    Column("customer_name", "Nom du client", "Customer name", 30),
    Column("step", "Étape", "Step", 7),
    Column("level", "Niveau", "Level", 7),
    Column("channel", "Canal", "Channel", 11),
    Column("recipients", "Destinataires", "Recipients", 34),
    Column("subject", "Objet", "Subject", 40),
    Column("invoice_numbers", "Factures", "Invoices", 24),
    Column("amount", "Montant", "Amount", 14),
    Column("currency", "Devise", "Currency", 8),
    Column("status", "Statut", "Status", 11),
    Column("triggered_by", "Déclenchée par", "Triggered by", 16),
    Column("as_of", "Date de relance", "Run date", 12),
    Column("message_id", "Identifiant du message", "Message id", 28),
    Column("document_key", "Document", "Document", 40),
)
AMOUNT_AT = [c.key for c in COLUMNS].index("amount")
CURRENCY_AT = [c.key for c in COLUMNS].index("currency")
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
    return [c.fr if language == "fr" else c.en for c in COLUMNS]


def _label(code: str, language: Language) -> str:
    return _LABELS.get(code, {}).get(language, code)


def _total_label(total: Total, language: Language) -> str:
    plural = "s" if total.reminders > 1 else ""
    noun = "relance" if language == "fr" else "reminder"
    return f"Total {total.currency} ({total.reminders} {noun}{plural})"


def local_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """The sending time on the reader's clock, without its offset (as a sheet holds it)."""
    return moment.astimezone(zone).replace(tzinfo=None)


def padded(amount: Decimal, currency: str) -> Decimal:
    """The amount with at least its currency's decimals (DynamoDB gives back 2500 for
    2500.00): zeros are added, never a digit rounded away."""
    places = get_currency_precision(currency)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent < places:
        return amount.quantize(Decimal(1).scaleb(-places))
    return amount


def _values(row: SentReminder, language: Language, zone: ZoneInfo) -> list[Any]:
    """The row's cells as typed values: datetime, date, int, Decimal or text."""
    shown = {
        **row.model_dump(),
        "amount": padded(row.amount, row.currency) if row.amount is not None else None,
        "sent_at": local_time(row.sent_at, zone),
        "channel": _label(row.channel, language),
        "status": _label(row.status, language),
        "recipients": ", ".join(row.recipients),
        "invoice_numbers": ", ".join(row.invoice_numbers),
    }
    return [shown[c.key] for c in COLUMNS]


def _safe_text(text: str) -> str:
    """A text a spreadsheet would run as a formula, kept as text (OWASP's advice)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


# -- CSV ------------------------------------------------------------------------------------
def _csv_cell(value: Any, language: Language) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M" if language == "fr" else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if language == "fr" else value.isoformat()
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.replace(".", ",") if language == "fr" else text
    if isinstance(value, int):
        return str(value)
    return _safe_text(str(value))


def to_csv(rows: Sequence[SentReminder], language: Language, zone: ZoneInfo) -> str:
    """The rows, then a total row per currency; for Excel in the reader's language."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";" if language == "fr" else ",", lineterminator="\r\n")
    writer.writerow(headers(language))
    for row in rows:
        writer.writerow([_csv_cell(v, language) for v in _values(row, language, zone)])
    for total in totals(rows):
        cells = [""] * len(COLUMNS)
        cells[0] = _total_label(total, language)
        cells[AMOUNT_AT] = _csv_cell(padded(total.amount, total.currency), language)
        cells[CURRENCY_AT] = total.currency
        writer.writerow(cells)
    return out.getvalue()


# -- Excel ----------------------------------------------------------------------------------
def money_format(currency: str) -> str:
    """Excel's number format for an amount in a currency (its separators follow the
    reader's Excel: "1 234,56 €" in French, "1,234.56 €" in English)."""
    sign = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}.get(currency, currency)
    return f'#,##0.00 "{sign}";-#,##0.00 "{sign}"'


def to_xlsx(rows: Sequence[SentReminder], language: Language, zone: ZoneInfo) -> bytes:
    """A workbook: a frozen header row with a filter, real numbers and dates, widths set,
    a total row per currency. Written row by row (openpyxl's write-only mode: several times
    faster than building the sheet in memory, which matters at 15,000 rows)."""
    # Only the export needs openpyxl: not loaded at the API's cold start.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Relances" if language == "fr" else "Reminders")
    # Sheet settings come before the rows in the file: set them first.
    sheet.freeze_panes = "A2"
    last = f"{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    sheet.auto_filter.ref = f"A1:{last}"
    for column, spec in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = spec.width
    bold = Font(bold=True)
    formats = {
        datetime: "dd/mm/yyyy hh:mm" if language == "fr" else "yyyy-mm-dd hh:mm",
        date: "dd/mm/yyyy" if language == "fr" else "yyyy-mm-dd",
    }

    def cell(value: Any, number_format: str | None = None, font: Font | None = None) -> Any:
        written = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            written.data_type = "s"  # never a formula, whatever the text starts with
        if number_format:
            written.number_format = number_format
        if font:
            written.font = font
        return written

    sheet.append([cell(title, font=bold) for title in headers(language)])
    for row in rows:
        line: list[Any] = []
        for value in _values(row, language, zone):
            if isinstance(value, Decimal):
                line.append(cell(value, money_format(row.currency)))
            elif isinstance(value, date):
                line.append(cell(value, formats[type(value)]))
            elif isinstance(value, str) and value.startswith("="):
                line.append(cell(value))  # a text cell, not a formula
            else:
                line.append(value)  # plain cells cost a tenth of styled ones
        sheet.append(line)
    for total in totals(rows):
        line = [cell(None)] * len(COLUMNS)
        line[0] = cell(_total_label(total, language), font=bold)
        line[AMOUNT_AT] = cell(total.amount, money_format(total.currency), bold)
        line[CURRENCY_AT] = cell(total.currency, font=bold)
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
