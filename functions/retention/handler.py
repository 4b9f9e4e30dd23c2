"""The weekly retention run (B7): erase the contacts of customers with nothing open and no
activity for the retention period (3 years, CNIL), in every tenant or the one named.

Invoked by an EventBridge rule ({} : every tenant) or by hand ({"tenant_id": ..., "as_of":
...}). Each erasure leaves its record (by "retention"); nothing personal is logged.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from relance.api.http import logger, tracer
from relance.services.wiring import personal_data_service


class RetentionEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tenant_id: str | None = Field(default=None, min_length=1, max_length=64)
    as_of: date | None = None  # a catch-up or a test names the day; schedules send none


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    asked = RetentionEvent.model_validate(event)
    now = datetime.now(UTC)
    today = asked.as_of or now.date()
    service = personal_data_service()
    tenants = [asked.tenant_id] if asked.tenant_id else service.tenants()
    erased: dict[str, int] = {}
    for tenant in tenants:
        done = service.apply_retention_to_tenant(tenant, today, now)
        erased[tenant] = len(done)
        logger.info("retention applied", tenant_id=tenant, erasures=len(done))
    return {"as_of": today.isoformat(), "erasures": erased}
