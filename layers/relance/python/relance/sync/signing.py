"""Request signing between a relay (connector) and Relance.

The relay signs each request with its connector's secret: HMAC-SHA256 over the method, the
path, a timestamp and the SHA-256 of the body. The server refuses a bad signature and any
request whose timestamp is more than five minutes away from its clock (replays).
Pure: the clock is a parameter.
"""

from __future__ import annotations

import hashlib
import hmac

KEY_ID_HEADER = "X-Relance-Key-Id"
TIMESTAMP_HEADER = "X-Relance-Timestamp"
SIGNATURE_HEADER = "X-Relance-Signature"
MAX_SKEW_SECONDS = 300


class SignatureError(Exception):
    """Why a signed request was refused (the message is safe to return to the caller)."""


def string_to_sign(method: str, path: str, timestamp: int, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path}\n{timestamp}\n{digest}".encode()


def sign(secret: str, method: str, path: str, timestamp: int, body: bytes) -> str:
    return hmac.new(
        secret.encode(), string_to_sign(method, path, timestamp, body), hashlib.sha256
    ).hexdigest()


def signed_headers(
    key_id: str, secret: str, method: str, path: str, body: bytes, now: int
) -> dict[str, str]:
    return {
        KEY_ID_HEADER: key_id,
        TIMESTAMP_HEADER: str(now),
        SIGNATURE_HEADER: sign(secret, method, path, now, body),
    }


def verify(
    secret: str, method: str, path: str, body: bytes, timestamp: str, signature: str, now: int
) -> None:
    """Raise SignatureError unless the request is fresh and signed with this secret."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        raise SignatureError("timestamp missing or not an integer") from None
    if abs(now - ts) > MAX_SKEW_SECONDS:
        raise SignatureError("request expired: timestamp more than 5 minutes from server time")
    expected = sign(secret, method, path, ts, body)
    if not hmac.compare_digest(expected, signature or ""):
        raise SignatureError("bad signature")
