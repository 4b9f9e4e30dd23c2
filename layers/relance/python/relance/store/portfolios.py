"""Portfolios in the single table, beside the users of the tenant.

Item: T#{t}#USERS / PORTFOLIO#{user_id}, with a `version` for optimistic locking.
Access patterns: one portfolio (the caller's, on every scoped read; an admin's edit):
GetItem. Tested in tests/integration/test_portfolios_api.py.
"""

from __future__ import annotations

from typing import Any

from relance.domain.portfolios import Portfolio
from relance.store.codec import from_item
from relance.store.dynamo import dynamodb_client, put_versioned
from relance.store.schema import PARTITION_KEY, SORT_KEY
from relance.store.users import users_pk


def portfolio_sk(user_id: str) -> str:
    return f"PORTFOLIO#{user_id}"


class PortfolioStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    def get(self, tenant: str, user_id: str) -> Portfolio | None:
        answer = self.client.get_item(
            TableName=self.table,
            Key={
                PARTITION_KEY: {"S": users_pk(tenant)},
                SORT_KEY: {"S": portfolio_sk(user_id)},
            },
        )
        return Portfolio.model_validate(from_item(answer["Item"])) if "Item" in answer else None

    def put(self, tenant: str, portfolio: Portfolio, read_version: int) -> None:
        """Write the portfolio unless someone changed it since `read_version` was read."""
        item = {
            PARTITION_KEY: users_pk(tenant),
            SORT_KEY: portfolio_sk(portfolio.user_id),
            "item_type": "portfolio",
            **portfolio.model_dump(mode="json"),
        }
        put_versioned(self.client, self.table, item, read_version, portfolio.user_id)
