"""Builds the services from the environment, once per Lambda container."""

from __future__ import annotations

from functools import cache

from relance.services.ingest import IngestService
from relance.store.archive import BatchArchive
from relance.store.dynamo import SyncStore
from relance.store.names import raw_bucket_name, table_name


@cache
def ingest_service() -> IngestService:
    return IngestService(SyncStore(table_name()), BatchArchive(raw_bucket_name()))
