"""Any list as a file (K5): typed columns in, CSV for Excel, standard CSV or a workbook out.

Three formats, the `format` parameter of every list route:
- `csv`: for Excel in the reader's language. French Excel opens a CSV with ";" between
  fields and "," as the decimal mark only; English uses "," and ".". Both start with a
  UTF-8 byte order mark, without which Excel reads "é" as "Ã©". Dates as the reader
  writes them (31/12/2026 or 2026-12-31).
- `csv-standard`: for programs. UTF-8 without a byte order mark, ",", decimal points, ISO
  dates and ISO timestamps with their offset, the JSON field names as headers, no total.
- `xlsx`: a workbook: a frozen header row with a filter, dates as dates, amounts as numbers
  with their currency's format, columns sized.
A table with amounts ends (CSV for Excel, workbook) with one total row per currency that
adds up exactly (amounts in different currencies are never summed together). Texts a
spreadsheet would take for a formula (=, +, -, @ first) stay texts. Amounts stay Decimal
from the caller to the file. Pure: the caller gives the rows, the language and the zone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

Language = Literal["fr", "en"]
Format = Literal["csv", "csv-standard", "xlsx"]
ColumnType = Literal["text", "date", "datetime", "money", "int"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Column(NamedTuple):
    key: str
    fr: str
    en: str
    type: ColumnType = "text"
    width: int = 14  # characters, for the workbook

    def label(self, language: Language) -> str:
        return self.fr if language == "fr" else self.en


@dataclass(frozen=True)
class Table:
    """Rows (dicts of typed values: str, int, Decimal, date, aware datetime, None) under
    their columns. Money columns are in the row's `currency_key` column when the table has
    one (the total rows then name their currency), else all in `currency`."""

    columns: tuple[Column, ...]
    rows: Sequence[dict[str, Any]]
    sheet_fr: str
    sheet_en: str
    noun_fr: str = "ligne"  # what a row is, for the total row: "Total EUR (3 relances)"
    noun_en: str = "row"
    currency: str = "EUR"
    currency_key: str | None = None

    def headers(self, language: Language) -> list[str]:
        return [c.label(language) for c in self.columns]

    @property
    def money_columns(self) -> list[Column]:
        return [c for c in self.columns if c.type == "money"]

    def currency_of(self, row: dict[str, Any]) -> str:
        return (
            str(row.get(self.currency_key) or self.currency)
            if self.currency_key
            else (self.currency)
        )


class Total(NamedTuple):
    currency: str
    rows: int  # rows with an amount in this currency
    sums: dict[str, Decimal]  # per money column


def totals(table: Table) -> list[Total]:
    """Per currency (in code order), the exact sum of each money column. A table without a
    currency column always has its one total row, even empty ("Total (0 client)")."""
    money = table.money_columns
    if not money:
        return []
    found: dict[str, tuple[int, dict[str, Decimal]]] = {}
    if table.currency_key is None:
        found[table.currency] = (0, {c.key: Decimal(0) for c in money})
    for row in table.rows:
        if all(row.get(c.key) is None for c in money):
            continue
        currency = table.currency_of(row)
        count, sums = found.get(currency, (0, {c.key: Decimal(0) for c in money}))
        for c in money:
            if row.get(c.key) is not None:
                sums[c.key] += row[c.key]
        found[currency] = (count + 1, sums)
    return [Total(c, n, sums) for c, (n, sums) in sorted(found.items())]


def total_label(table: Table, total: Total, language: Language) -> str:
    noun = table.noun_fr if language == "fr" else table.noun_en
    plural = "s" if total.rows > 1 else ""
    currency = f" {total.currency}" if table.currency_key else ""
    return f"Total{currency} ({total.rows} {noun}{plural})"


def padded(amount: Decimal, currency: str) -> Decimal:
    """The amount with at least its currency's decimals (DynamoDB gives back 2500 for
    2500.00): zeros are added, never a digit rounded away."""
    places = _places(currency)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent < places:
        return amount.quantize(Decimal(1).scaleb(-places))
    return amount


@cache
def _places(currency: str) -> int:
    from babel.numbers import get_currency_precision  # loaded by an export only

    return int(get_currency_precision(currency))


def _total_rows(table: Table, language: Language) -> list[dict[str, Any]]:
    rows = []
    for total in totals(table):
        row: dict[str, Any] = {table.columns[0].key: total_label(table, total, language)}
        row |= {key: padded(amount, total.currency) for key, amount in total.sums.items()}
        if table.currency_key:
            row[table.currency_key] = total.currency
        rows.append(row)
    return rows


def _shown(table: Table, row: dict[str, Any], zone: ZoneInfo) -> list[Any]:
    """The row's cells, money padded to its currency, timestamps on the reader's clock."""
    cells = []
    for c in table.columns:
        value = row.get(c.key)
        if isinstance(value, Decimal) and c.type == "money":
            value = padded(value, table.currency_of(row))
        elif isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(zone)
        cells.append(value)
    return cells


def _safe_text(text: str) -> str:
    """A text a spreadsheet would run as a formula, kept as text (OWASP's advice)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


# -- CSV ------------------------------------------------------------------------------------
def _excel_cell(value: Any, language: Language) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M" if language == "fr" else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if language == "fr" else value.isoformat()
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.replace(".", ",") if language == "fr" else text
    if isinstance(value, bool):
        return ("Oui" if value else "Non") if language == "fr" else ("Yes" if value else "No")
    if isinstance(value, int):
        return str(value)
    return _safe_text(str(value))


def _standard_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):  # datetimes too: ISO 8601, with the offset when known
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lines(table: Table, language: Language, zone: ZoneInfo) -> Iterable[list[Any]]:
    for row in (*table.rows, *_total_rows(table, language)):
        yield _shown(table, row, zone)


