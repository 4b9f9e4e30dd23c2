"""The OpenAPI document tells the truth: every route declares what it takes and answers,
and real answers fit the declared models."""

from __future__ import annotations

import json
import os
import secrets
from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel

from relance.api import schemas
from relance.domain.display import DisplaySettings
from relance.domain.receivables import summarize
from relance.domain.records import Customer, LedgerLine
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
# Routes that take no body although their method could carry one.
NO_BODY = {
    ("POST", "/users/{user_id}/deactivate"),
    ("POST", "/users/{user_id}/activate"),
    ("POST", "/customers/{company}/{number}/portal-links"),  # a new link: nothing to send
}
# Routes that answer a file (CSV, Excel) rather than JSON.
FILE_ANSWERS = {("GET", "/reminders/export")}


def document() -> dict[str, Any]:
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    from functions.api.handler import openapi_document

    return dict(json.loads(openapi_document()))


def test_every_route_declares_its_answer_and_every_write_its_body() -> None:
    doc = document()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            ok = [code for code in operation["responses"] if code.startswith("2")]
            assert ok, (method, path)
            content = operation["responses"][ok[0]]["content"]
            if (method.upper(), path) in FILE_ANSWERS:
                assert {c["schema"]["type"] for c in content.values()} == {"string"}, path
                continue
            schema = content["application/json"]["schema"]
            assert "$ref" in schema or schema.get("type") == "object", (method, path, schema)
            if method.upper() in {"POST", "PUT", "PATCH"} and (method.upper(), path) not in NO_BODY:
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                assert "$ref" in body, (method, path)
    listed = {p["name"] for p in doc["paths"]["/customers"]["get"]["parameters"]}
    assert {"q", "company", "collector", "sort", "limit", "offset", "flagged"} <= listed


def test_real_answers_fit_the_declared_models(api_url: str, local_keys: Any, store: Any) -> None:
    tenant = f"t-{secrets.token_hex(4)}"
    customer = Customer(company="BIJOU", number="C1", name="Client Un")
    line = LedgerLine(
        company="BIJOU", entry_number=7, journal="VTE", accounting_date=date(2026, 9, 1),
        general_account="4110000", customer="C1", amount="1234.56", invoice_number="FA7",
    )  # fmt: skip
    store.register_companies(tenant, ["BIJOU"])
    store.write_records(tenant, [customer, line])
    store.replace_summaries(
        tenant, "BIJOU", summarize("BIJOU", [customer], [line], date(2026, 11, 23))
    )
    checks: list[tuple[str, type[BaseModel]]] = [
        ("/me", schemas.Me),
        ("/users", schemas.Users),
        ("/users/proposals", schemas.Proposals),
        ("/customers", schemas.CustomerPage),
        ("/customers/BIJOU/C1", schemas.Card),
        ("/dashboard", schemas.DashboardAnswer),
        ("/me/settings", DisplaySettings),
        ("/sync-runs", schemas.Runs),
        ("/controls/aged-balance", schemas.Controls),
    ]
    for path, model in checks:
        status, answer = user_json(api_url, local_keys, tenant, "admin", "GET", path)
        assert status == 200, (path, answer)
        model.model_validate(answer)
    status, answer = user_json(api_url, local_keys, tenant, "admin", "GET", "/customers?limit=x")
    assert status == 422
    schemas.ErrorAnswer.model_validate(answer)
    assert answer["error"]["details"][0]["where"] == "limit"
