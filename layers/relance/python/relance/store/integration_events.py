"""The integration event bus (EventBridge): PutEvents in batches of ten, failed entries
retried. The bus's name comes from the environment the CDK app sets; no name, no bus
(services/integration_events.py then announces nothing)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.config import Config

from relance.domain.integration_events import SOURCE, IntegrationEvent

EVENT_BUS_ENV = "RELANCE_EVENT_BUS"
MAX_ENTRIES = 10  # PutEvents' limit per call
# Emission runs after the user's write committed, inside their request: a slow or absent
# EventBridge must cost seconds at worst, never the API Gateway timeout.
_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 2})


def event_bus_name() -> str | None:
    return os.environ.get(EVENT_BUS_ENV) or None


def entry(bus: str, event: IntegrationEvent) -> dict[str, Any]:
    return {
        "EventBusName": bus,
        "Source": SOURCE,
        "DetailType": event.detail_type,
        "Detail": event.detail_json(),
        "Time": event.occurred_at,
    }


class EventBus:
    def __init__(
        self, name: str, client: Any | None = None, attempts: int = 3, pause: float = 0.1
    ) -> None:
        self.name = name
        self.client = client or boto3.client("events", config=_CONFIG)
        self.attempts = attempts
        self.pause = pause

    def put(self, events: Sequence[IntegrationEvent]) -> list[tuple[IntegrationEvent, str]]:
        """Put every event; the ones EventBridge still refused after the retries, with its
        error code. A call that fails outright (network, permissions) raises."""
        refused: list[tuple[IntegrationEvent, str]] = []
        for start in range(0, len(events), MAX_ENTRIES):
            refused += self._put_batch(list(events[start : start + MAX_ENTRIES]))
        return refused

    def _put_batch(self, batch: list[IntegrationEvent]) -> list[tuple[IntegrationEvent, str]]:
        pending = batch
        errors: list[str] = []
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.pause * 2 ** (attempt - 1))
            entries: Any = [entry(self.name, e) for e in pending]  # boto3's TypedDicts
            answer = self.client.put_events(Entries=entries)
            if not answer.get("FailedEntryCount"):
                return []
            # Entries answer in the order they were sent; a failed one has an ErrorCode.
            results = answer["Entries"]
            failed = [(e, r) for e, r in zip(pending, results, strict=True) if r.get("ErrorCode")]
            pending = [e for e, _ in failed]
            errors = [str(r.get("ErrorCode")) for _, r in failed]
        return list(zip(pending, errors, strict=True))
