"""The customer portal (K7, B6): /portal/... for customers holding a link, no Cognito.

Thin: the token check, rate limit, access log, body validation and routes are in
relance.api.portal_routes (the token first: a caller without a valid link learns nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relance.api.http import logger
from relance.api.portal_routes import app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
