"""DSO (V8) and payment-terms compliance (B2).

GET /settings/dso               every role: the tenant's method (count_back | simple)
PUT /settings/dso               admin: the method and the version read; 409 when stale
GET /dso                        every role: the DSO per month (from=, to= yyyy-mm; the
                                12 months to this one by default) of the tenant, a company
                                (company=) or a collector (collector=), in the tenant's
                                method (method= for the other, both=true for both); a
                                collector with a portfolio reads its own series only
GET /compliance/payment-terms   admin: customers and open invoices beyond the legal caps,
                                invoices paged (limit, offset), filterable by company
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from relance.api.caller import caller
from relance.api.http import json_response
from relance.api.schemas import answers
from relance.domain.display import today_in
from relance.domain.payments.dso import Method
from relance.domain.payments.dso_scopes import DsoSettings, DsoSettingsBody
from relance.services.dso import DsoQuery
from relance.services.wiring import context_service, dso_service

router = Router()


def _params() -> dict[str, str]:
    return dict(router.current_event.query_string_parameters or {})


class DsoPoint(BaseModel):
    model_config = ConfigDict(defer_build=True)

    month: str
    as_of: str
    receivables: str
    dso: str | None  # None: no sales in the window (simple method), DSO undefined
    count_back: str | None = None
    simple: str | None = None


class DsoSeries(BaseModel):
    model_config = ConfigDict(defer_build=True, populate_by_name=True)

    method: Method
    tenant_method: Method
    from_: str = Field(alias="from")
    to: str
    company: str | None
    collector: str | None
    points: list[DsoPoint]


class TermsReport(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="allow")

    as_of: dict[str, str]
    customers: list[dict[str, Any]]
    invoices: list[dict[str, Any]]
    invoices_total: int
    invoices_listed: int
    offset: int
    next_offset: int | None


class TermsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company: str | None = Field(default=None, min_length=1, max_length=32)
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


@router.get("/settings/dso", responses=answers(DsoSettings))
def get_dso_settings() -> Any:
    me = caller(router)
    return json_response(200, dso_service().settings(me.tenant).model_dump(mode="json"))


@router.put("/settings/dso", responses=answers(DsoSettings))
def put_dso_settings(body: Annotated[DsoSettingsBody, Body()]) -> Any:
    me = caller(router)
    me.require("admin")
    return json_response(200, dso_service().put_settings(me, body).model_dump(mode="json"))


@router.get("/dso", responses=answers(DsoSeries))
def get_dso(query: Annotated[DsoQuery, Query()]) -> Any:
    me = caller(router)
    # Validated again from the raw parameters: unknown ones are refused, not ignored.
    params = DsoQuery.model_validate(_params())
    context = context_service().load(me)
    today = today_in(context.settings, datetime.now(UTC))
    return json_response(200, dso_service().series(me, params, today, context.scope))


@router.get("/compliance/payment-terms", responses=answers(TermsReport))
def get_payment_terms(query: Annotated[TermsQuery, Query()]) -> Any:
    me = caller(router)
    me.require("admin")
    params = TermsQuery.model_validate(_params())
    report = dso_service().terms(me, params.company, params.limit, params.offset)
    return json_response(200, report)
