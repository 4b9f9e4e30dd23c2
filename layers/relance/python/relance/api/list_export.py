"""`?format=csv|csv-standard|xlsx` on the list routes (K5): the very rows the route's JSON
answer holds, as a file (domain/tabular.py), headers and formats in the caller's language
and time zone. An export never shows more than the JSON list: the route hands over the
rows it would answer, after its own role and scope checks.

The workbook is binary: Powertools base64-encodes a bytes body and API Gateway gives the
bytes back to a caller whose Accept header names the workbook's type (a binary media type
of the REST API). The writers load only when a file is asked for.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict

from relance.auth.identity import Identity
from relance.domain.tabular import XLSX_TYPE, Column, Table

ListFormat = Literal["csv", "csv-standard", "xlsx"]


class FormatQuery(BaseModel):
    """The one query parameter of a list that has no other."""

    model_config = ConfigDict(extra="forbid")

    format: ListFormat | None = None


def list_answer(model: Any, what: str) -> dict[int, OpenAPIResponse]:
    return {
        200: {
            "description": f"{what} (JSON), or the same rows as a file: format=csv (Excel, "
            "in the caller's language), csv-standard (RFC 4180, ISO dates) or xlsx",
            "content": {
                "application/json": {"model": model},
                "text/csv": {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }


def cell(value: Any, kind: str) -> Any:
    """A JSON value as the typed cell its column wants (ISO texts to dates, amounts to
    Decimal from their exact digits); lists joined; objects left out."""
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if not isinstance(v, dict))
    if isinstance(value, dict):
        return None
    if kind == "money":
        return Decimal(str(value))
    if kind == "int":
        return int(value)
    if kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if kind == "datetime":
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return value if isinstance(value, bool) else str(value)


def export(
    who: Identity,
    rows: Sequence[dict[str, Any]],
    fmt: ListFormat,
    *,
    columns: tuple[Column, ...],
    name: tuple[str, str],
    noun: tuple[str, str] = ("ligne", "row"),
    currency_key: str | None = None,
    shown: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Response[Any]:
    """The rows as a file named after the list (`name`: French, English) and today."""
    from relance.domain.tabular import rendered
    from relance.services.wiring import context_service

    settings = context_service().load(who).settings
    language = settings.language
    merged = (row | shown(row) if shown else row for row in rows)
    typed = [{c.key: cell(row.get(c.key), c.type) for c in columns} for row in merged]
    table = Table(columns, typed, name[0][:31], name[1][:31], noun[0], noun[1],
                  currency_key=currency_key)  # fmt: skip
    body, content_type = rendered(table, fmt, language, settings.zone)
    today = datetime.now(settings.zone).date().isoformat()
    stem = name[0] if language == "fr" else name[1]
    extension = "xlsx" if fmt == "xlsx" else "csv"
    # HTTP headers are ASCII: "Tâches" -> "taches".
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    filename = f"{plain.lower().replace(' ', '-')}-{today}.{extension}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(status_code=200, content_type=content_type, body=body, headers=disposition)
