"""Portfolios (K3) and the collector filter (K4): a collector sees its customers only."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from relance.domain.receivables import summarize
from relance.domain.records import Customer, LedgerLine
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
AS_OF = date(2026, 11, 23)


def call(
    api_url: str, keys: Any, tenant: str, role: str, method: str, path: str,
    body: Any = None, user_id: str = "someone",
) -> tuple[int, Any]:  # fmt: skip
    return user_json(api_url, keys, tenant, role, method, path, body, user_id=user_id)


@pytest.fixture
def workspace(api_url: str, local_keys: Any, store: Any) -> dict[str, Any]:
    """Six customers over two companies and two reps, and a collector without portfolio."""
    tenant = f"t-{secrets.token_hex(4)}"
    customers, lines = [], []
    for n, (company, rep) in enumerate(
        [("BIJOU", 2), ("BIJOU", 2), ("BIJOU", 5), ("ATELIER", 2), ("ATELIER", 7), ("ATELIER", 7)]
    ):
        number = f"C{n}"
        customers.append(Customer(company=company, number=number, name=number, rep_number=rep))
        lines.append(
            LedgerLine(
                company=company, entry_number=n, journal="VTE", accounting_date=AS_OF,
                general_account="4110000", customer=number, amount=Decimal(100 * (n + 1)),
            )
        )  # fmt: skip
    store.write_records(tenant, customers + lines)
    for company in ("BIJOU", "ATELIER"):
        own = [c for c in customers if c.company == company]
        facts = [ln for ln in lines if ln.company == company]
        store.replace_summaries(tenant, company, summarize(company, own, facts, AS_OF))
    status, sophie = call(
        api_url, local_keys, tenant, "admin", "POST", "/users",
        {"email": "sophie@b.fr", "display_name": "Sophie", "role": "user"},
    )  # fmt: skip
    assert status == 201
    return {"tenant": tenant, "sophie": sophie["user_id"]}


def listed(api_url: str, keys: Any, tenant: str, role: str, user_id: str, query: str = "") -> set:
    status, page = call(api_url, keys, tenant, role, "GET", f"/customers{query}", user_id=user_id)
    assert status == 200
    return {c["number"] for c in page["customers"]}


def test_a_collector_with_a_portfolio_sees_only_its_customers(
    api_url: str, local_keys: Any, workspace: dict[str, Any]
) -> None:
    tenant, sophie = workspace["tenant"], workspace["sophie"]
    assert len(listed(api_url, local_keys, tenant, "user", sophie)) == 6  # none yet: all
    portfolio = {
        "rules": [{"company": "BIJOU", "rep_number": 2}],
        "customers": [{"company": "ATELIER", "number": "C5"}],
        "version": 0,
    }
    status, saved = call(
        api_url, local_keys, tenant, "admin", "PUT", f"/users/{sophie}/portfolio", portfolio
    )
    assert status == 200 and saved["version"] == 1

    assert listed(api_url, local_keys, tenant, "user", sophie) == {"C0", "C1", "C5"}
    status, board = call(api_url, local_keys, tenant, "user", "GET", "/dashboard", user_id=sophie)
    assert Decimal(board["total"]) == Decimal(100 + 200 + 600)
    inside = call(api_url, local_keys, tenant, "user", "GET", "/customers/BIJOU/C0", user_id=sophie)
    outside = call(
        api_url, local_keys, tenant, "user", "GET", "/customers/BIJOU/C2", user_id=sophie
    )
    assert inside[0] == 200
    assert outside[0] == 403 and outside[1]["error"]["code"] == "not_in_portfolio"
    # The CFO (viewer) still reads everything, and can narrow any list to Sophie's customers.
    assert len(listed(api_url, local_keys, tenant, "viewer", "cfo")) == 6
    narrowed = listed(api_url, local_keys, tenant, "viewer", "cfo", f"?collector={sophie}")
    assert narrowed == {"C0", "C1", "C5"}


def test_portfolio_edits_are_for_admins_and_stale_versions_are_refused(
    api_url: str, local_keys: Any, workspace: dict[str, Any]
) -> None:
    tenant, sophie = workspace["tenant"], workspace["sophie"]
    path = f"/users/{sophie}/portfolio"
    body = {"rules": [{"company": "BIJOU"}], "customers": [], "version": 0}
    assert call(api_url, local_keys, tenant, "user", "PUT", path, body, user_id=sophie)[0] == 403
    assert call(api_url, local_keys, tenant, "admin", "PUT", path, body)[0] == 200
    status, answer = call(api_url, local_keys, tenant, "admin", "PUT", path, body)  # version 0
    assert status == 409 and answer["error"]["details"]["current_version"] == 1
    status, answer = call(
        api_url, local_keys, tenant, "admin", "PUT", path, {"rules": [{}], "version": 1}
    )
    assert status == 422 and answer["error"]["details"][0]["where"].startswith("rules.0")
    status, mine = call(api_url, local_keys, tenant, "user", "GET", path, user_id=sophie)
    assert status == 200
    assert mine["rules"] == [{"company": "BIJOU", "rep_number": None, "profile": None}]
    other = f"t-{secrets.token_hex(4)}"
    assert call(api_url, local_keys, other, "admin", "PUT", path, body)[0] == 404
    assert call(api_url, local_keys, other, "admin", "GET", path)[0] == 404
