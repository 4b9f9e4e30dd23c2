"""The local API Gateway: HTTP on 127.0.0.1 in, the same Lambda handlers and events out.

Moto cannot run Lambdas without Docker, so this server does what API Gateway does: it
turns each request into a REST proxy event, verifies user JWTs where API Gateway's Cognito
authorizer would (passing the claims in requestContext.authorizer.claims), and calls the
function's real `handler(event, context)`, one request at a time per function — like one
Lambda container. (Copies of the handler module would still share the imported route
modules, whose Powertools routers hold the current request: two requests at once in one
process would read each other's body and caller. Lambda never does that.)
"""

from __future__ import annotations

import base64
import importlib.util
import json
import queue
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from local.website import WebSite
from relance.auth.tokens import LocalKeys
from relance.services.errors import ServiceError

ROOT = Path(__file__).resolve().parent.parent
BINARY_TYPES = ("application/gzip", "application/octet-stream")


@dataclass(frozen=True)
class Route:
    prefix: str
    function: str  # folder under functions/
    user_auth: bool  # True: Cognito-style JWT required, as API Gateway's authorizer does


# First match wins: the relay's signed routes, then every user route (as the CDK app's
# Cognito-authorized methods all go to the api function).
ROUTES = (
    Route("/relay/", "ingest", user_auth=False),
    # The customer portal: its own function, the link's token checked there (K7).
    Route("/portal/", "portal", user_auth=False),
    Route("/", "api", user_auth=True),
)


class LambdaContextStandIn:
    """The attributes Powertools reads from a Lambda context."""

    def __init__(self, function: str) -> None:
        self.function_name = f"relance-{function}"
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-3:000000000000:function:{function}"
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


class FunctionPool:
    """Independent copies of one function's handler module, lent one request at a time."""

    def __init__(self, function: str, size: int) -> None:
        self.function = function
        self.copies: queue.Queue[ModuleType] = queue.Queue()
        for index in range(size):
            self.copies.put(self._load(index))

    def _load(self, index: int) -> ModuleType:
        path = ROOT / "functions" / self.function / "handler.py"
        spec = importlib.util.spec_from_file_location(f"_fn_{self.function}_{index}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # pydantic resolves annotations through it
        spec.loader.exec_module(module)
        return module

    @contextmanager
    def lend(self) -> Iterator[ModuleType]:
        module = self.copies.get()
        try:
            yield module
        finally:
            self.copies.put(module)

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        with self.lend() as module:
            answer: dict[str, Any] = module.handler(event, LambdaContextStandIn(self.function))
            return answer


def rest_event(
    method: str, raw_path: str, headers: dict[str, str], body: bytes, claims: dict[str, Any] | None
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event, as the real one looks."""
    url = urlsplit(raw_path)
    binary = headers.get("Content-Type", "").split(";")[0] in BINARY_TYPES
    query = dict(parse_qsl(url.query)) or None
    return {
        "resource": url.path,
        "path": url.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": url.path,
            "httpMethod": method,
            "path": f"/local{url.path}",
            "stage": "local",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"claims": claims} if claims else None,
        },
        "body": (base64.b64encode(body).decode() if binary else body.decode("utf-8"))
        if body
        else None,
        "isBase64Encoded": binary and bool(body),
    }


class LocalApi:
    def __init__(self, keys: LocalKeys, pool_size: int = 1) -> None:
        self.keys = keys
        self.pools = {fn: FunctionPool(fn, pool_size) for fn in {r.function for r in ROUTES}}

    def route(self, path: str) -> Route | None:
        return next((r for r in ROUTES if path.startswith(r.prefix)), None)

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        route = self.route(urlsplit(raw_path).path)
        if route is None:
            return _json(404, {"message": "Not Found"})
        claims = None
        if route.user_auth:
            token = headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if not token:
                return _json(401, {"message": "Unauthorized"})
            try:
                claims = self.keys.verify(token)
            except ServiceError as err:
                return _json(err.status, err.body())
        answer = self.pools[route.function].invoke(
            rest_event(method, raw_path, headers, body, claims)
        )
        payload = answer.get("body") or ""
        data = base64.b64decode(payload) if answer.get("isBase64Encoded") else payload.encode()
        out_headers = {k: str(v) for k, v in (answer.get("headers") or {}).items()}
        # A REST API answer may carry its headers as lists (Powertools writes them so):
        # API Gateway sends each value; a header here holds one, the last.
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            if values:
                out_headers[name] = str(values[-1])
        return int(answer["statusCode"]), out_headers, data


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def make_server(
    api: LocalApi, host: str = "127.0.0.1", port: int = 0, web: WebSite | None = None
) -> ThreadingHTTPServer:
    """The API on every path; with `web`, also the browser app under /app/ and the local
    sign-in stand-in (local/website.py), both answered before the API's routes."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items()}
            answer = web.handle(self.command, self.path, headers, body) if web else None
            status, out_headers, data = answer or api.handle(self.command, self.path, headers, body)
            self.send_response(status)
            for name, value in out_headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the functions log structured lines themselves

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def serve_in_background(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="local-api")
    thread.start()
    return thread
