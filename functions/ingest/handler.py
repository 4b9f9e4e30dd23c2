"""Relay routes: a connector's signed requests to start, feed and finish a sync run.

Thin: verify the signature, parse the body into the protocol models, call the service.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter

from relance.api.http import install_error_handlers, json_response, logger, raw_body, tracer
from relance.services.wiring import ingest_service
from relance.sync.protocol import Batch, RunFinish, RunStart, decode_body

app = APIGatewayRestResolver()
install_error_handlers(app)
_batch = TypeAdapter(Batch)


def _caller(body: bytes) -> tuple[str, str]:
    event = app.current_event
    tenant, key_id = ingest_service().authenticate(
        dict(event.headers or {}), event.http_method, event.path, body, int(time.time())
    )
    logger.append_keys(tenant_id=tenant, connector=key_id)
    return tenant, key_id


@app.get("/relay/state")
def relay_state() -> Any:
    tenant, _ = _caller(raw_body(app))
    return json_response(200, ingest_service().relay_state(tenant))


@app.post("/relay/runs")
def start_run() -> Any:
    body = raw_body(app)
    tenant, key_id = _caller(body)
    start = RunStart.model_validate(decode_body(body))
    return json_response(200, ingest_service().start_run(tenant, key_id, start))


@app.post("/relay/batches")
def store_batch() -> Any:
    body = raw_body(app)
    tenant, _ = _caller(body)
    batch = _batch.validate_python(decode_body(body))
    answer = ingest_service().store_batch(tenant, batch, body, datetime.now(UTC))
    return json_response(200, answer)


@app.post("/relay/runs/<run_id>/finish")
def finish_run(run_id: str) -> Any:
    body = raw_body(app)
    tenant, _ = _caller(body)
    finish = RunFinish.model_validate(decode_body(body))
    if finish.run_id != run_id:
        return json_response(
            400,
            {
                "error": {
                    "code": "run_mismatch",
                    "message": "The run id in the path and in the body differ.",
                    "message_fr": "Le numéro de lot diffère entre l'URL et le contenu.",
                }
            },
        )
    return json_response(200, ingest_service().finish_run(tenant, finish, datetime.now(UTC)))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
