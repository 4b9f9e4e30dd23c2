"""The daily report's settings and its per-user, per-day claims.

Items:
- settings: T#{t}#SETTINGS / DAILY_REPORT {recipients, version}
            GSI1: REPORTS / {t} while it has recipients: the hourly run's list of tenants
            (one Query instead of a Scan of the table every hour; like a connector's key,
            a service index without a tenant prefix: it holds tenant ids only)
- claim:    T#{t}#REPORT#{user_id} / {local day}  {snapshot (gzipped JSON), claimed_at}
            put only if absent, BEFORE the email goes: a re-run, a retried invocation or
            two overlapping ones send at most once; given back (deleted) when SES surely
            sent nothing (throttled, refused), so the next hour tries again. Expires after
            40 days (TTL).
Access patterns: the subscribed tenants (Query GSI1 REPORTS); the settings (GetItem); the
latest report's day and snapshot (Query the user's partition, newest first, SK <= today,
Limit 1: also tells that today's is done); the claim (conditional PutItem); its release
(DeleteItem).
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from relance.domain.daily_report import DailyReportSettings, Snapshot
from relance.store.codec import from_item
from relance.store.dynamo import dynamodb_client, put_versioned
from relance.store.followup import settings_pk
from relance.store.schema import GSI1, GSI1_PK, GSI1_SK, PARTITION_KEY, SORT_KEY

DAILY_REPORT = "DAILY_REPORT"
REPORTS_GSI1PK = "REPORTS"
KEEP = timedelta(days=40)


def report_pk(tenant: str, user_id: str) -> str:
    return f"T#{tenant}#REPORT#{user_id}"


def _encode(snapshot: Snapshot) -> bytes:
    body = {k: [str(total), broken, disputes] for k, (total, broken, disputes) in snapshot.items()}
    return gzip.compress(json.dumps(body, separators=(",", ":")).encode(), mtime=0)


def _decode(blob: bytes) -> Snapshot:
    body = json.loads(gzip.decompress(blob))
    return {k: (Decimal(total), int(b), int(d)) for k, (total, b, d) in body.items()}


class DailyReportStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    def settings(self, tenant: str) -> DailyReportSettings:
        answer = self.client.get_item(
            TableName=self.table,
            Key={PARTITION_KEY: {"S": settings_pk(tenant)}, SORT_KEY: {"S": DAILY_REPORT}},
            ConsistentRead=True,
        )
        if "Item" not in answer:
            return DailyReportSettings()
        values = from_item(answer["Item"])
        return DailyReportSettings(
            recipients=list(values.get("recipients", [])), version=int(values["version"])
        )

    def put_settings(self, tenant: str, recipients: list[str], read_version: int) -> None:
        item = {
            PARTITION_KEY: settings_pk(tenant),
            SORT_KEY: DAILY_REPORT,
            "item_type": "setting",
            "recipients": recipients,
            "version": read_version + 1,
        }
        if recipients:
            item |= {GSI1_PK: REPORTS_GSI1PK, GSI1_SK: tenant}
        put_versioned(self.client, self.table, item, read_version, DAILY_REPORT)

    def tenants(self) -> list[str]:
        """The tenants whose report has recipients: one Query of the index, paged."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": GSI1,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": GSI1_PK},
            "ExpressionAttributeValues": {":pk": {"S": REPORTS_GSI1PK}},
        }
        found: list[str] = []
        while True:
            page = self.client.query(**request)
            found += [item[GSI1_SK]["S"] for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def latest(self, tenant: str, user_id: str, day: date) -> tuple[date | None, Snapshot | None]:
        """(the day of the user's latest report up to `day`, its snapshot): `day` itself
        when today's was already claimed (nothing to compute), else the previous one's."""
        answer = self.client.query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND SK <= :day",
            ExpressionAttributeValues={
                ":pk": {"S": report_pk(tenant, user_id)},
                ":day": {"S": day.isoformat()},
            },
            ScanIndexForward=False,
            Limit=1,
        )
        items = answer.get("Items", [])
        if not items:
            return None, None
        return date.fromisoformat(items[0][SORT_KEY]["S"]), _decode(items[0]["snapshot"]["B"])

    def release(self, tenant: str, user_id: str, day: date) -> None:
        """Give a claim back (the email was certainly not sent): the next run sends it."""
        self.client.delete_item(
            TableName=self.table,
            Key={
                PARTITION_KEY: {"S": report_pk(tenant, user_id)},
                SORT_KEY: {"S": day.isoformat()},
            },
        )

    def claim(
        self, tenant: str, user_id: str, day: date, snapshot: Snapshot, now: datetime
    ) -> bool:
        """Claim the user's report of `day`: False when it was already claimed (sent, or
        being sent by another invocation)."""
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    PARTITION_KEY: {"S": report_pk(tenant, user_id)},
                    SORT_KEY: {"S": day.isoformat()},
                    "item_type": {"S": "daily_report"},
                    "claimed_at": {"S": now.isoformat()},
                    "snapshot": {"B": _encode(snapshot)},
                    "expires_at": {"N": str(int((now + KEEP).timestamp()))},
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
