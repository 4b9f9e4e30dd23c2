"""SES events from EventBridge (B5): bounces, complaints and deliveries of the reminders.

The rule (infra constructs/deliverability.py) sends "Email Bounced", "Email Complaint
Received" and "Email Delivered" events of source aws.ses, one per invocation,
asynchronously: an exception makes Lambda retry it (then the dead-letter queue), which is
what an event arriving before the dispatch recorded the send needs (NotSentYet). Anything
that is not ours is logged and acknowledged. No address is ever logged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from relance.api.http import logger, tracer
from relance.services.wiring import events_service


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(event_id=event.get("id"), detail_type=event.get("detail-type"))
    outcome = events_service().handle(event, datetime.now(UTC))
    if "tenant" in outcome:
        logger.append_keys(tenant_id=outcome["tenant"])
    logger.info("ses event", **{k: v for k, v in outcome.items() if k != "tenant"})
    return outcome