def to_csv(table: Table, language: Language, zone: ZoneInfo) -> str:
    """For Excel in the reader's language: BOM; ";" and "," in French, "," and "." else."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";" if language == "fr" else ",", lineterminator="\r\n")
    writer.writerow(table.headers(language))
    for cells in _lines(table, language, zone):
        writer.writerow([_excel_cell(_naive(v), language) for v in cells])
    return out.getvalue()


def to_standard_csv(table: Table, zone: ZoneInfo) -> str:
    """For programs (RFC 4180): UTF-8 without BOM, ",", ".", ISO dates and timestamps, the
    JSON answer's field names as headers whatever the reader's language, and one line per
    row: no total line for a program to skip."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=",", lineterminator="\r\n")
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow([_standard_cell(v) for v in _shown(table, row, zone)])
    return out.getvalue()


def _naive(value: Any) -> Any:
    """A timestamp as the reader's clock shows it (a sheet holds no offset)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


# -- Excel ----------------------------------------------------------------------------------
def money_format(currency: str) -> str:
    """Excel's number format for an amount in a currency (its separators follow the
    reader's Excel: "1 234,56 €" in French, "1,234.56 €" in English)."""
    sign = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}.get(currency, currency)
    places = _places(currency)
    digits = "#,##0" + ("." + "0" * places if places else "")
    return f'{digits} "{sign}";-{digits} "{sign}"'


def to_xlsx(table: Table, language: Language, zone: ZoneInfo) -> bytes:
    """A workbook written row by row (openpyxl's write-only mode: several times faster than
    building the sheet in memory, which matters at 15,000 rows)."""
    # Only an export needs openpyxl: not loaded at the API's cold start.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.sheet_fr if language == "fr" else table.sheet_en)
    # Sheet settings come before the rows in the file: set them first.
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
    for index, spec in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = spec.width
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

    def typed(value: Any, currency: str, font: Font | None = None) -> Any:
        value = _naive(value)
        if isinstance(value, Decimal):
            return cell(value, money_format(currency), font)
        if isinstance(value, date):
            return cell(value, formats[type(value)], font)
        if isinstance(value, bool):
            return cell(_excel_cell(value, language), font=font)
        if font or (isinstance(value, str) and value.startswith("=")):
            return cell(value, font=font)  # a text cell, not a formula
        return value  # plain cells cost a tenth of styled ones

    sheet.append([cell(title, font=bold) for title in table.headers(language)])
    for row in table.rows:
        currency = table.currency_of(row)
        sheet.append([typed(v, currency) for v in _shown(table, row, zone)])
    for row in _total_rows(table, language):
        currency = table.currency_of(row)
        sheet.append([typed(v, currency, bold) for v in _shown(table, row, zone)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rendered(
    table: Table, fmt: Format, language: Language, zone: ZoneInfo
) -> tuple[bytes | str, str]:
    """(body, content type) of the table in a format."""
    if fmt == "xlsx":
        return to_xlsx(table, language, zone), XLSX_TYPE
    if fmt == "csv-standard":
        return to_standard_csv(table, zone), CSV_TYPE
    return to_csv(table, language, zone), CSV_TYPE
