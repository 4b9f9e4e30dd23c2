"""bench/integration_events: what announcing an integration event (B8) adds to a write.

On the stand-ins (DynamoDB Local in memory, moto for EventBridge), through the real
services, in one run:
- put: one event through the announcer (PutEvents), p50/p95 in ms; a batch of 10;
- dispute: FollowUpService.open_dispute (validation, one DynamoDB transaction, then the
  announcement) with no bus configured and with the bus: the difference is what the
  announcement costs the user's request;
- refused: the same with a bus name that does not exist (EventBridge refuses every entry,
  retried three times): the worst case a user waits for while the bus misbehaves.
In AWS, PutEvents in-region answers in ~20 ms; moto on this machine is the figure here.
Figures go to bench/results/integration_events.json. Usage: python -m bench.integration_events
"""

from __future__ import annotations

import os
import secrets
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3

from bench.figures import write_results
from local import standins
from relance.domain.integration_events import DisputeOpened
from relance.domain.receivables import summarize
from relance.domain.records import Customer, LedgerLine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "integration_events.json"
TABLE, BUS, RUNS = "relance-bench", "relance-bench-integration", 60


def timed(call: Callable[[int], Any], runs: int = RUNS) -> dict[str, float]:
    spent = []
    for n in range(runs):
        start = time.perf_counter()
        call(n)
        spent.append((time.perf_counter() - start) * 1000)
    spent.sort()
    return {"p50_ms": round(statistics.median(spent), 2),
            "p95_ms": round(spent[int(len(spent) * 0.95) - 1], 2)}  # fmt: skip


def main() -> None:
    running = standins.start()
    try:
        running.apply_env()
        os.environ["RELANCE_TABLE"] = TABLE
        standins.ensure_resources(running, TABLE, [])
        boto3.client("events").create_event_bus(Name=BUS)
        figures = measure()
    finally:
        running.stop()
    write_results(RESULTS, figures)
    print(figures)


def measure() -> dict[str, Any]:
    from relance.auth.identity import Identity
    from relance.domain.followup import NewDispute
    from relance.services.integration_events import announcer
    from relance.services.wiring import followup_service
    from relance.store.dynamo import SyncStore
    from relance.store.integration_events import EVENT_BUS_ENV

    store, followup = SyncStore(TABLE), followup_service()
    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU"])
    today = datetime.now(UTC).date()
    customers = [Customer(company="BIJOU", number="C1", name="Bijouterie Dupont")]
    lines = [LedgerLine(company="BIJOU", entry_number=1, journal="VTE", accounting_date=today,
                        due_date=today - timedelta(30), general_account="4110000",
                        customer="C1", amount=Decimal("100.00"))]  # fmt: skip
    store.write_records(tenant, [*customers, *lines])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", customers, lines, today))
    who = Identity(tenant=tenant, role="user", user_id="u-bench")
    file = followup.customer_file(who, "BIJOU", "C1", None, write=True)

    def event(n: int) -> DisputeOpened:
        return DisputeOpened.of(tenant_id=tenant, occurred_at=datetime.now(UTC), company="BIJOU",
                                customer="C1", dispute_id=f"d{n}", reason="price",
                                amount=Decimal("1.00"), opened_by="u-bench")  # fmt: skip

    def dispute(_: int) -> None:
        followup.open_dispute(who, file, NewDispute(reason="price"), datetime.now(UTC))

    os.environ.pop(EVENT_BUS_ENV, None)
    without_bus = timed(dispute)
    os.environ[EVENT_BUS_ENV] = BUS
    put_one = timed(lambda n: announcer().announce(event(n)))
    put_ten = timed(lambda n: announcer().announce(*(event(n * 10 + i) for i in range(10))), 20)
    with_bus = timed(dispute)
    os.environ[EVENT_BUS_ENV] = "no-such-bus"
    refused = timed(dispute, 10)
    os.environ.pop(EVENT_BUS_ENV, None)
    return {
        "put_one_event": put_one,
        "put_ten_events": put_ten,
        "open_dispute_without_bus": without_bus,
        "open_dispute_with_bus": with_bus,
        "open_dispute_bus_refusing": refused,
        "added_p50_ms": round(with_bus["p50_ms"] - without_bus["p50_ms"], 2),
    }


if __name__ == "__main__":
    main()
