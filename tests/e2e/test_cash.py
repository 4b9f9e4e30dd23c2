"""Cash objectives in the app (V6): the admin sets this month's objective in Settings ›
Trésorerie, and the dashboard's forecast shows the week's share of it beside what was
collected. Writes the world's objectives (nothing else reads them)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from bench.web import World
from tests.e2e.conftest import call, sign_in

pytestmark = pytest.mark.integration


def _fr(amount: str) -> str:
    """An amount as fr-FR shows it, spaces of any kind made plain: '12 345,67 €'."""
    whole, _, cents = f"{Decimal(amount):,.2f}".partition(".")
    return f"{whole.replace(',', ' ')},{cents} €"


def _plain(text: str) -> str:
    return re.sub(r"\s", " ", text)


@pytest.mark.parametrize("size", ["desktop"])
def test_the_admin_sets_an_objective_and_the_dashboard_shows_it(
    page: Any, world: World, size: str
) -> None:
    sign_in(page, world, "admin")
    page.goto(f"{world.url}/app/#/settings/cash")
    form = page.get_by_role("form", name="Objectifs d’encaissement")
    form.get_by_role("button", name="Ajouter un mois").click()
    form.get_by_label("Objectif").last.fill("12 345,67")
    form.get_by_role("button", name="Enregistrer").click()
    expect(form.locator(".notice, [role=status], [role=alert]").first).to_be_visible()
    _, saved = call(world, "admin", "GET", "/settings/cash-objectives")
    month = f"{datetime.now(UTC):%Y-%m}"  # the month the form adds
    assert {"month": month, "company": None, "amount": "12345.67"} in saved["objectives"]

    _, board = call(world, "admin", "GET", "/dashboard")
    week = board["forecast"]["week"]["periods"][0]
    assert week["objective"] is not None
    page.goto(f"{world.url}/app/#/dashboard")
    row = page.locator("[data-testid=forecast-table] tbody tr").first
    cells = row.locator("td")
    expect(cells).to_have_count(3)
    assert _plain(cells.nth(2).inner_text()) == _fr(week["objective"])
    assert _plain(cells.nth(0).inner_text()) == _fr(week["collected"])
