"""What every HTTP handler shares: the error mapping, raw bodies, the tracing tools."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from pydantic import ValidationError

from relance.services.errors import ServiceError

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="Relance")


def json_response(status: int, body: Any) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, default=str, ensure_ascii=False),
    )


def raw_body(app: APIGatewayRestResolver) -> bytes:
    """The request body as bytes (API Gateway base64-encodes binary media types)."""
    event = app.current_event
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8")


def validation_error(err: ValidationError) -> Response[str]:
    problems = [
        {"where": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
        for e in err.errors()[:50]
    ]
    return json_response(
        422,
        {
            "error": {
                "code": "invalid_body",
                "message": f"The body is not valid: {len(err.errors())} problem(s).",
                "message_fr": f"Le contenu est invalide : {len(err.errors())} problème(s).",
                "details": problems,
            }
        },
    )


def install_error_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(ServiceError)
    def _service_error(err: ServiceError) -> Response[str]:
        logger.info("refused", code=err.code, status=err.status)
        return json_response(err.status, err.body())

    @app.exception_handler(ValidationError)
    def _invalid(err: ValidationError) -> Response[str]:
        return validation_error(err)

    @app.exception_handler(ValueError)
    def _unreadable(err: ValueError) -> Response[str]:
        # Bad JSON, bad gzip: nothing was written, say what was wrong.
        return json_response(
            400,
            {
                "error": {
                    "code": "unreadable_body",
                    "message": f"The body could not be read: {err}",
                    "message_fr": "Le contenu de la requête est illisible (JSON ou gzip).",
                }
            },
        )
