"""Cash collected per customer and day (V6, K1), one item per company, beside its pack.

Item: T#{t}#SUMMARIES / {company}#!CASHIN (item_type "cash_collected"), written at each
sync's finish from the settled lines (domain/payments/collected.py), from the first day
of the previous month on: `blob` is gzipped JSON {"since": day, "totals": [[offset,
amount], ...], "customers": {number: [offset, amount, offset, amount, ...]}} (offsets in
days from `since`). It sorts before the company's pack ("!C" < "!P"), so the Query
that lists and dashboards already make (store/dynamo.py summary_set) reads it too: the
dashboard's collected-to-date costs no request. Amounts are strings, exact.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from relance.domain.payments.collected import Collected
from relance.store import keys
from relance.store.dynamo import dynamodb_client
from relance.store.schema import PARTITION_KEY, SORT_KEY

ITEM_TYPE = "cash_collected"
CASH_MARK = "!CASHIN"


def cash_sk(company: str) -> str:
    return f"{company}#{CASH_MARK}"


MAX_BYTES = 380_000  # DynamoDB items are at most 400 KB


@dataclass(frozen=True)
class CashIn:
    """A company's item, decoded: the days' totals and each customer's days."""

    since: date
    totals: dict[date, Decimal]
    customers: dict[str, Collected]


def encode(since: date, customers: dict[str, Collected]) -> bytes:
    """Days as offsets from `since` and amounts as strings, flat per customer; the
    company's totals per day beside them (what a whole-tenant dashboard sums, without
    walking every customer). Too big for an item (tens of thousands of payments in two
    months): the previous month is left out, which only a report on the 1st would miss."""
    totals: dict[int, Decimal] = {}
    rows: dict[str, list[int | str]] = {}
    for number, days in sorted(customers.items()):
        flat: list[int | str] = []
        for d, a in days:
            offset = (d - since).days
            totals[offset] = totals.get(offset, Decimal(0)) + a
            flat += [offset, str(a)]
        rows[number] = flat
    body = {
        "since": since.isoformat(),
        "totals": [[o, str(a)] for o, a in sorted(totals.items())],
        "customers": rows,
    }
    blob = gzip.compress(json.dumps(body, separators=(",", ":")).encode(), mtime=0)
    if len(blob) > MAX_BYTES and customers:
        later = (since.replace(day=1) + _MONTH).replace(day=1)
        kept = {n: [(d, a) for d, a in days if d >= later] for n, days in customers.items()}
        return encode(later, {n: days for n, days in kept.items() if days})
    return blob


_MONTH = timedelta(days=31)


@lru_cache(maxsize=64)
def decode(blob: bytes) -> CashIn:
    """The item's content; remembered per blob (a container decodes each sync's once).
    Shared between requests: never mutated."""
    body = json.loads(gzip.decompress(blob))
    since = date.fromisoformat(body["since"])
    days = [since + timedelta(days=i) for i in range(400)]
    customers = {
        number: [(days[flat[i]], Decimal(flat[i + 1])) for i in range(0, len(flat), 2)]
        for number, flat in body["customers"].items()
    }
    totals = {days[o]: Decimal(a) for o, a in body["totals"]}
    return CashIn(since, totals, customers)


class CashCollectedStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    def put(self, tenant: str, company: str, since: date, customers: dict[str, Collected]) -> None:
        """Replace the company's item (one PutItem; a few kB even for thousands of
        customers: two months of payments)."""
        self.client.put_item(
            TableName=self.table,
            Item={
                PARTITION_KEY: {"S": keys.summaries_pk(tenant)},
                SORT_KEY: {"S": cash_sk(company)},
                "item_type": {"S": ITEM_TYPE},
                "company": {"S": company},
                "blob": {"B": encode(since, customers)},
            },
        )
