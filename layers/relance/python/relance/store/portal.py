"""Portal links, their access log and rate counters in the single table; invoice PDFs in S3.

Items (domain/portal.py):
- link:     T#{t}#PORTAL#{c}#{n} / LINK#{link_id}        (token_hash, valid_until; expires_at: TTL)
- access:   T#{t}#PORTAL#{c}#{n} / ACCESS#{link_id}#{at}#{id}  (expires_at: one year, TTL)
- token:    PORTALTOKEN#{sha256(token)} / TOKEN           (tenant, customer, link,
                                                          valid_until; expires_at: TTL)
- counter:  T#{t}#PORTALRATE#{link_id} / {minute}          (count; TTL two minutes)
- setting:  T#{t}#SETTINGS / PORTAL                        (link_days, version)

Access patterns:
P1. Open the portal with a token: GetItem PORTALTOKEN#{hash}. Like a relay connector's,
    this key has no tenant prefix: the tenant is what it tells. A revoked link has no
    token item any more; an expired one is refused on its date (TTL deletes it later).
P2. A customer's links, or one link's accesses: Query PK=T#{t}#PORTAL#{c}#{n}, SK
    begins_with LINK# / ACCESS#{link_id}#.
P3. Count a request: UpdateItem ADD on the link's counter of the minute.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from relance.domain.portal import ACCESS_KEPT, Grant, PortalLink
from relance.store.codec import from_item, to_item
from relance.store.dynamo import dynamodb_client, put_versioned, transacted
from relance.store.followup import settings_pk
from relance.store.schema import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

PORTAL_URL_ENV = "RELANCE_PORTAL_URL"
SETTING = "PORTAL"
INVOICE_PREFIX = "invoices"  # {tenant}/invoices/{company}/{customer}/{invoice number}.pdf
PDF_LINK_SECONDS = 900


def portal_base_url() -> str:
    """Where the portal page is (the CDK app sets it to the web app's /portal/)."""
    return os.environ.get(PORTAL_URL_ENV, "http://127.0.0.1:8080/portal/")


def portal_pk(tenant: str, company: str, customer: str) -> str:
    return f"T#{tenant}#PORTAL#{company}#{customer}"


def token_pk(digest: str) -> str:
    return f"PORTALTOKEN#{digest}"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in from_item(raw).items() if not k.isupper() and k != "item_type"}


class PortalStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    # -- links ------------------------------------------------------------------------------
    def put_link(self, tenant: str, link: PortalLink, digest: str) -> None:
        """Write the link and its token item. A link written again (a retried creation or
        dispatch) gets the new token, and its old token item stops opening anything: it is
        made to end now (an update, not a delete: the dispatch deletes nothing)."""
        before = self.link_item(tenant, link.company, link.customer, link.link_id)
        pk = portal_pk(tenant, link.company, link.customer)
        expiry = _epoch(link.valid_until)
        link_item = {PARTITION_KEY: pk, SORT_KEY: f"LINK#{link.link_id}", "item_type":
                     "portal_link", **link.model_dump(), "token_hash": digest,
                     TTL_ATTRIBUTE: expiry + int(ACCESS_KEPT.total_seconds())}  # fmt: skip
        grant = Grant(tenant=tenant, company=link.company, customer=link.customer,
                      link_id=link.link_id, valid_until=link.valid_until)  # fmt: skip
        token_item = {PARTITION_KEY: token_pk(digest), SORT_KEY: "TOKEN", "item_type":
                      "portal_token", **grant.model_dump(), TTL_ATTRIBUTE: expiry}  # fmt: skip
        ops: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table, "Item": to_item(link_item)}},
            {"Put": {"TableName": self.table, "Item": to_item(token_item)}},
        ]
        if not transacted(self.client, ops):
            raise RuntimeError("the portal link was written concurrently")
        old = (before or {}).get("token_hash")
        if old and old != digest:
            self._end_token(str(old), link.created_at)

    def _end_token(self, digest: str, at: datetime) -> None:
        try:
            self.client.update_item(
                TableName=self.table,
                Key={PARTITION_KEY: {"S": token_pk(digest)}, SORT_KEY: {"S": "TOKEN"}},
                UpdateExpression="SET valid_until = :at, #ttl = :ttl",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":at": {"S": at.isoformat()},
                    ":ttl": {"N": str(_epoch(at))},
                },
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise  # else: gone already (TTL)

    def link_item(
        self, tenant: str, company: str, customer: str, link_id: str
    ) -> dict[str, Any] | None:
        answer = self.client.get_item(
            TableName=self.table,
            Key={
                PARTITION_KEY: {"S": portal_pk(tenant, company, customer)},
                SORT_KEY: {"S": f"LINK#{link_id}"},
            },
            ConsistentRead=True,
        )
        return _fields(answer["Item"]) if "Item" in answer else None

    def links(self, tenant: str, company: str, customer: str) -> list[PortalLink]:
        found = self._prefix(portal_pk(tenant, company, customer), "LINK#")
        return [PortalLink.model_validate(_fields(raw)) for raw in found]

    def revoke(self, tenant: str, link: PortalLink, digest: str, by: str, now: datetime) -> None:
        """Mark the link revoked and delete its token item: the token opens nothing."""
        ops = [
            {"Update": {
                "TableName": self.table,
                "Key": {PARTITION_KEY: {"S": portal_pk(tenant, link.company, link.customer)},
                        SORT_KEY: {"S": f"LINK#{link.link_id}"}},
                "UpdateExpression": "SET revoked_at = :at, revoked_by = :by",
                "ExpressionAttributeValues": {":at": {"S": now.isoformat()}, ":by": {"S": by}},
            }},
            {"Delete": {"TableName": self.table,
                        "Key": {PARTITION_KEY: {"S": token_pk(digest)},
                                SORT_KEY: {"S": "TOKEN"}}}},
        ]  # fmt: skip
        if not transacted(self.client, ops):
            raise RuntimeError("the portal link was changed concurrently")

    def grant(self, digest: str) -> Grant | None:
        """P1: what a token opens, or None (unknown, revoked, or deleted by TTL)."""
        answer = self.client.get_item(
            TableName=self.table,
            Key={PARTITION_KEY: {"S": token_pk(digest)}, SORT_KEY: {"S": "TOKEN"}},
            ConsistentRead=True,
        )
        if "Item" not in answer:
            return None
        return Grant.model_validate(_fields(answer["Item"]))

    # -- rate limit and access log ------------------------------------------------------------
    def count_request(self, tenant: str, link_id: str, minute: str, now: datetime) -> int:
        """P3: add this request to the link's minute; the count so far, this one included."""
        answer = self.client.update_item(
            TableName=self.table,
            Key={
                PARTITION_KEY: {"S": f"T#{tenant}#PORTALRATE#{link_id}"},
                SORT_KEY: {"S": minute},
            },
            UpdateExpression="ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)",
            ExpressionAttributeNames={"#n": "count", "#ttl": TTL_ATTRIBUTE},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":ttl": {"N": str(_epoch(now) + 120)},
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["count"]["N"])

    def log_access(self, grant: Grant, at: datetime, what: str, status: int, ip: str) -> None:
        item = {
            PARTITION_KEY: portal_pk(grant.tenant, grant.company, grant.customer),
            SORT_KEY: f"ACCESS#{grant.link_id}#{at.isoformat()}#{secrets.token_hex(4)}",
            "item_type": "portal_access",
            "link_id": grant.link_id,
            "at": at,
            "what": what,
            "status": status,
            "ip_hash": ip,
            TTL_ATTRIBUTE: _epoch(at + ACCESS_KEPT),
        }
        self.client.put_item(TableName=self.table, Item=to_item(item))

    def accesses(
        self, tenant: str, company: str, customer: str, link_id: str
    ) -> list[dict[str, Any]]:
        """P2: a link's accesses, newest first."""
        found = self._prefix(portal_pk(tenant, company, customer), f"ACCESS#{link_id}#")
        return [_fields(raw) for raw in reversed(found)]

    # -- the tenant's setting -----------------------------------------------------------------
    def setting(self, tenant: str) -> dict[str, Any] | None:
        answer = self.client.get_item(
            TableName=self.table,
            Key={PARTITION_KEY: {"S": settings_pk(tenant)}, SORT_KEY: {"S": SETTING}},
        )
        return _fields(answer["Item"]) if "Item" in answer else None

    def put_setting(self, tenant: str, values: dict[str, Any], read_version: int) -> None:
        item = {PARTITION_KEY: settings_pk(tenant), SORT_KEY: SETTING, "item_type": "setting",
                **values, "version": read_version + 1}  # fmt: skip
        put_versioned(self.client, self.table, item, read_version, SETTING)

    def _prefix(self, pk: str, prefix: str) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :sk)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":sk": {"S": prefix}},
            "ConsistentRead": True,
        }
        found: list[dict[str, Any]] = []
        while True:
            page = self.client.query(**request)
            found += page["Items"]
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class InvoicePdfs:
    """Invoice PDFs a tenant put in its documents bucket, under
    `{tenant}/invoices/{company}/{customer}/{invoice number}.pdf`: one listing per
    statement, a short-lived link for each. Nothing in Relance uploads them yet."""

    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self.client = client or boto3.client("s3")

    def links(self, tenant: str, company: str, customer: str) -> dict[str, str]:
        """Invoice number -> a presigned link to its PDF."""
        prefix = f"{tenant}/{INVOICE_PREFIX}/{company}/{customer}/"
        answer = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=1000)
        found: dict[str, str] = {}
        for obj in answer.get("Contents", []):
            key = str(obj["Key"])
            name = key.removeprefix(prefix)
            if "/" in name or not name.lower().endswith(".pdf"):
                continue
            found[name[:-4]] = self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": key,
                        "ResponseContentDisposition": f'inline; filename="{name}"'},
                ExpiresIn=PDF_LINK_SECONDS,
            )  # fmt: skip
        return found
