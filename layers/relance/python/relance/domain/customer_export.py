"""The customer list as a file (V1, K5): the rows the list's filters and sort give, then a
total row, in any of the list formats (domain/tabular.py). Amounts are the summaries'
exact Decimals (accounting currency: Sage keeps one per company file). Pure: the caller
gives the rows, language and time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from relance.domain.tabular import Column, Format, Language, Table, rendered

CURRENCY = "EUR"  # the accounting currency the summaries are kept in
UTC_ZONE = ZoneInfo("UTC")  # the list holds no timestamps: any zone gives the same file

COLUMNS: tuple[Column, ...] = (
    Column("company", "Société", "Company", "text", 10),
    Column("number", "Code", "Code", "text", 12),
    Column("name", "Nom", "Name", "text", 32),
    Column("city", "Ville", "City", "text", 18),
    Column("total", "Encours", "Outstanding", "money", 15),
    Column("overdue", "Échu", "Overdue", "money", 15),
    Column("days_late", "Retard (jours)", "Days late", "int", 10),
    Column("oldest_due", "Plus ancienne échéance", "Oldest due date", "date", 14),
    Column("open_items", "Pièces ouvertes", "Open items", "int", 10),
    Column("profile", "Profil", "Profile", "text", 14),
    Column("open_disputes", "Litiges", "Disputes", "int", 8),
    Column("broken_promises", "Promesses non tenues", "Broken promises", "int", 10),
    Column("flagged", "Surveillé", "Watched", "text", 9),
    Column("email", "E-mail", "Email", "text", 30),
    Column("siret", "SIRET", "SIRET", "text", 16),
    Column("rep_number", "Commercial", "Salesperson", "int", 10),
)


def table(rows: Sequence[dict[str, Any]]) -> Table:
    """The list's rows (ReceivablesService.customers) as typed cells."""
    typed = [
        {
            **row,
            "total": Decimal(str(row["total"])),
            "overdue": Decimal(str(row["overdue"])),
            "oldest_due": date.fromisoformat(row["oldest_due"]) if row.get("oldest_due") else None,
            "flagged": bool(row.get("flagged")),
        }
        for row in rows
    ]
    return Table(COLUMNS, typed, "Clients", "Customers", "client", "customer", CURRENCY)


def headers(language: Language) -> list[str]:
    return [c.label(language) for c in COLUMNS]


def export(rows: Sequence[dict[str, Any]], fmt: Format, language: Language) -> bytes | str:
    return rendered(table(rows), fmt, language, UTC_ZONE)[0]


def to_csv(rows: Sequence[dict[str, Any]], language: Language) -> str:
    return str(export(rows, "csv", language))


def to_xlsx(rows: Sequence[dict[str, Any]], language: Language) -> bytes:
    body = export(rows, "xlsx", language)
    assert isinstance(body, bytes)
    return body
