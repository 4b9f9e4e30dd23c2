"""User routes (Cognito-authenticated). Thin: each concern is a router in relance.api.routes.

Cold start (docs/decisions.md, "The API function's cold start"): a Lambda container serves
requests of every kind, but its first request needs one router, so the resolver is built at
the first request with only the routers that can serve that request's path (ROUTERS), and
the others join when a request needs them. A request the routers loaded so far cannot serve
loads them all first: a missing or wrong entry in ROUTERS costs time, never a different
answer. Where the container is initialised off the request path (provisioned concurrency,
SnapStart), everything is built at import instead.
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router

from relance.api.http import body_not_an_object, install_error_handlers, json_response, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

API_TITLE = "Relance API"
API_VERSION = "1.0.0"

# The routers of relance.api.routes, in the order the OpenAPI document lists them.
ALL_ROUTERS = (
    "sync",
    "users",
    "receivables",
    "portfolios",
    "settings",
    "followup",
    "dunning_config",
    "worklist",
    "templates",
    "reminders",
    "personal_data",
    "cash",
    "portal_links",
    "dso",
)
# Which routers serve a path, by its leading segments ("*": any one segment); the longest
# pattern that matches wins. tests/integration/test_api_cold_start.py checks every route.
ROUTERS: dict[str, tuple[str, ...]] = {
    "customers": ("receivables",),  # the list and the card
    "dashboard": ("receivables",),
    "customers/*/*/disputes": ("followup",),
    "customers/*/*/promises": ("followup",),
    "customers/*/*/comments": ("followup",),
    "customers/*/*/details": ("followup",),
    "customers/*/*/items": ("followup",),
    "customers/*/*/stops": ("dunning_config",),
    "customers/*/*/overrides": ("dunning_config",),
    "customers/*/*/profile": ("dunning_config",),
    "customers/*/*/reminders": ("worklist",),
    "customers/*/*/actions": ("worklist",),
    "settings/dispute-reasons": ("followup",),
    "settings/custom-fields": ("followup",),
    "settings/dunning": ("dunning_config",),
    "settings/dunning-run": ("dunning_config",),
    "settings/penalty-rates": ("dunning_config",),
    "settings/cash-objectives": ("cash",),
    "settings/daily-report": ("cash",),
    "settings/company": ("templates",),
    "settings/email-sender": ("templates",),
    "templates": ("templates",),
    "reminders": ("reminders",),
    "me": ("users",),
    "me/settings": ("settings",),
    "users": ("users",),
    "users/*/portfolio": ("portfolios",),
    "tasks": ("worklist",),
    "alerts": ("worklist",),
    "dunning": ("worklist",),
    "sync-requests": ("sync",),
    "sync-runs": ("sync",),
    "controls": ("sync",),
    "access-log": ("personal_data",),
    "personal-data": ("personal_data",),
    "settings/dso": ("dso",),
    "dso": ("dso",),
    "compliance": ("dso",),
    "customers/*/*/portal-links": ("portal_links",),
    "settings/portal": ("portal_links",),
    "openapi.json": ALL_ROUTERS,
}
_PATTERNS = sorted(
    ((pattern.split("/"), names) for pattern, names in ROUTERS.items()),
    key=lambda entry: -len(entry[0]),
)


def routers_for(path: str) -> tuple[str, ...]:
    """The routers that serve `path`; all of them for a path no pattern names."""
    segments = path.strip("/").split("/")
    for pattern, names in _PATTERNS:
        if len(segments) >= len(pattern) and all(
            want in ("*", got) for want, got in zip(pattern, segments, strict=False)
        ):
            return names
    return ALL_ROUTERS


docs = Router()


@docs.get(
    "/openapi.json",
    responses={
        200: {
            "description": "This document",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def openapi() -> Any:
    """The OpenAPI 3 document of this API, generated from the routes themselves."""
    return json_response(200, json.loads(openapi_document()))


class LazyApp:
    """The resolver, built at the first request, and the routers it has so far."""

    def __init__(self) -> None:
        self._app: APIGatewayRestResolver | None = None
        self.loaded: set[str] = set()

    def serving(self, method: str, path: str) -> APIGatewayRestResolver:
        """The resolver, with the routers that serve `method path` loaded."""
        app = self._resolver()
        if "docs" in self.loaded:  # every router is in
            return app
        self.load(routers_for(path))
        if not _serves(app, method, path):
            self.load(ALL_ROUTERS)  # not in ROUTERS, or wrongly: the full app decides
        return app

    def load(self, names: tuple[str, ...]) -> None:
        app = self._resolver()
        for name in names:
            if name not in self.loaded:
                app.include_router(import_module(f"relance.api.routes.{name}").router)
                self.loaded.add(name)
        if len(self.loaded) == len(ALL_ROUTERS) and "docs" not in self.loaded:
            app.include_router(docs)
            self.loaded.add("docs")

    def _resolver(self) -> APIGatewayRestResolver:
        if self._app is None:
            # Validation on: bodies and query strings declared on the routes are checked by
            # Powertools and written into the OpenAPI document (422s keep our error shape).
            self._app = APIGatewayRestResolver(enable_validation=True)
            install_error_handlers(self._app)
        return self._app


def _serves(app: APIGatewayRestResolver, method: str, path: str) -> bool:
    routes = (*app._static_routes, *app._dynamic_routes)
    return any(route.method == method and route.rule.match(path) for route in routes)


api = LazyApp()


@cache
def full_app() -> APIGatewayRestResolver:
    """A resolver with every route, in the document's order (whatever `api` loaded)."""
    complete = LazyApp()
    complete.load(ALL_ROUTERS)
    return complete._resolver()


def __getattr__(name: str) -> Any:
    """`app`: every route, for the tools and tests that list them (the infra's route check);
    requests go through `api`."""
    if name == "app":
        return full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def openapi_document() -> str:
    return full_app().get_openapi_json_schema(title=API_TITLE, version=API_VERSION)


if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in ("provisioned-concurrency", "snap-start"):
    api.load(ALL_ROUTERS)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    refused = body_not_an_object(event)
    if refused is not None:
        return refused
    method, path = str(event.get("httpMethod") or "").upper(), str(event.get("path") or "/")
    return api.serving(method, path).resolve(event, context)
