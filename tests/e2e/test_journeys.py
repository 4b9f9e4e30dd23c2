"""The main journeys in the browser, as each demo user, at desktop, tablet and phone sizes."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from bench.web import World
from tests.e2e.conftest import SIZES, call, sign_in

pytestmark = pytest.mark.integration


def _nth(size: str) -> int:
    """Each size works on its own customer: the runs never see each other's changes."""
    return list(SIZES).index(size)


def _overdue(world: World, persona: str) -> list[dict[str, Any]]:
    status, page = call(
        world, persona, "GET", "/customers?overdue_only=true&sort=total&order=desc&limit=60"
    )
    assert status == 200
    return list(page["customers"])


def _section(page: Any, title_id: str) -> Any:
    return page.locator(f"section[aria-labelledby={title_id}]")


def test_an_admin_finds_a_customer_and_records_a_promise(
    page: Any, world: World, size: str
) -> None:
    customer = [c for c in _overdue(world, "admin") if c["name"]][_nth(size)]
    sign_in(page, world, "admin")
    page.get_by_role("navigation").get_by_role("link", name="Clients").click()
    _, found = call(world, "admin", "GET", f"/customers?{urlencode({'q': customer['name']})}")
    page.get_by_role("searchbox").fill(customer["name"])
    expect(page.locator("table.customers tbody tr")).to_have_count(found["total_count"])
    page.get_by_role("link", name=customer["name"], exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(customer["name"])

    page.locator("summary", has_text="Enregistrer une promesse").click()
    page.get_by_label("Montant (€)").fill("123,45")
    promised = (world.as_of + timedelta(days=7)).isoformat()
    page.get_by_label("Date promise").fill(promised)
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    expect(page.get_by_role("status").filter(has_text="Enregistré.")).to_be_visible()
    promises = _section(page, "promises-title")
    expect(promises).to_contain_text("123,45")
    expect(promises).to_contain_text("ouverte")
    status, card = call(
        world, "admin", "GET", f"/customers/{customer['company']}/{customer['number']}"
    )
    assert status == 200
    assert [(p["amount"], p["promised_date"]) for p in card["promises"]] == [("123.45", promised)]


def test_a_collector_opens_a_dispute_and_the_invoice_leaves_the_list_to_chase(
    page: Any, world: World, size: str
) -> None:
    candidates = []
    for row in _overdue(world, "collector"):
        _, card = call(world, "collector", "GET", f"/customers/{row['company']}/{row['number']}")
        late = [i for i in card["open_items"] if i["days_late"] > 0 and not i["disputed"]]
        if late and late[0]["invoice_number"] and not card["disputes"]:
            candidates.append((row, late[0]))
        if len(candidates) > _nth(size):
            break
    row, item = candidates[_nth(size)]
    invoice = item["invoice_number"]
    sign_in(page, world, "collector")
    page.goto(f"{world.url}/app/#/customers/{row['company']}/{row['number']}")
    chase, to_chase = _section(page, "chase-title"), page.get_by_test_id("to-chase")
    expect(chase).to_contain_text(invoice)
    before = to_chase.inner_text()

    page.locator("summary", has_text="Ouvrir un litige").click()
    form = page.locator("details[open] form")
    form.get_by_label("Motif").select_option(label="Prix contesté")
    form.get_by_label(re.compile(rf"^{invoice} ·")).check()
    form.get_by_role("button", name="Enregistrer", exact=True).click()

    disputed = _section(page, "disputed-title")
    expect(disputed).to_contain_text(invoice)
    expect(chase).not_to_contain_text(invoice)
    expect(to_chase).not_to_have_text(before)
    expect(_section(page, "disputes-title")).to_contain_text("Prix contesté")


def test_a_viewer_sees_no_edit_control_and_the_api_refuses_anyway(
    page: Any, world: World, size: str
) -> None:
    customer = _overdue(world, "cfo")[_nth(size)]
    sign_in(page, world, "cfo")
    expect(page.get_by_role("note")).to_contain_text("Lecture seule")
    page.goto(f"{world.url}/app/#/customers/{customer['company']}/{customer['number']}")
    expect(_section(page, "chase-title")).to_be_visible()
    main = page.locator("main")
    for label in ("Enregistrer une promesse", "Ouvrir un litige", "Commenter", "Surveiller"):
        expect(main.get_by_text(label, exact=True)).to_have_count(0)
    expect(main.locator("form, details.action, input, textarea")).to_have_count(0)
    expect(main.get_by_role("button", name="Résoudre")).to_have_count(0)

    page.get_by_role("navigation").get_by_role("link", name="Mes actions").click()
    expect(page.get_by_role("heading", name="Mes actions")).to_be_visible()
    for outcome in ("Fait", "Joint", "Pas de réponse"):
        expect(main.get_by_role("button", name=outcome)).to_have_count(0)

    path = f"/customers/{customer['company']}/{customer['number']}/promises"
    status, answer = call(
        world, "cfo", "POST", path, {"amount": "10.00", "promised_date": "2030-01-01"}
    )
    assert status == 403, answer


def test_an_admin_completes_a_call_from_my_actions(page: Any, world: World, size: str) -> None:
    status, listing = call(world, "admin", "GET", "/tasks?status=to_do")
    assert status == 200
    # Calls only: letters waiting for approval have their own tab (test_worklist.py).
    tasks = sorted((t for t in listing["items"] if t["channel"] == "phone"), key=lambda t: t["key"])
    assert len(tasks) >= len(SIZES), "the world plans a call per size at least"
    task = tasks[_nth(size)]
    name = task["recipient"]["name"]
    sign_in(page, world, "admin")
    page.get_by_role("navigation").get_by_role("link", name="Mes actions").click()
    card = page.locator("li.task").filter(has=page.get_by_role("link", name=name, exact=True))
    expect(card).to_have_count(1)
    card.locator("summary", has_text="Script d’appel").click()
    expect(card).to_contain_text("Je vous appelle")
    card.get_by_role("button", name="Joint").click()  # a call: its outcome, reached

    expect(page.get_by_role("status").filter(has_text="Action terminée.")).to_be_visible()
    expect(card).to_have_count(0)
    _, after = call(world, "admin", "GET", "/tasks?status=to_do")
    assert task["key"] not in {t["key"] for t in after["items"]}


@pytest.mark.parametrize("size", ["phone"])
def test_english_is_one_choice_away_and_stays_chosen(page: Any, world: World, size: str) -> None:
    sign_in(page, world, "salesperson")
    # The choice is saved in the background: wait for the save before reloading or asking.
    with page.expect_response(_settings_saved):
        page.get_by_label("Langue").select_option("en")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    # Amounts in the British way (en-GB: day/month/year, as the API), the euro first.
    expect(page.locator(".tile-value").first).to_have_text(re.compile(r"^€[\d,]+\.\d\d$"))
    page.reload()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    with page.expect_response(_settings_saved):
        page.get_by_label("Language").select_option("fr")
    expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()
    _, shown = call(world, "salesperson", "GET", "/me/settings")
    assert shown["language"] == "fr"


@pytest.mark.parametrize("size", ["desktop"])
def test_the_dashboard_narrows_to_a_collector(page: Any, world: World, size: str) -> None:
    _, users = call(world, "admin", "GET", "/users")
    collector = next(u for u in users["users"] if u["role"] == "user")
    _, everyone = call(world, "admin", "GET", "/dashboard")
    _, theirs = call(world, "admin", "GET", f"/dashboard?collector={collector['user_id']}")
    assert theirs["total"] != everyone["total"]
    sign_in(page, world, "admin")
    total = page.locator(".tile-value").first
    expect(total).to_have_text(_euros(everyone["total"]))
    page.get_by_label("Chargé de recouvrement").select_option(label=collector["display_name"])
    expect(total).to_have_text(_euros(theirs["total"]))


@pytest.mark.parametrize("size", ["desktop"])
def test_an_unknown_address_cannot_sign_in(page: Any, world: World, size: str) -> None:
    page.goto(world.url + "/app/")
    page.get_by_label("E-mail").fill("nobody@relance-demo.example")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Aucun utilisateur actif")
    expect(page.get_by_role("heading", name="Tableau de bord")).to_have_count(0)


def _settings_saved(response: Any) -> bool:
    return response.url.endswith("/me/settings") and response.request.method == "PUT"


def _euros(amount: str) -> str:
    """A decimal string as fr-FR shows euros: narrow no-break spaces, comma, no-break space."""
    rounded = Decimal(amount).quantize(Decimal("0.01"), ROUND_HALF_UP)
    whole, _, cents = str(rounded).partition(".")
    groups = f"{int(whole):,}".replace(",", "\u202f")
    return f"{groups},{cents}\u00a0€"
