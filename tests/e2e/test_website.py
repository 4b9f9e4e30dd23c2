"""The dev server's web part (local/website.py): the app's files and the local sign-in."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from bench.web import World
from tests.e2e.conftest import call

pytestmark = pytest.mark.integration


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> Any:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        return opener.open(request)
    except urllib.error.HTTPError as err:
        return err


def test_the_root_leads_to_the_app_and_the_app_is_served_with_its_types(world: World) -> None:
    root = fetch(world.url + "/")
    assert (root.status, root.headers["Location"]) == (302, "/app/")
    index = fetch(world.url + "/app/")
    assert index.status == 200
    assert index.headers["Content-Type"] == "text/html; charset=utf-8"
    assert index.headers["Cache-Control"] == "no-cache"
    assert b'<script type="module" src="src/main.js">' in index.read()
    script = fetch(world.url + "/app/src/main.js")
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    library = fetch(world.url + "/app/vendor/preact.mjs")
    assert library.status == 200, "`make web` copies the pinned libraries"
    assert "max-age" in library.headers["Cache-Control"]


def test_a_revalidation_costs_no_body_and_compression_is_offered(world: World) -> None:
    first = fetch(world.url + "/app/app.css", {"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    packed = first.read()
    plain = fetch(world.url + "/app/app.css").read()
    assert len(packed) < len(plain) / 2
    again = fetch(world.url + "/app/app.css", {"If-None-Match": first.headers["ETag"]})
    assert (again.status, again.read()) == (304, b"")


def test_nothing_outside_the_app_folder_is_served(world: World) -> None:
    for path in ("/app/../pyproject.toml", "/app/%2e%2e/pyproject.toml", "/app/nothing.js"):
        assert fetch(world.url + path).status in (401, 404), path


def test_the_local_sign_in_gives_a_token_with_the_users_role(world: World) -> None:
    status, me = call(world, "cfo", "GET", "/me")
    assert (status, me["role"], me["email"]) == (200, "viewer", world.logins["cfo"])
    unknown = fetch(
        world.url + "/local/sign-in",
        {"Content-Type": "application/json"},
        json.dumps({"email": "nobody@example.fr"}).encode(),
    )
    assert unknown.status == 401
    assert json.loads(unknown.read())["error"]["code"] == "unknown_user"
    config = json.loads(fetch(world.url + "/app/config.json").read())
    assert config["auth"] == "local"
