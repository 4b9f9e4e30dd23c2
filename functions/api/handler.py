"""User routes (Cognito-authenticated): sync on demand, sync history, aged-balance control."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from relance.api.http import install_error_handlers, json_response, logger, tracer
from relance.auth.identity import Identity, identity_from_claims
from relance.services.errors import NotFound
from relance.services.wiring import ingest_service

app = APIGatewayRestResolver()
install_error_handlers(app)


class SyncRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["full", "incremental"] = "incremental"


def _identity() -> Identity:
    context = app.current_event.request_context
    claims = (context.authorizer.claims if context.authorizer else None) or {}
    identity = identity_from_claims(claims)
    logger.append_keys(tenant_id=identity.tenant)
    return identity


@app.post("/sync-requests")
def request_sync() -> Any:
    me = _identity()
    me.require("user")
    body = SyncRequestBody.model_validate(app.current_event.json_body or {})
    request = ingest_service().request_sync(me.tenant, body.mode, me.user_id, datetime.now(UTC))
    return json_response(202, request)


@app.get("/sync-runs")
def list_runs() -> Any:
    me = _identity()
    return json_response(200, {"runs": ingest_service().store.list_runs(me.tenant)})


@app.get("/controls/aged-balance")
def aged_balance_control() -> Any:
    """The latest aged-balance control of each company (or of ?company=CODE)."""
    me = _identity()
    service = ingest_service()
    companies = service.store.list_companies(me.tenant)
    wanted = app.current_event.get_query_string_value("company")
    if wanted:
        companies = [c for c in companies if c == wanted]
    controls = []
    for company in companies:
        latest = service.store.latest_control(me.tenant, company)
        if latest is not None:
            controls.append({"run_id": latest["run_id"], **latest["report"]})
    if wanted and not controls:
        raise NotFound(
            "no_control",
            f"No aged-balance control for company {wanted} yet: run a sync first.",
            f"Aucun contrôle de balance âgée pour {wanted} : lancez d'abord une synchronisation.",
        )
    return json_response(200, {"controls": controls})


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
