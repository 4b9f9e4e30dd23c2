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


# Sending (issue 5): the documents bucket (letters, sent emails, grouped PDFs), the SES
# configuration set every email goes through (its event destination feeds the events
# function), the sender used when a tenant set none, and how the account's send rate is
# shared between dispatch instances.
DOCUMENTS_BUCKET_ENV = "RELANCE_DOCUMENTS_BUCKET"
SES_CONFIGURATION_SET_ENV = "RELANCE_SES_CONFIGURATION_SET"
DEFAULT_SENDER_ENV = "RELANCE_DEFAULT_SENDER"
# At most this many dispatch functions run at once (the SQS event source's maximum
# concurrency): each takes this share of the SES account's MaxSendRate.
DISPATCH_CONCURRENCY_ENV = "RELANCE_DISPATCH_CONCURRENCY"
# An optional cap below the account's rate (emails per second), e.g. while warming up a
# new sending domain; also the rate used when SES does not tell its quota.
SEND_RATE_ENV = "RELANCE_SEND_RATE"


def documents_bucket_name() -> str:
    return os.environ.get(DOCUMENTS_BUCKET_ENV, "relance-documents")


def ses_configuration_set() -> str | None:
    return os.environ.get(SES_CONFIGURATION_SET_ENV) or None


def default_sender() -> str:
    return os.environ.get(DEFAULT_SENDER_ENV, "relances@relance.localhost")


def dispatch_concurrency() -> int:
    return max(1, int(os.environ.get(DISPATCH_CONCURRENCY_ENV, "1")))


def send_rate_cap() -> float | None:
    value = os.environ.get(SEND_RATE_ENV)
    return float(value) if value else None
