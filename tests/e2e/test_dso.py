"""DSO and payment terms in the app (V8, B2): the dashboard's DSO chart names its method and
shows the API's figures; the admin's settings tab lists the invoices beyond the legal caps.
The world's sync recorded this month's DSO and the terms report. Read-only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from bench.web import World
from tests.e2e.conftest import call, sign_in

pytestmark = pytest.mark.integration


def _fr(value: str) -> str:
    """A DSO as fr-FR shows it: one decimal at most, a comma, no trailing ",0"."""
    return str(Decimal(value).normalize()).replace(".", ",")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_dashboard_charts_the_dso_and_the_admin_sees_terms_beyond_the_caps(
    page: Any, world: World, size: str
) -> None:
    _, series = call(world, "admin", "GET", "/dso")
    assert series["method"] == "count_back" and series["points"], series
    sign_in(page, world, "admin")
    page.goto(f"{world.url}/app/#/dashboard")
    section = page.locator("section[aria-labelledby=dso-title]")
    expect(section.get_by_role("heading")).to_have_text("DSO (délai moyen de paiement)")
    expect(section.get_by_test_id("dso-method")).to_have_text(
        "Méthode : épuisement du chiffre d'affaires"
    )
    expect(section.locator(".chart-box canvas")).to_be_attached()
    cells = section.get_by_test_id("dso-table").locator("tbody td")
    expect(cells).to_have_text([_fr(p["dso"]) if p["dso"] else "—" for p in series["points"]])

    _, report = call(world, "admin", "GET", "/compliance/payment-terms?limit=50")
    page.goto(f"{world.url}/app/#/settings/terms")
    expect(page.get_by_role("radio", name="épuisement du chiffre d'affaires")).to_be_checked()
    invoices = page.get_by_test_id("terms-invoices").locator("tbody tr")
    if not report["invoices"]:
        expect(page.get_by_text("Aucun dépassement", exact=False).first).to_be_visible()
        return
    expect(invoices).to_have_count(len(report["invoices"]))
    first = report["invoices"][0]
    expect(invoices.first).to_contain_text(first["customer"])
    expect(invoices.first).to_contain_text(f"{first['excess_days']} j")
