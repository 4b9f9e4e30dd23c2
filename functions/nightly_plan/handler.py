"""Tonight's run of one tenant: one message per company to the nightly queue (fan-out).

Invoked by the tenant's EventBridge Scheduler schedule with {"tenant_id": ...} at the hour
it chose, in its time zone. Each company then runs in its own invocation of the
nightly_company function: a big tenant never meets the time limit, and one company's (or
tenant's) failure stops no other.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from relance.api.http import logger, tracer
from relance.services.wiring import nightly_queue, nightly_service


class PlanEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tenant_id: str = Field(min_length=1, max_length=64)
    # Schedules send none (the run is for today in the tenant's zone); a catch-up or a
    # simulation names the day.
    as_of: date | None = None


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    asked = PlanEvent.model_validate(event)
    tenant = asked.tenant_id
    logger.append_keys(tenant_id=tenant)
    jobs = nightly_service().plan(tenant, datetime.now(UTC), asked.as_of)
    queue = nightly_queue()
    if queue is None:
        raise RuntimeError("RELANCE_NIGHTLY_QUEUE_URL is not set")
    sent = queue.send(job.model_dump(mode="json") for job in jobs)
    logger.info("nightly planned", companies=sent)
    return {"tenant_id": tenant, "companies": [j.company for j in jobs], "sent": sent}
