"""Browser tests: Debian's Chromium driven by Playwright against the real local API.

One world for the session: a tenant synced from a generated Sage company through the
relay, its demo users and tonight's dunning run, served with the app by the dev server
(bench/web.py serve_world). Each test opens its own browser context (a fresh session
storage: a fresh sign-in) at one of three sizes, and works on customers no other test
touches.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.web import CHROMIUM, CHROMIUM_ARGS, World, serve_world

SIZES = {"desktop": (1280, 800), "tablet": (820, 1180), "phone": (360, 740)}
COMPANIES = {"BIJOU": (60, 1500)}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing: `make setup` installs Debian's chromium"
    )
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def world(store: Any, local_keys: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = Path(tmp_path_factory.mktemp("web-world"))
    with serve_world(store, local_keys, folder, COMPANIES) as served:
        yield served


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One Chromium for the browser tests, stopped when they are done: Playwright's sync
    API keeps an event loop running in the main thread while it lives, and code under test
    elsewhere (the dispatch's batch processor) runs its own with asyncio.run()."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page(browser: Any, size: str) -> Iterator[Any]:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    context.set_default_timeout(10_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda err: errors.append(str(err)))
    yield opened
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


def sign_in(page: Any, world: World, persona: str) -> None:
    """What a user does: the sign-in form, then the dashboard."""
    page.goto(world.url + "/")
    page.get_by_label("E-mail").fill(world.logins[persona])
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Tableau de bord", level=1).wait_for()


def token(world: World, persona: str) -> str:
    """A token from the local sign-in stand-in, as the app gets one."""
    request = urllib.request.Request(
        world.url + "/local/sign-in",
        data=json.dumps({"email": world.logins[persona]}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        return str(json.loads(answer.read())["token"])


def call(world: World, persona: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """The API as that user, outside the browser (to choose data, and to check refusals)."""
    request = urllib.request.Request(
        world.url + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": f"Bearer {token(world, persona)}",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return int(answer.status), json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as err:
        return int(err.code), json.loads(err.read() or b"null")
