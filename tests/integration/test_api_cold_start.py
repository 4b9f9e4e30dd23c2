"""The API function's cold start: a first request loads the routers its path needs, and a
path the table does not know is still answered as the full app would answer it."""

from __future__ import annotations

import importlib.util
import json
import re
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def cold_handler() -> ModuleType:
    """A fresh copy of functions/api/handler.py, as a new Lambda container imports it."""
    name = f"_fn_api_cold_{secrets.token_hex(4)}"
    spec = importlib.util.spec_from_file_location(name, ROOT / "functions/api/handler.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def example_path(rule: str) -> str:
    return re.sub(r"<\w+>", "x1", rule)


def test_every_route_is_served_by_the_routers_its_path_names_and_by_no_other() -> None:
    handler = cold_handler()
    app = handler.full_app()
    routes = [*app._static_routes, *app._dynamic_routes]
    assert len(routes) > 50
    for route in routes:
        home = route.func.__module__.rsplit(".", 1)[-1]
        path = example_path(route.path)
        if route.func.__module__ != handler.__name__:  # /openapi.json: its entry names all
            assert home in handler.routers_for(path), (route.method, route.path)
        servers = {
            other.func.__module__
            for other in routes
            if other.method == route.method and other.rule.match(path)
        }
        assert servers == {route.func.__module__}, (route.method, route.path, servers)


def _event(method: str, path: str, claims: dict[str, Any]) -> dict[str, Any]:
    from local.devserver import rest_event

    return rest_event(method, path, {"Accept": "application/json"}, b"", claims)


def _context() -> Any:
    from local.devserver import LambdaContextStandIn

    return LambdaContextStandIn("api")


def test_a_first_request_loads_its_router_only_and_an_unknown_path_loads_them_all(
    aws: object, local_keys: Any
) -> None:
    tenant, now = f"t-{secrets.token_hex(4)}", datetime.now(UTC)
    token = local_keys.issue(
        tenant=tenant, role="admin", user_id="u-cold", email="cold@example.fr", now=now
    )
    claims = local_keys.verify(token)
    handler = cold_handler()
    assert handler.api.loaded == set()

    answer = handler.handler(_event("GET", "/me/settings", claims), _context())
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["language"] == "fr"
    assert handler.api.loaded == {"settings"}

    # Not in the table (the full app has no such route either): every router is loaded
    # before the answer, which is then the full app's 404.
    missing = handler.handler(_event("GET", "/nowhere", claims), _context())
    assert missing["statusCode"] == 404
    assert handler.api.loaded == {*handler.ALL_ROUTERS, "docs"}
    again = handler.handler(_event("GET", "/users", claims), _context())
    assert again["statusCode"] == 200
