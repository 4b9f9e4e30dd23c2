"""What every workspace read needs to know about its caller, in one request.

A customer list, card or dashboard needs the caller's display settings (V9: "today" and
formats) and, for a collector, its portfolio (K3). Both live in the tenant's users
partition: one BatchGetItem fetches them together, which keeps a card at two DynamoDB
requests (this one and the customer's Query). Tested through the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from relance.domain.display import DisplaySettings
from relance.domain.portfolios import Portfolio
from relance.store.codec import from_item
from relance.store.dynamo import dynamodb_client
from relance.store.portfolios import portfolio_sk
from relance.store.schema import PARTITION_KEY, SORT_KEY
from relance.store.settings import settings_sk
from relance.store.users import users_pk


class CallerStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    def load(
        self, tenant: str, user_id: str, *, with_portfolio: bool
    ) -> tuple[DisplaySettings | None, Portfolio | None]:
        """(settings, portfolio) of a user, each None when never saved."""
        settings, portfolio, _ = self.load_with(tenant, user_id, with_portfolio=with_portfolio)
        return settings, portfolio

    def load_with(
        self,
        tenant: str,
        user_id: str,
        *,
        with_portfolio: bool,
        also: Sequence[dict[str, Any]] = (),
    ) -> tuple[DisplaySettings | None, Portfolio | None, list[dict[str, Any] | None]]:
        """(settings, portfolio, the raw items of the keys `also`, None when absent): what a
        read needs besides (the dashboard: the cash objectives) in the same BatchGetItem."""
        wanted = [settings_sk(user_id)] + ([portfolio_sk(user_id)] if with_portfolio else [])
        keys = [{PARTITION_KEY: {"S": users_pk(tenant)}, SORT_KEY: {"S": sk}} for sk in wanted]
        keys += list(also)
        found: dict[str, dict[str, Any]] = {}
        raw: dict[tuple[str, str], dict[str, Any]] = {}
        request: dict[str, Any] = {self.table: {"Keys": keys}}
        while request:
            answer = self.client.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(self.table, []):
                raw[(item[PARTITION_KEY]["S"], item[SORT_KEY]["S"])] = item
                if item[PARTITION_KEY]["S"] == users_pk(tenant):
                    values = from_item(item)
                    found[values[SORT_KEY]] = values
            request = answer.get("UnprocessedKeys") or {}
        extra = [raw.get((k[PARTITION_KEY]["S"], k[SORT_KEY]["S"])) for k in also]
        settings = found.get(settings_sk(user_id))
        portfolio = found.get(portfolio_sk(user_id))
        return (
            DisplaySettings.model_validate(
                {k: settings[k] for k in DisplaySettings.model_fields if k in settings}
            )
            if settings
            else None,
            Portfolio.model_validate(portfolio) if portfolio else None,
            extra,
        )
