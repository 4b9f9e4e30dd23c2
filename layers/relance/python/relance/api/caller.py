"""The verified identity of the user behind the current request."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from relance.api.http import logger
from relance.auth.identity import Identity, identity_from_claims


def caller(router: Router) -> Identity:
    """Tenant and role from the authorizer's claims (API Gateway's Cognito authorizer in
    AWS, the local dev server here): never from the path, the query or the body."""
    event = router.current_event.raw_event
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims") or {}
    identity = identity_from_claims(claims)
    logger.append_keys(tenant_id=identity.tenant)
    return identity
