"""The customer portal's API (K7, B6): /portal/..., no Cognito, the link's token as the key.

The token comes in the Authorization header ("Bearer <token>"). It is checked, counted
and logged (services/portal.Portal.enter) before anything else, the body included: a
caller without a valid link learns nothing, not even what a body should look like. Bodies
are then validated here (422 naming the field, nothing written).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from pydantic import BaseModel

from relance.api.http import install_error_handlers, json_response, logger, raw_body
from relance.domain.portal import PortalDispute, PortalMessage, PortalPromise
from relance.services.portal import TooManyRequests, Visit
from relance.services.wiring import portal_service

Model = TypeVar("Model", bound=BaseModel)
app = APIGatewayRestResolver()
install_error_handlers(app)


@app.exception_handler(TooManyRequests)
def _too_many(err: TooManyRequests) -> Response[str]:
    answer = json_response(err.status, err.body())
    answer.headers["Retry-After"] = str(err.retry_after)
    return answer


def _now() -> datetime:
    return datetime.now(UTC)


def _visit() -> Visit:
    event = app.current_event
    token = _header("Authorization").removeprefix("Bearer ").strip()
    source_ip = str(event.request_context.identity.source_ip or "")
    visit = portal_service().enter(token, f"{event.http_method} {event.path}", source_ip, _now())
    logger.append_keys(tenant_id=visit.grant.tenant)
    return visit


def _header(name: str) -> str:
    headers = app.current_event.headers or {}
    return str(headers.get(name) or headers.get(name.lower()) or "")


def _idempotency_key() -> str | None:
    return _header("Idempotency-Key")[:200] or None


def _body(model: type[Model]) -> Model:
    return model.model_validate_json(raw_body(app) or b"{}")


def _created(model: BaseModel, is_new: bool) -> Response[str]:
    return json_response(201 if is_new else 200, model.model_dump(mode="json"))


@app.get("/portal/statement")
def get_statement() -> Any:
    """The customer's letterhead, open items and totals, and the dispute reasons."""
    visit = _visit()
    return json_response(200, portal_service().statement(visit).model_dump(mode="json"))


@app.post("/portal/promises")
def post_promise() -> Any:
    visit = _visit()
    body = _body(PortalPromise)
    promise, is_new = portal_service().promise(visit, body, _idempotency_key())
    return _created(promise, is_new)


@app.post("/portal/disputes")
def post_dispute() -> Any:
    visit = _visit()
    body = _body(PortalDispute)
    dispute, is_new = portal_service().dispute(visit, body, _idempotency_key())
    return _created(dispute, is_new)


@app.post("/portal/messages")
def post_message() -> Any:
    visit = _visit()
    body = _body(PortalMessage)
    comment, is_new = portal_service().message(visit, body, _idempotency_key())
    return _created(comment, is_new)
