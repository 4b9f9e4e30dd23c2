"""Dunning profiles (C3) in the customer list and in portfolios (K3): each summary carries
its customer's profile, computed when a sync finishes and kept right when an admin saves
the profiles or a collector chooses one by hand; lists filter on it; a portfolio rule
{"profile": ...} gives a collector the customers of that profile.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.client import BaseClient

from relance.domain.records import Customer, LedgerLine
from relance.services.wiring import ingest_service
from relance.sync.protocol import CompanyResult, RunFinish, RunStart
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
AS_OF = date(2026, 11, 23)
D = Decimal
VIP = "grands_comptes"


def settings_body(version: int, vip_rules: list[dict[str, Any]]) -> dict[str, Any]:
    step = {"phase": "reminder", "days": 5, "template": "relance_1"}
    return {
        "scenarios": [
            {"scenario_id": "standard", "name": "Standard", "steps": [step]},
            {"scenario_id": VIP, "name": "Grands comptes",
             "steps": [{**step, "channel": "phone", "mode": "manual"}]},
        ],
        "profiles": [
            {"profile_id": "standard", "name": "Standard", "scenario_id": "standard"},
            {"profile_id": VIP, "name": "Grands comptes", "scenario_id": VIP,
             "rules": vip_rules},
        ],
        "default_profile": "standard",
        "version": version,
    }  # fmt: skip


class Workspace:
    def __init__(self, api_url: str, keys: Any, store: Any) -> None:
        self.url, self.keys, self.store = api_url, keys, store
        self.tenant = f"t-{secrets.token_hex(4)}"
        self.sophie = ""

    def call(
        self, role: str, method: str, path: str, body: Any = None, user_id: str | None = None
    ) -> tuple[int, Any]:
        return user_json(
            self.url, self.keys, self.tenant, role, method, path, body, user_id=user_id
        )

    def ok(self, role: str, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.call(role, method, path, body)
        assert status in (200, 201), (status, answer)
        return answer

    def profiles(self, query: str = "", role: str = "admin", user_id: str | None = None) -> Any:
        status, page = self.call(role, "GET", f"/customers{query}", user_id=user_id)
        assert status == 200, page
        return {(c["company"], c["number"]): c["profile"] for c in page["customers"]}

    def sync(self) -> None:
        """What a relay's run ends with: the finish writes the summaries (no key sets, so
        nothing is deleted)."""
        ingest = ingest_service()
        run_id = f"run-{secrets.token_hex(4)}"
        now = datetime.now(UTC)
        ingest.start_run(
            self.tenant,
            "k-test",
            RunStart(run_id=run_id, mode="full", companies=["BIJOU", "ATELIER"], started_at=now),
        )
        ingest.finish_run(
            self.tenant,
            RunFinish(
                run_id=run_id,
                as_of=AS_OF,
                finished_at=now,
                companies=[CompanyResult(company="BIJOU"), CompanyResult(company="ATELIER")],
            ),
            now,
        )


@pytest.fixture
def ws(api_url: str, local_keys: Any, store: Any) -> Workspace:
    """BIJOU: C1 a "Grand compte" in Sage owing 100, C2 owing 300, C3 owing 20,000;
    ATELIER: C4 owing 100. Grands comptes: Sage quality, or 10,000 outstanding."""
    ws = Workspace(api_url, local_keys, store)
    customers = [
        Customer(company="BIJOU", number="C1", name="Dupont", quality="Grand compte"),
        Customer(company="BIJOU", number="C2", name="Martin"),
        Customer(company="BIJOU", number="C3", name="Orfèvres"),
        Customer(company="ATELIER", number="C4", name="Atelier Blanc"),
    ]
    lines = [
        LedgerLine(
            company=c.company, entry_number=n, journal="VTE", accounting_date=AS_OF,
            general_account="4110000", customer=c.number, amount=D(amount),
        )
        for n, (c, amount) in enumerate(zip(customers, ["100", "300", "20000", "100"], strict=True))
    ]  # fmt: skip
    store.write_records(ws.tenant, [*customers, *lines])
    vip = [{"quality": "grand compte"}, {"min_outstanding": "10000"}]
    assert ws.ok("admin", "PUT", "/settings/dunning", settings_body(0, vip))["version"] == 1
    ws.sync()
    status, sophie = ws.call(
        "admin",
        "POST",
        "/users",
        {"email": "sophie@b.fr", "display_name": "Sophie", "role": "user"},
    )
    assert status == 201, sophie
    ws.sophie = sophie["user_id"]
    return ws


@pytest.fixture
def dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Every DynamoDB operation any client of this process makes (the API runs here)."""
    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(client: Any, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            calls[operation] += 1
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    yield calls


def test_a_sync_gives_each_summary_its_profile_and_the_list_filters_on_it(ws: Workspace) -> None:
    assert ws.profiles() == {
        ("BIJOU", "C1"): VIP,  # Sage quality (case ignored)
        ("BIJOU", "C2"): "standard",
        ("BIJOU", "C3"): VIP,  # outstanding
        ("ATELIER", "C4"): "standard",
    }
    assert set(ws.profiles(f"?profile={VIP}")) == {("BIJOU", "C1"), ("BIJOU", "C3")}
    assert set(ws.profiles("?profile=standard&company=ATELIER")) == {("ATELIER", "C4")}
    assert ws.profiles("?profile=nobody") == {}
    assert ws.ok("viewer", "GET", "/customers/BIJOU/C3")["profile"] == VIP


def test_a_collector_with_a_profile_rule_works_on_that_profile_only(
    ws: Workspace, dynamodb_calls: Counter[str]
) -> None:
    path = f"/users/{ws.sophie}/portfolio"
    saved = ws.ok("admin", "PUT", path, {"rules": [{"profile": VIP}], "version": 0})
    assert saved["rules"] == [{"company": None, "rep_number": None, "profile": VIP}]

    mine = ws.profiles(role="user", user_id=ws.sophie)
    assert mine == {("BIJOU", "C1"): VIP, ("BIJOU", "C3"): VIP}
    status, board = ws.call("user", "GET", "/dashboard", user_id=ws.sophie)
    assert status == 200 and (board["customers"], D(board["total"])) == (2, D("20100"))
    # A viewer narrows the list to Sophie's customers the same way.
    assert set(ws.profiles(f"?collector={ws.sophie}", role="viewer")) == set(mine)

    dynamodb_calls.clear()
    status, card = ws.call("user", "GET", "/customers/BIJOU/C1", user_id=ws.sophie)
    assert status == 200 and card["profile"] == VIP
    # The profile came with the customer's Query: still two reads for a card (and the
    # access log's one write, X3).
    assert dynamodb_calls == Counter({"BatchGetItem": 1, "Query": 1, "PutItem": 1})
    status, refused = ws.call("user", "GET", "/customers/BIJOU/C2", user_id=ws.sophie)
    assert status == 403 and refused["error"]["code"] == "not_in_portfolio"

    comment = {"text": "Appelé ce matin"}
    assert ws.call("user", "POST", "/customers/BIJOU/C3/comments", comment, ws.sophie)[0] == 201
    status, refused = ws.call("user", "POST", "/customers/ATELIER/C4/comments", comment, ws.sophie)
    assert status == 403 and refused["error"]["code"] == "not_in_portfolio"
    # A rule may also combine a profile with a company.
    ws.ok("admin", "PUT", path, {"rules": [{"company": "ATELIER", "profile": VIP}], "version": 1})
    assert ws.profiles(role="user", user_id=ws.sophie) == {}


def test_saving_the_profiles_moves_customers_without_a_sync(ws: Workspace) -> None:
    ws.ok("admin", "PUT", f"/users/{ws.sophie}/portfolio", {"rules": [{"profile": VIP}],
                                                             "version": 0})  # fmt: skip
    # Grands comptes are now whoever owes 250 or more: C1 leaves, C2 comes in.
    ws.ok("admin", "PUT", "/settings/dunning", settings_body(1, [{"min_outstanding": "250"}]))
    assert ws.profiles() == {
        ("BIJOU", "C1"): "standard",
        ("BIJOU", "C2"): VIP,
        ("BIJOU", "C3"): VIP,
        ("ATELIER", "C4"): "standard",
    }
    assert set(ws.profiles(role="user", user_id=ws.sophie)) == {("BIJOU", "C2"), ("BIJOU", "C3")}
    assert ws.call("user", "GET", "/customers/BIJOU/C2", user_id=ws.sophie)[0] == 200
    assert ws.call("user", "GET", "/customers/BIJOU/C1", user_id=ws.sophie)[0] == 403
    # A profile that disappears from the settings takes its customers to the default.
    body = settings_body(2, [])
    body["profiles"] = body["profiles"][:1]
    ws.ok("admin", "PUT", "/settings/dunning", body)
    assert set(ws.profiles().values()) == {"standard"}
    assert ws.profiles(role="user", user_id=ws.sophie) == {}


def test_a_profile_chosen_by_hand_moves_the_customer_and_outlives_a_sync(ws: Workspace) -> None:
    c4 = "/customers/ATELIER/C4/profile"
    ws.ok("admin", "PUT", f"/users/{ws.sophie}/portfolio", {"rules": [{"profile": VIP}],
                                                             "version": 0})  # fmt: skip
    assert ws.call("user", "GET", "/customers/ATELIER/C4", user_id=ws.sophie)[0] == 403
    ws.ok("admin", "PUT", c4, {"profile": VIP, "version": 0})
    assert ws.profiles(f"?profile={VIP}&company=ATELIER") == {("ATELIER", "C4"): VIP}
    assert ws.call("user", "GET", "/customers/ATELIER/C4", user_id=ws.sophie)[0] == 200

    ws.sync()  # the finish reads the choices: C4 stays where it was put
    assert ws.profiles()[("ATELIER", "C4")] == VIP
    # Sophie covers C4 now, so she may hand it back to the rules.
    status, _ = ws.call("user", "PUT", c4, {"profile": None, "version": 1}, ws.sophie)
    assert status == 200
    assert ws.profiles()[("ATELIER", "C4")] == "standard"
    assert ws.call("user", "GET", "/customers/ATELIER/C4", user_id=ws.sophie)[0] == 403
