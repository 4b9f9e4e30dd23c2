"""The customer portal (K7, B6) on the stand-ins: a collector's link opens one customer's
statement through the portal's own function (no Cognito), and nothing else; it is revoked,
expires, is rate limited; what the customer sends is recorded, alerts the collector, and a
dispute stops the next night's reminder of that item; every access is logged; a reminder
email carries its own link, once."""

from __future__ import annotations

import email
import json
import re
import secrets
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.policy import default as default_policy
from typing import Any

import pytest

from local.nightly import drain_dispatch, run_nightly
from relance.domain.receivables import summarize
from relance.domain.records import Customer, Journal, LedgerLine
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
TODAY = datetime.now(UTC).date()
D = Decimal
C1 = "/customers/BIJOU/C1"


@pytest.fixture(scope="module", autouse=True)
def documents(aws: Any) -> str:
    """The documents bucket (invoice PDFs, sent emails) and SES, as the dispatch tests have
    them: the same names, whichever module runs first."""
    import os

    from local import standins

    bucket = os.environ.setdefault("RELANCE_DOCUMENTS_BUCKET", "relance-test-documents")
    sender = os.environ.setdefault("RELANCE_DEFAULT_SENDER", "relances@relance.test")
    os.environ.setdefault("RELANCE_SEND_RATE", "200")
    standins.ensure_resources(aws, os.environ["RELANCE_TABLE"], [bucket])
    standins.ensure_sending(aws, [sender])
    return bucket


def line(entry: int, customer: str, due: date, amount: str) -> LedgerLine:
    return LedgerLine(
        company="BIJOU", entry_number=entry, journal="VTE", accounting_date=due - timedelta(30),
        due_date=due, general_account="4110000", customer=customer, amount=D(amount),
        invoice_number=f"FA-{entry:04d}",
    )  # fmt: skip


def seed(store: Any) -> str:
    """BIJOU: C1 owes 1 (1200, 10 days late), 2 (300, 12 days late), 3 (80, due in 20 days);
    C2 owes 4 (999, late). Both have an email address."""
    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU"])
    customers = [
        Customer(company="BIJOU", number="C1", name="Bijouterie Dupont", email="a@c1.fr"),
        Customer(company="BIJOU", number="C2", name="Atelier Martin", email="a@c2.fr"),
    ]
    lines = [
        line(1, "C1", TODAY - timedelta(10), "1200.00"),
        line(2, "C1", TODAY - timedelta(12), "300.00"),
        line(3, "C1", TODAY + timedelta(20), "80.00"),
        line(4, "C2", TODAY - timedelta(10), "999.00"),
    ]
    journal = Journal(company="BIJOU", code="VTE", label="Ventes", type=1)
    store.write_records(tenant, [*customers, *lines, journal])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", customers, lines, TODAY))
    return tenant


