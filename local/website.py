"""The browser app and a LOCAL-ONLY sign-in, served by the dev server beside the API.

- `/` redirects to `/app/`; `/app/<file>` serves web/ (index.html for `/app/`), with its
  content type, an ETag (a revalidation answers 304, no body), gzip when the browser takes
  it (as CloudFront does), `no-cache` on the app's own files (a changed module is never
  served stale) and a day's max-age on the pinned libraries under vendor/.
- `/app/config.json` tells the app where the API is and how to sign in (`auth: local`).
- `/local/sign-in` STANDS IN FOR COGNITO, here only: GET lists the tenant's active users
  (the demo's logins), POST {"email": ...} answers a token from LocalKeys for that user,
  with the role it has in the user directory. No password: it is a local demo and test
  device. Nothing of it exists in the Lambda code; in AWS the app signs in with Cognito.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from relance.auth.tokens import LocalKeys

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
TOKEN_HOURS = 12
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
COMPRESSIBLE = (".html", ".js", ".mjs", ".css", ".json", ".svg")

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class _File:
    body: bytes
    gzipped: bytes | None
    etag: str
    mtime: float


@dataclass
class WebSite:
    """What the dev server answers before the API: the app, its config, the sign-in."""

    keys: LocalKeys
    tenant: str  # the tenant whose users may sign in here
    root: Path = WEB
    _cache: dict[Path, _File] = field(default_factory=dict)

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> Answer | None:
        path = urlsplit(raw_path).path
        if path in ("/", "/app"):
            return 302, {"Location": "/app/", "Content-Type": "text/plain"}, b"/app/"
        if path in ("/portal", "/portal/") and method in ("GET", "HEAD"):
            # The customer portal's page (web/portal/) sits beside the app, as in AWS; the
            # browser keeps the link's #t=token fragment across the redirect, and never
            # sends it here. /portal/<anything else> is the portal's API.
            page = "/app/portal/index.html"
            return 302, {"Location": page, "Content-Type": "text/plain"}, page.encode()
        if path == "/local/sign-in":
            if method == "POST":
                return self.sign_in(body)
            if method == "GET":
                return _json(200, {"tenant": self.tenant, "users": self.logins()})
            return _json(405, _error("method_not_allowed", "GET or POST.", "GET ou POST."))
        if path.startswith("/app/") and method in ("GET", "HEAD"):
            if path == "/app/config.json":
                return _json(200, self.config(), cache="no-cache")
            return self.static(path.removeprefix("/app/") or "index.html", headers)
        return None

    def config(self) -> dict[str, Any]:
        return {"api": "", "auth": "local", "signIn": "/local/sign-in"}

    # -- the sign-in stand-in -----------------------------------------------------------
    def _users(self) -> list[Any]:
        from relance.services.wiring import user_service

        return [u for u in user_service().users.list_users(self.tenant) if u.active]

    def logins(self) -> list[dict[str, str]]:
        return [
            {"email": u.email, "display_name": u.display_name, "role": u.role}
            for u in self._users()
        ]

    def sign_in(self, body: bytes) -> Answer:
        try:
            email = str(json.loads(body or b"{}").get("email", "")).strip().lower()
        except (ValueError, AttributeError):
            email = ""
        if not email:
            return _json(
                422, _error("email_required", "Give an e-mail address.", "Indiquez un e-mail.")
            )
        user = next((u for u in self._users() if u.email.lower() == email), None)
        if user is None:
            return _json(
                401,
                _error(
                    "unknown_user",
                    "No active user has this e-mail address.",
                    "Aucun utilisateur actif n'a cette adresse e-mail.",
                ),
            )
        token = self.keys.issue(
            tenant=self.tenant,
            role=user.role,
            user_id=user.user_id,
            email=user.email,
            now=datetime.now(UTC),
            hours=TOKEN_HOURS,
        )
        return _json(200, {"token": token, "expires_in": TOKEN_HOURS * 3600})

    # -- static files --------------------------------------------------------------------
    def static(self, relative: str, headers: dict[str, str]) -> Answer:
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root.resolve()) or not target.is_file():
            return 404, {"Content-Type": "text/plain"}, b"Not Found"
        file = self._load(target)
        cache = "public, max-age=86400" if relative.startswith("vendor/") else "no-cache"
        out = {"ETag": file.etag, "Cache-Control": cache, "Vary": "Accept-Encoding"}
        if _header(headers, "If-None-Match") == file.etag:
            return 304, out, b""
        out["Content-Type"] = TYPES.get(target.suffix) or (
            mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        )
        out["X-Content-Type-Options"] = "nosniff"
        if file.gzipped is not None and "gzip" in _header(headers, "Accept-Encoding"):
            out["Content-Encoding"] = "gzip"
            return 200, out, file.gzipped
        return 200, out, file.body

    def _load(self, target: Path) -> _File:
        mtime = target.stat().st_mtime
        cached = self._cache.get(target)
        if cached is None or cached.mtime != mtime:
            body = target.read_bytes()
            packed = gzip.compress(body, 6) if target.suffix in COMPRESSIBLE else None
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            cached = self._cache[target] = _File(body, packed, etag, mtime)
        return cached


def _header(headers: dict[str, str], name: str) -> str:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), "")


def _error(code: str, message: str, message_fr: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "message_fr": message_fr}}


def _json(status: int, body: Any, cache: str = "no-store") -> Answer:
    return (
        status,
        {"Content-Type": "application/json", "Cache-Control": cache},
        json.dumps(body).encode(),
    )
