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


def drain_dispatch() -> list[dict[str, Any]]:
    """The automatic actions queued for dispatch (read and removed), for tests and the demo."""
    import json

    sqs = boto3.client("sqs")
    url = ensure_queues()[DISPATCH_QUEUE_ENV]
    bodies: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = got.get("Messages", [])
        if not messages:
            return bodies
        bodies += [json.loads(m["Body"]) for m in messages]
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                     for i, m in enumerate(messages)],
        )  # fmt: skip
