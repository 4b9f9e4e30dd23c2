"""SQS queues (the nightly fan-out, dispatch): JSON messages in batches of ten."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import boto3


class JsonQueue:
    def __init__(self, url: str, client: Any | None = None) -> None:
        self.url = url
        self.client = client or boto3.client("sqs")

    def send(self, bodies: Iterable[dict[str, Any]]) -> int:
        """Send every body; raises if SQS refuses any (the caller's retry sends again,
        and consumers are idempotent)."""
        batch: list[dict[str, Any]] = []
        sent = 0
        for body in bodies:
            batch.append({"Id": str(len(batch)), "MessageBody": json.dumps(body, default=str)})
            if len(batch) == 10:
                sent += self._send(batch)
                batch = []
        if batch:
            sent += self._send(batch)
        return sent

    def _send(self, batch: list[dict[str, Any]]) -> int:
        answer = self.client.send_message_batch(QueueUrl=self.url, Entries=batch)
        if answer.get("Failed"):
            failed = answer["Failed"]
            raise RuntimeError(f"SQS refused {len(failed)} message(s): {failed}")
        return len(batch)
