"""Announcing business events to integrators (B8) once the write that made them committed.

An announcement never fails nor undoes the user's request: the event goes out after the
write, and whatever goes wrong (EventBridge refusing entries after the retries, a network
error, a missing permission) is logged and counted (metric IntegrationEventsFailed), then
dropped. Each event's id derives from its business id (domain/integration_events.py), so a
consumer dedupes an event announced twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Protocol

from relance.domain.followup import Dispute, Promise
from relance.domain.integration_events import (
    DisputeOpened,
    DisputeResolved,
    IntegrationEvent,
    PromiseBroken,
    PromiseRecorded,
    ReminderSent,
    SyncFinished,
)

logger = logging.getLogger(__name__)
METRICS_NAMESPACE = "Relance"


class Bus(Protocol):
    def put(self, events: Sequence[IntegrationEvent]) -> list[tuple[IntegrationEvent, str]]: ...


class Announcer:
    def __init__(self, bus: Bus | None) -> None:
        self.bus = bus  # None: no bus configured (a local run without one), nothing to tell
        self.failed = 0  # since the container started; the metric is what alarms read

    def announce(self, *events: IntegrationEvent) -> int:
        """Put the events on the bus; how many went. Never raises."""
        if self.bus is None or not events:
            return 0
        try:
            refused = self.bus.put(events)
        except Exception:  # whatever it is, the user's write stands
            logger.exception("integration events not announced: %d event(s)", len(events))
            self._count_failed(len(events))
            return 0
        for event, code in refused:
            logger.error("integration event refused: %s %s (%s)",
                         event.detail_type, event.event_id, code)  # fmt: skip
        self._count_failed(len(refused))
        return len(events) - len(refused)

    def _count_failed(self, count: int) -> None:
        if not count:
            return
        self.failed += count
        from aws_lambda_powertools.metrics import MetricUnit, single_metric

        with single_metric(name="IntegrationEventsFailed", unit=MetricUnit.Count,
                           value=count, namespace=METRICS_NAMESPACE):  # fmt: skip
            pass  # printed as an EMF line when the block ends: CloudWatch makes it a metric


def announcer() -> Announcer:
    """The container's announcer, on the bus the environment names."""
    from relance.store.integration_events import event_bus_name

    return _announcer(event_bus_name())


@cache
def _announcer(bus_name: str | None) -> Announcer:
    from relance.store.integration_events import EventBus

    return Announcer(EventBus(bus_name) if bus_name else None)


# -- what the write paths announce (one call each, after their write committed) ----------
def announce_sent(log: dict[str, Any], now: datetime) -> int:
    """A reminder sent or produced, from its sent-log item (services/dispatch.py)."""
    amount = log.get("amount")
    event = ReminderSent.of(
        tenant_id=log["tenant"], occurred_at=now, action_key=str(log["key"]),
        company=log["company"], customer=log["customer"], step=log["step"],
        level=int(log.get("level") or 0), channel=log["channel"],
        template=str(log.get("template") or ""),
        amount=None if amount is None else Decimal(str(amount)),
        currency=log.get("currency") or "EUR",
        invoice_numbers=[str(n) for n in log.get("invoice_numbers", [])],
        as_of=date.fromisoformat(str(log["as_of"])),
    )  # fmt: skip
    return announcer().announce(event)


def announce_promise_recorded(
    tenant: str, company: str, customer: str, promise: Promise, recorded_by: str | None = None
) -> int:
    event = PromiseRecorded.of(
        tenant_id=tenant, occurred_at=promise.made_at, company=company, customer=customer,
        promise_id=promise.promise_id, amount=promise.amount,
        promised_date=promise.promised_date, entries=promise.entries,
        recorded_by=recorded_by or promise.made_by,
    )  # fmt: skip
    return announcer().announce(event)


def announce_promises_broken(
    tenant: str, company: str, broken: Sequence[tuple[str, Promise]], now: datetime
) -> int:
    """The promises a sync found broken, (customer, promise) each, in batches of ten."""
    events = [_broken(tenant, company, customer, p, now) for customer, p in broken]
    return announcer().announce(*events)


def _broken(tenant: str, company: str, customer: str, p: Promise, now: datetime) -> PromiseBroken:
    return PromiseBroken.of(
        tenant_id=tenant, occurred_at=now, company=company, customer=customer,
        promise_id=p.promise_id, amount=p.amount, paid=p.paid,
        promised_date=p.promised_date, decided_on=p.decided_on or now.date(),
    )  # fmt: skip


def announce_dispute_opened(
    tenant: str, company: str, customer: str, dispute: Dispute, opened_by: str | None = None
) -> int:
    """Also for the customer portal: `opened_by="portal"`."""
    event = DisputeOpened.of(
        tenant_id=tenant, occurred_at=dispute.opened_at, company=company, customer=customer,
        dispute_id=dispute.dispute_id, reason=dispute.reason, amount=dispute.amount,
        entries=dispute.entries, opened_by=opened_by or dispute.opened_by,
    )  # fmt: skip
    return announcer().announce(event)


def announce_dispute_resolved(tenant: str, company: str, customer: str, dispute: Dispute) -> int:
    event = DisputeResolved.of(
        tenant_id=tenant, occurred_at=dispute.resolved_at, company=company, customer=customer,
        dispute_id=dispute.dispute_id, amount=dispute.amount, resolved_by=dispute.resolved_by,
    )  # fmt: skip
    return announcer().announce(event)


def announce_sync_finished(tenant: str, result: dict[str, Any], now: datetime) -> int:
    """A sync run's finish (services/ingest.py), from the result it stored."""
    companies = result.get("companies", [])
    event = SyncFinished.of(
        tenant_id=tenant, occurred_at=now, run_id=result["run_id"], mode=result["mode"],
        companies=[c["company"] for c in companies], batches=int(result["batches"]),
        records_written=int(result["records_written"]),
        promises_decided=sum(int(c.get("promises_decided", 0)) for c in companies),
    )  # fmt: skip
    return announcer().announce(event)
