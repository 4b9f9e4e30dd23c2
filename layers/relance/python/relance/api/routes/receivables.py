"""Who owes what (V1, V2, V3 read side): customer list, customer card, dashboard.

Every role may read; the tenant is the caller's. A collector (role user) with a portfolio
sees the customers of its portfolio only (K3); any list can be narrowed to a collector.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.event_handler.api_gateway import Router

from relance.api.caller import caller
from relance.api.http import json_response
from relance.auth.identity import Identity
from relance.domain.portfolios import Portfolio
from relance.services.receivables import CustomerQuery
from relance.services.wiring import portfolio_service, receivables_service

router = Router()
# Until display settings (V9) give each user a time zone, "today" is French time.
TENANT_ZONE = ZoneInfo("Europe/Paris")


def _today() -> date:
    return datetime.now(TENANT_ZONE).date()


def _params() -> dict[str, str]:
    return dict(router.current_event.query_string_parameters or {})


def _scopes(me: Identity, collector: str | None = None) -> list[Portfolio]:
    """The portfolios a read is limited to: the caller's own (a collector with one), and
    the chosen collector's when a list is filtered by collector (K4)."""
    scopes = []
    own = portfolio_service().scope(me)
    if own is not None:
        scopes.append(own)
    if collector:
        scopes.append(portfolio_service().of_collector(me, collector))
    return scopes


@router.get("/customers")
def list_customers() -> Any:
    me = caller(router)
    query = CustomerQuery.model_validate(_params())
    scopes = _scopes(me, query.collector)
    return json_response(200, receivables_service().customers(me.tenant, query, _today(), scopes))


@router.get("/customers/<company>/<number>")
def customer_card(company: str, number: str) -> Any:
    me = caller(router)
    card = receivables_service().card(me.tenant, company, number, _today(), _scopes(me))
    return json_response(200, card)


@router.get("/dashboard")
def home_dashboard() -> Any:
    me = caller(router)
    params = _params()
    scopes = _scopes(me, params.get("collector"))
    board = receivables_service().dashboard(me.tenant, params.get("company"), _today(), scopes)
    return json_response(200, board)
