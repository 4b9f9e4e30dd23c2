"""The relay's HTTP client: signed requests, gzip bodies, bounded retries.

Standard library only (the relay runs on customers' Windows servers: fewer wheels, fewer
surprises). The network is a `Transport`, so a caller can route requests elsewhere (an
in-process API in tests); the default goes through urllib.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from http.client import HTTPException
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from relance.sync.protocol import KeysBatch, RecordsBatch, RunFinish, RunStart, encode_body
from relance.sync.signing import signed_headers

USER_AGENT = "relance-relay/0.1"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


class TransportError(Exception):
    """The request did not get an HTTP answer (connection refused, DNS, timeout...)."""


class Transport(Protocol):
    def __call__(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: float
    ) -> HttpResponse: ...


def urllib_transport(
    method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: float
) -> HttpResponse:
    request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpResponse(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as exc:  # an HTTP answer, just not a 2xx
        return HttpResponse(exc.code, exc.read(), dict(exc.headers or {}))
    except (urllib.error.URLError, OSError, HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise TransportError(str(reason)) from exc


class RelayError(Exception):
    """A request the server refused, or that could not get through after all retries."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        message_fr: str = "",
        server_time: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.message_fr = message_fr or message
        self.server_time = server_time  # from the Date header, to diagnose clock skew

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status is not None else "no answer"
        return f"{self.message} ({self.code + ', ' if self.code else ''}{where})"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with jitter: half fixed, half random, so many relays that
        failed together do not come back together."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2**attempt)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def _retryable(status: int) -> bool:
    return status in (408, 429) or status >= 500


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    request_id: str
    mode: str = "incremental"
    requested_at: datetime | None = None


class RelayState(BaseModel):
    model_config = ConfigDict(extra="ignore")
    watermarks: dict[str, dict[str, datetime]] = Field(default_factory=dict)
    sync_requested: SyncRequest | None = None


class BatchAck(BaseModel):
    model_config = ConfigDict(extra="ignore")
    batch_id: str
    status: str
    written: int = 0


class RelayClient:
    def __init__(
        self,
        api_url: str,
        key_id: str,
        secret: str,
        *,
        transport: Transport | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = api_url.rstrip("/")
        self.key_id = key_id
        self._secret = secret
        self.transport: Transport = transport or urllib_transport
        self.retry = retry or RetryPolicy()
        self.timeout_s = timeout_s
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()

    # --- routes --------------------------------------------------------------------------

    def get_state(self) -> RelayState:
        return RelayState.model_validate(self.request("GET", "/relay/state"))

    def start_run(self, start: RunStart) -> str:
        answer = self.request("POST", "/relay/runs", encode_body(start))
        return str(answer.get("run_id", start.run_id))

    def send_batch(self, batch: RecordsBatch | KeysBatch, body: bytes | None = None) -> BatchAck:
        """POST a batch; `body` is its encode_body() when the caller already has it."""
        answer = self.request("POST", "/relay/batches", body or encode_body(batch))
        return BatchAck.model_validate(answer)

    def finish_run(self, finish: RunFinish) -> dict[str, Any]:
        return self.request("POST", f"/relay/runs/{finish.run_id}/finish", encode_body(finish))

    # --- the mechanics -------------------------------------------------------------------

    def request(self, method: str, path: str, body: bytes | None = None) -> dict[str, Any]:
        """Send, retrying transient failures; the decoded JSON answer of a 2xx."""
        url = self.base_url + path
        last: RelayError | None = None
        retry_after = 0.0
        for attempt in range(self.retry.attempts):
            if attempt:
                delay = self.retry.delay(attempt - 1, self.rng)
                self.sleep(min(self.retry.max_delay_s, max(delay, retry_after)))
            # Signed on each attempt: the timestamp must stay within the replay window.
            headers = {
                **signed_headers(
                    self.key_id, self._secret, method, path, body or b"", int(self.clock())
                ),
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            }
            if body is not None:
                headers["Content-Type"] = "application/gzip"
            try:
                response = self.transport(method, url, headers, body, self.timeout_s)
            except (TransportError, TimeoutError) as exc:
                host = urlsplit(url).netloc
                last = RelayError(
                    f"API unreachable at {host}: {exc}",
                    code="unreachable",
                    message_fr=f"API injoignable ({host}) : {exc}",
                )
                retry_after = 0.0
                continue
            if 200 <= response.status < 300:
                return _json_object(response.body)
            error = _error_from(response)
            if not _retryable(response.status):
                raise error
            last = error
            retry_after = _retry_after(response.headers)
        assert last is not None
        raise last


def _json_object(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    data = json.loads(body)
    return data if isinstance(data, dict) else {"data": data}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _retry_after(headers: Mapping[str, str]) -> float:
    """Seconds the server asked us to wait (429/503), 0 when it did not say."""
    try:
        return max(0.0, float(_header(headers, "retry-after") or 0))
    except ValueError:
        return 0.0


def _server_time(headers: Mapping[str, str]) -> datetime | None:
    value = _header(headers, "date")
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def _error_from(response: HttpResponse) -> RelayError:
    """The server's own words when it gave some: {"error": {"code", "message", "message_fr"}}."""
    code, message, message_fr = "", "", ""
    try:
        data = json.loads(response.body) if response.body else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            code = str(error.get("code") or "")
            message = str(error.get("message") or "")
            message_fr = str(error.get("message_fr") or "")
        elif isinstance(data.get("message"), str):  # API Gateway's own refusals
            message = data["message"]
    if not message:
        text = response.body[:200].decode("utf-8", "replace").strip()
        message = text or f"HTTP {response.status}"
    return RelayError(
        message,
        status=response.status,
        code=code,
        message_fr=message_fr,
        server_time=_server_time(response.headers),
    )
