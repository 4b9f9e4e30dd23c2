"""The BI exports bucket (S3, K6): a tenant's datasets by day, for BI tools to read.

Layout (Hive-style partitions, so Athena, Spark or DuckDB read tenant, dataset and date
from the path):
  tenant={t}/dataset={name}/date={yyyy-mm-dd}/part-0-{run}.csv
  tenant={t}/dataset={name}/date={yyyy-mm-dd}/part-0-{run}.parquet
  tenant={t}/dataset={name}/date={yyyy-mm-dd}/_manifest.json
A run writes its files under its own names, then the manifest (one PutObject: atomic for
readers), then deletes the files of earlier runs of that day. Readers trust the manifest
only; files whose name starts with '_' are skipped by Hive-style readers. Every key starts
with the tenant: one tenant's call never reaches another's files.
"""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any

import boto3

EXPORTS_BUCKET_ENV = "RELANCE_EXPORTS_BUCKET"
MANIFEST = "_manifest.json"
PART = "part-0-"  # one part per format and run: a day's dataset fits in one file
DELETE_BATCH = 1000  # DeleteObjects' maximum


def exports_bucket_name() -> str:
    return os.environ.get(EXPORTS_BUCKET_ENV, "relance-bi-exports")


def day_prefix(tenant: str, dataset: str, day: date) -> str:
    return f"tenant={tenant}/dataset={dataset}/date={day.isoformat()}/"


def file_key(tenant: str, dataset: str, day: date, run_id: str, extension: str) -> str:
    return f"{day_prefix(tenant, dataset, day)}{PART}{run_id}.{extension}"


def run_of(key: str) -> str | None:
    """The run id in a file's key (part-0-{run}.{ext}); None for any other object."""
    name = key.rsplit("/", 1)[-1]
    if not name.startswith(PART):
        return None
    return name[len(PART) :].rsplit(".", 1)[0]


def manifest_key(tenant: str, dataset: str, day: date) -> str:
    return f"{day_prefix(tenant, dataset, day)}{MANIFEST}"


class BiExportStore:
    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self.client = client or boto3.client("s3")

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def get(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = answer["Body"].read()
        return body

    def manifest(self, tenant: str, dataset: str, day: date) -> dict[str, Any] | None:
        body = self.get(manifest_key(tenant, dataset, day))
        return json.loads(body) if body is not None else None

    def put_manifest(self, tenant: str, dataset: str, day: date, values: dict[str, Any]) -> None:
        body = json.dumps(values, indent=1, ensure_ascii=False).encode("utf-8")
        self.put(manifest_key(tenant, dataset, day), body, "application/json")

    def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            found += [o["Key"] for o in page.get("Contents", [])]
        return found

    def delete(self, keys: list[str]) -> int:
        for i in range(0, len(keys), DELETE_BATCH):
            chunk = keys[i : i + DELETE_BATCH]
            answer = self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True},
            )
            if answer.get("Errors"):
                raise RuntimeError(f"S3 kept {len(answer['Errors'])} object(s): {answer['Errors']}")
        return len(keys)
