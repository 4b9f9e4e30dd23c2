"""Builds the services from the environment, once per Lambda container."""

from __future__ import annotations

from functools import cache
from typing import Any

from relance.services.context import ContextService
from relance.services.dunning_config import DunningConfigService
from relance.services.followup import FollowUpService
from relance.services.ingest import IngestService
from relance.services.nightly import NightlyService
from relance.services.portfolios import PortfolioService
from relance.services.profiles import ProfileService
from relance.services.receivables import ReceivablesService
from relance.services.settings import SettingsService
from relance.services.users import UserService
from relance.services.worklist import WorklistService
from relance.store.archive import BatchArchive
from relance.store.caller import CallerStore
from relance.store.directory import CognitoDirectory
from relance.store.dunning import DunningStore
from relance.store.dunning_config import DunningConfigStore
from relance.store.dynamo import SyncStore
from relance.store.followup import FollowUpStore
from relance.store.names import (
    dispatch_queue_url,
    nightly_queue_url,
    raw_bucket_name,
    table_name,
    user_pool_id,
)
from relance.store.portfolios import PortfolioStore
from relance.store.queues import JsonQueue
from relance.store.settings import SettingsStore
from relance.store.users import UserStore


@cache
def ingest_service() -> IngestService:
    records = SyncStore(table_name())
    return IngestService(
        records, BatchArchive(raw_bucket_name()), followup_service(), profile_service()
    )


@cache
def profile_service() -> ProfileService:
    records = SyncStore(table_name())
    return ProfileService(
        records,
        DunningStore(table_name(), records.client),
        FollowUpStore(table_name(), records.client),
    )


@cache
def followup_service() -> FollowUpService:
    records = SyncStore(table_name())
    return FollowUpService(FollowUpStore(table_name(), records.client), records)


@cache
def user_service() -> UserService:
    records = SyncStore(table_name())
    # In AWS the CDK app sets the pool id and users are mirrored into Cognito. Locally there
    # is no pool: the dev server signs its own tokens (relance/auth/tokens.py) for users
    # stored in DynamoDB only.
    pool = user_pool_id()
    directory = CognitoDirectory(pool) if pool else None
    return UserService(UserStore(table_name(), records.client), records, directory)


@cache
def receivables_service() -> ReceivablesService:
    return ReceivablesService(SyncStore(table_name()))


@cache
def portfolio_service() -> PortfolioService:
    client = SyncStore(table_name()).client
    return PortfolioService(PortfolioStore(table_name(), client), UserStore(table_name(), client))


@cache
def nightly_service() -> NightlyService:
    records = SyncStore(table_name())
    url = dispatch_queue_url()
    queue = JsonQueue(url) if url else None

    def dispatch(tenant: str, actions: list[dict[str, Any]]) -> None:
        if queue is not None:
            queue.send({"tenant_id": tenant, **_dispatch_message(a)} for a in actions)

    return NightlyService(
        records,
        FollowUpStore(table_name(), records.client),
        DunningStore(table_name(), records.client),
        dispatch if queue is not None else None,
    )


def _dispatch_message(action: dict[str, Any]) -> dict[str, Any]:
    """What the dispatch function needs to find the action again (it reads the rest)."""
    return {k: action[k] for k in ("key", "company", "customer", "step", "as_of", "channel")}


@cache
def worklist_service() -> WorklistService:
    nightly = nightly_service()
    return WorklistService(nightly, nightly.dunning, nightly.records)


@cache
def nightly_queue() -> JsonQueue | None:
    url = nightly_queue_url()
    return JsonQueue(url) if url else None


@cache
def context_service() -> ContextService:
    return ContextService(CallerStore(table_name()))


@cache
def settings_service() -> SettingsService:
    return SettingsService(SettingsStore(table_name()))


@cache
def dunning_config_service() -> DunningConfigService:
    # The nightly schedules are looked up at each save (NightlySchedules.from_env): none
    # where the environment names no nightly function, as in the local runner.
    client = SyncStore(table_name()).client
    return DunningConfigService(
        DunningConfigStore(table_name(), client),
        FollowUpStore(table_name(), client),
        profiles=profile_service(),
    )
