"""One company's nightly dunning run, from the nightly queue (SQS, partial batch failures).

A message that fails is reported alone and comes back after the visibility timeout (then
to the dead-letter queue); the others of the batch are done. A retried message is safe:
the run writes only what its date has not written yet (services/nightly.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from relance.api.http import logger, tracer
from relance.services.nightly import NightlyJob
from relance.services.wiring import nightly_service

processor = BatchProcessor(event_type=EventType.SQS)


def run_one(record: SQSRecord) -> dict[str, Any]:
    job = NightlyJob.model_validate(json.loads(record.body))
    logger.append_keys(tenant_id=job.tenant_id, company=job.company)
    report = nightly_service().run_company(job.tenant_id, job.company, job.as_of, datetime.now(UTC))
    summary = report.public()
    logger.info("nightly company done", **{k: summary[k] for k in ("actions", "alerts", "items")})
    return summary


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=run_one, processor=processor, context=context
    )
