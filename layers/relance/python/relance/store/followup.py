"""Customer follow-up in the single table (see domain/followup.py).

Items, all in the customer's own partition and in GSI1 under the customer's key, so the
customer card reads Sage records and follow-up in one Query:
- dispute:   T#{t}#CO#{c}#CUST#{n} / DISPUTE#{dispute_id}     (version)
- promise:   T#{t}#CO#{c}#CUST#{n} / PROMISE#{promise_id}     (version)
- comment:   T#{t}#CO#{c}#CUST#{n} / COMMENT#{created_at}#{id}
- item note: T#{t}#CO#{c}#CUST#{n} / ITEM#{entry_number}      (expected date, entry fields)
- details:   T#{t}#CO#{c}#CUST#{n} / DETAILS                  (flag, contacts, free fields)
- event:     T#{t}#CO#{c}#CUST#{n} / EVENT#{at}#{event_id}    (the card's timeline)
Beside the company's summary pack (store/packs.py), one rollup per customer with follow-up:
- rollup:    T#{t}#SUMMARIES / {c}#{n}#FOLLOWUP
Tenant settings (dispute reasons, custom field definitions):
- setting:   T#{t}#SETTINGS / {name}                          (version)

Every change is one TransactWriteItems: the follow-up item (with its version check), the
rollup's counters (ADD, so concurrent changes to one customer add up) and the timeline
event. Either all three are written or none. DynamoDB cancels a transaction that meets
another one on the same item (the rollup): such a cancellation is retried.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from relance.store import keys
from relance.store.codec import from_item, to_attr, to_item
from relance.store.dynamo import ConflictError, dynamodb_client, put_versioned
from relance.store.schema import GSI1_PK, GSI1_SK, PARTITION_KEY, SORT_KEY

ROLLUP_SUFFIX = "#FOLLOWUP"
CONFLICT_ATTEMPTS = 4  # DynamoDB cancels transactions that touch an item at the same time


def _fields(item: dict[str, Any]) -> dict[str, Any]:
    """An item's own fields, without its keys and type."""
    values = from_item(item)
    return {k: v for k, v in values.items() if not k.isupper() and k != "item_type"}


def settings_pk(tenant: str) -> str:
    return f"T#{tenant}#SETTINGS"


def rollup_sk(company: str, customer: str) -> str:
    return f"{company}#{customer}{ROLLUP_SUFFIX}"


