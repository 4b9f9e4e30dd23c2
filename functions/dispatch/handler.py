"""Sends queued automatic actions (SQS dispatch queue, partial batch failures): an email
through SES or a letter PDF in S3 per message, exactly once (services/dispatch.py).

The messages of a batch are sent side by side (threads: each waits mostly on DynamoDB, S3
and SES), at the pace of the SES rate's token bucket they share. A message that must come
back (throttled, held by another delivery, refused: see the service) is reported alone;
the others of the batch are done and deleted.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    AsyncBatchProcessor,
    EventType,
    async_process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from relance.api.http import logger, tracer
from relance.services.dispatch import DispatchMessage
from relance.services.wiring import dispatch_service

# A batch whose every message must come back is reported item by item too, not raised:
# the same outcome for SQS, and the local runner reads one shape.
processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def send_one(body: str) -> dict[str, Any]:
    message = DispatchMessage.model_validate(json.loads(body))
    outcome = dispatch_service().dispatch(message, datetime.now(UTC))
    # Keys per line, not appended: the batch's messages are logged side by side.
    logger.info("dispatched", tenant_id=message.tenant_id, company=message.company,
                step=message.step, channel=message.channel, result=outcome.result)  # fmt: skip
    return {"result": outcome.result, "message_id": outcome.message_id}


async def send_record(record: SQSRecord) -> dict[str, Any]:
    return await asyncio.to_thread(send_one, record.body)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    dispatch_service().new_invocation()
    return async_process_partial_response(
        event=event, record_handler=send_record, processor=processor, context=context
    )
