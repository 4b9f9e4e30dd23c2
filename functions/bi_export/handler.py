"""The daily BI export (K6): every tenant's datasets of a day to the exports bucket.

Invoked by a daily EventBridge rule ({}: every tenant, the day that just ended in Paris)
or by hand ({"tenant_id": ..., "date": "yyyy-mm-dd"}: one tenant, or one day again; a
re-run replaces that day). A tenant's failure does not stop the others; the invocation
fails at the end if any did, so Lambda's retries and the dead-letter queue see it (a
retry re-exports, which only replaces). Logs carry counts, never data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from relance.services.bi_export import TENANT_ZONE, bi_export_service

logger = Logger()
tracer = Tracer()


class ExportEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    tenant_id: str | None = Field(default=None, min_length=1, max_length=64)
    day: date | None = Field(default=None, alias="date")  # the rule sends none: yesterday


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    asked = ExportEvent.model_validate(event)
    now = datetime.now(UTC)
    day = asked.day or now.astimezone(TENANT_ZONE).date() - timedelta(days=1)
    service = bi_export_service()
    tenants = [asked.tenant_id] if asked.tenant_id else service.tenants()
    exported: dict[str, dict[str, int]] = {}
    failed: list[str] = []
    for tenant in tenants:
        try:
            report = service.export(tenant, day, now)
        except Exception:
            logger.exception("bi export failed", tenant_id=tenant, date=day.isoformat())
            failed.append(tenant)
            continue
        exported[tenant] = report.rows
        logger.info("bi export written", tenant_id=tenant, date=day.isoformat(),
                    run_id=report.run_id, rows=report.rows, csv_bytes=report.csv_bytes,
                    parquet_bytes=report.parquet_bytes, replaced=report.replaced,
                    seconds={k: round(v, 3) for k, v in report.seconds.items()})  # fmt: skip
    if failed:
        raise RuntimeError(f"BI export failed for {len(failed)} of {len(tenants)} tenant(s)")
    return {"date": day.isoformat(), "rows": exported}