@dataclass
class RollupChange:
    """Counters to add to a customer's rollup, fields to set, and dated markers to add to
    its string sets (e.g. "2026-07-01#{promise_id}" in promises_broken: the score counts
    the ones of the last 12 months from the one rollup Query per company a sync reads)."""

    add: dict[str, int | Decimal] = field(default_factory=dict)
    set: dict[str, Any] = field(default_factory=dict)
    mark: dict[str, frozenset[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.add or self.set or self.mark)


@dataclass
class Write:
    """One follow-up item to put, with the version it must still have (0: must be new;
    None: no check, e.g. a comment or an event with a fresh id)."""

    sk: str
    item_type: str
    values: dict[str, Any]
    expect_version: int | None = 0


class FollowUpStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    # -- reads ---------------------------------------------------------------------------
    def get(self, tenant: str, company: str, customer: str, sk: str) -> dict[str, Any] | None:
        answer = self.client.get_item(
            TableName=self.table,
            Key={
                PARTITION_KEY: {"S": keys.customer_gsi1pk(tenant, company, customer)},
                SORT_KEY: {"S": sk},
            },
            ConsistentRead=True,
        )
        return _fields(answer["Item"]) if "Item" in answer else None

    def items(self, tenant: str, company: str, customer: str, prefix: str) -> list[dict[str, Any]]:
        """The customer's follow-up items of one kind, read consistently."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :sk)",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.customer_gsi1pk(tenant, company, customer)},
                ":sk": {"S": prefix},
            },
            "ConsistentRead": True,
        }
        found: list[dict[str, Any]] = []
        while True:
            page = self.client.query(**request)
            found += [_fields(i) for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def rollups(self, tenant: str, company: str | None = None) -> dict[tuple[str, str], Any]:
        """Raw rollup items of the tenant (or a company), by (company, customer)."""
        values: dict[str, Any] = {
            ":pk": {"S": keys.summaries_pk(tenant)},
            ":t": {"S": "followup_rollup"},
        }
        condition = "PK = :pk"
        if company:  # after the company's pack ({c}#!PACK#..., keys.py), up to its end
            condition += " AND SK BETWEEN :lo AND :hi"
            values[":lo"] = {"S": f"{company}#" + chr(ord(keys.PACK_MARK[0]) + 1)}
            values[":hi"] = {"S": f"{company}" + chr(ord("#") + 1)}
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "FilterExpression": "item_type = :t",
            "ExpressionAttributeValues": values,
        }
        found: dict[tuple[str, str], Any] = {}
        while True:
            page = self.client.query(**request)
            for raw in page["Items"]:
                item = from_item(raw)
                found[(item["company"], item["customer"])] = item
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- writes --------------------------------------------------------------------------
    def commit(
        self,
        tenant: str,
        company: str,
        customer: str,
        writes: Iterable[Write],
        rollup: RollupChange | None = None,
    ) -> None:
        """Write follow-up items and the rollup change atomically; ConflictError if a
        version check fails (someone changed the item since it was read)."""
        actions = self.transact_items(tenant, company, customer, writes, rollup)
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                self.client.transact_write_items(TransactItems=actions)
                return
            except ClientError as err:
                if err.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                codes = {r.get("Code") for r in err.response.get("CancellationReasons", [])}
                if "ConditionalCheckFailed" in codes:
                    raise ConflictError(customer) from err
                # Another change of this customer (its rollup) was under way: nothing was
                # written, so the same transaction may simply be tried again.
                if "TransactionConflict" not in codes or attempt == CONFLICT_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * 2**attempt)

    def transact_items(
        self,
        tenant: str,
        company: str,
        customer: str,
        writes: Iterable[Write],
        rollup: RollupChange | None = None,
    ) -> list[dict[str, Any]]:
        """The TransactItems of a change, for a caller that writes it together with its
        own items (a call's outcome closes the task in the same transaction)."""
        pk = keys.customer_gsi1pk(tenant, company, customer)
        actions: list[dict[str, Any]] = [self._put(pk, w) for w in writes]
        if rollup:
            actions.append(self._rollup_update(tenant, company, customer, rollup))
        return actions

    def _put(self, pk: str, write: Write) -> dict[str, Any]:
        item = {
            PARTITION_KEY: pk,
            SORT_KEY: write.sk,
            GSI1_PK: pk,
            GSI1_SK: write.sk,
            "item_type": write.item_type,
            **write.values,
        }
        put: dict[str, Any] = {"TableName": self.table, "Item": to_item(item)}
        if write.expect_version == 0:
            put["ConditionExpression"] = "attribute_not_exists(PK)"
        elif write.expect_version is not None:
            put["ConditionExpression"] = "version = :read"
            put["ExpressionAttributeValues"] = {":read": {"N": str(write.expect_version)}}
        return {"Put": put}

    def _rollup_update(
        self, tenant: str, company: str, customer: str, change: RollupChange
    ) -> dict[str, Any]:
        names: dict[str, str] = {}
        values: dict[str, Any] = {
            ":type": {"S": "followup_rollup"},
            ":company": {"S": company},
            ":customer": {"S": customer},
        }
        sets = ["item_type = :type", "company = :company", "customer = :customer"]
        adds = []
        for i, (name, value) in enumerate(change.set.items()):
            names[f"#s{i}"] = name
            values[f":s{i}"] = to_attr(value) or {"NULL": True}
            sets.append(f"#s{i} = :s{i}")
        for i, (name, amount) in enumerate(change.add.items()):
            names[f"#a{i}"] = name
            values[f":a{i}"] = {"N": str(amount)}
            adds.append(f"#a{i} :a{i}")
        for i, (name, marks) in enumerate(change.mark.items()):
            names[f"#m{i}"] = name
            values[f":m{i}"] = {"SS": sorted(marks)}
            adds.append(f"#m{i} :m{i}")
        expression = "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else "")
        return {
            "Update": {
                "TableName": self.table,
                "Key": {
                    PARTITION_KEY: {"S": keys.summaries_pk(tenant)},
                    SORT_KEY: {"S": rollup_sk(company, customer)},
                },
                "UpdateExpression": expression,
                "ExpressionAttributeValues": values,
                **({"ExpressionAttributeNames": names} if names else {}),
            }
        }

    # -- tenant settings -----------------------------------------------------------------
    def get_setting(self, tenant: str, name: str) -> dict[str, Any] | None:
        answer = self.client.get_item(
            TableName=self.table,
            Key={PARTITION_KEY: {"S": settings_pk(tenant)}, SORT_KEY: {"S": name}},
            ConsistentRead=True,
        )
        return _fields(answer["Item"]) if "Item" in answer else None

    def put_setting(
        self, tenant: str, name: str, values: dict[str, Any], read_version: int
    ) -> None:
        """Store a tenant setting unless it changed since `read_version` was read."""
        item = {
            PARTITION_KEY: settings_pk(tenant),
            SORT_KEY: name,
            "item_type": "setting",
            **values,
            "version": read_version + 1,
        }
        put_versioned(self.client, self.table, item, read_version, name)
