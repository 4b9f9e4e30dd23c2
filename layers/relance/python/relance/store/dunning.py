"""What the nightly run reads and writes (keys: store/keys.py, "Dunning").

Reads, per company: the open lines as evaluation `Item`s (one projected pass, ten key
ranges in parallel), and the company's dunning partition (histories, stops, overrides,
hand-chosen profiles) in one Query. Writes, per customer that changed: one transaction
with its new actions (each only if new: a repeated run cannot write a second copy), their
tasks, and its history with a version check. Alerts and run records beside them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from relance.domain.dunning.inputs import CREDIT_NOTE, INVOICE, PAYMENT, Done, Item, Override, Stop
from relance.store import keys
from relance.store.codec import from_item, to_item
from relance.store.dynamo import ConflictError, dynamodb_client, transacted
from relance.store.schema import GSI1_PK, GSI1_SK, PARTITION_KEY, SORT_KEY

UNASSIGNED = "_"
LINE_PROJECTION = "SK, customer, journal, due_date, accounting_date, amount, lettering"


def dunning_pk(tenant: str, company: str) -> str:
    return f"T#{tenant}#DUN#{company}"


def tasks_pk(tenant: str, assignee: str) -> str:
    return f"T#{tenant}#TASKS#{assignee}"


def alerts_pk(tenant: str) -> str:
    return f"T#{tenant}#ALERTS"


def runs_pk(tenant: str) -> str:
    return f"T#{tenant}#DUNRUN"


@dataclass
class CompanyState:
    """A company's dunning partition, by customer."""

    history: dict[str, dict[int, Done]] = field(default_factory=dict)
    history_version: dict[str, int] = field(default_factory=dict)
    stops: dict[str, list[Stop]] = field(default_factory=lambda: defaultdict(list))
    overrides: dict[str, list[Override]] = field(default_factory=lambda: defaultdict(list))
    profiles: dict[str, str] = field(default_factory=dict)


@dataclass
class CustomerWrite:
    """Everything one customer's run changes, written in one transaction."""

    customer: str
    actions: list[dict[str, Any]]
    tasks: list[tuple[str, dict[str, Any]]]  # (assignee, task)
    history: dict[int, Done] | None  # None: unchanged
    history_version: int  # the version read (0: none)


def history_to_item(history: dict[int, Done]) -> dict[str, Any]:
    return {
        str(entry): {"step": d.step, "on": d.on, "times": d.times, "pending": d.pending}
        for entry, d in history.items()
    }


def history_from_item(entries: dict[str, Any]) -> dict[int, Done]:
    return {
        int(entry): Done(
            v["step"], date.fromisoformat(v["on"]), int(v.get("times", 1)), bool(v.get("pending"))
        )
        for entry, v in entries.items()
    }


class DunningStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()
        self.requests = 0  # read/write requests made (the nightly bench reports them)

    # -- reads ---------------------------------------------------------------------------
    def _query_all(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        request = {"TableName": self.table, **request}
        while True:
            page = self.client.query(**request)
            self.requests += 1
            found += page["Items"]
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _prefix(self, pk: str, prefix: str, projection: str | None = None) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
        }
        if prefix:  # begins_with an empty prefix is refused by DynamoDB
            request["KeyConditionExpression"] += " AND begins_with(SK, :sk)"
            request["ExpressionAttributeValues"][":sk"] = {"S": prefix}
        if projection:
            request["ProjectionExpression"] = projection
        return self._query_all(request)

    def open_items(
        self, tenant: str, company: str, sales_journals: set[str]
    ) -> dict[str, list[Item]]:
        """Every open line of the company as evaluation items, by customer."""
        pk = keys.company_pk(tenant, company)
        prefix = keys.entity_prefix("ledger_line")

        def one_range(digit: str) -> list[dict[str, Any]]:
            return self._prefix(pk, prefix + digit, LINE_PROJECTION)

        by_customer: dict[str, list[Item]] = defaultdict(list)
        with ThreadPoolExecutor(4, thread_name_prefix="dun-read") as pool:
            for raw_items in pool.map(one_range, "0123456789"):
                for raw in raw_items:
                    customer, item = _item(raw, prefix, sales_journals)
                    by_customer[customer].append(item)
        return by_customer

    def company_state(self, tenant: str, company: str) -> CompanyState:
        state = CompanyState()
        for raw in self._query_all(
            {
                "KeyConditionExpression": "PK = :pk",
                "ExpressionAttributeValues": {":pk": {"S": dunning_pk(tenant, company)}},
            }
        ):
            item = from_item(raw)
            kind, customer = item.get("item_type"), item.get("customer", "")
            if kind == "dunning_history":
                state.history[customer] = history_from_item(item.get("entries", {}))
                state.history_version[customer] = int(item.get("version", 0))
            elif kind == "stop":
                state.stops[customer].append(Stop.model_validate(item))
            elif kind == "override":
                state.overrides[customer].append(Override.model_validate(item))
            elif kind == "profile_choice" and item.get("profile"):
                state.profiles[customer] = item["profile"]
        return state

    def chosen_profiles(self, tenant: str, company: str) -> dict[str, str]:
        """The profiles chosen by hand in a company, by customer: one Query on the
        PROFILE# range of its dunning partition (not the histories beside them)."""
        found: dict[str, str] = {}
        for raw in self._prefix(dunning_pk(tenant, company), "PROFILE#"):
            item = from_item(raw)
            if item.get("item_type") == "profile_choice" and item.get("profile"):
                found[item["customer"]] = item["profile"]
        return found

    def portfolio_items(self, tenant: str) -> list[dict[str, Any]]:
        """Every collector's portfolio (store/portfolios.py items), to assign tasks."""
        return [from_item(raw) for raw in self._prefix(f"T#{tenant}#USERS", "PORTFOLIO#")]

    def tasks(self, tenant: str, assignee: str) -> list[dict[str, Any]]:
        return [_fields(raw) for raw in self._prefix(tasks_pk(tenant, assignee), "")]

    def alerts(self, tenant: str, company: str | None = None) -> list[dict[str, Any]]:
        return [
            _fields(raw)
            for raw in self._prefix(alerts_pk(tenant), f"{company}#" if company else "")
        ]

    def action(
        self, tenant: str, company: str, customer: str, action_id: str
    ) -> dict[str, Any] | None:
        """An action by its id, `{as_of}_{step}` (the date and step make its key)."""
        as_of, _, step = action_id.partition("_")
        answer = self.client.get_item(
            TableName=self.table,
            Key={
                PARTITION_KEY: {"S": keys.customer_gsi1pk(tenant, company, customer)},
                SORT_KEY: {"S": f"ACTION#{as_of}#{step}"},
            },
            ConsistentRead=True,
        )
        return _fields(answer["Item"]) if "Item" in answer else None

    def history(self, tenant: str, company: str, customer: str) -> tuple[dict[int, Done], int]:
        answer = self.client.get_item(
            TableName=self.table,
            Key={
                PARTITION_KEY: {"S": dunning_pk(tenant, company)},
                SORT_KEY: {"S": f"HIST#{customer}"},
            },
            ConsistentRead=True,
        )
        if "Item" not in answer:
            return {}, 0
        item = from_item(answer["Item"])
        return history_from_item(item.get("entries", {})), int(item.get("version", 0))

    def complete_action(
        self,
        tenant: str,
        company: str,
        customer: str,
        action: dict[str, Any],
        outcome: str,
        by: str,
        now: Any,
        history: dict[int, Done],
        history_version: int,
        timeline_event: Any,
        call_outcome: str = "",
        extra: Sequence[dict[str, Any]] = (),
    ) -> None:
        """The action's status, its task's, the history moved on, and a timeline event:
        one transaction, which fails (ConflictError) if the task was completed meanwhile.
        `call_outcome` (reached, promise, dispute) is kept beside the status; `extra` are
        TransactItems written with it (the promise or dispute a call recorded)."""
        customer_pk = keys.customer_gsi1pk(tenant, company, customer)
        action_key = {
            PARTITION_KEY: {"S": customer_pk},
            SORT_KEY: {"S": f"ACTION#{action['as_of']}#{action['step']}"},
        }
        task_key = {
            PARTITION_KEY: {"S": tasks_pk(tenant, action.get("assignee") or UNASSIGNED)},
            SORT_KEY: {"S": f"{action['as_of']}#{company}#{customer}#{action['step']}"},
        }
        update = "SET #s = :s, done_by = :by, done_at = :at"
        values = {":s": {"S": outcome}, ":by": {"S": by}, ":at": {"S": now.isoformat()}}
        if call_outcome:
            update += ", outcome = :o"
            values[":o"] = {"S": call_outcome}
        change = CustomerWrite(customer, [], [], history, history_version)
        event_item = {PARTITION_KEY: customer_pk, SORT_KEY: timeline_event.sk, GSI1_PK: customer_pk,
                      GSI1_SK: timeline_event.sk, "item_type": timeline_event.item_type,
                      **timeline_event.values}  # fmt: skip
        ops = [
            {"Update": {"TableName": self.table, "Key": action_key, "UpdateExpression": update,
                        "ConditionExpression": "#s = :open",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {**values, ":open": {"S": "to_do"}}}},
            {"Update": {"TableName": self.table, "Key": task_key, "UpdateExpression": update,
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": values}},
            self._history_op(tenant, company, change),
            {"Put": {"TableName": self.table, "Item": to_item(event_item)}},
            *extra,
        ]  # fmt: skip
        if not transacted(self.client, ops):
            raise ConflictError(customer)

    def record_attempt(
        self,
        tenant: str,
        company: str,
        customer: str,
        action: dict[str, Any],
        by: str,
        now: Any,
        timeline_event: Any,
    ) -> int:
        """A call nobody answered: the action and its task stay to do, with one more
        attempt and its time, and a timeline event; one transaction (ConflictError if the
        task was completed meanwhile). The attempts counted after this one."""
        customer_pk = keys.customer_gsi1pk(tenant, company, customer)
        update = "SET attempts = if_not_exists(attempts, :zero) + :one, last_attempt_at = :at, " \
                 "last_attempt_by = :by"  # fmt: skip
        values = {":zero": {"N": "0"}, ":one": {"N": "1"}, ":at": {"S": now.isoformat()},
                  ":by": {"S": by}}  # fmt: skip
        task_key = {
            PARTITION_KEY: {"S": tasks_pk(tenant, action.get("assignee") or UNASSIGNED)},
            SORT_KEY: {"S": f"{action['as_of']}#{company}#{customer}#{action['step']}"},
        }
        event_item = {PARTITION_KEY: customer_pk, SORT_KEY: timeline_event.sk, GSI1_PK: customer_pk,
                      GSI1_SK: timeline_event.sk, "item_type": timeline_event.item_type,
                      **timeline_event.values}  # fmt: skip
        ops = [
            {"Update": {"TableName": self.table,
                        "Key": {PARTITION_KEY: {"S": customer_pk},
                                SORT_KEY: {"S": f"ACTION#{action['as_of']}#{action['step']}"}},
                        "UpdateExpression": update, "ConditionExpression": "#s = :open",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {**values, ":open": {"S": "to_do"}}}},
            {"Update": {"TableName": self.table, "Key": task_key, "UpdateExpression": update,
                        "ExpressionAttributeValues": values}},
            {"Put": {"TableName": self.table, "Item": to_item(event_item)}},
        ]  # fmt: skip
        if not transacted(self.client, ops):
            raise ConflictError(customer)
        return int(action.get("attempts") or 0) + 1

    def cancel_action(
        self, tenant: str, company: str, customer: str, action: dict[str, Any], now: Any
    ) -> bool:
        """Withdraw a task still to do (its action and its task list entry); False when
        someone completed it meanwhile."""
        customer_pk = keys.customer_gsi1pk(tenant, company, customer)
        values = {":s": {"S": "cancelled"}, ":at": {"S": now.isoformat()}}
        update = "SET #s = :s, done_at = :at"
        ops = [
            {"Update": {"TableName": self.table,
                        "Key": {PARTITION_KEY: {"S": customer_pk},
                                SORT_KEY: {"S": f"ACTION#{action['as_of']}#{action['step']}"}},
                        "UpdateExpression": update, "ConditionExpression": "#s = :open",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {**values, ":open": {"S": "to_do"}}}},
            {"Update": {"TableName": self.table,
                        "Key": {PARTITION_KEY: {"S": tasks_pk(tenant, action.get("assignee")
                                                              or UNASSIGNED)},
                                SORT_KEY: {"S": f"{action['as_of']}#{company}#{customer}#"
                                                f"{action['step']}"}},
                        "UpdateExpression": update,
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": values}},
        ]  # fmt: skip
        self.requests += 1
        return transacted(self.client, ops)

    def alert_keys(self, tenant: str, company: str) -> dict[str, str]:
        """The company's alerts held: key -> the date it was raised."""
        found = self._prefix(alerts_pk(tenant), f"{company}#", "SK, raised_on")
        return {item[SORT_KEY]: str(item.get("raised_on", "")) for item in map(from_item, found)}

    def has_run(self, tenant: str, company: str, as_of: date) -> bool:
        answer = self.client.get_item(
            TableName=self.table,
            Key={
                PARTITION_KEY: {"S": runs_pk(tenant)},
                SORT_KEY: {"S": f"{as_of.isoformat()}#{company}"},
            },
            ProjectionExpression="PK",
        )
        self.requests += 1
        return "Item" in answer

    # -- writes --------------------------------------------------------------------------
    def write_customer(self, tenant: str, company: str, change: CustomerWrite) -> bool:
        """One customer's actions, tasks and history, atomically. False when the actions
        were already there (a repeated run): nothing is written twice."""
        customer_pk = keys.customer_gsi1pk(tenant, company, change.customer)
        ops: list[dict[str, Any]] = []
        for action in change.actions:
            sk = f"ACTION#{action['as_of']}#{action['step']}"
            item = {PARTITION_KEY: customer_pk, SORT_KEY: sk, GSI1_PK: customer_pk,
                    GSI1_SK: sk, "item_type": "action", **action}  # fmt: skip
            ops.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_item(item),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            )
        for assignee, task in change.tasks:
            sk = f"{task['as_of']}#{company}#{change.customer}#{task['step']}"
            item = {PARTITION_KEY: tasks_pk(tenant, assignee), SORT_KEY: sk,
                    "item_type": "task", "assignee": assignee, **task}  # fmt: skip
            ops.append({"Put": {"TableName": self.table, "Item": to_item(item)}})
        if change.history is not None:
            ops.append(self._history_op(tenant, company, change))
        if not ops:
            return True
        for attempt in range(5):
            try:
                self.client.transact_write_items(TransactItems=ops)
                self.requests += 1
                return True
            except ClientError as err:
                self.requests += 1
                reasons = err.response.get("CancellationReasons", [])
                codes = {r.get("Code") for r in reasons} - {"None", None}
                if codes == {"TransactionConflict"} and attempt < 4:
                    time.sleep(0.05 * 2**attempt)
                    continue
                if "ConditionalCheckFailed" in codes:
                    if change.actions and reasons[0].get("Code") == "ConditionalCheckFailed":
                        return False  # this run's actions exist: it ran already
                    raise ConflictError(change.customer) from err
                raise
        return False

    def _history_op(self, tenant: str, company: str, change: CustomerWrite) -> dict[str, Any]:
        key = {
            PARTITION_KEY: {"S": dunning_pk(tenant, company)},
            SORT_KEY: {"S": f"HIST#{change.customer}"},
        }
        read = change.history_version
        condition = "attribute_not_exists(PK)" if read == 0 else "version = :read"
        values = {":read": {"N": str(read)}} if read else {}
        if not change.history:
            if read == 0:
                # Nothing stored and nothing to store: a no-op the transaction still checks.
                return {
                    "ConditionCheck": {
                        "TableName": self.table,
                        "Key": key,
                        "ConditionExpression": condition,
                    }
                }
            return {
                "Delete": {
                    "TableName": self.table,
                    "Key": key,
                    "ConditionExpression": condition,
                    "ExpressionAttributeValues": values,
                }
            }
        customer_pk = keys.customer_gsi1pk(tenant, company, change.customer)
        item = {
            PARTITION_KEY: dunning_pk(tenant, company),
            SORT_KEY: f"HIST#{change.customer}",
            GSI1_PK: customer_pk,
            GSI1_SK: "DUNNING#HISTORY",
            "item_type": "dunning_history",
            "customer": change.customer,
            "entries": history_to_item(change.history),
            "version": read + 1,
        }
        put: dict[str, Any] = {
            "TableName": self.table,
            "Item": to_item(item),
            "ConditionExpression": condition,
        }
        if values:
            put["ExpressionAttributeValues"] = values
        return {"Put": put}

    def delete_overrides(self, tenant: str, company: str, ids: Iterable[tuple[str, str]]) -> None:
        """Spent overrides: (customer, override id)."""
        for customer, override_id in ids:
            self.client.delete_item(
                TableName=self.table,
                Key={
                    PARTITION_KEY: {"S": dunning_pk(tenant, company)},
                    SORT_KEY: {"S": f"OVERRIDE#{customer}#{override_id}"},
                },
            )
            self.requests += 1

    def replace_alerts(
        self,
        tenant: str,
        company: str,
        alerts: dict[str, dict[str, Any]],
        held: set[str],
        keep: set[str] = frozenset(),  # type: ignore[assignment]
    ) -> tuple[int, int]:
        """Write alerts not held yet, delete held ones no longer raised (except `keep`):
        (added, cleared)."""
        requests: list[dict[str, Any]] = [
            {"PutRequest": {"Item": to_item(
                {PARTITION_KEY: alerts_pk(tenant), SORT_KEY: key, "item_type": "alert", **alert}
            )}}
            for key, alert in alerts.items()
            if key not in held
        ]  # fmt: skip
        requests += [
            {"DeleteRequest": {"Key": {PARTITION_KEY: {"S": alerts_pk(tenant)},
                                       SORT_KEY: {"S": key}}}}
            for key in held - alerts.keys() - keep
        ]  # fmt: skip
        for start in range(0, len(requests), 25):
            pending = requests[start : start + 25]
            while pending:
                answer = self.client.batch_write_item(RequestItems={self.table: pending})
                self.requests += 1
                pending = answer.get("UnprocessedItems", {}).get(self.table, [])
        added = sum(1 for r in requests if "PutRequest" in r)
        return added, len(requests) - added

    def put_run(
        self, tenant: str, company: str, as_of: date, run: dict[str, Any], suffix: str = ""
    ) -> None:
        item = {
            PARTITION_KEY: runs_pk(tenant),
            SORT_KEY: f"{as_of.isoformat()}#{company}{suffix}",
            "item_type": "dunning_run",
            **run,
        }
        self.client.put_item(TableName=self.table, Item=to_item(item))
        self.requests += 1

    def runs(self, tenant: str, limit: int = 50) -> list[dict[str, Any]]:
        page = self.client.query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": runs_pk(tenant)}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [
            {k: v for k, v in from_item(i).items() if not k.isupper() and k != "item_type"}
            for i in page["Items"]
        ]


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in from_item(raw).items() if not k.isupper() and k != "item_type"}


def _item(raw: dict[str, Any], prefix: str, sales_journals: set[str]) -> tuple[str, Item]:
    """(customer, Item) from a projected line, without building a LedgerLine."""
    amount = Decimal(raw["amount"]["N"])
    journal = raw.get("journal", {}).get("S", "")
    due = raw.get("due_date", {}).get("S") or raw["accounting_date"]["S"]
    lettering = raw.get("lettering", {}).get("S", "")
    kind = INVOICE if amount > 0 else CREDIT_NOTE if journal in sales_journals else PAYMENT
    return raw["customer"]["S"], Item(
        int(raw["SK"]["S"][len(prefix) :]),
        journal,
        kind,
        date.fromisoformat(due),
        amount,
        lettering if lettering.islower() else "",
    )
