"""Score history (domain/payments/trend.py): one compact item per scored customer.

Item: T#{t}#SCOREHIST#{company} / {customer}, item_type "score_history", `points` the
encoded weekly points (a few hundred bytes at most: 27 points). Also in GSI1 under the
customer's key (GSI1SK SCORE_HISTORY), so the card's one Query reads it.
A sync's finish reads the company's partition in one paged Query and writes back only the
histories that changed (BatchWriteItem), usually none after the week's first sync.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from relance.store import keys
from relance.store.dynamo import dynamodb_client
from relance.store.schema import GSI1_PK, GSI1_SK, PARTITION_KEY, SORT_KEY

ITEM_TYPE = "score_history"
GSI1SK = "SCORE_HISTORY"
BATCH = 25


def history_pk(tenant: str, company: str) -> str:
    return f"T#{tenant}#SCOREHIST#{company}"


class ScoreHistoryStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()
        self.requests = 0  # DynamoDB calls made (the sync bench counts them)

    def all(self, tenant: str, company: str) -> dict[str, str]:
        """Every customer's encoded points, by customer number."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": history_pk(tenant, company)}},
        }
        found: dict[str, str] = {}
        while True:
            page = self.client.query(**request)
            self.requests += 1
            for item in page["Items"]:
                found[item[SORT_KEY]["S"]] = item["points"]["S"]
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def put(self, tenant: str, company: str, changed: Mapping[str, str]) -> int:
        """Write the changed histories; answers how many items were written."""
        puts = [
            {
                "PutRequest": {
                    "Item": {
                        PARTITION_KEY: {"S": history_pk(tenant, company)},
                        SORT_KEY: {"S": number},
                        GSI1_PK: {"S": keys.customer_gsi1pk(tenant, company, number)},
                        GSI1_SK: {"S": GSI1SK},
                        "item_type": {"S": ITEM_TYPE},
                        "points": {"S": points},
                    }
                }
            }
            for number, points in sorted(changed.items())
        ]
        for start in range(0, len(puts), BATCH):
            pending: list[dict[str, Any]] = puts[start : start + BATCH]
            while pending:
                answer = self.client.batch_write_item(RequestItems={self.table: pending})
                self.requests += 1
                pending = answer.get("UnprocessedItems", {}).get(self.table, [])
                if pending:  # throttled: DynamoDB asks to slow down
                    time.sleep(0.05)
        return len(puts)
