"""The raw-batch archive in S3: every batch the relay sent, as it arrived.

It is the audit trail of a sync, and where the key sets wait until a run's finish compares
them with the table (too large to keep in DynamoDB items).
"""

from __future__ import annotations

from typing import Any

import boto3


def batch_object_key(tenant: str, run_id: str, batch_id: str) -> str:
    return f"tenants/{tenant}/runs/{run_id}/{batch_id}.json.gz"


class BatchArchive:
    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self.client = client or boto3.client("s3")

    def put(self, tenant: str, run_id: str, batch_id: str, body: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=batch_object_key(tenant, run_id, batch_id),
            Body=body,
            ContentType="application/gzip",
        )

    def get(self, tenant: str, run_id: str, batch_id: str) -> bytes | None:
        try:
            answer = self.client.get_object(
                Bucket=self.bucket, Key=batch_object_key(tenant, run_id, batch_id)
            )
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = answer["Body"].read()
        return body
