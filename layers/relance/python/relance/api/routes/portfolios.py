"""Portfolios (K3): an admin assigns customers to a collector, by rule or by hand."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from relance.api.caller import caller
from relance.api.http import json_response
from relance.domain.portfolios import PortfolioBody
from relance.services.wiring import portfolio_service

router = Router()


@router.get("/users/<user_id>/portfolio")
def get_portfolio(user_id: str) -> Any:
    me = caller(router)
    return json_response(200, portfolio_service().get(me, user_id).model_dump(mode="json"))


@router.put("/users/<user_id>/portfolio")
def put_portfolio(user_id: str) -> Any:
    me = caller(router)
    me.require("admin")  # before reading the body: a lower role learns nothing from a 422
    body = PortfolioBody.model_validate(router.current_event.json_body or {})
    return json_response(200, portfolio_service().put(me, user_id, body).model_dump(mode="json"))
