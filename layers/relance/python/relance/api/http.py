"""What every HTTP handler shares: the error mapping, raw bodies, the tracing tools.

Light to import (docs/decisions.md, "The API function's cold start"): pydantic and Powertools'
validation load with install_error_handlers, and the Tracer, which imports the X-Ray SDK
and patches botocore, only for the functions that ask for `tracer`.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from relance.services.errors import ServiceError

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
    from pydantic import ValidationError

logger = Logger()


@cache
def _tracer() -> Tracer:
    from aws_lambda_powertools import Tracer

    return Tracer()


def __getattr__(name: str) -> Any:
    """`from relance.api.http import tracer`: built by the first module that imports it
    (the ingest and nightly functions); the API function relies on Lambda's active tracing
    alone and never loads the X-Ray SDK."""
    if name == "tracer":
        return _tracer()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def request_validation_error(err: RequestValidationError) -> Response[str]:
    """Powertools' own validation of a declared body or query: the same 422 as ours.

    Its locations start with where the value was ("body", "query", "path"); the field
    path after that is what a caller needs."""
    errors = list(err.errors())
    problems = [
        {"where": ".".join(str(p) for p in _field_path(e["loc"])), "problem": e["msg"]}
        for e in errors[:50]
    ]
    where = "query" if errors and errors[0]["loc"][:1] == ("query",) else "body"
    return json_response(
        422,
        {
            "error": {
                "code": f"invalid_{where}",
                "message": f"The request is not valid: {len(errors)} problem(s).",
                "message_fr": f"La requête est invalide : {len(errors)} problème(s).",
                "details": problems,
            }
        },
    )


def body_not_an_object(event: dict[str, Any]) -> dict[str, Any] | None:
    """A ready 4xx answer when a request body is not one JSON object, else None.

    Checked before Powertools sees the request: its validation reads a JSON list as its
    first element, so `[{...valid...}, {...}]` would pass as the first object alone.
    """
    body = event.get("body")
    if not body:
        return None
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", errors="replace")
    try:
        parsed = json.loads(body)
    except ValueError as err:
        return _answer(400, "unreadable_body", f"The body is not JSON: {err}",
                       "Le contenu de la requête n'est pas du JSON.")  # fmt: skip
    if not isinstance(parsed, dict):
        return _answer(422, "invalid_body", "The body must be one JSON object.",
                       "Le contenu doit être un objet JSON.", [{"where": "", "problem":
                       f"expected an object, got {type(parsed).__name__}"}])  # fmt: skip
    return None


def _answer(
    status: int, code: str, message: str, message_fr: str, details: Any = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "message_fr": message_fr}
    if details is not None:
        error["details"] = details
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"error": error}, ensure_ascii=False),
        "isBase64Encoded": False,
    }


def _field_path(loc: Any) -> list[Any]:
    parts = list(loc)
    if parts[:1] in (["body"], ["query"], ["path"]):
        parts = parts[1:]
    # A model declared as a whole (body: Annotated[Model, Body()]) may add its own name.
    if parts[:1] == ["query"]:
        parts = parts[1:]
    return parts


def install_error_handlers(app: APIGatewayRestResolver) -> None:
    from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
    from pydantic import ValidationError

    @app.exception_handler(RequestValidationError)
    def _request_invalid(err: RequestValidationError) -> Response[str]:
        return request_validation_error(err)

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
