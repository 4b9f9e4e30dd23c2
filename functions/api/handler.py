"""User routes (Cognito-authenticated). Thin: each concern is a router in relance.api.routes."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from relance.api.http import install_error_handlers, logger, tracer
from relance.api.routes import receivables, sync, users

app = APIGatewayRestResolver()
install_error_handlers(app)
app.include_router(sync.router)
app.include_router(users.router)
app.include_router(receivables.router)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
