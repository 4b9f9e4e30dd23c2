"""Every route of the OpenAPI document, called by a read-only user and by another tenant.

The table below must name every route the API serves: a new route without an expected
answer for a viewer and for a foreign tenant fails this test before it can ship.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import date
from typing import Any

import pytest

from relance.domain.records import Customer, LedgerLine
from tests.integration.userapi import user_request

pytestmark = pytest.mark.integration

# (method, path) -> (status for our viewer, status for another tenant's admin, body)
# {user} and {customer} are filled with real ids of our tenant.
MATRIX: dict[tuple[str, str], tuple[int, int, dict[str, Any] | None]] = {
    ("GET", "/me"): (200, 200, None),
    ("GET", "/users"): (403, 200, None),
    ("POST", "/users"): (403, 201, {"email": "x@autre.fr", "display_name": "X", "role": "user"}),
    ("GET", "/users/proposals"): (403, 200, None),
    ("GET", "/users/{user_id}"): (403, 404, None),
    ("PATCH", "/users/{user_id}"): (403, 404, {"version": 1, "display_name": "Pirate"}),
    ("POST", "/users/{user_id}/deactivate"): (403, 404, None),
    ("POST", "/users/{user_id}/activate"): (403, 404, None),
    ("POST", "/sync-requests"): (403, 202, {"mode": "full"}),
    ("GET", "/sync-runs"): (200, 200, None),
    ("GET", "/controls/aged-balance"): (200, 200, None),
    ("GET", "/customers"): (200, 200, None),
    ("GET", "/customers/{company}/{number}"): (200, 404, None),
    ("GET", "/dashboard"): (200, 200, None),
    ("GET", "/openapi.json"): (200, 200, None),
    ("GET", "/users/{user_id}/portfolio"): (403, 404, None),
    ("PUT", "/users/{user_id}/portfolio"): (403, 404, {"rules": [], "customers": [], "version": 0}),
}


def openapi_routes() -> set[tuple[str, str]]:
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    from functions.api.handler import openapi_document

    paths = json.loads(openapi_document())["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def call(
    api_url: str, keys: Any, tenant: str, role: str, method: str, path: str, body: Any
) -> tuple[int, str]:
    return user_request(api_url, keys, tenant, role, method, path, body, user_id=f"matrix-{role}")


def test_the_matrix_names_every_route_of_the_openapi_document() -> None:
    assert set(MATRIX) == openapi_routes()


def test_every_route_refuses_a_viewer_where_it_must_and_shows_nothing_to_another_tenant(
    api_url: str, local_keys: Any, store: Any
) -> None:
    ours, theirs = f"t-{secrets.token_hex(4)}", f"t-{secrets.token_hex(4)}"
    secret_name = f"Secret Client {secrets.token_hex(3)}"
    store.register_companies(ours, ["BIJOU"])
    store.write_records(
        ours,
        [
            Customer(company="BIJOU", number="C1", name=secret_name),
            LedgerLine(
                company="BIJOU", entry_number=1, journal="VTE", accounting_date=date(2026, 9, 1),
                general_account="4110000", customer="C1", amount="1234.56",
            ),
        ],
    )  # fmt: skip
    status, created = call(
        api_url, local_keys, ours, "admin", "POST", "/users",
        {"email": "chef@ours.fr", "display_name": "Chef Secret", "role": "admin"},
    )  # fmt: skip
    assert status == 201
    user_id = json.loads(created)["user_id"]
    ids = {"{user_id}": user_id, "{company}": "BIJOU", "{number}": "C1"}

    for (method, template), (viewer_status, foreign_status, body) in MATRIX.items():
        path = template
        for placeholder, value in ids.items():
            path = path.replace(placeholder, value)
        as_viewer = call(api_url, local_keys, ours, "viewer", method, path, body)
        as_foreigner = call(api_url, local_keys, theirs, "admin", method, path, body)
        assert as_viewer[0] == viewer_status, (method, path, as_viewer)
        assert as_foreigner[0] == foreign_status, (method, path, as_foreigner)
        # An id the caller sent may be echoed in its 404; nothing else of ours may appear.
        secrets_of_ours = [secret_name, "chef@ours.fr", "1234.56"]
        secrets_of_ours += [user_id] if user_id not in path else []
        for secret in secrets_of_ours:
            assert secret not in as_foreigner[1], (method, path)

    # Nothing the others did changed our user.
    status, mine = call(api_url, local_keys, ours, "admin", "GET", f"/users/{user_id}", None)
    assert status == 200 and json.loads(mine)["display_name"] == "Chef Secret"
    assert json.loads(mine)["active"] is True
