"""Portfolios (K3): an admin assigns customers to a collector, by rule or by hand."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from relance.api.caller import caller
from relance.api.http import json_response
from relance.api.schemas import answers
from relance.domain.portfolios import Portfolio, PortfolioBody
from relance.services.wiring import portfolio_service

router = Router()


@router.get("/users/<user_id>/portfolio", responses=answers(Portfolio))
def get_portfolio(user_id: str) -> Any:
    me = caller(router)
    return json_response(200, portfolio_service().get(me, user_id).model_dump(mode="json"))


@router.put("/users/<user_id>/portfolio", responses=answers(Portfolio))
def put_portfolio(user_id: str, body: Annotated[PortfolioBody, Body()]) -> Any:
    me = caller(router)
    me.require("admin")
    return json_response(200, portfolio_service().put(me, user_id, body).model_dump(mode="json"))
