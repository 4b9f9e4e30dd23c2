"""User routes (Cognito-authenticated). Thin: each concern is a router in relance.api.routes."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from relance.api.http import install_error_handlers, json_response, logger, tracer
from relance.api.routes import portfolios, receivables, sync, users

app = APIGatewayRestResolver()
install_error_handlers(app)
app.include_router(sync.router)
app.include_router(users.router)
app.include_router(receivables.router)
app.include_router(portfolios.router)

API_TITLE = "Relance API"
API_VERSION = "1.0.0"


@app.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3 document of this API, generated from the routes themselves."""
    return json_response(200, json.loads(openapi_document()))


def openapi_document() -> str:
    return app.get_openapi_json_schema(title=API_TITLE, version=API_VERSION)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
