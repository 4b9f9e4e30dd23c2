"""My actions beyond calls: letters to approve, mass actions with a preview; the reminders
sent and the exports."""

from __future__ import annotations

import csv
import io
import os
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from bench.web import World
from tests.e2e.conftest import SIZES, call, sign_in

pytestmark = pytest.mark.integration


def _overdue(world: World) -> list[dict[str, Any]]:
    _, page = call(world, "admin", "GET", "/customers?overdue_only=true&sort=days_late&limit=60")
    return [c for c in page["customers"] if c["name"]]


def _letter_task(world: World, size: str) -> dict[str, Any]:
    """A formal notice (R5: a letter, manual) issued now for a customer of this size's,
    waiting on the admin's list (the unassigned pool)."""
    issued = 0
    for row in _overdue(world)[list(SIZES).index(size) :: len(SIZES)]:
        path = f"/customers/{row['company']}/{row['number']}/reminders"
        status, _ = call(world, "admin", "POST", path, {"step": "R5"})
        if status == 201:
            issued += 1
            _, tasks = call(world, "admin", "GET", "/tasks?status=to_do")
            # A customer of the collector's portfolio gets the task on the collector's list.
            mine = [t for t in tasks["items"] if t["customer"] == row["number"]]
            letters = [t for t in mine if t["channel"] == "letter"]
            if letters:
                return letters[0]
    raise AssertionError(f"no customer could get an R5 letter ({issued} issued)")


def _tab(page: Any, name: str) -> None:
    page.get_by_role("navigation", name="Navigation").get_by_role(
        "link", name="Mes actions"
    ).click()
    page.get_by_role("navigation", name="Mes actions").get_by_role("link", name=name).click()


def test_an_admin_approves_a_letter(page: Any, world: World, size: str, aws: Any) -> None:
    from local import standins
    from relance.store.names import documents_bucket_name

    standins.ensure_resources(aws, os.environ["RELANCE_TABLE"], [documents_bucket_name()])
    task = _letter_task(world, size)
    sign_in(page, world, "admin")
    _tab(page, "Courriers à valider")
    name = task["recipient"]["name"]
    letter = page.locator("li.letter").filter(has=page.get_by_role("link", name=name, exact=True))
    expect(letter).to_have_count(1)
    expect(letter).to_contain_text("Mise en demeure")
    expect(letter.locator("address")).to_contain_text(task["recipient"]["address"][-2])
    expect(page.locator("li.task").filter(has_text="Script d’appel")).to_have_count(0)
    # Read it first: the letter as it will be posted, opened from a signed S3 link.
    signed = page.context.expect_event("request", lambda r: "X-Amz-Signature=" in r.url)
    with page.expect_popup() as popup, signed:
        letter.get_by_role("button", name="Voir le courrier").click()
    popup.value.close()
    path = f"/customers/{task['company']}/{task['customer']}/actions/{task['as_of']}_{task['step']}"
    status, link = call(world, "cfo", "GET", f"{path}/document")
    assert status == 200 and link["content_type"] == "application/pdf"
    with urllib.request.urlopen(link["url"]) as answer:
        assert answer.read(4) == b"%PDF"
    letter.get_by_role("button", name="Valider : courrier posté").click()

    expect(page.get_by_role("status").filter(has_text="Courrier traité.")).to_be_visible()
    expect(letter).to_have_count(0)
    _, done = call(world, "admin", "GET", "/tasks?status=done")
    assert task["key"] in {t["key"] for t in done["items"]}


def _with_r2_due(world: World, size: str) -> dict[str, Any]:
    """A customer whose R2 is forced for today (an override): tonight's run would send it."""
    for row in _overdue(world)[list(SIZES).index(size) + 12 :: len(SIZES)]:
        base = f"/customers/{row['company']}/{row['number']}"
        status, override = call(
            world,
            "admin",
            "POST",
            f"{base}/overrides",
            {"step": "R2", "on": world.as_of.isoformat()},
        )
        assert status == 201, override
        body = {"company": row["company"], "customers": [row["number"]]}
        _, preview = call(world, "admin", "POST", "/dunning/preview", body)
        if any(c["by_step"].get("R2") for c in preview["companies"]):
            return row
        call(world, "admin", "DELETE", f"{base}/overrides/{override['override_id']}")
    raise AssertionError("no customer can take an R2 today")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_mass_action_by_step_previews_then_runs_after_confirmation(
    page: Any, world: World, size: str
) -> None:
    row = _with_r2_due(world, size)
    _, everything = call(world, "admin", "POST", "/dunning/preview", {})
    chosen = [
        p
        for c in everything["companies"]
        for p in c["preview"]
        if any(a["step"] == "R2" for a in p["actions"])
    ]
    sign_in(page, world, "admin")
    _tab(page, "Actions groupées")
    page.get_by_label("Étape du scénario").select_option("R2")
    page.get_by_role("button", name="Prévisualiser").click()
    preview = page.get_by_test_id("dry-run")
    r2 = sum(1 for p in chosen for a in p["actions"] if a["step"] == "R2")
    expect(preview.locator("tr[data-key=R2] td").first).to_have_text(str(r2))
    expect(preview).to_contain_text(f"Clients concernés ({len(chosen)})")

    page.get_by_role("button", name="Lancer maintenant…").click()
    dialog = page.get_by_role("alertdialog", name="Confirmer l’envoi")
    expect(dialog).to_contain_text(f"pour {len(chosen)} client(s)")
    dialog.get_by_role("button", name="Oui, lancer").click()
    expect(page.get_by_role("status").filter(has_text="lancée(s)")).to_be_visible()
    body = {"company": row["company"], "customers": [row["number"]]}
    _, again = call(world, "admin", "POST", "/dunning/preview", body)
    assert not any(c["by_step"].get("R2") for c in again["companies"]), "it went: nothing left"


