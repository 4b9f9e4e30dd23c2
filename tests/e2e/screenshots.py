"""`make screenshots`: the dashboard, a customer card, my actions and the scenario editor
(with its dry run) at desktop and phone sizes, on a world like `make demo`'s, into
.local/screenshots/ (git-ignored). A few are copied by hand into docs/screenshots/ for the
README."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.web import CHROMIUM, CHROMIUM_ARGS, DEMO_COMPANIES, World, standalone_world

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = ROOT / ".local" / "screenshots"
SIZES = {"desktop": (1280, 800), "phone": (360, 740)}


def _api(world: World, token: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        world.url + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read() or b"null")


def _sign_in_token(world: World, persona: str) -> str:
    request = urllib.request.Request(
        world.url + "/local/sign-in",
        data=json.dumps({"email": world.logins[persona]}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        return str(json.loads(answer.read())["token"])


def _a_busy_card(world: World, token: str) -> str:
    """A top debtor with a promise, a comment and a watch flag: a card with a story."""
    board = _api(world, token, "GET", "/dashboard")
    row = next(r for r in board["top_debtors"] if r["overdue"] != "0")
    base = f"/customers/{row['company']}/{row['number']}"
    promised = (world.as_of + timedelta(days=10)).isoformat()
    _api(world, token, "POST", f"{base}/promises", {"amount": "1500.00", "promised_date": promised})
    _api(
        world,
        token,
        "POST",
        f"{base}/comments",
        {"text": "Appelé le comptable : virement en cours de validation."},
    )
    card = _api(world, token, "GET", base)
    _api(world, token, "PUT", f"{base}/details", {**card["details"], "flagged": True})
    return base


def main() -> None:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium")
    OUT.mkdir(parents=True, exist_ok=True)
    with standalone_world(DEMO_COMPANIES) as world, sync_playwright() as pw:
        card = _a_busy_card(world, _sign_in_token(world, "admin"))
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for name, (width, height) in SIZES.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(world.url + "/")
            page.get_by_label("E-mail").fill(world.logins["admin"])
            page.get_by_role("button", name="Se connecter").click()
            page.wait_for_function("performance.getEntriesByName('dashboard-ready').length > 0")
            page.screenshot(path=OUT / f"dashboard-{name}.png", full_page=True)
            page.goto(f"{world.url}/app/#{card}")
            page.locator("section[aria-labelledby=promises-title]").wait_for()
            page.screenshot(path=OUT / f"card-{name}.png", full_page=True)
            page.goto(f"{world.url}/app/#/tasks")
            page.locator("li.task").first.wait_for()
            page.screenshot(path=OUT / f"tasks-{name}.png", full_page=True)
            page.goto(f"{world.url}/app/#/settings/scenarios")
            page.get_by_test_id("dry-run-total").wait_for()
            if name == "desktop":  # notices 30 days ahead: the dry run shows what changes
                notice = page.get_by_role("group", name=re.compile(r"^N1"))
                notice.get_by_label("Jours avant l’échéance").fill("30")
                page.get_by_role("button", name="Enregistrer le paramétrage").click()
                page.get_by_test_id("dry-run").locator("tr[data-key=N1]").wait_for()
                page.evaluate("window.scrollTo(0, 0)")  # the sticky header back on top
            page.screenshot(path=OUT / f"scenarios-{name}.png", full_page=True)
            context.close()
        browser.close()
    for shot in sorted(OUT.glob("*.png")):
        print(shot.relative_to(ROOT))


if __name__ == "__main__":
    main()
