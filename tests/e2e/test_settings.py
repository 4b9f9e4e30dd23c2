"""Settings in the browser: the scenario editor and its dry run, templates with a live
preview, company details, users and portfolios, preferences, sync status; and that only
admins get them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from bench.web import World
from tests.e2e.conftest import call, sign_in

pytestmark = pytest.mark.integration


def _settings(page: Any, tab: str) -> None:
    page.get_by_role("navigation", name="Navigation").get_by_role("link", name="Paramètres").click()
    page.get_by_role("navigation", name="Paramètres").get_by_role("link", name=tab).click()


def _n1_count(preview: dict[str, Any]) -> int:
    return sum(c["by_step"].get("N1", 0) for c in preview["companies"])


def test_an_admin_changes_a_scenario_step_and_sees_the_dry_run_change(
    page: Any, world: World, size: str
) -> None:
    _, stored = call(world, "admin", "GET", "/settings/dunning")
    notice = stored["scenarios"][0]["steps"][0]
    assert (notice["phase"], notice["days"]) == ("notice", 5), "the default scenario"
    _, before = call(world, "admin", "POST", "/dunning/preview", {})
    try:
        sign_in(page, world, "admin")
        _settings(page, "Scénarios")
        total = page.get_by_test_id("dry-run-total")
        expect(total).to_have_attribute("data-actions", str(before["actions"]))

        # Pre-due notices 30 days ahead instead of 5: tonight's run would send some.
        page.get_by_role("group", name=re.compile(r"^N1")).get_by_label(
            "Jours avant l’échéance"
        ).fill("30")
        page.get_by_role("button", name="Enregistrer le paramétrage").click()
        expect(page.get_by_role("status").filter(has_text="Paramétrage enregistré")).to_be_visible()

        _, saved = call(world, "admin", "GET", "/settings/dunning")
        assert saved["scenarios"][0]["steps"][0]["days"] == 30
        assert saved["version"] == stored["version"] + 1
        _, after = call(world, "admin", "POST", "/dunning/preview", {})
        assert _n1_count(after) > _n1_count(before)
        expect(total).to_have_attribute("data-actions", str(after["actions"]))
        row = page.get_by_test_id("dry-run").locator("tr[data-key=N1]")
        expect(row.locator("td").first).to_have_text(str(_n1_count(after)))
        expect(row).to_contain_text(f"avant : {_n1_count(before)}")
    finally:  # the other sizes and tests start from the default scenario
        _, current = call(world, "admin", "GET", "/settings/dunning")
        status, _ = call(
            world, "admin", "PUT", "/settings/dunning", {**stored, "version": current["version"]}
        )
        assert status == 200


@pytest.mark.parametrize("size", ["desktop"])
def test_a_stale_scenario_save_says_reload_and_changes_nothing(
    page: Any, world: World, size: str
) -> None:
    sign_in(page, world, "admin")
    _settings(page, "Scénarios")
    r1_days = page.get_by_role("group", name=re.compile(r"^R1")).get_by_label("Jours après")
    expect(r1_days).to_have_value("5")
    _, read = call(world, "admin", "GET", "/settings/dunning")
    status, meanwhile = call(world, "admin", "PUT", "/settings/dunning", read)  # someone else
    assert status == 200
    r1_days.fill("6")
    page.get_by_role("button", name="Enregistrer le paramétrage").click()
    expect(page.get_by_role("alert")).to_contain_text("Quelqu’un d’autre a modifié")
    _, now = call(world, "admin", "GET", "/settings/dunning")
    assert now["version"] == meanwhile["version"]
    assert now["scenarios"][0]["steps"][1]["days"] == 5
    page.get_by_role("button", name="Recharger").click()
    expect(r1_days).to_have_value("5")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_template_previews_as_typed_shows_its_problem_line_and_resets(
    page: Any, world: World, size: str
) -> None:
    template = {"desktop": "relance_2", "phone": "prevenance"}[size]
    path = f"/templates/{template}/fr/email"
    _, default = call(world, "admin", "GET", path)
    sign_in(page, world, "admin")
    _settings(page, "Modèles")
    page.get_by_role("link", name=f"Modifier {template} fr email").click()
    subject, body = page.get_by_label("Objet"), page.get_by_label("Corps")
    expect(body).to_have_value(default["body"])

    subject.fill("Votre compte {{ customer.number }} : urgent")
    shown = page.get_by_test_id("preview-subject")
    expect(shown).to_have_text(re.compile(r"^Votre compte \S+ : urgent$"))
    lines = default["body"].count("\n") + 1
    body.fill(default["body"] + "\n{% if %}")
    problems = page.locator("#tpl-problems")
    expect(problems).to_contain_text(f"Corps, ligne {lines + 1}")
    expect(page.locator(".gutter .bad")).to_have_text(str(lines + 1))

    body.fill(default["body"])
    page.locator("summary", has_text="Variables · Blocs").click()
    page.get_by_role("button", name="Insérer customer.name").click()
    expect(body).to_have_value(re.compile(r"\{\{ customer\.name \}\}"))
    expect(problems).to_have_count(0)
    page.get_by_role("button", name="Enregistrer le modèle").click()
    expect(page.get_by_role("status").filter(has_text="Modèle enregistré.")).to_be_visible()
    _, saved = call(world, "admin", "GET", path)
    assert (saved["source"], saved["subject"]) == (
        "tenant",
        "Votre compte {{ customer.number }} : urgent",
    )
    assert "{{ customer.name }}" in saved["body"]

    page.get_by_role("button", name="Revenir au modèle par défaut").click()
    expect(page.get_by_role("status").filter(has_text="par défaut s’applique")).to_be_visible()
    expect(subject).to_have_value(default["subject"])
    _, back = call(world, "admin", "GET", path)
    assert (back["source"], back["body"]) == ("default", default["body"])


@pytest.mark.parametrize("size", ["tablet"])
def test_company_details_show_the_apis_reasons_beside_their_fields(
    page: Any, world: World, size: str
) -> None:
    sign_in(page, world, "admin")
    _settings(page, "Société")
    page.get_by_label("Raison sociale").fill("Bijouterie Martin SAS")
    page.get_by_label("SIRET").fill("123 456")
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 180")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#field-siret-problem")).to_have_text("a SIRET has 14 digits")
    expect(page.locator("#field-iban-problem")).to_contain_text("IBAN is not valid")
    expect(page.get_by_label("SIRET")).to_have_attribute("aria-invalid", "true")
    _, unchanged = call(world, "admin", "GET", "/settings/company")
    assert unchanged["legal_name"] == ""

    page.get_by_label("SIRET").fill("732 829 320 00074")
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Enregistré")).to_be_visible()
    expect(page.locator(".problem")).to_have_count(0)
    _, saved = call(world, "admin", "GET", "/settings/company")
    assert (saved["legal_name"], saved["iban"]) == (
        "Bijouterie Martin SAS",
        "FR7630006000011234567890189",
    )


@pytest.mark.parametrize("size", ["desktop"])
def test_an_admin_creates_a_collector_gives_a_portfolio_and_deactivates_it(
    page: Any, world: World, size: str
) -> None:
    sign_in(page, world, "admin")
    _settings(page, "Utilisateurs")
    form = page.get_by_role("form", name="Nouvel utilisateur")
    form.get_by_label("E-mail").fill("not-an-address")
    form.get_by_label("Nom affiché").fill("Léa Morel")
    form.get_by_role("button", name="Créer l’utilisateur").click()
    expect(form.locator("#field-email-problem")).to_be_visible()
    form.get_by_label("E-mail").fill("lea.morel@relance-demo.example")
    form.get_by_role("button", name="Créer l’utilisateur").click()
    expect(
        page.get_by_role("status").filter(has_text="Utilisateur Léa Morel créé.")
    ).to_be_visible()
    row = page.locator("table.users tr").filter(has_text="lea.morel@relance-demo.example")
    expect(row).to_contain_text("Actif")

    row.get_by_role("button", name="Portefeuille Léa Morel").click()
    editor = page.get_by_role("form", name="Portefeuille de Léa Morel")
    editor.get_by_role("button", name="+ Règle").click()
    editor.get_by_label("Société", exact=True).fill("BIJOU")
    editor.get_by_label("N° commercial").fill("4")
    editor.get_by_label("Clients nommés").fill("BIJOU/C00001")
    editor.get_by_role("button", name="Enregistrer le portefeuille").click()
    expect(editor.get_by_role("status")).to_contain_text("Portefeuille enregistré")

    row.get_by_role("button", name="Désactiver Léa Morel").click()
    expect(row).to_contain_text("Désactivé")
    _, users = call(world, "admin", "GET", "/users")
    lea = next(u for u in users["users"] if u["email"] == "lea.morel@relance-demo.example")
    assert (lea["role"], lea["active"]) == ("user", False)
    _, portfolio = call(world, "admin", "GET", f"/users/{lea['user_id']}/portfolio")
    assert portfolio["rules"] == [{"company": "BIJOU", "rep_number": 4, "profile": None}]
    assert portfolio["customers"] == [{"company": "BIJOU", "number": "C00001"}]


@pytest.mark.parametrize("size", ["phone"])
def test_sync_status_shows_the_aged_balance_control(page: Any, world: World, size: str) -> None:
    _, controls = call(world, "admin", "GET", "/controls/aged-balance")
    sign_in(page, world, "admin")
    _settings(page, "Synchronisation")
    for control in controls["controls"]:
        box = page.locator(f".control[data-company={control['company']}]")
        expect(box).to_contain_text("Concorde avec Sage" if control["matches"] else "écart")
    expect(page.locator("table.sync-runs tbody tr").first).to_contain_text("finished")


@pytest.mark.parametrize("size", ["phone"])
def test_a_user_sets_display_preferences(page: Any, world: World, size: str) -> None:
    _, before = call(world, "cfo", "GET", "/me/settings")
    sign_in(page, world, "cfo")
    page.get_by_role("link", name="Préférences").click()
    page.get_by_label("Affichage des montants").select_option("code")
    page.get_by_label("Format des dates").select_option("long")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").filter(has_text="Préférences enregistrées.")).to_be_visible()
    expect(page.get_by_test_id("pref-example")).to_contain_text("31 mars 2026")
    expect(page.get_by_test_id("pref-example")).to_contain_text("EUR")
    _, after = call(world, "cfo", "GET", "/me/settings")
    assert (after["currency_display"], after["date_format"]) == ("code", "long")
    call(world, "cfo", "PUT", "/me/settings", {**before, "version": after["version"]})


@pytest.mark.parametrize("size", ["desktop"])
def test_only_admins_see_settings_and_the_api_refuses_the_others(
    page: Any, world: World, size: str
) -> None:
    sign_in(page, world, "collector")
    nav = page.get_by_role("navigation", name="Navigation")
    expect(nav.get_by_role("link", name="Relances envoyées")).to_be_visible()
    expect(nav.get_by_role("link", name="Paramètres")).to_have_count(0)
    page.goto(f"{world.url}/app/#/settings/scenarios")
    expect(page.get_by_text("Page introuvable.")).to_be_visible()
    _, read = call(world, "collector", "GET", "/settings/dunning")
    for method, path, body in (
        ("PUT", "/settings/dunning", read),
        ("PUT", "/settings/company", {"legal_name": "X", "version": 0}),
        ("POST", "/users", {"email": "x@example.fr", "display_name": "X"}),
    ):
        status, answer = call(world, "collector", method, path, body)
        assert status == 403, (path, answer)
