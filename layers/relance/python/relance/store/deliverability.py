"""What the deliverability loop (B5) reads and writes.

- suppressed address: T#{t}#SUPPRESSED / {email_key}  (who, when, why: one item each; the
  nightly run reads the partition's keys in one Query, projected)
- the email action (store/dunning.py keys): its status moves up with SES's news, only if
  the status held ranks lower (a conditional update: a repeat or a late event is a no-op)
- the sent-log line the dispatch wrote (T#{t}#SENT#{yyyy-mm} / {sent_at}#{c}#{n}#{step}#
  {as_of}): its status likewise
- the alert (T#{t}#ALERTS, store/dunning.py) and the fallback letter: the action item and,
  for a manual one, its task, in one transaction that writes only if the letter is new
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from relance.domain.dunning.actions import Alert
from relance.domain.records import Customer
from relance.store import keys
from relance.store.codec import from_item, to_attr, to_item
from relance.store.dunning import UNASSIGNED, alerts_pk, tasks_pk
from relance.store.dynamo import dynamodb_client
from relance.store.schema import GSI1_PK, GSI1_SK, PARTITION_KEY, SORT_KEY


def suppressed_pk(tenant: str) -> str:
    return f"T#{tenant}#SUPPRESSED"


def sent_pk(tenant: str, sent_at: str) -> str:
    return f"T#{tenant}#SENT#{sent_at[:7]}"


def action_sk(as_of: str, step: str) -> str:
    return f"ACTION#{as_of}#{step}"


class DeliverabilityStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    # -- suppressions ------------------------------------------------------------------
    def suppressed(self, tenant: str) -> frozenset[str]:
        """The tenant's suppressed addresses (keys only: one small Query)."""
        found: set[str] = set()
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": suppressed_pk(tenant)}},
            "ProjectionExpression": SORT_KEY,
        }
        while True:
            page = self.client.query(**request)
            found.update(item[SORT_KEY]["S"] for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return frozenset(found)
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def suppressions(self, tenant: str) -> list[dict[str, Any]]:
        """Every suppressed address with who, when and why."""
        answer = self.client.query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": suppressed_pk(tenant)}},
            ConsistentRead=True,
        )
        return [_fields(raw) for raw in answer["Items"]]

    def suppress(self, tenant: str, address: str, why: Mapping[str, Any]) -> bool:
        """Suppress an address; False when it already was (the first reason stands)."""
        item = {PARTITION_KEY: suppressed_pk(tenant), SORT_KEY: address,
                "item_type": "suppression", "address": address, **why}  # fmt: skip
        return self._put_new(item)

    # -- the action and its sent-log line ----------------------------------------------
    def action(
        self, tenant: str, company: str, customer: str, as_of: str, step: str
    ) -> dict[str, Any] | None:
        answer = self.client.get_item(
            TableName=self.table,
            Key={
                PARTITION_KEY: {"S": keys.customer_gsi1pk(tenant, company, customer)},
                SORT_KEY: {"S": action_sk(as_of, step)},
            },
            ConsistentRead=True,
        )
        return _fields(answer["Item"]) if "Item" in answer else None

    def mark(
        self,
        tenant: str,
        action: Mapping[str, Any],
        status: str,
        below: Iterable[str],
        news: Mapping[str, Any],
    ) -> bool:
        """Set the action's status (and its sent-log line's) when the one held is in
        `below`; `news` (the SES event's time, type...) is kept beside it. False: the
        action had moved on already (nothing written)."""
        customer_pk = keys.customer_gsi1pk(tenant, action["company"], action["customer"])
        key = {
            PARTITION_KEY: {"S": customer_pk},
            SORT_KEY: {"S": action_sk(str(action["as_of"]), str(action["step"]))},
        }
        if not self._raise_status(key, status, below, news):
            return False
        sent_at = str(action.get("sent_at") or "")
        if sent_at:
            line = (f"{sent_at}#{action['company']}#{action['customer']}#{action['step']}#"
                    f"{action['as_of']}")  # fmt: skip
            self._raise_status(
                {PARTITION_KEY: {"S": sent_pk(tenant, sent_at)}, SORT_KEY: {"S": line}},
                status, below, news,
            )  # fmt: skip
        return True

    def _raise_status(
        self, key: dict[str, Any], status: str, below: Iterable[str], news: Mapping[str, Any]
    ) -> bool:
        lower = sorted(set(below))
        values: dict[str, Any] = {":s": {"S": status}, ":news": to_attr(dict(news)) or {"M": {}}}
        values |= {f":b{i}": {"S": s} for i, s in enumerate(lower)}
        try:
            self.client.update_item(
                TableName=self.table,
                Key=key,
                UpdateExpression="SET #s = :s, delivery = :news",
                ConditionExpression=f"attribute_exists(PK) AND #s IN "
                f"({', '.join(f':b{i}' for i in range(len(lower)))})",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=values,
            )
            return True
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise

    # -- alert, customer, fallback letter ----------------------------------------------
    def put_alert(self, tenant: str, alert: Alert, raised_on: datetime) -> None:
        """The alert, as the nightly run stores its own (its key de-duplicates it)."""
        item = {PARTITION_KEY: alerts_pk(tenant), SORT_KEY: alert.key, "item_type": "alert",
                **alert._asdict(), "entries": list(alert.entries),
                "raised_on": raised_on.date(), "raised_at": raised_on}  # fmt: skip
        self.client.put_item(TableName=self.table, Item=to_item(item))

    def customer(self, tenant: str, company: str, number: str) -> Customer | None:
        answer = self.client.get_item(
            TableName=self.table,
            Key={
                PARTITION_KEY: {"S": keys.company_pk(tenant, company)},
                SORT_KEY: {"S": keys.record_sk("customer", number)},
            },
        )
        if "Item" not in answer:
            return None
        values = from_item(answer["Item"])
        fields = {k: v for k, v in values.items() if k in Customer.model_fields}
        return Customer.model_validate({**fields, "company": company})

    def add_letter(
        self, tenant: str, letter: Mapping[str, Any], task: Mapping[str, Any] | None
    ) -> bool:
        """The fallback letter (and its task), only if new: False when it was there."""
        company, customer = letter["company"], letter["customer"]
        customer_pk = keys.customer_gsi1pk(tenant, company, customer)
        sk = action_sk(str(letter["as_of"]), str(letter["step"]))
        item = {PARTITION_KEY: customer_pk, SORT_KEY: sk, GSI1_PK: customer_pk, GSI1_SK: sk,
                "item_type": "action", **letter}  # fmt: skip
        ops: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table, "Item": to_item(item),
                     "ConditionExpression": "attribute_not_exists(PK)"}}
        ]  # fmt: skip
        if task is not None:
            assignee = str(letter.get("assignee") or UNASSIGNED)
            task_item = {PARTITION_KEY: tasks_pk(tenant, assignee),
                         SORT_KEY: f"{letter['as_of']}#{company}#{customer}#{letter['step']}",
                         "item_type": "task", "assignee": assignee, **task}  # fmt: skip
            ops.append({"Put": {"TableName": self.table, "Item": to_item(task_item)}})
        try:
            self.client.transact_write_items(TransactItems=ops)
            return True
        except ClientError as err:
            reasons = err.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise

    def _put_new(self, item: dict[str, Any]) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(PK)",
            )
            return True
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in from_item(raw).items() if not k.isupper() and k != "item_type"}
