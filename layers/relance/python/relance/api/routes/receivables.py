"""Who owes what (V1, V2, V3 read side): customer list, customer card, dashboard.

Every role may read; the tenant is the caller's. Portfolio scoping (K3) comes later.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.event_handler.api_gateway import Router

from relance.api.caller import caller
from relance.api.http import json_response
from relance.services.receivables import CustomerQuery
from relance.services.wiring import receivables_service

router = Router()
# Until display settings (V9) give each user a time zone, "today" is French time.
TENANT_ZONE = ZoneInfo("Europe/Paris")


def _today() -> date:
    return datetime.now(TENANT_ZONE).date()


def _params() -> dict[str, str]:
    return dict(router.current_event.query_string_parameters or {})


@router.get("/customers")
def list_customers() -> Any:
    me = caller(router)
    query = CustomerQuery.model_validate(_params())
    return json_response(200, receivables_service().customers(me.tenant, query, _today()))


@router.get("/customers/<company>/<number>")
def customer_card(company: str, number: str) -> Any:
    me = caller(router)
    return json_response(200, receivables_service().card(me.tenant, company, number, _today()))


@router.get("/dashboard")
def home_dashboard() -> Any:
    me = caller(router)
    company = _params().get("company")
    return json_response(200, receivables_service().dashboard(me.tenant, company, _today()))
