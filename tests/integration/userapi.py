"""Calling the user API over HTTP as somebody: a signed-in user of some tenant and role."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any


def user_request(
    api_url: str,
    keys: Any,
    tenant: str,
    role: str,
    method: str,
    path: str,
    body: Any = None,
    user_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """(status, body text) of one request with a fresh token for that tenant and role."""
    token = keys.issue(
        tenant=tenant,
        role=role,
        user_id=user_id or f"u-{role}",
        email=f"{role}@exemple.fr",
        now=datetime.now(UTC),
    )
    request = urllib.request.Request(
        api_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as err:
        return int(err.code), err.read().decode()


def user_json(*args: Any, **kwargs: Any) -> tuple[int, Any]:
    """The same, with the body parsed as JSON."""
    status, text = user_request(*args, **kwargs)
    return status, json.loads(text)
