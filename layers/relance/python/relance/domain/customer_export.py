"""The customer list as a file (V1): CSV for Excel, or a workbook, the rows the list's
filters and sort give, then a total row.

Same conventions as the reminders' export (domain/sent_reminders.py, whose cell writers
this reuses): in French ";" and decimal commas, in English "," and points, a byte order
mark, texts that look like formulas kept as text; in the workbook real numbers with the
currency's format and real dates. Amounts are the summaries' exact Decimals (accounting
currency: Sage keeps one per company file). Pure: the caller gives the rows and language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from relance.domain.sent_reminders import (
    BOM,
    Language,
    _csv_cell,
    money_format,
    padded,
)

CURRENCY = "EUR"  # the accounting currency the summaries are kept in


class Column(NamedTuple):
    key: str
    fr: str
    en: str
    width: int


COLUMNS: tuple[Column, ...] = (
    Column("company", "Société", "Company", 10),
    Column("number", "Code", "Code", 12),
    Column("name", "Nom", "Name", 32),
    Column("city", "Ville", "City", 18),
    Column("total", "Encours", "Outstanding", 15),
    Column("overdue", "Échu", "Overdue", 15),
    Column("days_late", "Retard (jours)", "Days late", 10),
    Column("oldest_due", "Plus ancienne échéance", "Oldest due date", 14),
    Column("open_items", "Pièces ouvertes", "Open items", 10),
    Column("profile", "Profil", "Profile", 14),
    Column("open_disputes", "Litiges", "Disputes", 8),
    Column("broken_promises", "Promesses non tenues", "Broken promises", 10),
    Column("flagged", "Surveillé", "Watched", 9),
    Column("email", "E-mail", "Email", 30),
    Column("siret", "SIRET", "SIRET", 16),
    Column("rep_number", "Commercial", "Salesperson", 10),
)
AMOUNTS = ("total", "overdue")
KEYS = [c.key for c in COLUMNS]


def headers(language: Language) -> list[str]:
    return [c.fr if language == "fr" else c.en for c in COLUMNS]


def _values(row: dict[str, Any], language: Language) -> list[Any]:
    """A row of the list (ReceivablesService.customers) as typed cells."""
    yes, no = ("Oui", "Non") if language == "fr" else ("Yes", "No")
    oldest = row.get("oldest_due")
    shown = {
        **row,
        "total": padded(Decimal(str(row["total"])), CURRENCY),
        "overdue": padded(Decimal(str(row["overdue"])), CURRENCY),
        "oldest_due": date.fromisoformat(oldest) if oldest else None,
        "flagged": yes if row.get("flagged") else no,
    }
    return [shown.get(key) for key in KEYS]


def _total_row(rows: Sequence[dict[str, Any]], language: Language) -> list[Any]:
    noun = "client" if language == "fr" else "customer"
    cells: list[Any] = [None] * len(COLUMNS)
    cells[0] = f"Total ({len(rows)} {noun}{'s' if len(rows) > 1 else ''})"
    for key in AMOUNTS:
        amount = sum((Decimal(str(r[key])) for r in rows), Decimal(0))
        cells[KEYS.index(key)] = padded(amount, CURRENCY)
    return cells


def to_csv(rows: Sequence[dict[str, Any]], language: Language) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";" if language == "fr" else ",", lineterminator="\r\n")
    writer.writerow(headers(language))
    for row in [*(_values(r, language) for r in rows), _total_row(rows, language)]:
        writer.writerow([_csv_cell(v, language) for v in row])
    return out.getvalue()


def to_xlsx(rows: Sequence[dict[str, Any]], language: Language) -> bytes:
    """A workbook with a frozen header row and a filter, real numbers and dates, widths
    set, and the total row (openpyxl's write-only mode, as the reminders' export)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Clients" if language == "fr" else "Customers")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    for index, spec in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = spec.width
    bold = Font(bold=True)
    money = money_format(CURRENCY)
    day = "dd/mm/yyyy" if language == "fr" else "yyyy-mm-dd"

    def cell(value: Any, font: Font | None = None) -> Any:
        written = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            written.data_type = "s"  # never a formula, whatever the text starts with
        elif isinstance(value, Decimal):
            written.number_format = money
        elif isinstance(value, date):
            written.number_format = day
        if font:
            written.font = font
        return written

    sheet.append([cell(title, bold) for title in headers(language)])

    def typed(value: Any) -> Any:
        if isinstance(value, Decimal | date) or (isinstance(value, str) and value[:1] == "="):
            return cell(value)
        return value  # plain cells cost a tenth of styled ones

    for row in rows:
        sheet.append([typed(v) for v in _values(row, language)])
    sheet.append([cell(v, bold) for v in _total_row(rows, language)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
