"""The tenant's cash objectives (V6): one versioned settings item.

Item: T#{t}#SETTINGS / CASH_OBJECTIVES {objectives: [{month, company, amount}], version};
amounts stored as strings (exactly as given: "125000.00" stays so). Read alone by the
settings route (GetItem), and by the dashboard inside the caller's BatchGetItem
(store/caller.py `key`), so the dashboard stays at two requests.
"""

from __future__ import annotations

from typing import Any

from relance.domain.cash_objectives import CashObjectives
from relance.store.codec import from_item
from relance.store.dynamo import dynamodb_client, put_versioned
from relance.store.followup import settings_pk
from relance.store.schema import PARTITION_KEY, SORT_KEY

CASH_OBJECTIVES = "CASH_OBJECTIVES"


def key(tenant: str) -> dict[str, Any]:
    return {PARTITION_KEY: {"S": settings_pk(tenant)}, SORT_KEY: {"S": CASH_OBJECTIVES}}


def from_stored(item: dict[str, Any] | None) -> CashObjectives:
    """The objectives of a raw item (as DynamoDB answers it); none saved: empty, version 0."""
    if not item:
        return CashObjectives()
    values = from_item(item)
    return CashObjectives.model_validate(
        {"objectives": values.get("objectives", []), "version": int(values["version"])}
    )


class CashObjectiveStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    def get(self, tenant: str) -> CashObjectives:
        answer = self.client.get_item(TableName=self.table, Key=key(tenant), ConsistentRead=True)
        return from_stored(answer.get("Item"))

    def put(self, tenant: str, objectives: CashObjectives, read_version: int) -> CashObjectives:
        """Save at the version read (ConflictError when it changed since)."""
        body = objectives.model_dump(mode="json", exclude={"version"})
        item = {
            PARTITION_KEY: settings_pk(tenant),
            SORT_KEY: CASH_OBJECTIVES,
            "item_type": "setting",
            "objectives": body["objectives"],
            "version": read_version + 1,
        }
        put_versioned(self.client, self.table, item, read_version, CASH_OBJECTIVES)
        return objectives.model_copy(update={"version": read_version + 1})
