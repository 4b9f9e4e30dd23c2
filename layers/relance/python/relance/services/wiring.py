"""Builds the services from the environment, once per Lambda container."""

from __future__ import annotations

from functools import cache

from relance.services.context import ContextService
from relance.services.followup import FollowUpService
from relance.services.ingest import IngestService
from relance.services.portfolios import PortfolioService
from relance.services.receivables import ReceivablesService
from relance.services.settings import SettingsService
from relance.services.users import UserService
from relance.store.archive import BatchArchive
from relance.store.caller import CallerStore
from relance.store.directory import CognitoDirectory
from relance.store.dynamo import SyncStore
from relance.store.followup import FollowUpStore
from relance.store.names import raw_bucket_name, table_name, user_pool_id
from relance.store.portfolios import PortfolioStore
from relance.store.settings import SettingsStore
from relance.store.users import UserStore


@cache
def ingest_service() -> IngestService:
    records = SyncStore(table_name())
    return IngestService(records, BatchArchive(raw_bucket_name()), followup_service())


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
def context_service() -> ContextService:
    return ContextService(CallerStore(table_name()))


@cache
def settings_service() -> SettingsService:
    return SettingsService(SettingsStore(table_name()))
