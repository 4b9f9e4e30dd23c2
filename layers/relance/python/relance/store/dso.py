"""DSO figures per month (V8) and the payment-terms report (B2) in the single table.

Items:
- company figures:   T#{t}#DSO / CO#{yyyy-mm}#{company}
- collector's share: T#{t}#DSO / COL#{user_id}#{yyyy-mm}#{company}
  (as_of, receivables, sales: {yyyy-mm: amount}); one item per scope and month, rewritten
  by each sync of that month (never by an older as_of) and so frozen once the month is over:
  a sync only ever writes the month of its own as_of. A company's first sync also writes
  the 12 months before, rebuilt from the payment history, where nothing is stored yet.
- terms report:      T#{t}#TERMS / {company}  (customers and open invoices over the legal
  caps, as JSON text, written by each sync's finish, never by an older as_of)
Portfolios are read from T#{t}#USERS / PORTFOLIO#{user_id} (store/portfolios.py).

Access patterns (tested in tests/integration/test_dso_api.py; a sync's finish also reads
the company's open lines, projected: store/keys.py pattern 2):
D1. The tenant's (or one company's) series over months: Query PK=T#{t}#DSO,
    SK between CO#{from}# and CO#{to}#~ (at most 10 companies an item per month).
D2. A collector's series: Query SK between COL#{u}#{from}# and COL#{u}#{to}#~.
D3. Every collector's portfolio (a sync's finish): Query T#{t}#USERS, begins_with PORTFOLIO#.
D4. The terms report: Query PK=T#{t}#TERMS (one item per company).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from relance.domain.payments.dso_scopes import Figures, OpenLine
from relance.domain.portfolios import Portfolio
from relance.store.codec import from_item, to_item
from relance.store.dynamo import dynamodb_client
from relance.store.keys import company_pk, entity_prefix, tenant_pk
from relance.store.portfolios import portfolio_sk
from relance.store.schema import PARTITION_KEY, SORT_KEY
from relance.store.users import users_pk


def dso_pk(tenant: str) -> str:
    return f"{tenant_pk(tenant)}#DSO"


def terms_pk(tenant: str) -> str:
    return f"{tenant_pk(tenant)}#TERMS"


def company_sk(month: str, company: str) -> str:
    return f"CO#{month}#{company}"


def collector_sk(user_id: str, month: str, company: str) -> str:
    return f"COL#{user_id}#{month}#{company}"


class DsoStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    def _query(
        self,
        pk: str,
        low: str | None = None,
        high: str | None = None,
        projection: tuple[str, ...] = (),
    ) -> Iterator[Any]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
        }
        if projection:
            names = {f"#a{i}": name for i, name in enumerate(projection)}
            request["ProjectionExpression"] = ", ".join(names)
            request["ExpressionAttributeNames"] = names
        if low is not None and high is not None:
            request["KeyConditionExpression"] += " AND SK BETWEEN :low AND :high"
            request["ExpressionAttributeValues"].update({":low": {"S": low}, ":high": {"S": high}})
        while True:
            page = self.client.query(**request)
            yield from (from_item(item) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- figures ---------------------------------------------------------------------------
    def has_figures(self, tenant: str, sk: str) -> bool:
        answer = self.client.get_item(
            TableName=self.table,
            Key={PARTITION_KEY: {"S": dso_pk(tenant)}, SORT_KEY: {"S": sk}},
            ProjectionExpression="PK",
        )
        return "Item" in answer

    def put_figures(
        self, tenant: str, sk: str, company: str, figures: Figures, *, only_if_new: bool = False
    ) -> bool:
        """Write a month's figures unless a sync of a later day wrote them already (a late
        or replayed finish never rolls the month back), or, `only_if_new`, unless there are
        figures already (a rebuilt past month never replaces what a sync found). False when
        it did not write."""
        month = sk.rsplit("#", 2)[-2]
        item = {
            PARTITION_KEY: dso_pk(tenant),
            SORT_KEY: sk,
            "item_type": "dso_figures",
            "company": company,
            "month": month,
            "as_of": figures.as_of,
            "receivables": figures.receivables,
            "sales": dict(figures.sales),
        }
        return self._put_if_newer(item, figures.as_of.isoformat(), only_if_new)

    def _put_if_newer(self, item: dict[str, Any], as_of: str, only_if_new: bool = False) -> bool:
        """Put unless the stored item is of a later day (ISO dates compare as text)."""
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(PK)"}
        if not only_if_new:
            condition = {
                "ConditionExpression": "attribute_not_exists(PK) OR as_of <= :as_of",
                "ExpressionAttributeValues": {":as_of": {"S": as_of}},
            }
        try:
            self.client.put_item(TableName=self.table, Item=to_item(item), **condition)
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def figures(
        self, tenant: str, first: str, last: str, collector: str | None = None
    ) -> list[tuple[str, str, Figures]]:
        """(month, company, figures) of the months first..last ("yyyy-mm"), the tenant's
        companies' or one collector's shares."""
        prefix = f"COL#{collector}#" if collector else "CO#"
        out = []
        for item in self._query(dso_pk(tenant), f"{prefix}{first}#", f"{prefix}{last}#~"):
            sales = {m: Decimal(a) for m, a in (item.get("sales") or {}).items()}
            as_of = item["as_of"]
            figures = Figures(
                as_of if isinstance(as_of, date) else date.fromisoformat(str(as_of)),
                Decimal(item["receivables"]),
                sales,
            )
            out.append((str(item["month"]), str(item["company"]), figures))
        return out

    def open_lines(self, tenant: str, company: str) -> list[OpenLine]:
        """The company's open ledger lines, only what the DSO and the terms check read
        (access pattern 2 of store/keys.py, projected)."""
        prefix = entity_prefix("ledger_line")
        wanted = ("SK", "customer", "journal", "accounting_date", "due_date", "amount")
        out = []
        for item in self._query(
            company_pk(tenant, company), prefix, prefix + "~", (*wanted, "opening_balance")
        ):
            due = item.get("due_date")
            out.append(
                OpenLine(
                    company,
                    str(item["customer"]),
                    int(str(item["SK"])[len(prefix) :]),
                    str(item["journal"]),
                    date.fromisoformat(str(item["accounting_date"])),
                    date.fromisoformat(str(due)) if due else None,
                    Decimal(item["amount"]),
                    bool(item.get("opening_balance", False)),
                )
            )
        return out

    def portfolios(self, tenant: str) -> list[Portfolio]:
        prefix = portfolio_sk("")
        return [
            Portfolio.model_validate(item)
            for item in self._query(users_pk(tenant), prefix, prefix + "~")
        ]

    # -- payment-terms report --------------------------------------------------------------
    def put_terms_report(self, tenant: str, company: str, report: dict[str, Any]) -> bool:
        item = {
            PARTITION_KEY: terms_pk(tenant),
            SORT_KEY: company,
            "item_type": "terms_report",
            "company": company,
            "as_of": report["as_of"],
            "report": json.dumps(report, separators=(",", ":"), default=str),
        }
        return self._put_if_newer(item, report["as_of"])

    def terms_reports(self, tenant: str) -> list[dict[str, Any]]:
        return [json.loads(item["report"]) for item in self._query(terms_pk(tenant))]
