"""The nightly run on the local stand-ins, as EventBridge Scheduler and SQS would drive it.

Moto keeps the queues but runs no Lambda and fires no schedule: this invokes the real
nightly_plan handler with the event a tenant's schedule sends, then drains the nightly
queue (moto SQS) into the real nightly_company handler, in SQS event shape, deleting what
it reports done — the work an event source mapping does in AWS.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import boto3

from local.devserver import LambdaContextStandIn
from relance.store.names import DISPATCH_QUEUE_ENV, NIGHTLY_QUEUE_ENV

QUEUES = {NIGHTLY_QUEUE_ENV: "relance-nightly", DISPATCH_QUEUE_ENV: "relance-dispatch"}


def ensure_queues() -> dict[str, str]:
    """Create the queues in moto (idempotent) and point the environment at them."""
    sqs = boto3.client("sqs")
    urls = {env: sqs.create_queue(QueueName=name)["QueueUrl"] for env, name in QUEUES.items()}
    os.environ.update(urls)
    return urls


def _sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": os.environ.get("AWS_DEFAULT_REGION", "eu-west-3"),
            }
            for m in messages
        ]
    }


def run_nightly(tenant: str, as_of: date | None = None) -> dict[str, Any]:
    """Plan a tenant's night and run every company; what each step answered."""
    from functions.nightly_company import handler as company_fn
    from functions.nightly_plan import handler as plan_fn

    urls = ensure_queues()
    event: dict[str, Any] = {"tenant_id": tenant}
    if as_of is not None:
        event["as_of"] = as_of.isoformat()
    planned = plan_fn.handler(event, LambdaContextStandIn("nightly_plan"))
    sqs = boto3.client("sqs")
    url = urls[NIGHTLY_QUEUE_ENV]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    failures: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5, WaitTimeSeconds=0)
        messages = got.get("Messages", [])
        if not messages:
            break
        answer = company_fn.handler(_sqs_event(messages, arn), LambdaContextStandIn("company"))
        failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
        failures += sorted(failed)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                         for i, m in enumerate(done)],
            )  # fmt: skip
        if failed:
            break  # they would come back after the visibility timeout: report, don't spin
    return {"planned": planned, "failed": failures}


def drain_dispatch(tenant: str | None = None) -> list[dict[str, Any]]:
    """The automatic actions queued for dispatch (read and removed), for tests and the demo.
    With `tenant`, only that tenant's are returned (all are removed): a message another test
    left failed comes back after its visibility timeout and must not be counted here."""
    import json

    sqs = boto3.client("sqs")
    url = ensure_queues()[DISPATCH_QUEUE_ENV]
    bodies: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = got.get("Messages", [])
        if not messages:
            return bodies
        bodies += [
            body
            for body in (json.loads(m["Body"]) for m in messages)
            if tenant is None or body.get("tenant_id") == tenant
        ]
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                     for i, m in enumerate(messages)],
        )  # fmt: skip


def run_dispatch(batch_size: int = 100) -> dict[str, Any]:
    """Drain the dispatch queue into the real dispatch handler, in SQS event shape, deleting
    what it reports done (as the event source mapping does, batches of up to `batch_size`
    gathered as its batching window would): emails go to moto's SES, letters to the
    documents bucket. Failed messages stay invisible until their visibility timeout, as in
    AWS: they are reported (`failed`, with their `failed_receipts` for a caller that wants
    them gone), not retried here. `handler_s`: the time spent in the handler (in AWS, SQS
    is polled beside the function, not between its invocations)."""
    import time

    from functions.dispatch import handler as dispatch_fn

    sqs = boto3.client("sqs")
    url = ensure_queues()[DISPATCH_QUEUE_ENV]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    done, failures, handler_s = 0, list[str](), 0.0
    in_flight: list[str] = []  # the failed ones' receipt handles
    while True:
        messages: list[dict[str, Any]] = []
        while len(messages) < batch_size:
            wanted = min(10, batch_size - len(messages))  # SQS gives at most 10 a call
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=wanted, WaitTimeSeconds=0)
            if not got.get("Messages"):
                break
            messages += got["Messages"]
        if not messages:
            return {"done": done, "failed": failures, "handler_s": handler_s,
                    "failed_receipts": in_flight}  # fmt: skip
        started = time.perf_counter()
        answer = dispatch_fn.handler(_sqs_event(messages, arn), LambdaContextStandIn("dispatch"))
        handler_s += time.perf_counter() - started
        failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
        failures += sorted(failed)
        in_flight += [m["ReceiptHandle"] for m in messages if m["MessageId"] in failed]
        finished = [m for m in messages if m["MessageId"] not in failed]
        done += len(finished)
        for start in range(0, len(finished), 10):
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                         for i, m in enumerate(finished[start : start + 10])],
            )  # fmt: skip


def run_bi_export(tenant: str, day: date) -> dict[str, Any]:
    """The day's BI export of a tenant (K6) through the real handler, as the daily rule
    would invoke it (by hand: one tenant, one day), into the exports bucket in moto."""
    from functions.bi_export import handler as bi_fn
    from relance.store.bi_exports import EXPORTS_BUCKET_ENV, exports_bucket_name

    os.environ.setdefault(EXPORTS_BUCKET_ENV, exports_bucket_name())
    s3 = boto3.client("s3")
    bucket = os.environ[EXPORTS_BUCKET_ENV]
    if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        # The stand-ins' region (local/standins.py), as for their other buckets.
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
    event = {"tenant_id": tenant, "date": day.isoformat()}
    answer: dict[str, Any] = bi_fn.handler(event, LambdaContextStandIn("bi_export"))
    return answer
