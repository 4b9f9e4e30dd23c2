"""Resource names, read from the environment the CDK app (or the local runner) sets."""

from __future__ import annotations

import os

TABLE_ENV = "RELANCE_TABLE"
RAW_BUCKET_ENV = "RELANCE_RAW_BUCKET"
# Set in AWS only: the Cognito user pool whose sign-ins mirror the users (store/directory.py).
USER_POOL_ENV = "RELANCE_USER_POOL_ID"


def table_name() -> str:
    return os.environ.get(TABLE_ENV, "relance")


def raw_bucket_name() -> str:
    return os.environ.get(RAW_BUCKET_ENV, "relance-raw-batches")


def user_pool_id() -> str | None:
    return os.environ.get(USER_POOL_ENV) or None


# The nightly fan-out (one message per company) and the dispatch queue (automatic actions).
NIGHTLY_QUEUE_ENV = "RELANCE_NIGHTLY_QUEUE_URL"
DISPATCH_QUEUE_ENV = "RELANCE_DISPATCH_QUEUE_URL"


def nightly_queue_url() -> str | None:
    return os.environ.get(NIGHTLY_QUEUE_ENV) or None


def dispatch_queue_url() -> str | None:
    return os.environ.get(DISPATCH_QUEUE_ENV) or None
