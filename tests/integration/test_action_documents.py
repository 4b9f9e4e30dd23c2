"""The stored document of an action through the API (C16): a letter's PDF or an email as
sent, as a short-lived S3 link that opens without credentials. The card's rules hold: a
viewer reads, a collector only its portfolio's customers, another tenant finds nothing."""

from __future__ import annotations

import os
import secrets
import urllib.request
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from local.nightly import drain_dispatch, run_dispatch, run_nightly
from relance.domain.receivables import summarize
from relance.domain.records import Customer, Journal, LedgerLine
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
BUCKET = "relance-test-documents"  # test_dispatch's: the wired services are built once
SENDER = "relances@relance.test"
DAY = date(2026, 11, 2)
C1_R1 = f"/customers/BIJOU/C1/actions/{DAY.isoformat()}_R1/document"
C2_R1 = f"/customers/BIJOU/C2/actions/{DAY.isoformat()}_R1/document"


@pytest.fixture(scope="module", autouse=True)
def sending(aws: Any) -> None:
    from local import standins
    from relance.services import wiring

    os.environ["RELANCE_DOCUMENTS_BUCKET"] = BUCKET
    os.environ["RELANCE_DEFAULT_SENDER"] = SENDER
    os.environ["RELANCE_SEND_RATE"] = "200"
    standins.ensure_resources(aws, os.environ["RELANCE_TABLE"], [BUCKET])
    standins.ensure_sending(aws, [SENDER])
    wiring.dispatch_service.cache_clear()
    wiring.action_document_service.cache_clear()


def invoice(entry: int, customer: str, late: int) -> LedgerLine:
    due = DAY - timedelta(late)
    return LedgerLine(
        company="BIJOU", entry_number=entry, journal="VTE", accounting_date=due - timedelta(30),
        due_date=due, general_account="4110000", customer=customer, amount=Decimal("480.00"),
        invoice_number=f"FA-{entry:04d}",
    )  # fmt: skip


@pytest.fixture
def tenant(store: Any) -> str:
    """C1 has only a postal address (its R1 is a letter), C2 an email; both 6 days late.
    The night of DAY runs and the dispatch sends: the documents are in S3."""
    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU"])
    customers = [
        Customer(company="BIJOU", number="C1", name="Alpha SARL", address="1 rue de la Paix",
                 postal_code="69002", city="Lyon"),
        Customer(company="BIJOU", number="C2", name="Bêta", email=f"compta@{tenant}.fr"),
    ]  # fmt: skip
    lines = [invoice(1, "C1", 6), invoice(2, "C2", 6)]
    journal = Journal(company="BIJOU", code="VTE", label="Ventes", type=1)
    store.write_records(tenant, [*customers, *lines, journal])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", customers, lines, DAY))
    drain_dispatch()
    assert run_nightly(tenant, DAY)["failed"] == []
    assert run_dispatch()["failed"] == []
    return tenant


def fetch(url: str) -> tuple[str, bytes]:
    """What a browser gets from the link: no token, no AWS credentials."""
    with urllib.request.urlopen(url) as answer:
        return answer.headers.get("Content-Disposition", ""), answer.read()


def test_a_viewer_opens_the_letter_and_the_email_as_sent(
    api_url: str, local_keys: Any, tenant: str
) -> None:
    before = datetime.now(UTC)
    status, letter = user_json(api_url, local_keys, tenant, "viewer", "GET", C1_R1)
    assert status == 200, letter
    assert letter["content_type"] == "application/pdf"
    expires = datetime.fromisoformat(letter["expires_at"])
    assert before + timedelta(minutes=4) < expires <= datetime.now(UTC) + timedelta(minutes=5)
    disposition, pdf = fetch(letter["url"])
    assert pdf.startswith(b"%PDF") and "C1" in disposition and ".pdf" in disposition

    status, mail = user_json(api_url, local_keys, tenant, "viewer", "GET", C2_R1)
    assert status == 200 and mail["content_type"] == "message/rfc822"
    _, raw = fetch(mail["url"])
    assert f"compta@{tenant}.fr".encode() in raw and b"Subject:" in raw


def test_nobody_outside_the_cards_rules_gets_a_link(
    api_url: str, local_keys: Any, tenant: str
) -> None:
    def get(path: str, role: str = "viewer", who: str = tenant, **kw: Any) -> tuple[int, Any]:
        return user_json(api_url, local_keys, who, role, "GET", path, **kw)

    # Another tenant's admin: the customer does not exist for it.
    status, answer = get(C1_R1, "admin", f"t-{secrets.token_hex(4)}")
    assert status == 404 and "url" not in answer
    # A collector whose portfolio is another company: refused, like the card.
    new = {"email": "sophie@bijou.fr", "display_name": "Sophie", "role": "user"}
    _, sophie = user_json(api_url, local_keys, tenant, "admin", "POST", "/users", new)
    portfolio = {"rules": [{"company": "AUTRE"}], "customers": [], "version": 0}
    path = f"/users/{sophie['user_id']}/portfolio"
    assert user_json(api_url, local_keys, tenant, "admin", "PUT", path, portfolio)[0] == 200
    status, answer = get(C1_R1, "user", user_id=sophie["user_id"])
    assert status == 403 and answer["error"]["code"] == "not_in_portfolio"
    # No action at that step, or none that day: nothing stored.
    status, answer = get(C1_R1.replace("_R1/", "_R2/"))
    assert status == 404 and answer["error"]["code"] == "no_document"
    assert "Aucun document" in answer["error"]["message_fr"]
    status, answer = get(C1_R1.replace(DAY.isoformat(), "2026-11-03"))
    assert status == 404
    # Bad input names the field.
    for wrong in ("R9", "2026-13-02_R1", "2026-11-02"):
        status, answer = get(C1_R1.replace(f"{DAY.isoformat()}_R1", wrong))
        assert (status, answer["error"]["code"]) == (422, "bad_action_id"), wrong
        assert answer["error"]["details"]["field"] == "action_id"


def test_a_letter_to_approve_is_rendered_for_reading_then_kept(
    api_url: str, local_keys: Any, tenant: str
) -> None:
    """A formal notice (R5: a manual letter) waits for a person: nothing was sent, yet the
    link gives the letter as it will be posted, stored at the action's key."""
    import io

    import boto3
    from pypdf import PdfReader

    status, answer = user_json(
        api_url, local_keys, tenant, "admin", "POST", "/customers/BIJOU/C1/reminders",
        {"step": "R5"},
    )  # fmt: skip
    assert status == 201, answer
    _, tasks = user_json(api_url, local_keys, tenant, "admin", "GET", "/tasks?status=to_do")
    (task,) = [t for t in tasks["items"] if t["customer"] == "C1" and t["channel"] == "letter"]
    path = f"/customers/BIJOU/C1/actions/{task['as_of']}_{task['step']}/document"

    status, link = user_json(api_url, local_keys, tenant, "viewer", "GET", path)
    assert status == 200 and link["content_type"] == "application/pdf"
    _, pdf = fetch(link["url"])
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Alpha SARL" in text and "FA-0001" in text
    key = f"{tenant}/BIJOU/C1/{task['as_of']}/{task['step']}.pdf"
    stored = boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert stored == pdf
    # Another tenant still finds nothing there.
    other = f"t-{secrets.token_hex(4)}"
    assert user_json(api_url, local_keys, other, "admin", "GET", path)[0] == 404
