"""GET /customers?format=csv|csv-standard|xlsx: the customer list as a file, every row of
its filters and sort (not a page). The workbook is binary: Powertools base64-encodes a
bytes body and API Gateway gives the bytes back to a caller whose Accept header names the
workbook's type (a binary media type of the REST API, as for GET /reminders/export).

The list's route imports this module at cold start: the writers (openpyxl, babel) load
only when a file is asked for."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from relance.api.list_export import ListFormat
from relance.domain.display import DisplaySettings
from relance.domain.portfolios import Portfolio
from relance.services.errors import Invalid
from relance.services.receivables import CustomerQuery
from relance.services.wiring import receivables_service

# domain/sent_reminders.py's XLSX_TYPE (not imported here: it loads babel).
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CustomerListQuery(CustomerQuery):
    """The list's filters, and `format` for the whole list as a file."""

    format: ListFormat | None = None


def list_answer(model: Any) -> dict[int, OpenAPIResponse]:
    return {
        200: {
            "description": "A page of customers (JSON), or every customer of the filter as "
            "a file (format=csv|csv-standard|xlsx) with a total row",
            "content": {
                "application/json": {"model": model},
                "text/csv": {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }


def export(
    tenant: str,
    query: CustomerListQuery,
    settings: DisplaySettings,
    today: date,
    scopes: list[Portfolio],
) -> Response[Any]:
    from relance.domain import customer_export
    from relance.domain.tabular import CSV_TYPE
    from relance.services.exports import MAX_EXPORT_ROWS

    everything = query.model_copy(update={"offset": 0, "limit": MAX_EXPORT_ROWS})
    found = receivables_service().customers(tenant, everything, today, scopes)
    if found["total_count"] > MAX_EXPORT_ROWS:
        raise Invalid(
            "export_too_large",
            f"More than {MAX_EXPORT_ROWS} customers in this list: narrow it (a company, a "
            "filter) before exporting.",
            f"Plus de {MAX_EXPORT_ROWS} clients dans cette liste : restreignez-la (une "
            "société, un filtre) avant d'exporter.",
            field="format",
        )
    rows = found["customers"]
    language = settings.language
    name = f"{'clients' if language == 'fr' else 'customers'}-{today.isoformat()}"
    extension = "xlsx" if query.format == "xlsx" else "csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}.{extension}"'}
    assert query.format is not None
    body = customer_export.export(rows, query.format, language)  # bytes: sent as base64
    content_type = XLSX_TYPE if query.format == "xlsx" else CSV_TYPE
    return Response(status_code=200, content_type=content_type, body=body, headers=headers)
