"""The DynamoDB adapter: the only module (with archive.py) that talks to AWS for sync data.

Every method takes the tenant explicitly, and every key it builds starts with it
(store/keys.py), so one tenant's call can never reach another tenant's items.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache, partial
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from relance.domain.aging import AgingFact
from relance.domain.receivables import CustomerSummary
from relance.domain.records import RECORD_TYPES, SettledLine, SyncRecord
from relance.store import keys, packs
from relance.store.codec import from_item, to_attr, to_item
from relance.store.schema import GSI1, GSI1_PK, GSI1_SK, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

BATCH_WRITE_LIMIT = 25
WRITE_CONCURRENCY = 4  # parallel BatchWriteItem calls per batch (and query ranges per read)
BATCH_MARKER_TTL = timedelta(days=35)
MAX_RUN_ERRORS_KEPT = 50
_META_FIELDS = {"company", "entity"}


def dynamodb_client() -> Any:
    """One client per environment, shared by every store: botocore clients are thread-safe,
    and building one (tens of milliseconds) is part of a cold start's first request. The
    AWS_ variables key it: the stand-ins restarted on another port get a client of their own.
    """
    return _client(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_"))))


@cache
def _client(_environment: tuple[tuple[str, str], ...]) -> Any:
    # Standard retry mode backs off on throttling; the endpoint comes from the environment
    # (AWS_ENDPOINT_URL_DYNAMODB locally), never from code.
    return boto3.client("dynamodb", config=Config(retries={"max_attempts": 10, "mode": "standard"}))


class ConflictError(Exception):
    """A conditional write lost: the item exists already or changed meanwhile."""


def transacted(client: Any, ops: list[dict[str, Any]]) -> bool:
    """Write `ops` in one transaction: True when written, False when one of its conditions
    (or a concurrent transaction) cancelled it; any other error is raised."""
    try:
        client.transact_write_items(TransactItems=ops)
    except ClientError as err:
        if err.response["Error"]["Code"] == "TransactionCanceledException":
            return False
        raise
    return True


def put_versioned(
    client: Any, table: str, item: dict[str, Any], read_version: int, what: str
) -> None:
    """Put an item unless it changed since `read_version` was read (0: it must not exist
    yet): optimistic locking for every versioned document. ConflictError(what) if it lost."""
    condition = "attribute_not_exists(PK)" if read_version == 0 else "version = :read"
    extra = {":read": {"N": str(read_version)}} if read_version else {}
    try:
        client.put_item(
            TableName=table,
            Item=to_item(item),
            ConditionExpression=condition,
            **({"ExpressionAttributeValues": extra} if extra else {}),
        )
    except ClientError as err:
        if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise ConflictError(what) from err
        raise


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
        elif record.entity == "settled_line":
            customer = str(getattr(record, "customer", ""))
            item[GSI1_PK] = {"S": keys.customer_history_gsi1pk(tenant, record.company, customer)}
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

    def customer_history(self, tenant: str, company: str, customer: str) -> list[SettledLine]:
        """The customer's settled lines of the last 24 months (payment history): one Query."""
        pk = keys.customer_history_gsi1pk(tenant, company, customer)
        fields = SettledLine.model_fields
        return [
            SettledLine.model_validate(
                {k: v for k, v in from_item(i).items() if k in fields} | {"company": company}
            )
            for i in self._query(pk, index=GSI1)
        ]

    def customer_items(self, tenant: str, company: str, customer: str) -> list[dict[str, Any]]:
        pk = keys.customer_gsi1pk(tenant, company, customer)
        return [from_item(i) for i in self._query(pk, index=GSI1)]

    # -- customer summaries (who owes what; decision 22) -------------------------------
    def summary_set(
        self, tenant: str, company: str | None = None, *, with_followup: bool = True
    ) -> packs.SummarySet:
        """The summaries of the tenant (or of one company) as lists and dashboards read
        them: ONE paged Query of the summaries partition, which holds each company's pack
        and the follow-up rollups (only customers with follow-up have one). A pack is
        decoded once per version per container (store/packs.py)."""
        prefix = f"{company}#" if company else ""
        parts: dict[str, dict[int, tuple[str, int, bytes]]] = {}
        followup: dict[tuple[str, str], dict[str, Any]] = {}
        legacy: dict[str, list[CustomerSummary]] = {}
        cash_in: dict[str, bytes] = {}
        for item in self._query(keys.summaries_pk(tenant), prefix):
            kind = item["item_type"]["S"]
            if kind == "summary_pack":
                held = parts.setdefault(item["company"]["S"], {})
                held[int(item["part"]["N"])] = (
                    item["version"]["S"],
                    int(item["parts"]["N"]),
                    item["blob"]["B"],
                )
            elif kind == "followup_rollup":
                if with_followup:
                    values = from_item(item)
                    followup[(values["company"], values["customer"])] = _rollup_fields(values)
            elif kind == "summary":  # written before packs; gone at the company's next sync
                summary = CustomerSummary.model_validate(from_item(item))
                legacy.setdefault(summary.company, []).append(summary)
            elif kind == "cash_collected":  # store/cash_collected.py: decoded when used
                cash_in[item["company"]["S"]] = item["blob"]["B"]
        found = [packs.Packed.of_summaries(c, held) for c, held in legacy.items() if c not in parts]
        for c, held_parts in parts.items():
            found.append(self._assemble(tenant, c, held_parts))
        return packs.SummarySet(found, followup, cash_in)

    def _assemble(
        self, tenant: str, company: str, held: dict[int, tuple[str, int, bytes]]
    ) -> packs.Packed:
        versions = {version for version, _, _ in held.values()}
        counts = {count for _, count, _ in held.values()}
        if len(versions) != 1 or counts != {len(held)} or set(held) != set(range(len(held))):
            # Read while a multi-part pack was being rewritten: read it again, consistently.
            again, _ = self._held_pack(tenant, company)
            if again is None:
                raise ConflictError(f"summary pack of {company}")
            return again
        (version,) = versions
        return packs.cached(tenant, company, version, [held[i][2] for i in sorted(held)])

    def summaries(
        self, tenant: str, company: str | None = None, *, with_followup: bool = True
    ) -> list[CustomerSummary]:
        """Every customer summary of the tenant (or of one company), as models: with
        `with_followup`, with the follow-up rollups' figures; without, exactly what the
        last sync (or profile change) wrote."""
        return [
            r.to_summary()
            for r in self.summary_set(tenant, company, with_followup=with_followup).rows()
        ]

    def _held_pack(self, tenant: str, company: str) -> tuple[packs.Packed | None, int]:
        """(the company's pack, its part count), read consistently; (None, 0) if none."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :sk)",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.summaries_pk(tenant)},
                ":sk": {"S": keys.pack_prefix(company)},
            },
            "ConsistentRead": True,
        }
        for _ in range(3):
            items: list[dict[str, Any]] = []
            page: dict[str, Any] = {}
            while True:
                page = self.client.query(**request)
                items += page["Items"]
                if "LastEvaluatedKey" not in page:
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            request.pop("ExclusiveStartKey", None)
            if not items:
                return None, 0
            versions = {i["version"]["S"] for i in items}
            count = int(items[0]["parts"]["N"])
            if len(versions) == 1 and count == len(items):
                ordered = sorted(items, key=lambda i: int(i["part"]["N"]))
                blobs = [i["blob"]["B"] for i in ordered]
                return packs.cached(tenant, company, versions.pop(), blobs), len(items)
            time.sleep(0.1)  # a transaction rewriting the parts was under way
        raise ConflictError(f"summary pack of {company}")

    def _write_pack(
        self,
        tenant: str,
        company: str,
        rows: list[packs.RawRow],
        held: packs.Packed | None,
        held_parts: int,
        *,
        only_if: bool = False,
    ) -> bool:
        """Write a company's pack unless the held one has the same content; False if it
        was the same. `only_if`: only over the held version (ConflictError otherwise)."""
        version, blob = packs.pack_rows(company, rows)
        if held is not None and held.version == version:
            return False
        pk = keys.summaries_pk(tenant)
        chunks = packs.split(blob)
        actions: list[dict[str, Any]] = []
        for part, chunk in enumerate(chunks):
            put: dict[str, Any] = {
                "TableName": self.table,
                "Item": {
                    PARTITION_KEY: {"S": pk},
                    SORT_KEY: {"S": keys.pack_sk(company, part)},
                    "item_type": {"S": "summary_pack"},
                    "company": {"S": company},
                    "version": {"S": version},
                    "part": {"N": str(part)},
                    "parts": {"N": str(len(chunks))},
                    "customers": {"N": str(len(rows))},
                    "blob": {"B": chunk},
                },
            }
            if only_if and part == 0:
                if held is None:
                    put["ConditionExpression"] = "attribute_not_exists(PK)"
                else:
                    put["ConditionExpression"] = "version = :held"
                    put["ExpressionAttributeValues"] = {":held": {"S": held.version}}
            actions.append({"Put": put})
        actions += [
            {"Delete": {"TableName": self.table, "Key": {
                PARTITION_KEY: {"S": pk}, SORT_KEY: {"S": keys.pack_sk(company, part)}}}}
            for part in range(len(chunks), held_parts)
        ]  # fmt: skip
        try:
            if len(actions) == 1:
                self.client.put_item(**actions[0]["Put"])
            else:
                self.client.transact_write_items(TransactItems=actions)
        except ClientError as err:
            code = err.response["Error"]["Code"]
            if code in ("ConditionalCheckFailedException", "TransactionCanceledException"):
                raise ConflictError(keys.pack_sk(company, 0)) from err
            raise
        return True

    def _change_pack(
        self, tenant: str, company: str, change: Callable[[packs.RawRow], packs.RawRow | None]
    ) -> None:
        """Rewrite some rows of a company's pack (`change` answers a row's replacement, or
        None to keep it), over the version read: re-read and redone on a conflict. No pack
        yet: nothing to do (the next sync's finish writes it)."""
        for attempt in range(4):
            held, held_parts = self._held_pack(tenant, company)
            if held is None:
                return
            rows = [change(r) or r for r in held.raw]
            try:
                self._write_pack(tenant, company, rows, held, held_parts, only_if=True)
                return
            except ConflictError:
                if attempt == 3:
                    raise
                time.sleep(0.05 * 2**attempt)

    @staticmethod
    def _summary_item(tenant: str, summary: CustomerSummary) -> dict[str, Any]:
        """A summary as stored: in its company's summaries partition, and in GSI1 under the
        customer's key, so that the card's one Query also reads it (its profile)."""
        company, number = summary.company, summary.number
        return to_item(
            {PARTITION_KEY: keys.customer_summaries_pk(tenant, company), SORT_KEY: number,
             GSI1_PK: keys.customer_gsi1pk(tenant, company, number),
             GSI1_SK: keys.SUMMARY_GSI1SK, "item_type": "summary", **summary.model_dump()}
        )  # fmt: skip

    def replace_summaries(
        self,
        tenant: str,
        company: str,
        fresh: list[CustomerSummary],
        outlooks: Mapping[str, dict[str, Any]] | None = None,
    ) -> int:
        """Store a company's new summaries, writing only those that changed (compared with
        the pack), then the pack if its content changed. Answers how many summary items
        were written or deleted. `outlooks` (by number): each customer's payment outlook
        as the card shows it, written beside its summary when that changed (the row holds
        the score and the date it was computed for)."""
        pk = keys.customer_summaries_pk(tenant, company)
        held, held_parts = self._held_pack(tenant, company)
        wanted = {s.number: packs.encode_row(s) for s in fresh}
        by_number = {s.number: s for s in fresh}
        before: dict[str, packs.RawRow | None]
        if held is not None:
            before = {r[0]: r for r in held.raw}
        else:
            # No pack yet: whatever items are there are unknown; write every summary, and
            # remove those written before packs existed (decision 22).
            self._drop_legacy_summaries(tenant, company)
            before = {item[SORT_KEY]["S"]: None for item in self._query(pk, projection=SORT_KEY)}
        requests: list[dict[str, Any]] = [
            {"PutRequest": {"Item": self._summary_item(tenant, by_number[number])}}
            for number, row in wanted.items()
            if before.get(number) != row
        ]
        requests += [
            {"DeleteRequest": {"Key": {PARTITION_KEY: {"S": pk}, SORT_KEY: {"S": number}}}}
            for number in before.keys() - wanted.keys()
        ]
        beside: list[dict[str, Any]] = []  # the outlooks: not counted as summaries
        if outlooks is not None:
            opk = keys.outlook_pk(tenant, company)
            beside += [
                {"PutRequest": {"Item": _outlook_item(tenant, company, number, outlooks[number])}}
                for number, row in wanted.items()
                if before.get(number) != row and number in outlooks
            ]
            # Gone with its customer, or nothing left to score (no history, nothing open).
            beside += [
                {"DeleteRequest": {"Key": {PARTITION_KEY: {"S": opk}, SORT_KEY: {"S": number}}}}
                for number in before.keys() | wanted.keys()
                if number not in outlooks and before.get(number) != wanted.get(number)
            ]
        written = self._batch_write(requests + beside) - len(beside)
        # The pack last: if the items' writes fail, the next finish compares with the old one.
        self._write_pack(tenant, company, list(wanted.values()), held, held_parts)
        return written

    def _drop_legacy_summaries(self, tenant: str, company: str) -> None:
        pk = keys.summaries_pk(tenant)
        legacy = [
            item[SORT_KEY]["S"]
            for item in self._query(pk, f"{company}#", projection="SK, item_type")
            if item.get("item_type", {}).get("S") == "summary"
        ]
        self._batch_write(
            [{"DeleteRequest": {"Key": {PARTITION_KEY: {"S": pk}, SORT_KEY: {"S": sk}}}}
             for sk in legacy]
        )  # fmt: skip

    def put_summaries(self, tenant: str, summaries: Sequence[CustomerSummary]) -> int:
        """Write summaries as they are (as `summaries(..., with_followup=False)` read them,
        with changes): BatchWriteItem, no condition; then their companies' packs."""
        written = self._batch_write(
            [{"PutRequest": {"Item": self._summary_item(tenant, s)}} for s in summaries]
        )
        by_company: dict[str, dict[str, packs.RawRow]] = {}
        for s in summaries:
            by_company.setdefault(s.company, {})[s.number] = packs.encode_row(s)
        for company, rows in by_company.items():
            self._change_pack(tenant, company, partial(_replaced, rows))
        return written

    def set_summary_profile(self, tenant: str, company: str, number: str, profile: str) -> bool:
        """Set one summary's profile, leaving its figures alone (its item, then its row in
        the pack); False if it has none yet (the next sync writes it)."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={
                    PARTITION_KEY: {"S": keys.customer_summaries_pk(tenant, company)},
                    SORT_KEY: {"S": number},
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

        def change(row: packs.RawRow) -> packs.RawRow | None:
            if row[0] != number or row[packs.PROFILE_COLUMN] == profile:
                return None
            changed = list(row)
            changed[packs.PROFILE_COLUMN] = profile
            return changed

        self._change_pack(tenant, company, change)
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


def _outlook_item(
    tenant: str, company: str, number: str, outlook: dict[str, Any]
) -> dict[str, Any]:
    """A customer's payment outlook as stored: JSON text (its factors' measures are
    floats, which the attribute codec rightly refuses for money), in the card's Query."""
    return {
        PARTITION_KEY: {"S": keys.outlook_pk(tenant, company)},
        SORT_KEY: {"S": number},
        GSI1_PK: {"S": keys.customer_gsi1pk(tenant, company, number)},
        GSI1_SK: {"S": keys.OUTLOOK_GSI1SK},
        "item_type": {"S": "payment_outlook"},
        "outlook": {"S": json.dumps(outlook, separators=(",", ":"))},
    }


def _replaced(rows: dict[str, packs.RawRow], row: packs.RawRow) -> packs.RawRow | None:
    return rows.get(row[0])


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
