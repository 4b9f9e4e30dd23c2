"""Builds the services from the environment, once per Lambda container."""

from __future__ import annotations

from functools import cache

from relance.services.ingest import IngestService
from relance.services.portfolios import PortfolioService
from relance.services.receivables import ReceivablesService
from relance.services.users import UserService
from relance.store.archive import BatchArchive
from relance.store.dynamo import SyncStore
from relance.store.names import raw_bucket_name, table_name
from relance.store.portfolios import PortfolioStore
from relance.store.users import UserStore


@cache
def ingest_service() -> IngestService:
    return IngestService(SyncStore(table_name()), BatchArchive(raw_bucket_name()))


@cache
def user_service() -> UserService:
    records = SyncStore(table_name())
    return UserService(UserStore(table_name(), records.client), records)


@cache
def receivables_service() -> ReceivablesService:
    return ReceivablesService(SyncStore(table_name()))


@cache
def portfolio_service() -> PortfolioService:
    client = SyncStore(table_name()).client
    return PortfolioService(PortfolioStore(table_name(), client), UserStore(table_name(), client))
