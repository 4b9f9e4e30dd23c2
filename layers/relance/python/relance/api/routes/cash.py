"""Cash objectives (V6) and who receives the daily cash report (K1): admin settings.

GET /settings/cash-objectives   admin: every objective {month, company, amount} and version
PUT /settings/cash-objectives   admin: the whole list at the version read; 409 when stale,
                                422 naming the field (month as YYYY-MM, amount a Decimal
                                string >= 0 with at most 2 decimals, one per month and scope)
GET /settings/daily-report      admin: the users who receive the report, and version
PUT /settings/daily-report      admin: {recipients: [user ids], version}; 422 for an unknown
                                or inactive user
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from relance.api.caller import caller
from relance.api.http import json_response
from relance.api.schemas import answers
from relance.domain.cash_objectives import CashObjectives, CashObjectivesBody
from relance.domain.daily_report import DailyReportSettings, DailyReportSettingsBody
from relance.services.wiring import cash_objective_service, daily_report_service

router = Router()


@router.get("/settings/cash-objectives", responses=answers(CashObjectives))
def get_cash_objectives() -> Any:
    me = caller(router)
    me.require("admin")
    found = cash_objective_service().get(me.tenant)
    return json_response(200, found.model_dump(mode="json"))


@router.put("/settings/cash-objectives", responses=answers(CashObjectives))
def put_cash_objectives(body: Annotated[CashObjectivesBody, Body()]) -> Any:
    me = caller(router)
    saved = cash_objective_service().put(me, body)
    return json_response(200, saved.model_dump(mode="json"))


@router.get("/settings/daily-report", responses=answers(DailyReportSettings))
def get_daily_report() -> Any:
    me = caller(router)
    me.require("admin")
    found = daily_report_service().settings(me.tenant)
    return json_response(200, found.model_dump(mode="json"))


@router.put("/settings/daily-report", responses=answers(DailyReportSettings))
def put_daily_report(body: Annotated[DailyReportSettingsBody, Body()]) -> Any:
    me = caller(router)
    saved = daily_report_service().put_settings(me, body)
    return json_response(200, saved.model_dump(mode="json"))
