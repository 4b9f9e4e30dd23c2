"""bench/dispatch: the dispatch path's throughput against an SES send rate (issue 5).

On the stand-ins (DynamoDB Local in memory, moto for SQS, SES and S3), in one run:
- a nightly run queues N reminder emails (one per customer, 1 to 3 invoices each);
- raw: N SES send_email calls of the same size through the same Mailer, paced by the same
  token bucket at the same rate (RELANCE_SEND_RATE, SES's default 14/s for a new account):
  what SES itself allows;
- dispatch: the same number of queued actions drained through the real dispatch handler
  (claim, read, render, .eml to S3, send, record) in batches of 100: emails per second
  of the handler's time, and its ratio to raw (`ratio_dispatch_vs_raw_send`, target
  >= 0.9), with every email accounted for (sent once, none lost to throttling); end to
  end too, with the local runner's SQS polling between batches (in AWS the event source
  mapping polls beside the function);
- the same two without a rate (what this machine's stand-ins allow), for scale;
- letters: M letter actions through the handler (PDF to S3): letters per second;
- DynamoDB requests per email and per letter (every call on the dispatch's client).
Figures go to bench/results/dispatch.json. Usage: python -m bench.dispatch [--emails N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from local import standins
from local.nightly import drain_dispatch, ensure_queues, run_dispatch, run_nightly
from relance.domain.receivables import summarize
from relance.domain.records import Customer, Journal, LedgerLine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "dispatch.json"
TABLE, BUCKET, RAW = "relance-bench", "relance-bench-documents", "relance-bench-raw"
SENDER = "relances@bench.relance.test"
SES_RATE = 14.0  # SES's default MaxSendRate for a new production account
RUN = date(2026, 11, 23)


def seed(store: Any, count: int, with_email: bool) -> str:
    """A tenant whose `count` customers each get one automatic R1 tonight: an email, or a
    letter when they have no address but a postal one."""
    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BENCH"])
    customers, lines = [], []
    entry = 1
    for n in range(count):
        number = f"C{n:05d}"
        customers.append(
            Customer(
                company="BENCH", number=number, name=f"Client {n} SARL",
                email=f"compta{n}@{tenant}.fr" if with_email else "",
                address=f"{n} rue de la République", postal_code="69002", city="Lyon",
            )
        )  # fmt: skip
        for i in range(1 + n % 3):
            due = RUN - timedelta(days=6 + i)
            lines.append(
                LedgerLine(
                    company="BENCH", entry_number=entry, journal="VTE",
                    accounting_date=due - timedelta(30), due_date=due, general_account="411000",
                    customer=number, amount=Decimal(120 + (n * 37 + i * 211) % 4800)
                    + Decimal(n % 100) / 100, invoice_number=f"FA-{entry:06d}",
                )
            )  # fmt: skip
            entry += 1
    journal = Journal(company="BENCH", code="VTE", label="Ventes", type=1)
    store.write_records(tenant, [*customers, *lines, journal])
    store.replace_summaries(tenant, "BENCH", summarize("BENCH", customers, lines, RUN))
    return tenant


class Counter:
    """Every DynamoDB call made through a client (botocore's after-call event)."""

    def __init__(self, client: Any) -> None:
        self.calls = 0
        client.meta.events.register("after-call.dynamodb", self._count)

    def _count(self, **_: Any) -> None:
        self.calls += 1


def raw_sends(count: int, rate: float) -> float:
    """`count` emails of a reminder's size straight to SES through the Mailer: per second."""
    from relance.services.wiring import dispatch_service
    from relance.store.mail import OutgoingEmail

    os.environ["RELANCE_SEND_RATE"] = str(rate)
    mailer = dispatch_service().mailer
    mailer.new_invocation()
    html = "<p>" + "Madame, Monsieur, " * 200 + "</p>"  # ~5 kB, as a rendered reminder
    start = time.perf_counter()
    for n in range(count):
        mailer.send(
            OutgoingEmail(SENDER, "Bench", (f"raw{n}@raw.bench.test",), "Rappel", html, html[:3000])
        )
    return count / (time.perf_counter() - start)


def dispatched(tenant: str, rate: float) -> tuple[float, float, dict[str, Any], int]:
    """Run the night, then drain its queue through the handler: (per second in the
    handler, per second end to end, outcome, DynamoDB calls during the drain)."""
    import functions.dispatch.handler  # noqa: F401  (a warm container: imports done)
    from relance.services.wiring import dispatch_service

    os.environ["RELANCE_SEND_RATE"] = str(rate)
    assert run_nightly(tenant, RUN)["failed"] == []
    counter = Counter(dispatch_service().store.client)
    start = time.perf_counter()
    outcome = run_dispatch()
    seconds = time.perf_counter() - start
    done = outcome["done"]
    return done / outcome["handler_s"], done / seconds, outcome, counter.calls


def received_for(running: standins.Standins, tenant: str) -> int:
    found = 0
    for sent in standins.sent_emails(running):
        destinations: list[str] = list(sent["destinations"])  # type: ignore[call-overload]
        found += any(d.endswith(f"@{tenant}.fr") for d in destinations)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=200)
    parser.add_argument("--letters", type=int, default=100)
    args = parser.parse_args()
    started = time.perf_counter()
    with standins.running() as running:
        running.apply_env()
        os.environ.update(
            {
                "RELANCE_TABLE": TABLE,
                "RELANCE_RAW_BUCKET": RAW,
                "RELANCE_DOCUMENTS_BUCKET": BUCKET,
                "RELANCE_DEFAULT_SENDER": SENDER,
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_LOG_LEVEL": "ERROR",
            }
        )
        standins.ensure_resources(running, TABLE, [RAW, BUCKET])
        standins.ensure_sending(running, [SENDER])
        ensure_queues()
        drain_dispatch()
        from relance.store.dynamo import SyncStore

        store = SyncStore(TABLE)
        figures: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
            "stand_ins": "DynamoDB Local (in memory), moto server (SQS, SES v2, S3)",
            "emails": args.emails,
            "ses_rate_per_s": SES_RATE,
        }
        raw_paced = raw_sends(args.emails, SES_RATE)
        paced_tenant = seed(store, args.emails, with_email=True)
        dispatch_paced, end_to_end, outcome, calls = dispatched(paced_tenant, SES_RATE)
        figures |= {
            "raw_send_emails_per_s": round(raw_paced, 2),
            "dispatch_emails_per_s": round(dispatch_paced, 2),
            # With the local runner's SQS receives and deletes between invocations (moto);
            # in AWS the event source mapping polls beside the function.
            "dispatch_end_to_end_emails_per_s": round(end_to_end, 2),
            "ratio_dispatch_vs_raw_send": round(dispatch_paced / raw_paced, 3),
            "ratio_target": 0.9,
            "dispatch_failed": len(outcome["failed"]),
            "emails_received_by_ses": received_for(running, paced_tenant),
            "dynamodb_requests_per_email": round(calls / max(1, outcome["done"]), 2),
        }
        raw_free = raw_sends(args.emails, 100_000)
        free_tenant = seed(store, args.emails, with_email=True)
        dispatch_free, _, outcome_free, _ = dispatched(free_tenant, 100_000)
        figures |= {
            "unpaced_raw_send_emails_per_s": round(raw_free, 1),
            "unpaced_dispatch_emails_per_s": round(dispatch_free, 1),
            "unpaced_failed": len(outcome_free["failed"]),
        }
        letter_tenant = seed(store, args.letters, with_email=False)
        letters_per_s, _, letters_outcome, letter_calls = dispatched(letter_tenant, SES_RATE)
        figures |= {
            "letters": args.letters,
            "letters_per_s": round(letters_per_s, 1),
            "letters_failed": len(letters_outcome["failed"]),
            "dynamodb_requests_per_letter": round(
                letter_calls / max(1, letters_outcome["done"]), 2
            ),
        }
        from relance.services.wiring import dispatch_service

        start = time.perf_counter()
        dispatch_service().grouped_letters(letter_tenant, RUN)
        figures["grouped_pdf_of_run_letters_s"] = round(time.perf_counter() - start, 2)
    figures["bench_s"] = round(time.perf_counter() - started, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
