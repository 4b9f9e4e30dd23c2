"""Reminders sent (C16): the paged list and the CSV / Excel export.

Every role reads; a collector with a portfolio sees its customers' reminders only. Days
are the caller's (its time zone setting), the export's headers and number formats follow
its language. The workbook is binary: Powertools base64-encodes a bytes body and sets
isBase64Encoded; API Gateway turns it back into bytes for a caller whose Accept header
names the workbook's type (a binary media type of the REST API: infra constructs/api.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from relance.api.caller import caller
from relance.api.http import json_response
from relance.api.schemas import answers
from relance.api.template_schemas import SentReminderPage
from relance.domain.display import DisplaySettings, moment, money, today_in
from relance.domain.sent_reminders import CSV_TYPE, XLSX_TYPE, SentReminder, export
from relance.services.exports import ExportQuery, ReminderPageQuery
from relance.services.wiring import context_service, sent_reminder_service

router = Router()
EXPORT_ANSWER: dict[int, OpenAPIResponse] = {
    200: {
        "description": "The reminders sent in the range, and a total row per currency",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _params() -> dict[str, str]:
    return dict(router.current_event.query_string_parameters or {})


def _shown(row: SentReminder, settings: DisplaySettings) -> dict[str, Any]:
    values = row.model_dump(mode="json")
    values["display"] = {
        "sent_at": moment(row.sent_at, settings),
        "amount": money(row.amount, row.currency, settings) if row.amount is not None else None,
    }
    return values


@router.get("/reminders", responses=answers(SentReminderPage))
def list_reminders(query: Annotated[ReminderPageQuery, Query()]) -> Any:
    me = caller(router)
    # Validated again from the raw parameters: unknown ones are refused, not ignored.
    params = ReminderPageQuery.model_validate(_params())
    context = context_service().load(me)
    settings = context.settings
    today = today_in(settings, datetime.now(UTC))
    rows, cursor = sent_reminder_service().page(
        me.tenant, params, today, settings.zone, context.scope
    )
    return json_response(
        200, {"reminders": [_shown(r, settings) for r in rows], "next_cursor": cursor}
    )


# No return annotation, on purpose: with one, Powertools' validation serializes the answer's
# body through pydantic, which reads bytes as UTF-8 text and fails on the workbook.
@router.get("/reminders/export", responses=EXPORT_ANSWER)
def export_reminders(query: Annotated[ExportQuery, Query()]):
    me = caller(router)
    params = ExportQuery.model_validate(_params())
    context = context_service().load(me)
    settings = context.settings
    today = today_in(settings, datetime.now(UTC))
    start, end = params.days(today)
    rows = sent_reminder_service().export(me.tenant, params, today, settings.zone, context.scope)
    name = f"{'relances' if settings.language == 'fr' else 'reminders'}-{start}-{end}"
    extension = "xlsx" if params.format == "xlsx" else "csv"  # csv-standard is a CSV too
    disposition = f'attachment; filename="{name}.{extension}"'
    return Response(
        status_code=200,
        content_type=XLSX_TYPE if params.format == "xlsx" else CSV_TYPE,
        body=export(rows, params.format, settings.language, settings.zone),  # bytes: base64
        headers={"Content-Disposition": disposition},
    )
