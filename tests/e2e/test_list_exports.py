"""The list screens' export menu (K5): the file the browser downloads holds the rows the
screen's list holds, as the API writes them."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from bench.web import World
from tests.e2e.conftest import call, sign_in

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("size", ["desktop"])
def test_the_tasks_export_menu_downloads_the_listed_tasks(
    page: Any, world: World, size: str
) -> None:
    _, listed = call(world, "admin", "GET", "/tasks?status=to_do")
    tasks = listed["items"]
    sign_in(page, world, "admin")
    page.goto(f"{world.url}/app/#/tasks")
    menu = page.get_by_role("group", name="Exporter la liste")
    expect(menu).to_be_visible()
    with page.expect_download() as got:
        menu.get_by_role("button", name="CSV standard").click()
    assert got.value.suggested_filename.startswith("taches-")
    rows = list(csv.DictReader(io.StringIO(got.value.path().read_text(encoding="utf-8"))))
    assert [(r["company"], r["customer"], r["step"]) for r in rows] == [
        (t["company"], t["customer"], t["step"]) for t in tasks
    ]
    with page.expect_download() as got:
        menu.get_by_role("button", name="Classeur Excel").click()
    sheet = load_workbook(io.BytesIO(got.value.path().read_bytes())).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("Date de la relance", "Société", "Client")
    assert [v[2] for v in values[1 : 1 + len(tasks)]] == [t["customer"] for t in tasks]
