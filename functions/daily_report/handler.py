"""The daily cash report (K1): invoked every hour by an EventBridge rule ({}: every
tenant) or by hand ({"tenant_id": ...}); each recipient whose local time passed 07:00 gets
its report once per local day (services/daily_report.py claims the day before sending)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from relance.api.http import logger, tracer
from relance.services.wiring import daily_report_service


class ReportEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tenant_id: str | None = Field(default=None, min_length=1, max_length=64)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    asked = ReportEvent.model_validate(event)
    now = datetime.now(UTC)
    tenants = [asked.tenant_id] if asked.tenant_id else daily_report_service().tenants()
    sent: dict[str, int] = {}
    for tenant in tenants:
        try:
            sent[tenant] = len(daily_report_service().run_tenant(tenant, now))
        except Exception:  # one tenant's failure stops no other; the next hour retries it
            logger.exception("daily report failed", tenant_id=tenant)
    return {"sent": sent}