@pytest.mark.parametrize("size", ["tablet"])
def test_a_viewer_previews_but_cannot_approve_nor_run(page: Any, world: World, size: str) -> None:
    _letter_task(world, size)
    sign_in(page, world, "cfo")
    _tab(page, "Courriers à valider")
    # A viewer's list is its own tasks (GET /tasks): the pool of letters is not shown.
    expect(page.get_by_role("status").filter(has_text="courrier(s) à valider")).to_be_visible()
    expect(page.get_by_role("button", name="Valider : courrier posté")).to_have_count(0)
    _tab(page, "Actions groupées")
    page.get_by_role("button", name="Prévisualiser").click()
    expect(page.get_by_text("Lecture seule : prévisualisation seulement.")).to_be_visible()
    expect(page.get_by_role("button", name="Lancer maintenant…")).to_have_count(0)
    status, _ = call(world, "cfo", "POST", "/dunning/runs", {})
    assert status == 403


@pytest.mark.parametrize("size", ["desktop"])
def test_the_reminders_sent_export_to_csv_and_excel(
    page: Any, world: World, size: str, tmp_path: Path
) -> None:
    _, listed = call(world, "admin", "GET", "/reminders?limit=200")
    sign_in(page, world, "admin")
    page.get_by_role("navigation", name="Navigation").get_by_role(
        "link", name="Relances envoyées"
    ).click()
    expect(page.get_by_role("heading", name="Relances envoyées", level=1)).to_be_visible()
    expect(page.locator("table.reminders-sent tbody tr")).to_have_count(len(listed["reminders"]))
    with page.expect_download() as got:
        page.get_by_role("button", name="Exporter en CSV").click()
    sheet = got.value.path().read_text(encoding="utf-8-sig")
    assert got.value.suggested_filename.startswith("relances-")
    assert sheet.startswith("Envoyée le;Société;Client")
    with page.expect_download() as got:
        page.get_by_role("button", name="Exporter en Excel").click()
    assert got.value.suggested_filename.endswith(".xlsx")
    assert got.value.path().read_bytes()[:2] == b"PK", "a workbook is a zip"


@pytest.mark.parametrize("size", ["desktop"])
def test_the_customer_list_exports_every_page_of_its_filter(
    page: Any, world: World, size: str
) -> None:
    _, first = call(world, "admin", "GET", "/customers?overdue_only=true&limit=1")
    sign_in(page, world, "admin")
    page.goto(f"{world.url}/app/#/customers?overdue_only=true")
    expect(page.get_by_role("status").filter(has_text="clients")).to_be_visible()
    with page.expect_download() as got:
        page.get_by_role("button", name="Exporter (CSV pour Excel)").click()
    rows = list(
        csv.reader(io.StringIO(got.value.path().read_text(encoding="utf-8-sig")), delimiter=";")
    )
    assert rows[0][:3] == ["Société", "Code", "Nom"]
    # Written by the API (GET /customers?format=csv): every row, then the total.
    assert len(rows) - 2 == first["total_count"]
    assert rows[-1][0] == f"Total ({first['total_count']} clients)"
    assert all("," in r[4] or r[4].isdigit() for r in rows[1:]), "French decimals"
    with page.expect_download() as got:
        page.get_by_role("button", name="Exporter en Excel").click()
    assert got.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(got.value.path().read_bytes())).active
    assert sheet is not None and sheet.max_row - 2 == first["total_count"]
    assert isinstance(sheet.cell(row=2, column=5).value, (int, float)), "a real number"


def _sent_email(world: World, aws: Any) -> tuple[dict[str, Any], str]:
    """An individual reminder by email issued now and sent by the real dispatch (the world
    has no dispatcher): its row and the id of its action."""
    from local import standins
    from local.nightly import run_dispatch
    from relance.store.names import default_sender, documents_bucket_name

    standins.ensure_resources(aws, os.environ["RELANCE_TABLE"], [documents_bucket_name()])
    standins.ensure_sending(aws, [default_sender()])
    for row in _overdue(world):
        if not row.get("email"):
            continue
        path = f"/customers/{row['company']}/{row['number']}/reminders"
        for step in ("R2", "R3", "R4"):
            status, answer = call(world, "admin", "POST", path, {"step": step})
            if status == 201 and sum(c["queued"] for c in answer["companies"]):
                # In a thread: the dispatch runs its own event loop, Playwright holds this one.
                worker = threading.Thread(target=run_dispatch)
                worker.start()
                worker.join(60)
                return row, f"{answer['as_of']}_{step}"
    raise AssertionError("no customer could get an email reminder now")


@pytest.mark.parametrize("size", ["phone"])
def test_the_card_opens_a_reminders_stored_document(
    page: Any, world: World, size: str, aws: Any
) -> None:
    row, action_id = _sent_email(world, aws)
    sign_in(page, world, "admin")
    page.goto(f"{world.url}/app/#/customers/{row['company']}/{row['number']}")
    reminders = page.locator("section", has=page.locator("#reminders-title"))
    # A new tab goes straight to S3 with a signed link (no token); an .eml is downloaded.
    signed = page.context.expect_event("request", lambda r: "X-Amz-Signature=" in r.url)
    with page.expect_popup(), signed as request:
        reminders.get_by_role("button", name="Voir l’e-mail envoyé").first.click()
    assert row["number"] in request.value.url
    path = f"/customers/{row['company']}/{row['number']}/actions/{action_id}/document"
    status, link = call(world, "cfo", "GET", path)  # a viewer reads it too
    assert status == 200 and link["content_type"] == "message/rfc822"
    with urllib.request.urlopen(link["url"]) as answer:
        assert b"Subject:" in answer.read()
