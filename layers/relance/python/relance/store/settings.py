"""Display settings (V9) in the single table, beside the users of the tenant.

Item: T#{t}#USERS / SETTINGS#{user_id}, with a `version` for optimistic locking.
Access patterns: one user's settings (GET /me/settings, and every customer list, card and
dashboard, for "today" and the formats): GetItem. Tested in
tests/integration/test_settings_api.py.
"""

from __future__ import annotations

from typing import Any

from relance.domain.display import DisplaySettings
from relance.store.codec import from_item
from relance.store.dynamo import dynamodb_client, put_versioned
from relance.store.schema import PARTITION_KEY, SORT_KEY
from relance.store.users import users_pk

_FIELDS = tuple(DisplaySettings.model_fields)


def settings_sk(user_id: str) -> str:
    return f"SETTINGS#{user_id}"


class SettingsStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    def get(self, tenant: str, user_id: str) -> DisplaySettings | None:
        answer = self.client.get_item(
            TableName=self.table,
            Key={
                PARTITION_KEY: {"S": users_pk(tenant)},
                SORT_KEY: {"S": settings_sk(user_id)},
            },
        )
        if "Item" not in answer:
            return None
        stored = from_item(answer["Item"])
        return DisplaySettings.model_validate({k: stored[k] for k in _FIELDS if k in stored})

    def put(self, tenant: str, user_id: str, settings: DisplaySettings, read_version: int) -> None:
        """Write the settings unless they changed since `read_version` was read (0: never
        saved)."""
        item = {
            PARTITION_KEY: users_pk(tenant),
            SORT_KEY: settings_sk(user_id),
            "item_type": "display_settings",
            "user_id": user_id,
            **settings.model_dump(mode="json"),
        }
        put_versioned(self.client, self.table, item, read_version, user_id)
