"""Who owes what (V1, V2, V3 read side): customer list, customer card, dashboard.

Every role may read; the tenant is the caller's. A collector (role user) with a portfolio
sees the customers of its portfolio only (K3); any list can be narrowed to a collector.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict

from relance.api import customer_export, display
from relance.api.caller import caller
from relance.api.http import json_response
from relance.api.schemas import Card, CustomerPage, DashboardAnswer, answers
from relance.auth.identity import Identity
from relance.domain.display import DisplaySettings, today_in
from relance.domain.portfolios import Portfolio
from relance.services.context import CallerContext
from relance.services.wiring import (
    context_service,
    personal_data_service,
    portfolio_service,
    receivables_service,
)

router = Router()


def _today(settings: DisplaySettings) -> date:
    """Today on the caller's clock (its time zone setting): days late are counted to it."""
    return today_in(settings, datetime.now(UTC))


def _params() -> dict[str, str]:
    return dict(router.current_event.query_string_parameters or {})


def _context(
    me: Identity, collector: str | None = None, *, with_cash_objectives: bool = False
) -> tuple[CallerContext, list[Portfolio]]:
    """The caller's settings (V9) and the portfolios a read is limited to: the caller's own
    (a collector with one), and the chosen collector's when a list is filtered by it (K4).
    Settings and own portfolio (and the cash objectives) come in one request
    (store/caller.py)."""
    context = context_service().load(me, with_cash_objectives=with_cash_objectives)
    scopes = [context.scope] if context.scope is not None else []
    if collector:
        scopes.append(portfolio_service().of_collector(me, collector))
    return context, scopes


# No return annotation: with format=xlsx the answer is bytes (see api/customer_export.py).
@router.get("/customers", responses=customer_export.list_answer(CustomerPage))
def list_customers(query: Annotated[customer_export.CustomerListQuery, Query()]):
    me = caller(router)
    # Powertools checks the declared parameters; ours also refuses unknown ones (a typo in
    # a filter must not silently widen the list).
    query = customer_export.CustomerListQuery.model_validate(_params())
    context, scopes = _context(me, query.collector)
    shown = context.settings
    if query.format:
        return customer_export.export(me.tenant, query, shown, _today(shown), scopes)
    page = receivables_service().customers(me.tenant, query, _today(shown), scopes)
    return json_response(200, display.customer_page(page, shown))


@router.get("/customers/<company>/<number>", responses=answers(Card))
def customer_card(company: str, number: str) -> Any:
    me = caller(router)
    # The access log (X3): its one write runs beside the card's reads, not after them.
    viewed = personal_data_service().view_recorder(me, company, number, datetime.now(UTC))
    context, scopes = _context(me)
    shown = context.settings
    card = receivables_service().card(me.tenant, company, number, _today(shown), scopes)
    viewed.result()
    return json_response(200, display.customer_card(card, shown))


class DashboardQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company: str | None = None
    collector: str | None = None  # a collector's user id: the customers of its portfolio


@router.get("/dashboard", responses=answers(DashboardAnswer))
def home_dashboard(query: Annotated[DashboardQuery, Query()]) -> Any:
    me = caller(router)
    params = DashboardQuery.model_validate(_params())
    context, scopes = _context(me, params.collector, with_cash_objectives=True)
    shown = context.settings
    board = receivables_service().dashboard(
        me.tenant, params.company, _today(shown), scopes, context.cash_objectives
    )
    return json_response(200, display.dashboard(board, shown))
