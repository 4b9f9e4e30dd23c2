"""Shared fixtures: the real local AWS stand-ins over HTTP, the local API, fresh tenants.

Each test gets its own tenant: tenancy is the isolation, as in production.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "layers/relance/python"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

TABLE = "relance-test"
BUCKET = "relance-test-raw"


@pytest.fixture(scope="session")
def aws() -> Iterator[object]:
    """DynamoDB Local (in memory) and moto, started once for the whole run."""
    from local import standins

    running = standins.start()
    running.apply_env()
    os.environ.update(
        {
            "RELANCE_TABLE": TABLE,
            "RELANCE_RAW_BUCKET": BUCKET,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_SERVICE_NAME": "relance-test",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    standins.ensure_resources(running, TABLE, [BUCKET])
    from local.nightly import ensure_queues

    ensure_queues()  # the nightly fan-out and dispatch queues, in moto
    yield running
    running.stop()


@pytest.fixture(scope="session")
def store(aws: object) -> object:
    from relance.store.dynamo import SyncStore

    return SyncStore(TABLE)


@pytest.fixture(scope="session")
def local_keys(tmp_path_factory: pytest.TempPathFactory) -> object:
    from relance.auth.tokens import LocalKeys

    return LocalKeys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def api_url(aws: object, local_keys: object) -> Iterator[str]:
    from local.devserver import LocalApi, make_server, serve_in_background

    server = make_server(LocalApi(local_keys))  # type: ignore[arg-type]
    serve_in_background(server)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@dataclass(frozen=True)
class Tenant:
    id: str
    key_id: str
    secret: str


@pytest.fixture
def new_tenant(store: object) -> object:
    """A factory of fresh tenants, each with one relay connector."""

    def make() -> Tenant:
        tenant = Tenant(
            id=f"t-{secrets.token_hex(4)}",
            key_id=f"k-{secrets.token_hex(6)}",
            secret=secrets.token_urlsafe(32),
        )
        store.put_connector(tenant.id, tenant.key_id, tenant.secret, "test relay")  # type: ignore[attr-defined]
        return tenant

    return make


@pytest.fixture
def tenant(new_tenant: object) -> Tenant:
    return new_tenant()  # type: ignore[operator,no-any-return]
