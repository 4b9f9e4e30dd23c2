"""Who owes what, through the API, after a real sync: list, card, dashboard; isolation."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bench.sagegen.generate import generate_company
from relance.relay.config import CompanyConfig, RelayConfig
from relance.relay.runner import run_sync
from relance.sage.dialect import Dialect
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def synced(api_url: str, store: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One tenant with BIJOU synced, and a second tenant with nothing."""
    import secrets

    folder = tmp_path_factory.mktemp("sage-receivables")
    path = generate_company(
        folder / "BIJOU.db", "BIJOU", customers=30, lines=700, as_of=AS_OF, seed=3
    ).path
    tenants = {}
    for name in ("ours", "theirs"):
        tenant_id, key_id = f"t-{secrets.token_hex(4)}", f"k-{secrets.token_hex(6)}"
        secret = secrets.token_urlsafe(24)
        store.put_connector(tenant_id, key_id, secret, "test relay")
        tenants[name] = tenant_id
        if name == "ours":
            config = RelayConfig(
                api_url=api_url,
                key_id=key_id,
                secret=secret,
                state_dir=Path(folder / "state"),
                companies=[
                    CompanyConfig(
                        code="BIJOU",
                        connection_string=f"DRIVER={{SQLite3}};Database={path}",
                        dialect=Dialect.SQLITE,
                    )
                ],
            )
            summary = run_sync(config, mode="full", as_of=AS_OF)
            tenants["control"] = summary.report["companies"][0]["control"]
    return tenants


def get(api_url: str, keys: Any, tenant: str, role: str, path: str) -> tuple[int, Any]:
    return user_json(api_url, keys, tenant, role, "GET", path)


def test_the_dashboard_reconciles_with_the_aged_balance_control(
    api_url: str, local_keys: Any, synced: dict[str, Any]
) -> None:
    status, board = get(api_url, local_keys, synced["ours"], "viewer", "/dashboard")
    assert status == 200
    control_total = synced["control"]["relance_total"]
    assert Decimal(board["total"]) == Decimal(control_total["total"])
    for bucket in ("not_due", "d1_30", "d31_60", "d61_90", "over_90"):
        assert Decimal(board["buckets"][bucket]) == Decimal(control_total[bucket])
    top = [Decimal(d["total"]) for d in board["top_debtors"]]
    assert len(top) == 10 and top == sorted(top, reverse=True)


def test_the_customer_list_searches_sorts_and_pages(
    api_url: str, local_keys: Any, synced: dict[str, Any]
) -> None:
    status, page = get(
        api_url, local_keys, synced["ours"], "viewer", "/customers?sort=overdue&limit=5"
    )
    assert status == 200 and len(page["customers"]) == 5 and page["total_count"] >= 30
    overdue = [Decimal(c["overdue"]) for c in page["customers"]]
    assert overdue == sorted(overdue, reverse=True)
    first = page["customers"][0]
    _, found = get(api_url, local_keys, synced["ours"], "user", f"/customers?q={first['number']}")
    assert [c["number"] for c in found["customers"]] == [first["number"]]
    _, second = get(
        api_url, local_keys, synced["ours"], "viewer", "/customers?sort=overdue&limit=5&offset=5"
    )
    assert not {c["number"] for c in second["customers"]} & {c["number"] for c in page["customers"]}


def test_the_customer_card_lists_open_items_that_add_up_to_its_summary(
    api_url: str, local_keys: Any, synced: dict[str, Any]
) -> None:
    _, page = get(api_url, local_keys, synced["ours"], "viewer", "/customers?limit=1")
    debtor = page["customers"][0]
    status, card = get(
        api_url, local_keys, synced["ours"], "viewer", f"/customers/BIJOU/{debtor['number']}"
    )
    assert status == 200
    assert card["customer"]["number"] == debtor["number"]
    assert Decimal(card["total"]) == Decimal(debtor["total"])
    assert sum(Decimal(i["amount"]) for i in card["open_items"]) == Decimal(debtor["total"])
    assert all("days_late" in i for i in card["open_items"])


def test_another_tenant_sees_nothing(api_url: str, local_keys: Any, synced: dict[str, Any]) -> None:
    _, page = get(api_url, local_keys, synced["ours"], "viewer", "/customers?limit=1")
    number = page["customers"][0]["number"]
    theirs = synced["theirs"]
    assert get(api_url, local_keys, theirs, "admin", f"/customers/BIJOU/{number}")[0] == 404
    status, listing = get(api_url, local_keys, theirs, "admin", "/customers")
    assert status == 200 and listing["customers"] == []
    _, board = get(api_url, local_keys, theirs, "admin", "/dashboard")
    assert Decimal(board["total"]) == 0 and board["top_debtors"] == []


def test_bad_list_parameters_get_a_422_naming_the_field(
    api_url: str, local_keys: Any, synced: dict[str, Any]
) -> None:
    for query, field in (("limit=0", "limit"), ("sort=colour", "sort"), ("evil=1", "evil")):
        status, answer = get(api_url, local_keys, synced["ours"], "viewer", f"/customers?{query}")
        assert status == 422, query
        assert answer["error"]["details"][0]["where"] == field
    status, _ = get(api_url, local_keys, synced["ours"], "viewer", "/customers/BIJOU/NOBODY")
    assert status == 404


def test_reading_needs_a_sign_in(api_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(api_url + "/dashboard")
    assert refused.value.code == 401
