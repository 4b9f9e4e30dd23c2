"""Stops, overrides and hand-chosen profiles of customers (issue 4: C15, C17, C3).

Items of the company's dunning partition, which the nightly run reads in one Query, also
in GSI1 under the customer's key so that the card's one Query shows them (store/keys.py,
"Dunning"):
- stop:     T#{t}#DUN#{c} / STOP#{customer}#{stop_id}       GSI1: customer / DUNNING#STOP#{id}
- override: T#{t}#DUN#{c} / OVERRIDE#{customer}#{id}        GSI1: customer / DUNNING#OVERRIDE#{id}
- profile:  T#{t}#DUN#{c} / PROFILE#{customer}              GSI1: customer / DUNNING#PROFILE
Each carries `company` and `customer` besides the model's fields, and its item_type
("stop", "override", "profile_choice").

Every change is one TransactWriteItems: the dunning item (created only if new, deleted
only if there, replaced only at the version read) and the timeline event in the
customer's own partition (store/followup.py), so the card never shows one without the
other. The tenant's dunning settings documents are FollowUpStore settings
(`T#{t}#SETTINGS`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from relance.store import keys
from relance.store.codec import from_item, to_item
from relance.store.dunning import dunning_pk
from relance.store.dynamo import ConflictError, dynamodb_client
from relance.store.followup import CONFLICT_ATTEMPTS, Write
from relance.store.schema import GSI1_PK, GSI1_SK, PARTITION_KEY, SORT_KEY

STOP, OVERRIDE, PROFILE = "stop", "override", "profile_choice"


def stop_keys(customer: str, stop_id: str) -> tuple[str, str]:
    """(SK, GSI1SK) of a stop."""
    return f"STOP#{customer}#{stop_id}", f"DUNNING#STOP#{stop_id}"


def override_keys(customer: str, override_id: str) -> tuple[str, str]:
    return f"OVERRIDE#{customer}#{override_id}", f"DUNNING#OVERRIDE#{override_id}"


def profile_keys(customer: str) -> tuple[str, str]:
    return f"PROFILE#{customer}", "DUNNING#PROFILE"


_KEYS = {STOP: stop_keys, OVERRIDE: override_keys}


@dataclass(frozen=True)
class DunningItem:
    """One customer's dunning item: which kind, its id (None for the profile choice)."""

    tenant: str
    company: str
    customer: str
    kind: str
    item_id: str | None = None

    @property
    def pk(self) -> str:
        return dunning_pk(self.tenant, self.company)

    @property
    def sk_and_gsi1sk(self) -> tuple[str, str]:
        if self.kind == PROFILE:
            return profile_keys(self.customer)
        assert self.item_id is not None
        return _KEYS[self.kind](self.customer, self.item_id)

    @property
    def key(self) -> dict[str, Any]:
        return {PARTITION_KEY: {"S": self.pk}, SORT_KEY: {"S": self.sk_and_gsi1sk[0]}}


def _fields(item: dict[str, Any]) -> dict[str, Any]:
    values = from_item(item)
    return {k: v for k, v in values.items() if not k.isupper() and k != "item_type"}


class DunningConfigStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    def get(self, item: DunningItem) -> dict[str, Any] | None:
        answer = self.client.get_item(TableName=self.table, Key=item.key, ConsistentRead=True)
        return _fields(answer["Item"]) if "Item" in answer else None

    def put(
        self,
        item: DunningItem,
        values: dict[str, Any],
        event: Write,
        expect_version: int | None = 0,
    ) -> None:
        """Write the item and the event; ConflictError unless the item is new
        (expect_version 0) or still at `expect_version`."""
        sk, gsi1sk = item.sk_and_gsi1sk
        stored = {
            PARTITION_KEY: item.pk,
            SORT_KEY: sk,
            GSI1_PK: keys.customer_gsi1pk(item.tenant, item.company, item.customer),
            GSI1_SK: gsi1sk,
            "item_type": item.kind,
            "company": item.company,
            "customer": item.customer,
            **values,
        }
        put: dict[str, Any] = {"TableName": self.table, "Item": to_item(stored)}
        if expect_version == 0:
            put["ConditionExpression"] = "attribute_not_exists(PK)"
        elif expect_version is not None:
            put["ConditionExpression"] = "version = :read"
            put["ExpressionAttributeValues"] = {":read": {"N": str(expect_version)}}
        self._transact(item, {"Put": put}, event)

    def delete(self, item: DunningItem, event: Write) -> None:
        """Delete the item and write the event; ConflictError if it is not there."""
        delete = {
            "TableName": self.table,
            "Key": item.key,
            "ConditionExpression": "attribute_exists(PK)",
        }
        self._transact(item, {"Delete": delete}, event)

    def _transact(self, item: DunningItem, action: dict[str, Any], event: Write) -> None:
        pk = keys.customer_gsi1pk(item.tenant, item.company, item.customer)
        timeline = {
            PARTITION_KEY: pk,
            SORT_KEY: event.sk,
            GSI1_PK: pk,
            GSI1_SK: event.sk,
            "item_type": event.item_type,
            **event.values,
        }
        actions = [action, {"Put": {"TableName": self.table, "Item": to_item(timeline)}}]
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                self.client.transact_write_items(TransactItems=actions)
                return
            except ClientError as err:
                if err.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                codes = {r.get("Code") for r in err.response.get("CancellationReasons", [])}
                if "ConditionalCheckFailed" in codes:
                    raise ConflictError(item.sk_and_gsi1sk[0]) from err
                # Another transaction on the same item was under way; nothing was written.
                if "TransactionConflict" not in codes or attempt == CONFLICT_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * 2**attempt)
