"""Payment scores and predictions in the app (issue 8): the list's Score column and its
sort, the card's payment behaviour (score, grade, factors, expected payment dates), the
dashboard's cash-in forecast. The world's full sync carries settled lines, so its
customers are scored and its open items predicted. Read-only: no test changes data."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from bench.web import World
from tests.e2e.conftest import SIZES, call, sign_in

pytestmark = pytest.mark.integration


def _rounded(score: str | None) -> str:
    return "" if score is None else str(Decimal(score).quantize(Decimal(1), ROUND_HALF_UP))


def _badge(row: dict[str, Any]) -> str:
    """What the Score cell reads: grade and rounded score, "—" alone when unscored."""
    if row["score"] is None:
        return "—"
    return f"{row['grade'] or '—'} {_rounded(row['score'])}"


def _short(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")  # fr-FR, dateStyle short


def test_the_world_is_scored(world: World) -> None:
    """What the other tests rely on: scores, grades, predictions and a forecast exist."""
    _, page = call(world, "admin", "GET", "/customers?sort=score&order=desc&limit=200")
    scored = [c for c in page["customers"] if c["score"] is not None]
    assert scored, "the served world has no scored customer"
    assert {c["grade"] for c in scored} & {"A", "B", "C", "D"}
    _, board = call(world, "admin", "GET", "/dashboard")
    assert board["forecast"]["week"]["periods"]


def test_the_list_shows_the_score_and_sorts_by_it(page: Any, world: World, size: str) -> None:
    sign_in(page, world, "admin")
    page.goto(f"{world.url}/app/#/customers")
    table = page.locator("table.customers")
    expect(table.locator("tbody tr").first).to_be_visible()
    table.locator("thead").get_by_role("button", name="Score").click()
    expect(page).to_have_url(re.compile(r"sort=score&order=desc"))
    header = table.locator("thead th", has=page.get_by_role("button", name="Score"))
    expect(header).to_have_attribute("aria-sort", "descending")

    _, worst = call(world, "admin", "GET", "/customers?sort=score&order=desc&limit=50")
    badges = table.locator("tbody .score-badge")
    expect(badges).to_have_count(len(worst["customers"]))
    expect(badges).to_have_text([_badge(r) for r in worst["customers"]])
    graded = next(i for i, r in enumerate(worst["customers"]) if r["grade"])
    expect(badges.nth(graded)).to_have_class(
        re.compile(f"grade-{worst['customers'][graded]['grade']}")
    )

    table.locator("thead").get_by_role("button", name="Score").click()
    expect(page).to_have_url(re.compile(r"sort=score&order=asc"))
    expect(header).to_have_attribute("aria-sort", "ascending")
    _, best = call(world, "admin", "GET", "/customers?sort=score&order=asc&limit=50")
    expect(badges).to_have_text([_badge(r) for r in best["customers"]])


def _scored_card(world: World, size: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A graded customer with a predicted open item to chase, one per size."""
    _, page = call(world, "admin", "GET", "/customers?sort=score&order=desc&limit=200")
    found = []
    for row in page["customers"]:
        if not row["grade"]:
            continue
        _, card = call(world, "admin", "GET", f"/customers/{row['company']}/{row['number']}")
        chased = {i["entry_number"] for i in card["open_items"] if not i["disputed"]}
        payments = card["payments"]
        if payments and any(p["entry_number"] in chased for p in payments["predictions"]):
            found.append((row, card))
        if len(found) > list(SIZES).index(size):
            return found[-1]
    raise AssertionError(f"only {len(found)} graded customers with a predicted item")


def test_the_card_shows_the_payment_behaviour(page: Any, world: World, size: str) -> None:
    row, card = _scored_card(world, size)
    payments = card["payments"]
    sign_in(page, world, "admin")
    page.goto(f"{world.url}/app/#/customers/{row['company']}/{row['number']}")
    section = page.locator("section[aria-labelledby=behaviour-title]")
    expect(section.get_by_role("heading")).to_have_text("Comportement de paiement")
    expect(section.locator(".score-badge")).to_have_text(
        f"{payments['grade']} {_rounded(payments['score'])}"
    )
    factors = section.get_by_role("list", name="Facteurs du score").locator("li")
    expect(factors).to_have_count(len(payments["factors"]))
    first = payments["factors"][0]
    points = str(Decimal(first["points"]).quantize(Decimal("0.1"), ROUND_HALF_UP)).replace(".", ",")
    points = points.removesuffix(",0")
    expect(factors.first).to_contain_text(f"{points} pts")
    expect(factors.first.locator(".factor-bar span")).to_be_attached()
    trend = payments["trend"]  # the world was synced once: one weekly point, no delta yet
    sparkline = section.get_by_role("img", name=re.compile("Évolution du score"))
    expect(sparkline).to_have_count(1)
    first_point = Decimal(trend["points"][0]["score"])
    said = str(first_point.normalize()) if first_point % 1 else str(int(first_point))
    expect(sparkline).to_have_attribute("aria-label", re.compile(re.escape(said.replace(".", ","))))
    if trend["delta_30d"] is None:
        expect(section.locator(".score-trend")).to_contain_text("moins de 30 jours")

    chase = page.locator("section[aria-labelledby=chase-title] table")
    expect(chase.locator("thead")).to_contain_text("Paiement attendu")
    by_entry = {i["entry_number"]: i for i in card["open_items"]}
    predicted = next(
        p for p in payments["predictions"] if not by_entry[p["entry_number"]]["disputed"]
    )
    item = by_entry[predicted["entry_number"]]
    label = item["invoice_number"] or item.get("piece") or f"#{item['entry_number']}"
    line = chase.locator("tbody tr", has_text=label).first
    expect(line).to_contain_text(_short(predicted["expected_on"]))
    expect(line).to_contain_text(
        f"entre le {_short(predicted['earliest'])} et le {_short(predicted['latest'])}"
    )


def test_the_dashboard_draws_the_cash_in_forecast(page: Any, world: World, size: str) -> None:
    _, board = call(world, "admin", "GET", "/dashboard")
    weeks = board["forecast"]["week"]["periods"]
    sign_in(page, world, "admin")
    section = page.locator("section[aria-labelledby=forecast-title]")
    expect(section.get_by_role("heading")).to_have_text("Prévision d'encaissements")
    expect(section.locator("[data-testid=forecast-chart] canvas")).to_have_count(1)
    table = section.get_by_role("table", name="Encaissements attendus par semaine")
    expect(table.locator("tbody tr")).to_have_count(len(weeks) + 1)  # and "Au-delà"
    expect(table.locator("tbody tr").first).to_contain_text(
        f"Semaine du {_short(weeks[0]['start'])}"
    )
    expect(table.locator("tbody tr").last).to_contain_text("Au-delà")
