"""Every route of the OpenAPI document, called by a read-only user and by another tenant.

The table below must name every route the API serves: a new route without an expected
answer for a viewer and for a foreign tenant fails this test before it can ship.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from relance.domain.receivables import summarize
from relance.domain.records import Customer, LedgerLine
from relance.store.codec import to_item
from tests.integration.userapi import user_request

pytestmark = pytest.mark.integration

# (method, path) -> (status for our viewer, for our collector whose portfolio leaves our
# customer out, for another tenant's admin; body). {user_id}, {company}, {number},
# {dispute_id}, {promise_id}, {stop_id}, {override_id}, {link_id} and {entry} are filled with real
# ids of our tenant ({template_id}/{language}/{channel}: a default template).
CUSTOMER = "/customers/{company}/{number}"
TEMPLATE = "/templates/{template_id}/{language}/{channel}"
MATRIX: dict[tuple[str, str], tuple[int, int, int, dict[str, Any] | None]] = {
    ("GET", "/me"): (200, 200, 200, None),
    ("GET", "/users"): (403, 403, 200, None),
    ("POST", "/users"): (403, 403, 201, {
        "email": "x@autre.fr", "display_name": "X", "role": "user"}),
    ("GET", "/users/proposals"): (403, 403, 200, None),
    ("GET", "/users/{user_id}"): (403, 403, 404, None),
    ("PATCH", "/users/{user_id}"): (403, 403, 404, {"version": 1, "display_name": "Pirate"}),
    ("POST", "/users/{user_id}/deactivate"): (403, 403, 404, None),
    ("POST", "/users/{user_id}/activate"): (403, 403, 404, None),
    ("POST", "/sync-requests"): (403, 202, 202, {"mode": "full"}),
    ("GET", "/sync-runs"): (200, 200, 200, None),
    ("GET", "/controls/aged-balance"): (200, 200, 200, None),
    ("GET", "/customers"): (200, 200, 200, None),
    ("GET", CUSTOMER): (200, 403, 404, None),
    ("GET", "/dashboard"): (200, 200, 200, None),
    ("GET", "/openapi.json"): (200, 200, 200, None),
    ("GET", "/users/{user_id}/portfolio"): (403, 403, 404, None),
    ("PUT", "/users/{user_id}/portfolio"): (403, 403, 404, {
        "rules": [], "customers": [], "version": 0}),
    ("GET", "/me/settings"): (200, 200, 200, None),
    ("PUT", "/me/settings"): (200, 200, 200, {"language": "en", "version": 0}),
    ("GET", "/settings/dispute-reasons"): (200, 200, 200, None),
    ("PUT", "/settings/dispute-reasons"): (403, 403, 200, {"reasons": [
        {"code": "pirate", "label_fr": "Pirate", "label_en": "Pirate"}], "version": 0}),
    ("GET", "/settings/custom-fields"): (200, 200, 200, None),
    ("PUT", "/settings/custom-fields"): (403, 403, 200, {"customer_fields": [
        {"key": "pirate", "label_fr": "P", "label_en": "P"}], "version": 0}),
    ("POST", f"{CUSTOMER}/disputes"): (403, 403, 404, {"reason": "price"}),
    ("POST", f"{CUSTOMER}/disputes/{{dispute_id}}/resolve"): (403, 403, 404, {"version": 1}),
    ("POST", f"{CUSTOMER}/promises"): (403, 403, 404, {
        "amount": "1", "promised_date": "2099-01-01"}),
    ("POST", f"{CUSTOMER}/promises/{{promise_id}}/cancel"): (403, 403, 404, {"version": 1}),
    ("POST", f"{CUSTOMER}/comments"): (403, 403, 404, {"text": "pirate"}),
    ("PUT", f"{CUSTOMER}/details"): (403, 403, 404, {"flagged": True, "version": 0}),
    ("PUT", f"{CUSTOMER}/items/{{entry}}"): (403, 403, 404, {"expected_date": "2099-01-01"}),
    ("GET", "/settings/dunning"): (200, 200, 200, None),
    ("PUT", "/settings/dunning"): (403, 403, 200, {"scenarios": [{"scenario_id": "pirate",
        "name": "Pirate", "steps": [{"phase": "reminder", "days": 1, "template": "p"}]}],
        "profiles": [{"profile_id": "pirate", "name": "Pirate", "scenario_id": "pirate"}],
        "default_profile": "pirate", "version": 0}),
    ("GET", "/settings/dunning-run"): (200, 200, 200, None),
    ("PUT", "/settings/dunning-run"): (403, 403, 200, {
        "hour": 3, "time_zone": "Europe/Paris", "enabled": False, "version": 0}),
    ("GET", "/settings/penalty-rates"): (200, 200, 200, None),
    ("PUT", "/settings/penalty-rates"): (403, 403, 200, {
        "ecb": {"2026-H1": "99"}, "legal": {"2026-H1": "99"}, "version": 0}),
    ("GET", "/settings/cash-objectives"): (403, 403, 200, None),
    ("PUT", "/settings/cash-objectives"): (403, 403, 200, {
        "objectives": [{"month": "2026-11", "amount": "99"}], "version": 0}),
    ("GET", "/settings/daily-report"): (403, 403, 200, None),
    ("PUT", "/settings/daily-report"): (403, 403, 200, {"recipients": [], "version": 0}),
    ("POST", f"{CUSTOMER}/stops"): (403, 403, 404, {"reason": "pirate"}),
    ("DELETE", f"{CUSTOMER}/stops/{{stop_id}}"): (403, 403, 404, None),
    ("POST", f"{CUSTOMER}/overrides"): (403, 403, 404, {"step": "R5", "on": "2026-01-01"}),
    ("DELETE", f"{CUSTOMER}/overrides/{{override_id}}"): (403, 403, 404, None),
    ("PUT", f"{CUSTOMER}/profile"): (403, 403, 404, {"profile": "standard", "version": 0}),
    ("GET", "/tasks"): (200, 200, 200, None),
    ("POST", f"{CUSTOMER}/actions/{{action_id}}/complete"): (403, 403, 404, {"outcome": "done"}),
    # No document stored for that action: 404 for whoever may read the card.
    ("GET", f"{CUSTOMER}/actions/{{action_id}}/document"): (404, 403, 404, None),
    ("GET", "/alerts"): (200, 200, 200, None),
    ("GET", "/dunning/runs"): (200, 200, 200, None),
    ("POST", "/dunning/preview"): (200, 200, 200, {}),
    ("POST", "/dunning/runs"): (403, 200, 200, {}),
    ("POST", f"{CUSTOMER}/reminders"): (403, 403, 404, {"step": "R1"}),
    ("GET", "/templates"): (200, 200, 200, None),
    ("GET", "/templates/variables"): (200, 200, 200, None),
    ("POST", "/templates/preview"): (200, 200, 200, {"body": "<p>{{ customer.name }}</p>",
        "subject": "Relance"}),
    ("GET", TEMPLATE): (200, 200, 200, None),
    ("PUT", TEMPLATE): (403, 403, 200, {"subject": "Pirate", "body": "<p>Pirate</p>",
        "version": 0}),
    ("DELETE", TEMPLATE): (403, 403, 200, None),  # its own, saved by the PUT above
    ("GET", "/settings/company"): (200, 200, 200, None),
    ("PUT", "/settings/company"): (403, 403, 200, {"legal_name": "Pirate SAS", "version": 0}),
    ("GET", "/settings/email-sender"): (200, 200, 200, None),
    ("PUT", "/settings/email-sender"): (403, 403, 200, {"address": "pirate@pirate.fr",
        "version": 0}),
    ("GET", "/reminders"): (200, 200, 200, None),
    ("GET", "/reminders/export"): (200, 200, 200, None),
    ("GET", "/access-log"): (403, 403, 200, None),
    ("GET", "/personal-data"): (403, 403, 404, None),
    ("GET", "/personal-data/erasures"): (403, 403, 200, None),
    ("POST", "/personal-data/erasures"): (403, 403, 404, {"email": "chef@ours.fr"}),
    ("GET", "/settings/portal"): (200, 200, 200, None),
    ("PUT", "/settings/portal"): (403, 403, 200, {"link_days": 7, "version": 0}),
    ("POST", f"{CUSTOMER}/portal-links"): (403, 403, 404, None),
    ("GET", f"{CUSTOMER}/portal-links"): (200, 403, 404, None),
    ("DELETE", f"{CUSTOMER}/portal-links/{{link_id}}"): (403, 403, 404, None),
    ("GET", f"{CUSTOMER}/portal-links/{{link_id}}/accesses"): (200, 403, 404, None),
    ("GET", "/settings/dso"): (200, 200, 200, None),
    ("PUT", "/settings/dso"): (403, 403, 200, {"method": "simple", "version": 0}),
    ("GET", "/dso"): (200, 200, 200, None),  # the collector's own (empty) series
    ("GET", "/compliance/payment-terms"): (403, 403, 200, None),
}  # fmt: skip
# Query strings a route needs (the matrix's keys are the OpenAPI document's paths).
QUERIES = {("GET", "/personal-data"): "?email=chef@ours.fr"}


def openapi_routes() -> set[tuple[str, str]]:
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    from functions.api.handler import openapi_document

    paths = json.loads(openapi_document())["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def call(
    api_url: str,
    keys: Any,
    tenant: str,
    role: str,
    method: str,
    path: str,
    body: Any,
    user_id: str | None = None,
) -> tuple[int, str]:
    return user_request(
        api_url, keys, tenant, role, method, path, body, user_id=user_id or f"matrix-{role}"
    )


def test_the_matrix_names_every_route_of_the_openapi_document() -> None:
    assert set(MATRIX) == openapi_routes()


def test_every_route_refuses_lower_roles_keeps_collectors_to_their_portfolio_and_shows_nothing_to_another_tenant(  # noqa: E501
    api_url: str, local_keys: Any, store: Any
) -> None:
    ours, theirs = f"t-{secrets.token_hex(4)}", f"t-{secrets.token_hex(4)}"
    secret_name = f"Secret Client {secrets.token_hex(3)}"
    customer = Customer(company="BIJOU", number="C1", name=secret_name)
    line = LedgerLine(
        company="BIJOU", entry_number=1, journal="VTE", accounting_date=date(2026, 9, 1),
        general_account="4110000", customer="C1", amount="1234.56",
    )  # fmt: skip
    store.register_companies(ours, ["BIJOU"])
    store.write_records(ours, [customer, line])
    store.replace_summaries(
        ours, "BIJOU", summarize("BIJOU", [customer], [line], date(2026, 11, 23))
    )

    def as_admin(method: str, path: str, body: Any) -> Any:
        status, text = call(api_url, local_keys, ours, "admin", method, path, body)
        assert status in (200, 201), (path, text)
        return json.loads(text)

    user_id = as_admin(
        "POST", "/users", {"email": "chef@ours.fr", "display_name": "Chef Secret", "role": "admin"}
    )["user_id"]
    collector = as_admin(
        "POST", "/users", {"email": "recouv@ours.fr", "display_name": "Recouvreuse", "role": "user"}
    )["user_id"]
    as_admin(
        "PUT",
        f"/users/{collector}/portfolio",
        {"rules": [{"company": "AUTRE"}], "customers": [], "version": 0},
    )
    dispute = as_admin("POST", "/customers/BIJOU/C1/disputes", {"reason": "price"})
    promise = as_admin(
        "POST", "/customers/BIJOU/C1/promises", {"amount": "100", "promised_date": "2099-01-01"}
    )
    stop = as_admin("POST", "/customers/BIJOU/C1/stops", {"reason": "Accord direction"})
    override = as_admin("POST", "/customers/BIJOU/C1/overrides", {"on": "2099-01-01"})
    link = as_admin("POST", "/customers/BIJOU/C1/portal-links", None)
    ids = {
        "{user_id}": user_id, "{company}": "BIJOU", "{number}": "C1", "{entry}": "1",
        "{action_id}": "2026-11-23_R3",
        "{dispute_id}": dispute["dispute_id"], "{promise_id}": promise["promise_id"],
        "{stop_id}": stop["stop_id"], "{override_id}": override["override_id"],
        "{link_id}": link["link_id"],
        # a default template, which every tenant has
        "{template_id}": "relance_1", "{language}": "fr", "{channel}": "email",
    }  # fmt: skip
    # A reminder sent to our customer today, as the dispatch logs it (GET /reminders...).
    sent_at = datetime.now(UTC).isoformat()
    sent = {"PK": f"T#{ours}#SENT#{sent_at[:7]}", "SK": f"{sent_at}#BIJOU#C1#R1#x",
            "company": "BIJOU", "customer": "C1", "customer_name": secret_name,
            "channel": "email", "amount": Decimal("1234.56"), "sent_at": sent_at}  # fmt: skip
    store.client.put_item(TableName=os.environ["RELANCE_TABLE"], Item=to_item(sent))
    before = as_admin("GET", "/customers/BIJOU/C1", None)

    for (method, template), (
        viewer_status,
        collector_status,
        foreign_status,
        body,
    ) in MATRIX.items():
        path = template + QUERIES.get((method, template), "")
        for placeholder, value in ids.items():
            path = path.replace(placeholder, value)
        as_viewer = call(api_url, local_keys, ours, "viewer", method, path, body)
        as_collector = call(api_url, local_keys, ours, "user", method, path, body, collector)
        as_foreigner = call(api_url, local_keys, theirs, "admin", method, path, body)
        assert as_viewer[0] == viewer_status, (method, path, as_viewer)
        assert as_collector[0] == collector_status, (method, path, as_collector)
        assert as_foreigner[0] == foreign_status, (method, path, as_foreigner)
        # An id the caller sent may be echoed in its 404; nothing else of ours may appear.
        secrets_of_ours = [secret_name, "chef@ours.fr", "1234.56"]
        secrets_of_ours += [user_id] if user_id not in path else []
        for secret in secrets_of_ours:
            assert secret not in as_foreigner[1], (method, path)
        # The collector is of our tenant, but our customer is not in its portfolio.
        for secret in (secret_name, "1234.56"):
            assert secret not in as_collector[1], (method, path)

    # Nothing the others did changed our user or our customer's follow-up.
    mine = as_admin("GET", f"/users/{user_id}", None)
    assert mine["display_name"] == "Chef Secret" and mine["active"] is True
    after = as_admin("GET", "/customers/BIJOU/C1", None)
    for section in ("disputes", "promises", "comments", "details", "open_items", "dunning"):
        assert after[section] == before[section], section
    reasons = as_admin("GET", "/settings/dispute-reasons", None)
    assert "pirate" not in {r["code"] for r in reasons["reasons"]}
    dunning = as_admin("GET", "/settings/dunning", None)
    assert (dunning["version"], dunning["default_profile"]) == (0, "standard")
    assert as_admin("GET", "/settings/dunning-run", None)["version"] == 0
    assert as_admin("GET", "/settings/penalty-rates", None)["version"] == 0
    assert as_admin("GET", "/settings/cash-objectives", None)["version"] == 0
    assert as_admin("GET", "/settings/daily-report", None)["version"] == 0
    assert as_admin("GET", "/templates/relance_1/fr/email", None)["source"] == "default"
    assert as_admin("GET", "/settings/company", None)["version"] == 0
    assert as_admin("GET", "/settings/email-sender", None)["version"] == 0
    assert as_admin("GET", "/settings/dso", None) == {"method": "count_back", "version": 0}
    assert [r["customer_name"] for r in as_admin("GET", "/reminders", None)["reminders"]] == [
        secret_name
    ]  # the reminder the collector and the other tenant did not see