def call(
    api_url: str, method: str, path: str, token: str | None, body: Any = None, key: str = ""
) -> tuple[int, Any, dict[str, str]]:
    """A portal request as a customer's browser makes it: (status, JSON, headers)."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(api_url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), dict(err.headers)


@pytest.fixture
def ours(store: Any) -> str:
    return seed(store)


def new_link(api_url: str, keys: Any, tenant: str, path: str = C1) -> dict[str, Any]:
    status, link = user_json(api_url, keys, tenant, "user", "POST", f"{path}/portal-links")
    assert status == 201, link
    return link  # type: ignore[no-any-return]


def test_a_link_opens_its_customers_statement_and_nothing_of_anyone_else(
    api_url: str, local_keys: Any, store: Any, ours: str, documents: str
) -> None:
    import boto3

    pdf = b"%PDF-1.4 facture FA-0001"
    boto3.client("s3").put_object(
        Bucket=documents, Key=f"{ours}/invoices/BIJOU/C1/FA-0001.pdf", Body=pdf
    )
    link = new_link(api_url, local_keys, ours)
    assert link["state"] == "live" and link["url"].endswith(f"#t={link['token']}")
    status, sheet, _ = call(api_url, "GET", "/portal/statement", link["token"])
    assert status == 200, sheet
    assert sheet["customer_name"] == "Bijouterie Dupont"
    assert [(i["number"], i["remaining"], i["disputed"]) for i in sheet["items"]] == [
        ("FA-0002", "300.00", False), ("FA-0001", "1200.00", False), ("FA-0003", "80.00", False),
    ]  # fmt: skip
    assert (sheet["total_remaining"], sheet["total_overdue"]) == ("1580.00", "1500.00")
    with_pdf = {i["number"]: i["pdf_url"] for i in sheet["items"] if i["pdf_url"]}
    assert list(with_pdf) == ["FA-0001"]
    with urllib.request.urlopen(with_pdf["FA-0001"]) as answer:
        assert answer.read() == pdf
    assert {r["code"] for r in sheet["reasons"]} >= {"price", "other"}

    # Another tenant's link to its own C1 shows its own data, never ours; our token is
    # no key to theirs.
    theirs = seed(store)
    store.write_records(theirs, [line(9, "C1", TODAY - timedelta(3), "7.00")])
    their_link = new_link(api_url, local_keys, theirs)
    _, their_sheet, _ = call(api_url, "GET", "/portal/statement", their_link["token"])
    assert {i["number"] for i in their_sheet["items"]} == {"FA-0001", "FA-0002", "FA-0003",
                                                            "FA-0009"}  # fmt: skip

    # Items of another customer (C2's entry 4) in a dispute: refused, nothing written.
    status, refused, _ = call(api_url, "POST", "/portal/disputes", link["token"],
                              {"entries": [1, 4], "reason": "price", "message": "x"})  # fmt: skip
    assert status == 422 and refused["error"]["details"]["entries"] == [4]
    for number in ("C1", "C2"):
        card = user_json(api_url, local_keys, ours, "admin", "GET", f"/customers/BIJOU/{number}")
        assert card[1]["disputes"] == [], number


def test_revoked_unknown_and_expired_links_all_get_the_same_401(
    api_url: str, local_keys: Any, ours: str
) -> None:
    from relance.services.errors import Unauthorized
    from relance.services.wiring import portal_service

    link = new_link(api_url, local_keys, ours)
    _, unknown, _ = call(api_url, "GET", "/portal/statement", secrets.token_urlsafe(32))
    _, missing, _ = call(api_url, "GET", "/portal/statement", None)
    # Expired: the same token, with the clock past its date (30 days, the default).
    later = datetime.fromisoformat(link["valid_until"]) + timedelta(seconds=1)
    with pytest.raises(Unauthorized) as expired:
        portal_service().enter(link["token"], "GET /portal/statement", "1.2.3.4", later)
    before = later - timedelta(seconds=2)
    assert portal_service().enter(link["token"], "GET /portal/statement", "1.2.3.4", before)

    status, revoked = user_json(api_url, local_keys, ours, "user", "DELETE",
                                f"{C1}/portal-links/{link['link_id']}")  # fmt: skip
    assert status == 200 and revoked["state"] == "revoked"
    status, after, _ = call(api_url, "GET", "/portal/statement", link["token"])
    assert status == 401
    assert after == unknown == missing == expired.value.body()
    assert "lien" in after["error"]["message_fr"] and "link" in after["error"]["message"]
    listed = user_json(api_url, local_keys, ours, "viewer", "GET", f"{C1}/portal-links")[1]
    assert [(x["link_id"], x["state"]) for x in listed["links"]] == [(link["link_id"], "revoked")]
    assert "token" not in listed["links"][0] and "token_hash" not in listed["links"][0]


def test_what_a_customer_sends_is_recorded_alerts_the_collector_and_is_logged(
    api_url: str, local_keys: Any, ours: str
) -> None:
    link = new_link(api_url, local_keys, ours)
    token = link["token"]
    promised = (TODAY + timedelta(days=7)).isoformat()
    status, promise, _ = call(api_url, "POST", "/portal/promises", token,
                              {"promised_date": promised}, key="p1")  # fmt: skip
    assert status == 201 and promise["amount"] == "1580.00", promise
    again = call(api_url, "POST", "/portal/promises", token, {"promised_date": promised}, key="p1")
    assert again[0] == 200 and again[1]["promise_id"] == promise["promise_id"]
    status, _, _ = call(api_url, "POST", "/portal/messages", token,
                        {"text": "Virement parti lundi."})  # fmt: skip
    assert status == 201

    card = user_json(api_url, local_keys, ours, "admin", "GET", C1)[1]
    actor = f"portal:{link['link_id']}"
    assert [(p["promise_id"], p["made_by"]) for p in card["promises"]] == [
        (promise["promise_id"], actor)
    ]
    assert [c["text"] for c in card["comments"]] == ["Virement parti lundi."]
    alerts = user_json(api_url, local_keys, ours, "user", "GET", "/alerts")[1]["items"]
    assert sorted(a["kind"] for a in alerts if a["customer"] == "C1") == [
        "portal_message", "portal_promise"
    ]  # fmt: skip

    # Bad input: 422 naming the field, nothing written.
    cases = [
        ("/portal/promises", {"promised_date": "2001-01-01"}, "promised_date"),
        ("/portal/promises", {"promised_date": promised, "amount": "-5"}, "amount"),
        ("/portal/disputes", {"entries": [1], "reason": "pirate"}, "reason"),
        ("/portal/disputes", {"entries": [], "reason": "price"}, "entries"),
        ("/portal/messages", {"text": "", "extra": 1}, "text"),
    ]
    for path, body, field in cases:
        status, answer, _ = call(api_url, "POST", path, token, body)
        assert status == 422, (path, answer)
        assert field in json.dumps(answer["error"]), (field, answer)
    card_after = user_json(api_url, local_keys, ours, "admin", "GET", C1)[1]
    assert (card_after["promises"], card_after["disputes"]) == (card["promises"], [])

    log = f"{C1}/portal-links/{link['link_id']}/accesses"
    accesses = user_json(api_url, local_keys, ours, "viewer", "GET", log)[1]["accesses"]
    assert len(accesses) == 3 + len(cases)
    assert {a["what"] for a in accesses} == {
        "POST /portal/promises", "POST /portal/messages", "POST /portal/disputes"
    }  # fmt: skip
    assert all(a["ip_hash"] and "127.0.0.1" not in a["ip_hash"] for a in accesses)


def test_a_dispute_from_the_portal_stops_the_next_nightly_reminder_of_that_item(
    api_url: str, local_keys: Any, ours: str
) -> None:
    link = new_link(api_url, local_keys, ours)
    status, dispute, _ = call(api_url, "POST", "/portal/disputes", link["token"],
                              {"entries": [2], "reason": "defective",
                               "message": "Colis abîmé."})  # fmt: skip
    assert status == 201 and dispute["entries"] == [2], dispute
    _, sheet, _ = call(api_url, "GET", "/portal/statement", link["token"])
    assert {i["entry"]: i["disputed"] for i in sheet["items"]} == {1: False, 2: True, 3: False}
    alerts = user_json(api_url, local_keys, ours, "admin", "GET", "/alerts")[1]["items"]
    assert [(a["kind"], a["entries"]) for a in alerts] == [("portal_dispute", [2])]

    drain_dispatch()
    assert run_nightly(ours, TODAY)["failed"] == []
    c1 = [m for m in drain_dispatch(ours) if m["customer"] == "C1"]
    assert len(c1) == 1
    from relance.services.wiring import nightly_service

    action = nightly_service().dunning.action(ours, "BIJOU", "C1", f"{TODAY}_{c1[0]['step']}")
    assert action is not None and [ln["entry"] for ln in action["lines"]] == [1]


def test_past_its_minute_budget_a_link_gets_429_with_retry_after(
    api_url: str, local_keys: Any, ours: str
) -> None:
    from relance.domain.portal import REQUESTS_PER_MINUTE, rate_window
    from relance.services.portal import TooManyRequests
    from relance.services.wiring import portal_service

    link = new_link(api_url, local_keys, ours)
    portal = portal_service()
    at = datetime(2026, 11, 23, 10, 15, 40, tzinfo=UTC)
    for _ in range(REQUESTS_PER_MINUTE):
        portal.enter(link["token"], "GET /portal/statement", "1.2.3.4", at)
    with pytest.raises(TooManyRequests) as refused:
        portal.enter(link["token"], "GET /portal/statement", "1.2.3.4", at)
    assert refused.value.retry_after == 20
    # The next minute counts afresh.
    assert portal.enter(link["token"], "GET /portal/statement", "1.2.3.4", at + timedelta(20))

    # Over HTTP, now: the current minute filled up, the function answers 429 + Retry-After.
    for _ in range(3):  # a minute that turned during the filling is filled again
        now = datetime.now(UTC)
        minute, _ = rate_window(now)
        while portal.store.count_request(ours, link["link_id"], minute, now) < REQUESTS_PER_MINUTE:
            pass
        status, answer, headers = call(api_url, "GET", "/portal/statement", link["token"])
        if rate_window(datetime.now(UTC))[0] == minute:
            break
    assert status == 429, answer
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert answer["error"]["code"] == "too_many_requests"


def test_a_reminder_email_carries_its_own_link_once(
    aws: Any, api_url: str, local_keys: Any, ours: str
) -> None:
    from local import standins
    from relance.services.dispatch import DispatchMessage
    from relance.services.wiring import dispatch_service

    drain_dispatch()
    assert run_nightly(ours, TODAY)["failed"] == []
    queued = [m for m in drain_dispatch(ours) if m["customer"] == "C1"]
    assert [m["channel"] for m in queued] == ["email"]
    service = dispatch_service()
    message = DispatchMessage.model_validate({"tenant_id": ours, **queued[0]})
    assert service.dispatch(message, datetime.now(UTC)).result == "sent"
    assert service.dispatch(message, datetime.now(UTC)).result == "done_already"

    sent = [s for s in standins.sent_emails(aws) if "a@c1.fr" in str(s["destinations"])]
    parsed = email.message_from_string(str(sent[-1]["raw_data"]), policy=default_policy)
    text = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Consultez votre relevé et répondez en ligne" in html
    token = re.search(r"#t=([A-Za-z0-9_-]{40,})", text)
    assert token is not None
    status, sheet, _ = call(api_url, "GET", "/portal/statement", token.group(1))
    assert status == 200 and sheet["customer_name"] == "Bijouterie Dupont"
    links = user_json(api_url, local_keys, ours, "viewer", "GET", f"{C1}/portal-links")[1]
    assert [(x["created_by"], bool(x["action_key"])) for x in links["links"]] == [
        ("dispatch", True)
    ]


def test_a_retried_creation_gives_the_same_link_and_only_its_last_token_works(
    api_url: str, local_keys: Any, ours: str
) -> None:
    path, headers = f"{C1}/portal-links", {"Idempotency-Key": "k-1"}
    first = user_json(api_url, local_keys, ours, "user", "POST", path, headers=headers)
    again = user_json(api_url, local_keys, ours, "user", "POST", path, headers=headers)
    assert (first[0], again[0]) == (201, 200)
    assert first[1]["link_id"] == again[1]["link_id"] and first[1]["token"] != again[1]["token"]
    assert call(api_url, "GET", "/portal/statement", first[1]["token"])[0] == 401
    assert call(api_url, "GET", "/portal/statement", again[1]["token"])[0] == 200
    listed = user_json(api_url, local_keys, ours, "viewer", "GET", path)[1]["links"]
    assert [x["link_id"] for x in listed] == [first[1]["link_id"]]
    assert listed[0]["valid_until"] == again[1]["valid_until"]  # the stored date, not the TTL
