"""The relay's HTTP client against a throw-away http.server on 127.0.0.1 (a stand-in for
the network): retries with backoff on 5xx/429/timeouts/refused connections, the server's
error message on a 4xx, signed gzip bodies."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from relance.relay.client import RelayClient, RelayError, RetryPolicy
from relance.sync.protocol import RunStart, decode_body
from relance.sync.signing import (
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    verify,
)

SECRET = "s3cret-for-tests"
Reply = tuple[int, dict[str, str], bytes] | Callable[[], tuple[int, dict[str, str], bytes]]


def sage_time(text: str) -> datetime:
    """Sage datetimes are naive local times (SQL Server datetime has no zone)."""
    return datetime.fromisoformat(text)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool


@dataclass
class Scripted:
    """Answers requests from a script, one reply per request; records what it saw."""

    replies: list[Reply] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)


def _ok(data: object) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps(data).encode()


def _error(status: int, code: str, message: str, message_fr: str, **headers: str) -> Reply:
    body = {"error": {"code": code, "message": message, "message_fr": message_fr}}
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


@pytest.fixture
def server() -> Iterator[tuple[str, Scripted]]:
    script = Scripted()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            # The route path is signed without the deployment prefix ("/prod").
            route = self.path.removeprefix("/prod")
            try:
                verify(
                    SECRET, self.command, route, body,
                    self.headers.get(TIMESTAMP_HEADER, ""),
                    self.headers.get(SIGNATURE_HEADER, ""), int(time.time()),
                )  # fmt: skip
                ok = True
            except SignatureError:
                ok = False
            script.seen.append(Seen(self.command, self.path, dict(self.headers), body, ok))
            reply = script.replies.pop(0) if script.replies else _ok({})
            status, headers, payload = reply() if callable(reply) else reply
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/prod", script
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Sleeps:
    delays: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def client(url: str, sleeps: Sleeps, **kwargs: object) -> RelayClient:
    retry = RetryPolicy(attempts=4, base_delay_s=0.01, max_delay_s=0.05)
    return RelayClient(url, "key-1", SECRET, retry=retry, sleep=sleeps, timeout_s=2, **kwargs)  # type: ignore[arg-type]


def test_signed_request_reaches_the_route_without_the_deployment_prefix(server) -> None:
    url, script = server
    script.replies.append(_ok({"watermarks": {"BIJOU": {"customer": "2024-03-01T10:12:00"}}}))
    state = client(url, Sleeps()).get_state()
    assert state.watermarks["BIJOU"]["customer"] == sage_time("2024-03-01 10:12")
    assert state.sync_requested is None
    (seen,) = script.seen
    assert seen.path == "/prod/relay/state"
    assert seen.signature_ok
    assert seen.headers[KEY_ID_HEADER] == "key-1"


def test_bodies_are_gzip_json_and_signed(server) -> None:
    url, script = server
    script.replies.append(_ok({"run_id": "run-abcdef12"}))
    start = RunStart(
        run_id="run-abcdef12", mode="full", companies=["BIJOU"], started_at=datetime.now(UTC)
    )
    assert client(url, Sleeps()).start_run(start) == "run-abcdef12"
    (seen,) = script.seen
    assert seen.headers["Content-Type"] == "application/gzip"
    assert seen.body[:2] == b"\x1f\x8b"
    assert decode_body(seen.body)["companies"] == ["BIJOU"]  # type: ignore[index]
    assert seen.signature_ok


def test_server_errors_are_retried_with_growing_backoff_and_fresh_signatures(server) -> None:
    url, script = server
    script.replies += [
        _error(503, "unavailable", "try later", "réessayez"),
        _error(502, "bad_gateway", "bad gateway", "passerelle"),
        _ok({"batch_id": "b", "status": "stored", "written": 3}),
    ]
    ticks = iter(range(1_700_000_000, 1_700_000_100))
    sleeps = Sleeps()
    c = client(url, sleeps, clock=lambda: float(next(ticks)))
    ack = c.request("POST", "/relay/batches", b"\x1f\x8b")
    assert ack["status"] == "stored"
    assert len(script.seen) == 3
    # Each attempt carries its own timestamp, hence its own signature.
    assert len({s.headers[TIMESTAMP_HEADER] for s in script.seen}) == 3
    assert len(sleeps.delays) == 2
    assert 0.005 <= sleeps.delays[0] <= 0.01 and 0.01 <= sleeps.delays[1] <= 0.02


def test_429_is_retried_and_retry_after_respected_up_to_the_cap(server) -> None:
    url, script = server
    script.replies += [_error(429, "throttled", "slow down", "ralentissez", **{"Retry-After": "1"})]
    sleeps = Sleeps()
    client(url, sleeps).get_state()
    assert len(script.seen) == 2
    assert sleeps.delays == [0.05]  # Retry-After 1 s, capped by max_delay_s


def test_a_4xx_is_not_retried_and_carries_the_servers_message(server) -> None:
    url, script = server
    script.replies.append(
        _error(400, "invalid_batch", "records[3].amount: not a decimal", "montant invalide")
    )
    sleeps = Sleeps()
    with pytest.raises(RelayError) as caught:
        client(url, sleeps).request("POST", "/relay/batches", b"x")
    err = caught.value
    assert (err.status, err.code) == (400, "invalid_batch")
    assert err.message == "records[3].amount: not a decimal"
    assert err.message_fr == "montant invalide"
    assert "invalid_batch" in str(err) and "HTTP 400" in str(err)
    assert len(script.seen) == 1 and sleeps.delays == []


def test_a_refused_key_says_so(server) -> None:
    url, script = server
    script.replies.append(_error(401, "unauthorized", "bad signature", "signature invalide"))
    with pytest.raises(RelayError) as caught:
        client(url, Sleeps()).get_state()
    assert caught.value.status == 401
    assert caught.value.server_time is not None  # from the Date header: clock skew checks


def test_non_json_errors_still_give_a_message(server) -> None:
    url, script = server
    script.replies.append((404, {"Content-Type": "text/plain"}, b"no such route"))
    with pytest.raises(RelayError, match="no such route"):
        client(url, Sleeps()).get_state()


def test_retries_are_bounded(server) -> None:
    url, script = server
    script.replies += [_error(500, "boom", "internal error", "erreur interne")] * 10
    sleeps = Sleeps()
    with pytest.raises(RelayError) as caught:
        client(url, sleeps).get_state()
    assert caught.value.status == 500
    assert len(script.seen) == 4 and len(sleeps.delays) == 3
    assert max(sleeps.delays) <= 0.05


def test_a_timeout_is_retried(server) -> None:
    url, script = server

    def slow() -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.6)
        return _ok({})  # type: ignore[return-value]

    script.replies += [slow, _ok({"watermarks": {}})]
    sleeps = Sleeps()
    c = client(url, sleeps)
    c.timeout_s = 0.2
    c.get_state()
    assert len(sleeps.delays) == 1


def test_an_unreachable_api_is_reported_after_the_retries() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    with pytest.raises(RelayError) as caught:
        client(f"http://127.0.0.1:{port}", sleeps).get_state()
    assert caught.value.code == "unreachable"
    assert caught.value.status is None
    assert "injoignable" in caught.value.message_fr
    assert len(sleeps.delays) == 3


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    import random

    policy = RetryPolicy(attempts=6, base_delay_s=1.0, max_delay_s=30.0)
    rng = random.Random(7)
    for attempt, ceiling in enumerate([1, 2, 4, 8, 16, 30, 30]):
        delays = {policy.delay(attempt, rng) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered
