"""What the routes that change one customer share: finding it, answering a creation."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Header

from relance.api.http import json_response
from relance.auth.identity import Identity
from relance.services.followup import CustomerFile
from relance.services.wiring import followup_service, portfolio_service

# A retried creation with the same key returns what the first one wrote (200, not 201).
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def writable_customer(me: Identity, company: str, number: str) -> CustomerFile:
    """The customer, if the caller may change it: user role (403), of the caller's tenant
    (404) and, for a collector with a portfolio, in it (403)."""
    me.require("user")
    scope = portfolio_service().scope(me)
    return followup_service().customer_file(me, company, number, scope, write=True)


def created(model: Any, is_new: bool) -> Any:
    """201 for a new item; 200 when an idempotent retry found the one it wrote before."""
    return json_response(201 if is_new else 200, model.model_dump(mode="json"))
