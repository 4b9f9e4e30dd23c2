"""Display settings (V9) through the API: each user's own, versioned; formats follow them."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from relance.domain.receivables import summarize
from relance.domain.records import Customer, LedgerLine
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
AS_OF = date(2026, 11, 23)
NNBSP, NBSP = "\u202f", "\xa0"
DEFAULTS = {
    "language": "fr",
    "time_zone": "Europe/Paris",
    "date_format": "short",
    "currency_display": "symbol",
    "version": 0,
}


def call(
    api_url: str, keys: Any, tenant: str, method: str, path: str, body: Any = None,
    role: str = "user", user_id: str = "claire",
) -> tuple[int, Any]:  # fmt: skip
    return user_json(api_url, keys, tenant, role, method, path, body, user_id=user_id)


def new_tenant_id() -> str:
    return f"t-{secrets.token_hex(4)}"


@pytest.fixture
def workspace(store: Any) -> str:
    """A tenant with one customer owing 1,234.56 €, due 30 days before AS_OF."""
    tenant = new_tenant_id()
    customer = Customer(company="BIJOU", number="C1", name="Dupont SARL")
    lines = [
        LedgerLine(
            company="BIJOU", entry_number=n, journal="VTE", general_account="4110000",
            customer="C1", accounting_date=AS_OF - timedelta(days=60),
            due_date=AS_OF - timedelta(days=30), amount=Decimal(amount),
        )
        for n, amount in ((1, "1000.00"), (2, "234.56"))
    ]  # fmt: skip
    store.write_records(tenant, [customer, *lines])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", [customer], lines, AS_OF))
    return tenant


def test_a_user_who_never_saved_gets_the_defaults(api_url: str, local_keys: Any) -> None:
    status, settings = call(api_url, local_keys, new_tenant_id(), "GET", "/me/settings")
    assert status == 200 and settings == DEFAULTS


def test_settings_are_saved_and_read_back_version_by_version(api_url: str, local_keys: Any) -> None:
    tenant = new_tenant_id()
    wanted = {
        "language": "en",
        "time_zone": "America/Martinique",
        "date_format": "long",
        "currency_display": "code",
    }
    status, saved = call(
        api_url, local_keys, tenant, "PUT", "/me/settings", {**wanted, "version": 0}
    )
    assert status == 200 and saved == {**wanted, "version": 1}
    assert call(api_url, local_keys, tenant, "GET", "/me/settings") == (200, saved)

    status, again = call(
        api_url, local_keys, tenant, "PUT", "/me/settings", {"language": "fr", "version": 1}
    )
    assert status == 200 and again == {**DEFAULTS, "version": 2}  # a PUT replaces them all
    assert call(api_url, local_keys, tenant, "GET", "/me/settings") == (200, again)


def test_a_stale_version_gets_a_409_and_changes_nothing(api_url: str, local_keys: Any) -> None:
    tenant = new_tenant_id()
    body = {"language": "en", "version": 0}
    assert call(api_url, local_keys, tenant, "PUT", "/me/settings", body)[0] == 200
    for stale in (0, 5):
        status, answer = call(
            api_url, local_keys, tenant, "PUT", "/me/settings",
            {"time_zone": "Asia/Tokyo", "version": stale},
        )  # fmt: skip
        assert status == 409, stale
        assert answer["error"]["code"] == "stale_version"
        assert answer["error"]["details"] == {"current_version": 1}
        assert answer["error"]["message_fr"]
    _, kept = call(api_url, local_keys, tenant, "GET", "/me/settings")
    assert kept == {**DEFAULTS, "language": "en", "version": 1}


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"time_zone": "Mars/Olympus", "version": 0}, "time_zone", "unknown time zone"),
        ({"language": "de", "version": 0}, "language", "'fr' or 'en'"),
        ({"date_format": "full", "version": 0}, "date_format", "'short', 'medium' or 'long'"),
        ({"language": "en"}, "version", "required"),
        ({"colour": "blue", "version": 0}, "colour", "not permitted"),
    ],
)
def test_bad_settings_get_a_422_naming_the_field_and_save_nothing(
    api_url: str, local_keys: Any, body: dict[str, Any], field: str, reason: str
) -> None:
    tenant = new_tenant_id()
    status, answer = call(api_url, local_keys, tenant, "PUT", "/me/settings", body)
    assert status == 422
    [problem] = answer["error"]["details"]
    assert problem["where"] == field and reason in problem["problem"]
    assert call(api_url, local_keys, tenant, "GET", "/me/settings") == (200, DEFAULTS)


def test_each_user_has_its_own_and_another_tenant_sees_and_changes_none(
    api_url: str, local_keys: Any
) -> None:
    ours, theirs = new_tenant_id(), new_tenant_id()
    body = {"language": "en", "time_zone": "America/Martinique", "version": 0}
    assert call(api_url, local_keys, ours, "PUT", "/me/settings", body)[0] == 200

    # Same user id in another tenant, another user of ours: both still on the defaults.
    assert call(api_url, local_keys, theirs, "GET", "/me/settings", role="admin") == (
        200,
        DEFAULTS,
    )
    assert call(api_url, local_keys, ours, "GET", "/me/settings", user_id="paul") == (
        200,
        DEFAULTS,
    )
    # Their save is theirs: version 0 is accepted there, and ours is untouched.
    status, _ = call(
        api_url, local_keys, theirs, "PUT", "/me/settings",
        {"date_format": "long", "version": 0}, role="admin",
    )  # fmt: skip
    assert status == 200
    _, mine = call(api_url, local_keys, ours, "GET", "/me/settings")
    assert mine == {**DEFAULTS, **body, "version": 1}


def test_a_viewer_sets_its_own_preferences(api_url: str, local_keys: Any) -> None:
    tenant = new_tenant_id()
    body = {"language": "en", "date_format": "medium", "version": 0}
    status, saved = call(
        api_url, local_keys, tenant, "PUT", "/me/settings", body, role="viewer", user_id="cfo"
    )
    assert status == 200 and saved["language"] == "en" and saved["version"] == 1
    _, read = call(api_url, local_keys, tenant, "GET", "/me/settings", role="viewer", user_id="cfo")
    assert read == saved


def test_lists_cards_and_the_dashboard_switch_from_french_to_english_formats(
    api_url: str, local_keys: Any, workspace: str
) -> None:
    def screens() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        _, page = call(api_url, local_keys, workspace, "GET", "/customers")
        _, board = call(api_url, local_keys, workspace, "GET", "/dashboard")
        _, card = call(api_url, local_keys, workspace, "GET", "/customers/BIJOU/C1")
        return page["customers"][0], board, card

    row, board, card = screens()
    assert row["total"] == "1234.56"  # the raw figure is untouched
    assert row["display"]["total"] == f"1{NNBSP}234,56{NBSP}€"
    assert row["display"]["oldest_due"] == "24/10/2026"
    assert board["display"]["total"] == f"1{NNBSP}234,56{NBSP}€"
    assert board["top_debtors"][0]["display"]["overdue"] == f"1{NNBSP}234,56{NBSP}€"
    assert card["display"]["total"] == f"1{NNBSP}234,56{NBSP}€"
    assert card["open_items"][1]["display"]["amount"] == f"234,56{NBSP}€"
    assert card["open_items"][1]["display"]["due_date"] == "24/10/2026"

    english = {"language": "en", "date_format": "medium", "version": 0}
    assert call(api_url, local_keys, workspace, "PUT", "/me/settings", english)[0] == 200
    row, board, card = screens()
    assert row["total"] == "1234.56"
    assert row["display"]["total"] == "€1,234.56"
    assert row["display"]["oldest_due"] == "24 Oct 2026"
    assert board["display"]["total"] == "€1,234.56"
    assert board["top_debtors"][0]["display"]["total"] == "€1,234.56"
    assert card["display"]["total"] == "€1,234.56"
    assert card["open_items"][1]["display"] == {
        "amount": "€234.56",
        "due_date": "24 Oct 2026",
        "accounting_date": "24 Sept 2026",
    }
    # Another user of the same tenant still reads French.
    _, page = call(api_url, local_keys, workspace, "GET", "/customers", user_id="paul")
    assert page["customers"][0]["display"]["total"] == f"1{NNBSP}234,56{NBSP}€"


def test_days_late_count_to_today_on_the_users_clock(
    api_url: str, local_keys: Any, workspace: str
) -> None:
    """Kiritimati (UTC+14) is always 1 or 2 calendar days ahead of Pago Pago (UTC-11)."""
    late = {}
    for user, zone in (("ahead", "Pacific/Kiritimati"), ("behind", "Pacific/Pago_Pago")):
        body = {"time_zone": zone, "version": 0}
        assert (
            call(api_url, local_keys, workspace, "PUT", "/me/settings", body, user_id=user)[0]
            == 200
        )
        _, page = call(api_url, local_keys, workspace, "GET", "/customers", user_id=user)
        _, card = call(api_url, local_keys, workspace, "GET", "/customers/BIJOU/C1", user_id=user)
        late[user] = (page["customers"][0]["days_late"], card["open_items"][0]["days_late"])
    assert late["ahead"][0] - late["behind"][0] in (1, 2)
    assert late["ahead"][1] - late["behind"][1] in (1, 2)
