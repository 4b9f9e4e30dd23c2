"""The DynamoDB adapter: the only module (with archive.py) that talks to AWS for sync data.

Every method takes the tenant explicitly, and every key it builds starts with it
(store/keys.py), so one tenant's call can never reach another tenant's items.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from relance.domain.aging import AgingFact
from relance.domain.receivables import CustomerSummary
from relance.domain.records import RECORD_TYPES, SyncRecord
from relance.store import keys
from relance.store.codec import from_item, to_attr, to_item
from relance.store.schema import GSI1, GSI1_PK, GSI1_SK, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

BATCH_WRITE_LIMIT = 25
WRITE_CONCURRENCY = 4  # parallel BatchWriteItem calls per batch (and query ranges per read)
BATCH_MARKER_TTL = timedelta(days=35)
MAX_RUN_ERRORS_KEPT = 50
_META_FIELDS = {"company", "entity"}


def dynamodb_client() -> Any:
    # Standard retry mode backs off on throttling; the endpoint comes from the environment
    # (AWS_ENDPOINT_URL_DYNAMODB locally), never from code.
    return boto3.client("dynamodb", config=Config(retries={"max_attempts": 10, "mode": "standard"}))


class ConflictError(Exception):
    """A conditional write lost: the item exists already or changed meanwhile."""


class SyncStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()
        self._executor: ThreadPoolExecutor | None = None

    # -- generic helpers -------------------------------------------------------------
    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        answer = self.client.get_item(
            TableName=self.table,
            Key={PARTITION_KEY: {"S": pk}, SORT_KEY: {"S": sk}},
            ConsistentRead=True,
        )
        return from_item(answer["Item"]) if "Item" in answer else None

    def _put(self, values: dict[str, Any], *, only_if_new: bool = False) -> None:
        extra: dict[str, Any] = {}
        if only_if_new:
            extra["ConditionExpression"] = "attribute_not_exists(PK)"
        try:
            self.client.put_item(TableName=self.table, Item=to_item(values), **extra)
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConflictError(values[SORT_KEY]) from err
            raise

    def _query(
        self,
        pk: str,
        sk_prefix: str = "",
        *,
        index: str | None = None,
        projection: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        pk_name, sk_name = (GSI1_PK, GSI1_SK) if index else (PARTITION_KEY, SORT_KEY)
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk"
            + (" AND begins_with(#sk, :sk)" if sk_prefix else ""),
            "ExpressionAttributeNames": {"#pk": pk_name, **({"#sk": sk_name} if sk_prefix else {})},
            "ExpressionAttributeValues": {
                ":pk": {"S": pk},
                **({":sk": {"S": sk_prefix}} if sk_prefix else {}),
            },
            "ScanIndexForward": not newest_first,
        }
        if index:
            request["IndexName"] = index
        if projection:
            request["ProjectionExpression"] = projection
        if limit:
            request["Limit"] = limit
        returned = 0
        while True:
            page = self.client.query(**request)
            for item in page["Items"]:
                yield item
                returned += 1
                if limit and returned >= limit:
                    return
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _write_chunk(self, chunk: list[dict[str, Any]]) -> None:
        pending, attempt = chunk, 0
        while pending:
            answer = self.client.batch_write_item(RequestItems={self.table: pending})
            pending = answer.get("UnprocessedItems", {}).get(self.table, [])
            if pending:
                attempt += 1
                time.sleep(min(0.05 * 2**attempt, 2.0))

    def _batch_write(self, requests: Sequence[dict[str, Any]]) -> int:
        """BatchWriteItem in chunks of 25, a few in parallel, re-sending unprocessed items.

        The calls are I/O-bound: overlapping them shortens the Lambda's billed time and the
        relay's wait, and DynamoDB takes them in parallel. Every chunk must succeed before
        the caller records the batch as stored, so the order of chunks does not matter.
        """
        chunks = [
            list(requests[i : i + BATCH_WRITE_LIMIT])
            for i in range(0, len(requests), BATCH_WRITE_LIMIT)
        ]
        if len(chunks) <= 1:
            for chunk in chunks:
                self._write_chunk(chunk)
        else:
            list(self._pool().map(self._write_chunk, chunks))
        return len(requests)

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(WRITE_CONCURRENCY, thread_name_prefix="ddb")
        return self._executor

    # -- connectors --------------------------------------------------------------------
    def put_connector(self, tenant: str, key_id: str, secret: str, name: str) -> None:
        self._put(
            {
                PARTITION_KEY: keys.connector_pk(key_id),
                SORT_KEY: "CONNECTOR",
                GSI1_PK: f"{keys.tenant_pk(tenant)}#CONNECTORS",
                GSI1_SK: key_id,
                "item_type": "connector",
                "tenant": tenant,
                "secret": secret,
                "name": name,
                "active": True,
            }
        )

    def get_connector(self, key_id: str) -> dict[str, Any] | None:
        return self._get(keys.connector_pk(key_id), "CONNECTOR")

    # -- companies -----------------------------------------------------------------------
    def register_companies(self, tenant: str, companies: Iterable[str]) -> None:
        for company in companies:
            self._put(
                {
                    PARTITION_KEY: keys.tenant_pk(tenant),
                    SORT_KEY: f"COMPANY#{company}",
                    "item_type": "company",
                    "code": company,
                }
            )

    def list_companies(self, tenant: str) -> list[str]:
        return [from_item(i)["code"] for i in self._query(keys.tenant_pk(tenant), "COMPANY#")]

    # -- sync records --------------------------------------------------------------------
    def _record_item(self, tenant: str, record: SyncRecord) -> dict[str, Any]:
        fields = record.model_dump(exclude=_META_FIELDS)
        sk = keys.record_sk(record.entity, record.key())
        item = to_item(fields)
        item[PARTITION_KEY] = {"S": keys.company_pk(tenant, record.company)}
        item[SORT_KEY] = {"S": sk}
        item["item_type"] = {"S": record.entity}
        if record.entity in keys.CUSTOMER_BOUND:
            customer = str(getattr(record, "customer", None) or getattr(record, "number", ""))
            item[GSI1_PK] = {"S": keys.customer_gsi1pk(tenant, record.company, customer)}
            item[GSI1_SK] = {"S": sk}
        return item

    def record_items(self, tenant: str, records: Iterable[SyncRecord]) -> list[dict[str, Any]]:
        return [self._record_item(tenant, r) for r in records]

    def write_records(self, tenant: str, records: Iterable[SyncRecord]) -> int:
        """Write records (overwrite: a record's key is its identity in Sage)."""
        items = self.record_items(tenant, records)
        return self._batch_write([{"PutRequest": {"Item": item}} for item in items])

    def record_keys(self, tenant: str, company: str, entity: str) -> set[str]:
        prefix = keys.entity_prefix(entity)
        return {
            item[SORT_KEY]["S"][len(prefix) :]
            for item in self._query(keys.company_pk(tenant, company), prefix, projection=SORT_KEY)
        }

    def delete_records(self, tenant: str, company: str, entity: str, gone: Iterable[str]) -> int:
        pk = keys.company_pk(tenant, company)
        return self._batch_write(
            [
                {
                    "DeleteRequest": {
                        "Key": {
                            PARTITION_KEY: {"S": pk},
                            SORT_KEY: {"S": keys.record_sk(entity, key)},
                        }
                    }
                }
                for key in sorted(gone)
            ]
        )

    def records(self, tenant: str, company: str, entity: str) -> Iterator[Any]:
        """Every stored record of one entity of a company, as its domain model."""
        model = RECORD_TYPES[entity]
        for item in self._query(keys.company_pk(tenant, company), keys.entity_prefix(entity)):
            values = from_item(item)
            fields = {k: v for k, v in values.items() if k in model.model_fields}
            yield model.model_validate({**fields, "company": company})

    def line_aging_facts(self, tenant: str, company: str) -> Iterator[tuple[str, AgingFact]]:
        """(key, aging facts) of every stored line of a company, in one projected pass.

        The finish of a run needs both the stored keys (to find deletes) and the aging
        facts (for the control): reading the partition once, and only five attributes,
        is what keeps it fast on a large ledger.
        """
        prefix = keys.entity_prefix("ledger_line")
        pk = keys.company_pk(tenant, company)
        projection = "SK, customer, due_date, accounting_date, amount"

        def one_range(digit: str) -> list[tuple[str, AgingFact]]:
            # Entry numbers are decimal integers: ten key ranges read in parallel.
            return [
                _aging_fact(item, prefix)
                for item in self._query(pk, prefix + digit, projection=projection)
            ]

        for facts in self._pool().map(one_range, "0123456789"):
            yield from facts

    def customer_items(self, tenant: str, company: str, customer: str) -> list[dict[str, Any]]:
        pk = keys.customer_gsi1pk(tenant, company, customer)
        return [from_item(i) for i in self._query(pk, index=GSI1)]

    # -- customer summaries (who owes what) -------------------------------------------
    def summaries(
        self, tenant: str, company: str | None = None, *, with_followup: bool = True
    ) -> list[CustomerSummary]:
        """Every customer summary of the tenant (or of one company): one paged Query.

        The partition also holds each customer's follow-up rollup (store/followup.py),
        sorted right after its summary: with `with_followup`, its figures are merged in;
        without, the summaries are exactly what the last sync wrote.
        """
        prefix = f"{company}#" if company else ""
        found: dict[tuple[str, str], CustomerSummary] = {}
        rollups: list[dict[str, Any]] = []
        for item in self._query(keys.summaries_pk(tenant), prefix):
            values = from_item(item)
            if values.get("item_type") == "followup_rollup":
                rollups.append(values)
            else:
                summary = CustomerSummary.model_validate(values)
                found[(summary.company, summary.number)] = summary
        if with_followup:
            for rollup in rollups:
                key = (rollup["company"], rollup["customer"])
                if key in found:
                    found[key] = found[key].model_copy(update=_rollup_fields(rollup))
        return list(found.values())

    @staticmethod
    def _summary_item(tenant: str, summary: CustomerSummary) -> dict[str, Any]:
        """A summary as stored: in the summaries partition, and in GSI1 under the
        customer's key, so that the card's one Query also reads it (its profile)."""
        company, number = summary.company, summary.number
        return to_item(
            {PARTITION_KEY: keys.summaries_pk(tenant), SORT_KEY: f"{company}#{number}",
             GSI1_PK: keys.customer_gsi1pk(tenant, company, number),
             GSI1_SK: keys.SUMMARY_GSI1SK, "item_type": "summary", **summary.model_dump()}
        )  # fmt: skip

    def replace_summaries(self, tenant: str, company: str, fresh: list[CustomerSummary]) -> int:
        """Store a company's new summaries, writing only those that changed."""
        pk = keys.summaries_pk(tenant)
        held = {s.number: s for s in self.summaries(tenant, company, with_followup=False)}
        wanted = {s.number: s for s in fresh}
        requests: list[dict[str, Any]] = [
            {"PutRequest": {"Item": self._summary_item(tenant, summary)}}
            for number, summary in wanted.items()
            if held.get(number) != summary
        ]  # fmt: skip
        requests += [
            {"DeleteRequest": {"Key": {PARTITION_KEY: {"S": pk},
                                       SORT_KEY: {"S": f"{company}#{number}"}}}}
            for number in held.keys() - wanted.keys()
        ]  # fmt: skip
        return self._batch_write(requests)

    def put_summaries(self, tenant: str, summaries: Sequence[CustomerSummary]) -> int:
        """Write summaries as they are (as `summaries(..., with_followup=False)` read them,
        with changes): BatchWriteItem, no condition."""
        return self._batch_write(
            [{"PutRequest": {"Item": self._summary_item(tenant, s)}} for s in summaries]
        )

    def set_summary_profile(self, tenant: str, company: str, number: str, profile: str) -> bool:
        """Set one summary's profile, leaving its figures alone; False if it has none yet
        (the next sync writes it)."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={
                    PARTITION_KEY: {"S": keys.summaries_pk(tenant)},
                    SORT_KEY: {"S": f"{company}#{number}"},
                },
                UpdateExpression="SET #p = :p",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames={"#p": "profile"},
                ExpressionAttributeValues={":p": {"S": profile}},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # -- batches -------------------------------------------------------------------------
    def batch_seen(self, tenant: str, batch_id: str) -> bool:
        return self._get(keys.sync_pk(tenant), f"BATCH#{batch_id}") is not None

    def mark_batch(
        self, tenant: str, batch_id: str, run_id: str, written: int, now: datetime
    ) -> bool:
        """Record a stored batch; False when it was recorded already (a concurrent retry)."""
        try:
            self._put(
                {
                    PARTITION_KEY: keys.sync_pk(tenant),
                    SORT_KEY: f"BATCH#{batch_id}",
                    "item_type": "batch",
                    "run_id": run_id,
                    "written": written,
                    "stored_at": now,
                    TTL_ATTRIBUTE: int((now + BATCH_MARKER_TTL).timestamp()),
                },
                only_if_new=True,
            )
        except ConflictError:
            return False
        return True

    def batch_markers(self, tenant: str, run_id: str) -> list[dict[str, Any]]:
        return [from_item(i) for i in self._query(keys.sync_pk(tenant), f"BATCH#{run_id}.")]

    # -- runs ----------------------------------------------------------------------------
    def put_run(self, tenant: str, run: dict[str, Any]) -> None:
        self._put(
            {
                PARTITION_KEY: keys.sync_pk(tenant),
                SORT_KEY: f"RUN#{run['run_id']}",
                GSI1_PK: keys.runs_gsi1pk(tenant),
                GSI1_SK: f"{run['started_at']}#{run['run_id']}",
                "item_type": "sync_run",
                **run,
            }
        )

    def get_run(self, tenant: str, run_id: str) -> dict[str, Any] | None:
        item = self._get(keys.sync_pk(tenant), f"RUN#{run_id}")
        return _public(item) if item else None

    def record_run_error(self, tenant: str, run_id: str, error: dict[str, Any]) -> None:
        """Keep a refused batch's reason on its run (the first 50; all of them counted)."""
        key = {PARTITION_KEY: {"S": keys.sync_pk(tenant)}, SORT_KEY: {"S": f"RUN#{run_id}"}}
        counted = "error_count = if_not_exists(error_count, :zero) + :one"
        values = {":zero": {"N": "0"}, ":one": {"N": "1"}}
        try:
            self.client.update_item(
                TableName=self.table,
                Key=key,
                UpdateExpression=f"SET {counted}, errors = list_append("
                "if_not_exists(errors, :none), :error)",
                ConditionExpression="attribute_exists(PK) AND "
                "(attribute_not_exists(errors) OR size(errors) < :max)",
                ExpressionAttributeValues={
                    **values,
                    ":none": {"L": []},
                    ":error": {"L": [{"M": to_item(error)}]},
                    ":max": {"N": str(MAX_RUN_ERRORS_KEPT)},
                },
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            with contextlib.suppress(ClientError):  # list full (or run gone): count only
                self.client.update_item(
                    TableName=self.table,
                    Key=key,
                    UpdateExpression=f"SET {counted}",
                    ConditionExpression="attribute_exists(PK)",
                    ExpressionAttributeValues=values,
                )

    def list_runs(self, tenant: str, limit: int = 20) -> list[dict[str, Any]]:
        items = self._query(keys.runs_gsi1pk(tenant), index=GSI1, newest_first=True, limit=limit)
        return [_public(from_item(i)) for i in items]

    # -- watermarks and sync requests ----------------------------------------------------
    def put_watermark(self, tenant: str, company: str, entity: str, value: datetime) -> None:
        self._put(
            {
                PARTITION_KEY: keys.sync_pk(tenant),
                SORT_KEY: f"WATERMARK#{company}#{entity}",
                "item_type": "watermark",
                "company": company,
                "entity": entity,
                "value": value,
            }
        )

    def watermarks(self, tenant: str) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for item in self._query(keys.sync_pk(tenant), "WATERMARK#"):
            values = from_item(item)
            found.setdefault(values["company"], {})[values["entity"]] = values["value"]
        return found

    def put_sync_request(self, tenant: str, request: dict[str, Any]) -> None:
        self._put(
            {
                PARTITION_KEY: keys.sync_pk(tenant),
                SORT_KEY: "REQUEST",
                "item_type": "sync_request",
                **request,
            }
        )

    def get_sync_request(self, tenant: str) -> dict[str, Any] | None:
        item = self._get(keys.sync_pk(tenant), "REQUEST")
        return _public(item) if item else None

    def clear_sync_request(self, tenant: str, request_id: str) -> None:
        """Remove the pending request, unless a newer one replaced it meanwhile."""
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={PARTITION_KEY: {"S": keys.sync_pk(tenant)}, SORT_KEY: {"S": "REQUEST"}},
                ConditionExpression="request_id = :id",
                ExpressionAttributeValues={":id": to_attr(request_id)},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    # -- aged-balance controls -----------------------------------------------------------
    def put_control(self, tenant: str, run_id: str, company: str, report: dict[str, Any]) -> None:
        self._put(
            {
                PARTITION_KEY: keys.sync_pk(tenant),
                SORT_KEY: f"CONTROL#{run_id}#{company}",
                GSI1_PK: keys.controls_gsi1pk(tenant, company),
                GSI1_SK: f"{report['as_of']}#{run_id}",
                "item_type": "control",
                "run_id": run_id,
                "report": report,
            }
        )

    def latest_control(self, tenant: str, company: str) -> dict[str, Any] | None:
        pk = keys.controls_gsi1pk(tenant, company)
        for item in self._query(pk, index=GSI1, newest_first=True, limit=1):
            return _public(from_item(item))
        return None


def _rollup_fields(rollup: dict[str, Any]) -> dict[str, Any]:
    """A follow-up rollup's figures, typed as CustomerSummary has them."""
    return {
        "open_disputes": int(rollup.get("open_disputes", 0)),
        "disputed": Decimal(rollup.get("disputed", 0)),
        "open_promises": int(rollup.get("open_promises", 0)),
        "promised": Decimal(rollup.get("promised", 0)),
        "broken_promises": int(rollup.get("broken_promises", 0)),
        "flagged": bool(rollup.get("flagged", False)),
    }


def _aging_fact(item: dict[str, Any], prefix: str) -> tuple[str, AgingFact]:
    aging = item.get("due_date") or item["accounting_date"]
    fact = AgingFact(
        item["customer"]["S"], date.fromisoformat(aging["S"]), Decimal(item["amount"]["N"])
    )
    return item[SORT_KEY]["S"][len(prefix) :], fact


def _public(values: dict[str, Any]) -> dict[str, Any]:
    """An item without its key attributes, as the API shows it."""
    hidden = {PARTITION_KEY, SORT_KEY, GSI1_PK, GSI1_SK, TTL_ATTRIBUTE, "item_type"}
    return {k: v for k, v in values.items() if k not in hidden}
