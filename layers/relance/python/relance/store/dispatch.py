"""What the dispatch reads and writes in DynamoDB (issue 5, B4 and C16).

Items (besides the action, written by the nightly run: store/keys.py "Dunning"):
- sent log:  T#{t}#SENT#{yyyy-mm} / {sent_at}#{company}#{customer}#{step}#{as_of}
             one per reminder sent (email) or produced (letter), with what an export needs;
             a month is one partition, read in time order (the export, the bench)
- run letter: T#{t}#LETTERS#{as_of} / {company}#{customer}#{step}
             a letter of the run as laid out (LetterInput without the logo) and its PDF's
             key: the grouped PDF to print is one Query, in customer order (C18)
- alert:     T#{t}#ALERTS / {company}#{customer}#{kind}#{step}  (as the nightly's, C13)

Exactly once (B4): an action goes queued -> sending (a conditional update with a claim
token: one claimer) -> sent (one transaction with its sent-log item, only by the claim's
holder), or back to queued / to failed when nothing was sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from relance.domain.records import Customer, LedgerLine
from relance.store import keys
from relance.store.codec import from_item, to_item
from relance.store.dunning import alerts_pk
from relance.store.dynamo import dynamodb_client, transacted
from relance.store.schema import PARTITION_KEY, SORT_KEY

BATCH_GET_LIMIT = 100


@dataclass(frozen=True)
class ActionRef:
    """Where an action is: the dispatch message names it (services/wiring.py)."""

    tenant: str
    company: str
    customer: str
    as_of: str  # ISO date
    step: str

    @property
    def key(self) -> dict[str, Any]:
        return {
            PARTITION_KEY: {"S": keys.customer_gsi1pk(self.tenant, self.company, self.customer)},
            SORT_KEY: {"S": f"ACTION#{self.as_of}#{self.step}"},
        }


@dataclass(frozen=True)
class Claim:
    """The outcome of a claim: `won` (this caller holds the action), else the status found
    ("sent", "sending", "failed"...; "absent" when there is no such action)."""

    won: bool
    status: str
    action: dict[str, Any] | None


def sent_log_pk(tenant: str, month: str) -> str:
    return f"T#{tenant}#SENT#{month}"


def run_letters_pk(tenant: str, as_of: str) -> str:
    return f"T#{tenant}#LETTERS#{as_of}"


class DispatchStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()
        self.requests = 0  # DynamoDB requests made (the bench reports them per email)

    # -- the claim -----------------------------------------------------------------------
    def claim(
        self, ref: ActionRef, token: str, now: datetime, expect: tuple[str, str] | None = None
    ) -> Claim:
        """queued -> sending with this token, in one conditional update that also returns
        the action. `expect` = (status, token): take over a claim left in that state
        instead (a letter whose lease ran out)."""
        condition = "#s = :queued"
        values = {":queued": {"S": "queued"}}
        if expect is not None:
            condition = "#s = :was AND claim_token = :old"
            values = {":was": {"S": expect[0]}, ":old": {"S": expect[1]}}
        try:
            answer = self.client.update_item(
                TableName=self.table,
                Key=ref.key,
                UpdateExpression="SET #s = :sending, claim_token = :token, claimed_at = :at",
                ConditionExpression=f"attribute_exists(PK) AND {condition}",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":sending": {"S": "sending"},
                    ":token": {"S": token},
                    ":at": {"S": now.isoformat()},
                    **values,
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            self.requests += 1
        except ClientError as err:
            self.requests += 1
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old: dict[str, Any] | None = err.response.get("Item")  # type: ignore[assignment]
            if not old:
                return Claim(False, "absent", None)
            action = _fields(old)
            return Claim(False, str(action.get("status", "")), action)
        return Claim(True, "sending", _fields(answer["Attributes"]))

    def release(self, ref: ActionRef, token: str, status: str, reason: str, now: datetime) -> bool:
        """Nothing was sent: the action goes back to `status` ("queued" to be tried again,
        "failed" for a human) with the reason, if this token still holds it."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=ref.key,
                UpdateExpression="SET #s = :status, failure = :reason, failed_at = :at "
                "REMOVE claim_token, claimed_at",
                ConditionExpression="#s = :sending AND claim_token = :token",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":status": {"S": status},
                    ":reason": {"S": reason[:500] or "-"},
                    ":at": {"S": now.isoformat()},
                    ":sending": {"S": "sending"},
                    ":token": {"S": token},
                },
            )
            self.requests += 1
            return True
        except ClientError as err:
            self.requests += 1
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise

    def record_sent(
        self,
        ref: ActionRef,
        token: str,
        sent: dict[str, Any],
        log: dict[str, Any],
        letter: dict[str, Any] | None = None,
    ) -> bool:
        """sending -> sent with what was sent, the sent-log item (and the run's letter): one
        transaction, by the claim's holder only. False if the claim was lost meanwhile."""
        stored = to_item(sent)  # empty values are not stored (codec)
        fields = sorted(stored)
        update = "SET #s = :sent, " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields)))
        update += " REMOVE claim_token"
        names = {"#s": "status", **{f"#f{i}": name for i, name in enumerate(fields)}}
        values = {
            ":sent": {"S": "sent"},
            ":sending": {"S": "sending"},
            ":token": {"S": token},
            **{f":f{i}": stored[name] for i, name in enumerate(fields)},
        }
        ops: list[dict[str, Any]] = [
            {"Update": {"TableName": self.table, "Key": ref.key, "UpdateExpression": update,
                        "ConditionExpression": "#s = :sending AND claim_token = :token",
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values}},
            {"Put": {"TableName": self.table, "Item": to_item(log)}},
        ]  # fmt: skip
        if letter is not None:
            ops.append({"Put": {"TableName": self.table, "Item": to_item(letter)}})
        self.requests += 1
        return transacted(self.client, ops)

    # -- what a message is built from ------------------------------------------------------
    def customer_and_lines(
        self, tenant: str, company: str, customer: str, entries: Iterable[int]
    ) -> tuple[Customer | None, dict[int, LedgerLine]]:
        """The customer's record and the ledger lines of these entries, in one BatchGetItem
        (lines gone since the run are simply absent)."""
        pk = {"S": keys.company_pk(tenant, company)}
        wanted = [keys.record_sk("customer", customer)]
        wanted += [keys.record_sk("ledger_line", str(e)) for e in sorted(set(entries))]
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            pending: dict[str, Any] = {
                self.table: {
                    "Keys": [{PARTITION_KEY: pk, SORT_KEY: {"S": sk}}
                             for sk in wanted[start : start + BATCH_GET_LIMIT]],
                    "ConsistentRead": True,
                }
            }  # fmt: skip
            while pending:
                answer = self.client.batch_get_item(RequestItems=pending)
                self.requests += 1
                found += answer["Responses"].get(self.table, [])
                pending = answer.get("UnprocessedKeys") or {}
        record: Customer | None = None
        lines: dict[int, LedgerLine] = {}
        for raw in found:
            values = from_item(raw)
            kind = values.get("item_type")
            if kind == "customer":
                record = _model(Customer, values, company)
            elif kind == "ledger_line":
                line = _model(LedgerLine, values, company)
                lines[line.entry_number] = line
        return record, lines

    def currencies(self, tenant: str, company: str) -> dict[int, str]:
        """Sage's currency index (N_Devise) -> ISO code, for amounts in invoice currency."""
        found: dict[int, str] = {}
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :sk)",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.company_pk(tenant, company)},
                ":sk": {"S": keys.entity_prefix("currency")},
            },
        }
        for values in self._query(request):
            code = str(values.get("iso_code") or values.get("code") or "")
            if code and "index" in values:
                found[int(values["index"])] = code
        return found

    # -- what was sent -------------------------------------------------------------------
    def sent_log(self, tenant: str, month: str) -> list[dict[str, Any]]:
        """Everything sent or produced in a month (yyyy-mm), in time order."""
        return [
            _fields(raw)
            for raw in self._query_raw(
                {
                    "TableName": self.table,
                    "KeyConditionExpression": "PK = :pk",
                    "ExpressionAttributeValues": {":pk": {"S": sent_log_pk(tenant, month)}},
                }
            )
        ]

    def run_letters(self, tenant: str, as_of: str) -> list[dict[str, Any]]:
        """The letters a run produced, in customer order (company, then customer)."""
        return [
            _fields(raw)
            for raw in self._query_raw(
                {
                    "TableName": self.table,
                    "KeyConditionExpression": "PK = :pk",
                    "ExpressionAttributeValues": {":pk": {"S": run_letters_pk(tenant, as_of)}},
                }
            )
        ]

    def put_alert(self, tenant: str, alert: dict[str, Any]) -> None:
        """An alert beside the nightly run's (C13), keyed the same way: raising it again
        rewrites it."""
        sk = f"{alert['company']}#{alert['customer']}#{alert['kind']}#{alert.get('step', '')}"
        item = {PARTITION_KEY: alerts_pk(tenant), SORT_KEY: sk, "item_type": "alert", **alert}
        self.client.put_item(TableName=self.table, Item=to_item(item))
        self.requests += 1

    # -- helpers ---------------------------------------------------------------------------
    def _query_raw(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            page = self.client.query(**request)
            self.requests += 1
            found += page["Items"]
            if "LastEvaluatedKey" not in page:
                return found
            request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}

    def _query(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        return [from_item(raw) for raw in self._query_raw(request)]


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in from_item(raw).items() if not k.isupper() and k != "item_type"}


def _model(model: Any, values: dict[str, Any], company: str) -> Any:
    fields = {k: v for k, v in values.items() if k in model.model_fields}
    return model.model_validate({**fields, "company": company})
