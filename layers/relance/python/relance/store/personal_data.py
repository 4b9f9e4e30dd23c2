"""Personal data in the single table: the access log, where a person's data lies, its
erasure, the erasure list and the erasure records.

Items:
- card view:    T#{t}#ACCESS#{yyyy-mm} / {viewed_at}#{id}   (expires_at: one year, TTL)
  A1: views of a time range, newest first: one Query per month (filters on customer and
  user applied by DynamoDB on the page read).
- erased email: T#{t}#ERASURE / DIGEST#{sha256}   (the digest, never the address)
  A2: the tenant's erasure list, read by each customer / contact batch of a sync: one Query.
- erasure:      T#{t}#ERASURE / LOG#{at}#{id}      (who, when, why, what kinds of items)
  A3: the erasure records, newest first.
A person's data (A4) is found without a Scan: each company's CUSTOMER# and CONTACT#
records (one paged Query each), the manual contacts of the customers whose follow-up
rollup counts some, the reminders (action items) of the customers it was found on, the
users' partition, the suppression list, and the sent log of the
retention period (one Query a month).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from relance.domain import personal_data as pd
from relance.store import keys
from relance.store.codec import from_item, to_attr, to_item
from relance.store.deliverability import suppressed_pk
from relance.store.dynamo import dynamodb_client
from relance.store.schema import GSI1, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE
from relance.store.sent_log import BadCursor, decode_cursor, encode_cursor, months

VIEW_KEPT = timedelta(days=366)
SENT_LOG_MONTHS = 12 * pd.DEFAULT_RETENTION_YEARS + 1


def access_pk(tenant: str, month: str) -> str:
    return f"T#{tenant}#ACCESS#{month}"


def erasure_pk(tenant: str) -> str:
    return f"T#{tenant}#ERASURE"


def customer_pk(tenant: str, company: str, number: str) -> str:
    return keys.customer_gsi1pk(tenant, company, number)


@dataclass
class Holding:
    """One item holding a person's data: where it is, what kind, the fields concerned."""

    kind: str  # customer, contact, manual_contact, sent_log, suppression, user
    source: str  # where it came from: sage, hand-entered, dispatch, deliverability, users
    pk: str
    sk: str
    company: str = ""
    customer: str = ""
    fields: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "company": self.company or None,
            "customer": self.customer or None,
            "fields": self.fields,
        }


class PersonalDataStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    def _query(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        request = {"TableName": self.table, **request}
        while True:
            page = self.client.query(**request)
            for raw in page["Items"]:
                yield from_item(raw)
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _partition(self, pk: str, prefix: str = "") -> Iterator[dict[str, Any]]:
        values = {":pk": {"S": pk}}
        condition = "PK = :pk"
        if prefix:
            condition += " AND begins_with(SK, :p)"
            values[":p"] = {"S": prefix}
        return self._query(
            {"KeyConditionExpression": condition, "ExpressionAttributeValues": values}
        )

    def tenants(self) -> list[str]:
        """Every tenant with a relay connector. A Scan (keys and tenant only): the weekly
        retention run is the one reader; a tenant registry would make it a Query."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "SK = :sk",
            "ProjectionExpression": "PK, SK, tenant",
            "ExpressionAttributeValues": {":sk": {"S": "CONNECTOR"}},
        }
        found: set[str] = set()
        while True:
            page = self.client.scan(**request)
            found.update(str(from_item(raw).get("tenant", "")) for raw in page["Items"])
            if "LastEvaluatedKey" not in page:
                return sorted(t for t in found if t)
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- access log (A1) ---------------------------------------------------------------
    def record_view(
        self, tenant: str, user_id: str, company: str, number: str, at: datetime
    ) -> None:
        moment = at.astimezone(UTC)
        item = {
            PARTITION_KEY: access_pk(tenant, moment.strftime("%Y-%m")),
            SORT_KEY: f"{moment.isoformat()}#{uuid.uuid4().hex[:8]}",
            "item_type": "card_view",
            "user_id": user_id,
            "company": company,
            "customer": number,
            "viewed_at": moment.isoformat(),
            TTL_ATTRIBUTE: int((moment + VIEW_KEPT).timestamp()),
        }
        self.client.put_item(TableName=self.table, Item=to_item(item))

    def views(
        self,
        tenant: str,
        start: datetime,
        end: datetime,
        *,
        company: str | None = None,
        customer: str | None = None,
        user_id: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of card views with start <= viewed_at < end, newest first, and the cursor
        of the next page (None on the last)."""
        partitions = list(reversed(months(start, end)))
        resume = decode_cursor(after) if after else None
        if resume is not None:
            if resume[0] not in partitions:  # a cursor of another range: not ours to follow
                raise BadCursor(after or "")
            partitions = partitions[partitions.index(resume[0]) :]
        filters, values, names = [], {}, {}
        for name, wanted in (("company", company), ("customer", customer), ("user_id", user_id)):
            if wanted:
                filters.append(f"#{name} = :{name}")
                values[f":{name}"] = {"S": wanted}
                names[f"#{name}"] = name
        low = start.astimezone(UTC).isoformat()
        high = end.astimezone(UTC).isoformat()
        found: list[dict[str, Any]] = []
        for month in partitions:
            request: dict[str, Any] = {
                "TableName": self.table,
                "KeyConditionExpression": "PK = :pk AND SK BETWEEN :low AND :high",
                "ExpressionAttributeValues": {
                    ":pk": {"S": access_pk(tenant, month)},
                    ":low": {"S": low},
                    ":high": {"S": high},
                    **values,
                },
                "ScanIndexForward": False,
            }
            if filters:
                request["FilterExpression"] = " AND ".join(filters)
                request["ExpressionAttributeNames"] = names
            if resume is not None and resume[0] == month:
                request["ExclusiveStartKey"] = {
                    PARTITION_KEY: {"S": access_pk(tenant, month)},
                    SORT_KEY: {"S": resume[1]},
                }
            while True:
                page = self.client.query(**request)
                for raw in page["Items"]:
                    found.append(from_item(raw))
                    if len(found) == limit:
                        return [_view(v) for v in found], encode_cursor(month, raw[SORT_KEY]["S"])
                if "LastEvaluatedKey" not in page:
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [_view(v) for v in found], None

    # -- where a person's data lies (A4) -----------------------------------------------
    def holdings(self, tenant: str, email: str, now: datetime) -> list[Holding]:
        found: list[Holding] = []
        companies = [c["code"] for c in self._partition(keys.tenant_pk(tenant), "COMPANY#")]
        for company in companies:
            for kind in ("customer", "contact"):
                pk = keys.company_pk(tenant, company)
                for item in self._partition(pk, keys.entity_prefix(kind)):
                    if pd.holds_email(item, email):
                        customer = str(item.get("customer") or item.get("number") or "")
                        found.append(Holding(kind, "sage", pk, item[SORT_KEY], company,
                                             customer, pd.personal_fields(kind, item)))  # fmt: skip
        found += self._manual_contacts(tenant, email)
        found += self._sent_log(tenant, email, now)
        customers = {(h.company, h.customer) for h in found if h.customer}
        found += self._actions(tenant, email, sorted(customers))
        wanted = pd.normalized(email)
        for item in self._partition(suppressed_pk(tenant)):
            if pd.normalized(str(item.get("address", ""))) == wanted:
                fields = {k: v for k, v in item.items() if not k.isupper() and k != "item_type"}
                found.append(Holding("suppression", "deliverability", item[PARTITION_KEY],
                                     item[SORT_KEY], fields=fields))  # fmt: skip
        for item in self._partition(f"T#{tenant}#USERS", "USER#"):
            if pd.holds_email(item, email):
                fields = {k: item.get(k) for k in ("user_id", "email", "display_name", "role")}
                found.append(Holding("user", "users", item[PARTITION_KEY], item[SORT_KEY],
                                     fields=fields))  # fmt: skip
        return found

    def _manual_contacts(self, tenant: str, email: str) -> list[Holding]:
        """Manual contacts (V13) of the customers whose rollup says they have some."""
        found: list[Holding] = []
        for rollup in self._query(
            {
                "KeyConditionExpression": "PK = :pk",
                "FilterExpression": "item_type = :t AND manual_contacts > :zero",
                "ExpressionAttributeValues": {
                    ":pk": {"S": keys.summaries_pk(tenant)},
                    ":t": {"S": "followup_rollup"},
                    ":zero": {"N": "0"},
                },
            }
        ):
            company, number = str(rollup["company"]), str(rollup["customer"])
            pk = customer_pk(tenant, company, number)
            answer = self.client.get_item(
                TableName=self.table,
                Key={PARTITION_KEY: {"S": pk}, SORT_KEY: {"S": "DETAILS"}},
                ConsistentRead=True,
            )
            details = from_item(answer["Item"]) if "Item" in answer else {}
            for contact in details.get("contacts") or []:
                if pd.holds_email(contact, email):
                    fields = pd.personal_fields("manual_contact", contact)
                    found.append(Holding("manual_contact", "hand-entered", pk, "DETAILS",
                                         company, number, fields))  # fmt: skip
        return found

    def _actions(self, tenant: str, email: str, customers: list[tuple[str, str]]) -> list[Holding]:
        """The reminders sent to the person (their action items keep the recipients), on
        the customers where the person was found: one Query on the customer index each."""
        wanted = pd.normalized(email)
        found: list[Holding] = []
        for company, number in customers:
            for item in self._query(
                {
                    "IndexName": GSI1,
                    "KeyConditionExpression": "GSI1PK = :pk AND begins_with(GSI1SK, :p)",
                    "ExpressionAttributeValues": {
                        ":pk": {"S": customer_pk(tenant, company, number)},
                        ":p": {"S": "ACTION#"},
                    },
                }
            ):
                recipients = [str(r) for r in item.get("recipients") or []]
                if any(pd.normalized(r) == wanted for r in recipients):
                    fields = {"recipients": recipients, "step": item.get("step")}
                    found.append(Holding("action", "dispatch", item[PARTITION_KEY],
                                         item[SORT_KEY], company, number, fields))  # fmt: skip
        return found

    def _sent_log(self, tenant: str, email: str, now: datetime) -> list[Holding]:
        wanted = pd.normalized(email)
        start = now - timedelta(days=31 * SENT_LOG_MONTHS)
        found: list[Holding] = []
        for month in months(start, now):
            for item in self._partition(f"T#{tenant}#SENT#{month}"):
                recipients = [str(r) for r in item.get("recipients") or []]
                if any(pd.normalized(r) == wanted for r in recipients):
                    fields = {"recipients": recipients, "sent_at": item.get("sent_at"),
                              "subject": item.get("subject")}  # fmt: skip
                    found.append(Holding("sent_log", "dispatch", item[PARTITION_KEY],
                                         item[SORT_KEY], str(item.get("company", "")),
                                         str(item.get("customer", "")), fields))  # fmt: skip
        return found

    # -- erasure -----------------------------------------------------------------------
    def scrub(self, holding: Holding, email: str | None) -> None:
        """Erase the person's fields from one item (amounts and keys untouched); `email`
        None: every person of the item (the retention run erases all of a customer's)."""
        if holding.kind in ("customer", "contact"):
            self._set_fields(holding.pk, holding.sk, pd.scrubbed(holding.kind, holding.fields))
        elif holding.kind == "manual_contact":
            self._scrub_manual(holding.pk, email)
        elif holding.kind in ("sent_log", "action") and email:
            wanted = pd.normalized(email)
            kept = [r for r in holding.fields["recipients"] if pd.normalized(r) != wanted]
            self._set_fields(holding.pk, holding.sk, {"recipients": kept or [pd.ERASED]})
        elif holding.kind == "suppression":
            self.client.delete_item(
                TableName=self.table,
                Key={PARTITION_KEY: {"S": holding.pk}, SORT_KEY: {"S": holding.sk}},
            )

    def _set_fields(self, pk: str, sk: str, values: dict[str, Any]) -> None:
        sets = {k: v for k, v in values.items() if v not in ("", None)}
        removes = [k for k in values if k not in sets]
        names = {f"#f{i}": k for i, k in enumerate(values)}
        by_name = {k: n for n, k in names.items()}
        parts = []
        if sets:
            parts.append("SET " + ", ".join(f"{by_name[k]} = :v{by_name[k][2:]}" for k in sets))
        if removes:
            parts.append("REMOVE " + ", ".join(by_name[k] for k in removes))
        request: dict[str, Any] = {
            "TableName": self.table,
            "Key": {PARTITION_KEY: {"S": pk}, SORT_KEY: {"S": sk}},
            "UpdateExpression": " ".join(parts),
            "ExpressionAttributeNames": names,
            "ConditionExpression": "attribute_exists(PK)",
        }
        if sets:
            request["ExpressionAttributeValues"] = {
                f":v{by_name[k][2:]}": to_attr(v) for k, v in sets.items()
            }
        self.client.update_item(**request)

    def _scrub_manual(self, pk: str, email: str | None) -> None:
        answer = self.client.get_item(
            TableName=self.table,
            Key={PARTITION_KEY: {"S": pk}, SORT_KEY: {"S": "DETAILS"}},
            ConsistentRead=True,
        )
        details = from_item(answer.get("Item") or {})
        contacts = [
            {**c, **pd.scrubbed("manual_contact", c)}
            if email is None or pd.holds_email(c, email)
            else c
            for c in details.get("contacts") or []
        ]
        # The version moves on: a card open with the old contacts cannot save them back.
        self._set_fields(
            pk, "DETAILS", {"contacts": contacts, "version": int(details.get("version", 0)) + 1}
        )

    def add_to_erasure_list(self, tenant: str, digest: str, at: datetime) -> None:
        item = {PARTITION_KEY: erasure_pk(tenant), SORT_KEY: f"DIGEST#{digest}",
                "item_type": "erased_email", "erased_at": at.isoformat()}  # fmt: skip
        self.client.put_item(TableName=self.table, Item=to_item(item))

    def erasure_list(self, tenant: str) -> frozenset[str]:
        prefix = "DIGEST#"
        return frozenset(
            item[SORT_KEY][len(prefix) :] for item in self._partition(erasure_pk(tenant), prefix)
        )

    def record_erasure(self, tenant: str, record: dict[str, Any]) -> None:
        item = {PARTITION_KEY: erasure_pk(tenant),
                SORT_KEY: f"LOG#{record['at']}#{record['erasure_id']}",
                "item_type": "erasure", **record}  # fmt: skip
        self.client.put_item(TableName=self.table, Item=to_item(item))

    def erasures(self, tenant: str) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in item.items() if not k.isupper() and k != "item_type"}
            for item in self._query(
                {
                    "KeyConditionExpression": "PK = :pk AND begins_with(SK, :p)",
                    "ExpressionAttributeValues": {
                        ":pk": {"S": erasure_pk(tenant)},
                        ":p": {"S": "LOG#"},
                    },
                    "ScanIndexForward": False,
                }
            )
        ]


def _view(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item.get(k) for k in ("viewed_at", "user_id", "company", "customer")}
