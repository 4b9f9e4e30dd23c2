"""User routes (Cognito-authenticated). Thin: each concern is a router in relance.api.routes."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from relance.api.http import (
    body_not_an_object,
    install_error_handlers,
    json_response,
    logger,
    tracer,
)
from relance.api.routes import (
    dunning_config,
    followup,
    portfolios,
    receivables,
    settings,
    sync,
    users,
    worklist,
)

# Validation on: bodies and query strings declared on the routes are checked by Powertools
# and written into the OpenAPI document (422s keep our error shape: api/http.py).
app = APIGatewayRestResolver(enable_validation=True)
install_error_handlers(app)
app.include_router(sync.router)
app.include_router(users.router)
app.include_router(receivables.router)
app.include_router(portfolios.router)
app.include_router(settings.router)
app.include_router(followup.router)
app.include_router(dunning_config.router)
app.include_router(worklist.router)

API_TITLE = "Relance API"
API_VERSION = "1.0.0"


@app.get(
    "/openapi.json",
    responses={
        200: {
            "description": "This document",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def openapi() -> Any:
    """The OpenAPI 3 document of this API, generated from the routes themselves."""
    return json_response(200, json.loads(openapi_document()))


def openapi_document() -> str:
    return app.get_openapi_json_schema(title=API_TITLE, version=API_VERSION)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    refused = body_not_an_object(event)
    if refused is not None:
        return refused
    return app.resolve(event, context)
