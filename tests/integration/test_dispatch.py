"""The dispatch (issue 5) on the stand-ins: a nightly run's automatic actions go through the
dispatch queue (moto SQS) into the real handler, emails reach moto's SES (read back from
/moto-api/data.json), letters land as PDFs in the documents bucket (moto S3), each once."""

from __future__ import annotations

import email
import io
import json
import os
import secrets
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from pypdf import PdfReader

from local.nightly import drain_dispatch, run_dispatch, run_nightly
from relance.domain.receivables import summarize
from relance.domain.records import Customer, Journal, LedgerLine

pytestmark = pytest.mark.integration
DAY1 = date(2026, 11, 2)
BUCKET = "relance-test-documents"
SENDER = "relances@relance.test"
NNBSP, NBSP = "\u202f", "\xa0"


@pytest.fixture(scope="module", autouse=True)
def sending(aws: Any) -> None:
    from local import standins

    os.environ["RELANCE_DOCUMENTS_BUCKET"] = BUCKET
    os.environ["RELANCE_DEFAULT_SENDER"] = SENDER
    os.environ["RELANCE_SEND_RATE"] = "200"  # moto has no quota to tell
    standins.ensure_resources(aws, os.environ["RELANCE_TABLE"], [BUCKET])
    standins.ensure_sending(aws, [SENDER])


def line(entry: int, customer: str, due: date, amount: str) -> LedgerLine:
    return LedgerLine(
        company="BIJOU", entry_number=entry, journal="VTE", accounting_date=due - timedelta(30),
        due_date=due, general_account="4110000", customer=customer, amount=Decimal(amount),
        invoice_number=f"FA-{entry:04d}",
    )  # fmt: skip


def address(number: str, name: str) -> dict[str, str]:
    return {"name": name, "address": f"{number} rue de la Paix", "postal_code": "69002",
            "city": "Lyon"}  # fmt: skip


@pytest.fixture
def tenant(store: Any) -> str:
    """C1 has no email (R1 falls back to a letter), C2 is 6 days late (R1 email), C3 is due in
    4 days (notice email), C4 has no email either (a second letter)."""
    from relance.domain.templates import CompanyInfo
    from relance.services.wiring import dispatch_service

    tenant = f"t-{secrets.token_hex(4)}"
    domain = f"{tenant}.fr"
    store.register_companies(tenant, ["BIJOU"])
    customers = [
        Customer(company="BIJOU", number="C1", **address("1", "Alpha Bâtiment SARL")),
        Customer(company="BIJOU", number="C2", email=f"compta@{domain}", **address("2", "Bêta")),
        Customer(company="BIJOU", number="C3", email=f"achats@{domain}; direction@{domain}",
                 **address("3", "Gamma")),
        Customer(company="BIJOU", number="C4", **address("4", "Delta Menuiserie")),
    ]  # fmt: skip
    lines = [
        line(1, "C1", DAY1 - timedelta(6), "1200.00"),
        line(5, "C1", DAY1 - timedelta(7), "345.60"),
        line(2, "C2", DAY1 - timedelta(6), "2450.10"),
        line(3, "C3", DAY1 + timedelta(4), "300.00"),
        line(4, "C4", DAY1 - timedelta(8), "99.99"),
    ]
    journal = Journal(company="BIJOU", code="VTE", label="Ventes", type=1)
    store.write_records(tenant, [*customers, *lines, journal])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", customers, lines, DAY1))
    dispatch_service().templates.save_company_info(
        tenant,
        CompanyInfo(legal_name="Ateliers Martin SAS", address="14 rue de la République",
                    postal_code="69002", city="Lyon", email="compta@ateliers-martin.fr",
                    iban="FR2430004012340001012345678"),
        0,
    )  # fmt: skip
    drain_dispatch()
    return tenant


def received(aws: Any, tenant: str) -> list[tuple[list[str], EmailMessage, dict[str, Any]]]:
    """The emails moto's SES accepted for this tenant's customers, parsed."""
    from local.standins import sent_emails

    found = []
    for sent in sent_emails(aws):
        destinations = [str(d) for d in sent["destinations"]]  # type: ignore[attr-defined]
        if any(d.endswith(f"@{tenant}.fr") for d in destinations):
            parsed = email.message_from_string(str(sent["raw_data"]), policy=default_policy)
            found.append((destinations, parsed, sent))
    return found


def dispatch() -> tuple[int, list[str]]:
    """Drain the dispatch queue through the handler: (messages done, message ids failed).
    A failed message would come back after its visibility timeout, into a later test's
    drain (the queue is the session's): it is removed, and a test that wants it delivered
    again sends it again."""
    from relance.store.names import dispatch_queue_url

    outcome = run_dispatch()
    for receipt in outcome["failed_receipts"]:
        boto3.client("sqs").delete_message(
            QueueUrl=str(dispatch_queue_url()), ReceiptHandle=receipt
        )
    return outcome["done"], outcome["failed"]


def actions(store: Any, tenant: str, customer: str) -> list[dict[str, Any]]:
    return [
        i for i in store.customer_items(tenant, "BIJOU", customer) if i["item_type"] == "action"
    ]


def alerts(tenant: str) -> dict[tuple[str, str], dict[str, Any]]:
    from relance.services.wiring import nightly_service

    return {(a["customer"], a["kind"]): a for a in nightly_service().dunning.alerts(tenant)}


def document(key: str) -> bytes:
    body: bytes = boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return body


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_nightly_run_sends_its_emails_and_produces_its_letters(
    store: Any, aws: Any, tenant: str
) -> None:
    from relance.services.wiring import dispatch_service

    assert run_nightly(tenant, DAY1)["failed"] == []
    assert dispatch() == (4, [])

    mails = {tuple(d): (m, raw) for d, m, raw in received(aws, tenant)}
    assert set(mails) == {(f"compta@{tenant}.fr",),
                          (f"achats@{tenant}.fr", f"direction@{tenant}.fr")}  # fmt: skip
    r1, r1_raw = mails[(f"compta@{tenant}.fr",)]
    assert "Ateliers Martin SAS" in r1["From"] and SENDER in r1["From"]
    assert r1["Reply-To"] == "compta@ateliers-martin.fr"
    assert r1["Subject"] == "Rappel de paiement – compte client C2"
    text = r1.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = r1.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for part in (text, html):
        assert "FA-0002" in part
        assert f"2{NNBSP}450,10{NBSP}€" in part
        assert "Ateliers Martin SAS" in part
    assert not any(p.get_content_disposition() == "attachment" for p in r1.iter_parts())

    notice, _ = mails[(f"achats@{tenant}.fr", f"direction@{tenant}.fr")]
    assert "FA-0003" in notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    # The proof (C16): the action is sent with SES's message id, the sent log says it all.
    (c2,) = actions(store, tenant, "C2")
    assert (c2["status"], c2["message_id"]) == ("sent", r1_raw["id"])
    assert c2["recipients"] == [f"compta@{tenant}.fr"]
    month = dispatch_service().store.sent_log(tenant, datetime.now(UTC).strftime("%Y-%m"))
    logged = {(row["customer"], row["channel"], row["status"]) for row in month}
    assert logged == {("C1", "letter", "produced"), ("C2", "email", "sent"),
                      ("C3", "email", "sent"), ("C4", "letter", "produced")}  # fmt: skip
    row = next(r for r in month if r["customer"] == "C2")
    assert row["invoice_numbers"] == ["FA-0002"] and row["amount"] == Decimal("2450.1")
    assert row["customer_name"] == "Bêta" and row["message_id"] == r1_raw["id"]
    assert document(row["document_key"]).decode() == r1_raw["raw_data"]  # the email as sent

    # Letters: valid PDFs in S3 with the invoices and their total.
    (c1,) = actions(store, tenant, "C1")
    assert (c1["channel"], c1["status"]) == ("letter", "sent")
    letter = pdf_text(document(c1["document_key"]))
    assert "FA-0001" in letter and "FA-0005" in letter
    assert "Alpha Bâtiment SARL" in letter and "1 rue de la Paix" in letter
    assert "1 545,60" in letter.replace(NNBSP, " ").replace(NBSP, " ")


def test_the_grouped_pdf_has_one_letter_per_customer_in_order(aws: Any, tenant: str) -> None:
    from relance.services.wiring import dispatch_service

    assert run_nightly(tenant, DAY1)["failed"] == []
    assert dispatch()[1] == []
    key = dispatch_service().grouped_letters(tenant, DAY1)
    assert key == f"{tenant}/runs/{DAY1.isoformat()}/letters.pdf"
    reader = PdfReader(io.BytesIO(document(key)))
    pages = [page.extract_text() for page in reader.pages]
    cover, letters = pages[0], pages[1:]
    assert "Lettres à imprimer" in cover and "Alpha" in cover and "Delta" in cover
    firsts = [p for p in letters if "Nos références" in p or "Vos références" in p]
    assert len(firsts) == 2
    assert "Alpha Bâtiment SARL" in firsts[0] and "FA-0001" in firsts[0]
    assert "Delta Menuiserie" in firsts[1] and "FA-0004" in firsts[1]
    assert dispatch_service().grouped_letters(tenant, DAY1 + timedelta(1)) is None


def _requeue(bodies: list[dict[str, Any]]) -> None:
    from relance.store.names import dispatch_queue_url

    boto3.client("sqs").send_message_batch(
        QueueUrl=str(dispatch_queue_url()),
        Entries=[{"Id": str(i), "MessageBody": json.dumps(b)} for i, b in enumerate(bodies)],
    )


def test_the_same_message_delivered_twice_sends_once(aws: Any, tenant: str) -> None:
    from relance.services.dispatch import DispatchMessage, RetryLater
    from relance.services.wiring import dispatch_service

    assert run_nightly(tenant, DAY1)["failed"] == []
    bodies = [b for b in drain_dispatch(tenant) if b["customer"] == "C2"]
    # Twice in one batch (sent side by side): one sends; the other finds it sent (done) or
    # still being sent (it comes back later, and is done then).
    _requeue(bodies * 2)
    done, failed = dispatch()
    assert done + len(failed) == 2 and done >= 1
    assert len(received(aws, tenant)) == 1
    _requeue(bodies)  # the redelivery
    assert dispatch() == (1, [])
    assert len(received(aws, tenant)) == 1

    # Two deliveries at once, in two function instances: one claim wins, one email leaves.
    assert run_nightly(tenant, DAY1 + timedelta(10))["failed"] == []  # C2's R2
    (r2,) = [b for b in drain_dispatch(tenant) if b["customer"] == "C2"]
    message = DispatchMessage.model_validate(r2)
    instances = [dispatch_service.__wrapped__() for _ in range(2)]
    results: list[str] = []
    start = threading.Barrier(2)

    def deliver(service: Any) -> None:
        start.wait()
        try:
            results.append(service.dispatch(message, datetime.now(UTC)).result)
        except RetryLater:
            results.append("retry")

    threads = [threading.Thread(target=deliver, args=(s,)) for s in instances]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "sent" in results and len(results) == 2
    assert len(received(aws, tenant)) == 2  # R1 and R2, once each


def _throttle(times: int) -> Any:
    """SES answers 429 TooManyRequests to the next `times` sends (a fault injected in the
    HTTP exchange; moto has no quota)."""
    left = [times]

    def answer(request: Any, **_: Any) -> AWSResponse | None:
        if left[0] <= 0:
            return None
        left[0] -= 1
        body = json.dumps({"message": "Maximum sending rate exceeded."}).encode()
        headers = HTTPHeaders()
        headers["x-amzn-ErrorType"] = "TooManyRequestsException"
        return AWSResponse(request.url, 429, headers, _Raw(body))

    return answer


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def test_a_throttled_or_refused_send_is_a_failed_item_and_never_marked_sent(
    store: Any, aws: Any, tenant: str
) -> None:
    from relance.domain.sender import EmailSender
    from relance.services.wiring import dispatch_service

    service = dispatch_service()
    assert run_nightly(tenant, DAY1)["failed"] == []
    bodies = drain_dispatch(tenant)
    email_bodies = [b for b in bodies if b["channel"] == "email"]

    # Throttled a few times, then accepted: backoff and jitter carry it through.
    events = service.mailer.client.meta.events
    hook = _throttle(2)
    events.register("before-send.sesv2.SendEmail", hook)
    try:
        _requeue([b for b in email_bodies if b["customer"] == "C2"])
        assert dispatch() == (1, [])
    finally:
        events.unregister("before-send.sesv2.SendEmail", hook)
    (c2,) = actions(store, tenant, "C2")
    assert c2["status"] == "sent"

    # Throttled on every attempt: the item fails, the action waits, queued, for the retry.
    hook = _throttle(100)
    events.register("before-send.sesv2.SendEmail", hook)
    service.mailer.max_attempts = 3
    try:
        _requeue([b for b in email_bodies if b["customer"] == "C3"])
        done, failed = dispatch()
    finally:
        events.unregister("before-send.sesv2.SendEmail", hook)
        service.mailer.max_attempts = 6
    assert done == 0 and len(failed) == 1
    (c3,) = actions(store, tenant, "C3")
    assert c3["status"] == "queued" and "TooManyRequests" in c3["failure"]
    assert ("C3", "dispatch_throttled") in alerts(tenant)
    assert len(received(aws, tenant)) == 1

    # Redelivered once SES breathes again: sent.
    _requeue([b for b in email_bodies if b["customer"] == "C3"])
    assert dispatch() == (1, [])
    assert len(received(aws, tenant)) == 2

    # Refused for good (a sender SES never verified): failed, an alert, never sent; a later
    # delivery does not try again.
    service.templates.save_sender(tenant, EmailSender(address="x@unverified.test", name="X"), 0)
    service.new_invocation()
    assert run_nightly(tenant, DAY1 + timedelta(10))["failed"] == []
    (r2,) = [b for b in drain_dispatch(tenant) if b["customer"] == "C2"]
    _requeue([r2])
    done, failed = dispatch()
    assert done == 0 and len(failed) == 1
    stored = next(a for a in actions(store, tenant, "C2") if a["step"] == "R2")
    assert stored["status"] == "failed" and "MessageRejected" in stored["failure"]
    assert "message_id" not in stored
    assert ("C2", "dispatch_failed") in alerts(tenant)
    _requeue([r2])
    assert dispatch() == (1, [])
    assert len(received(aws, tenant)) == 2


def test_a_claim_never_recorded_is_not_sent_again_but_shown_to_a_human(
    store: Any, aws: Any, tenant: str
) -> None:
    from relance.services.dispatch import DispatchMessage
    from relance.services.wiring import dispatch_service

    service = dispatch_service()
    assert run_nightly(tenant, DAY1)["failed"] == []
    bodies = {b["customer"]: b for b in drain_dispatch(tenant)}
    # An instance claimed C2's email and C1's letter ten minutes ago, then died.
    crashed = datetime.now(UTC) - timedelta(minutes=10)
    for customer in ("C2", "C1"):
        ref = DispatchMessage.model_validate(bodies[customer]).ref
        assert service.store.claim(ref, "dead-instance", crashed).won
    _requeue([bodies["C2"], bodies["C1"]])
    assert dispatch() == (2, [])
    (c2,) = actions(store, tenant, "C2")
    assert c2["status"] == "uncertain" and received(aws, tenant) == []
    assert ("C2", "dispatch_uncertain") in alerts(tenant)
    (c1,) = actions(store, tenant, "C1")  # a letter left nothing: it is produced
    assert c1["status"] == "sent" and c1["document_key"].endswith("/R1.pdf")


def test_a_formal_notice_email_carries_its_letter_as_pdf(store: Any, aws: Any, tenant: str) -> None:
    from relance.domain.dunning import default_settings
    from relance.services.wiring import followup_service

    settings = default_settings()
    scenario = settings.scenarios[0]
    steps = [
        s.model_copy(update={"template": "mise_en_demeure", "formal_notice": True,
                             "claim_penalties": True})
        if s.template == "relance_1" else s
        for s in scenario.steps
    ]  # fmt: skip
    settings = settings.model_copy(
        update={"scenarios": [scenario.model_copy(update={"steps": steps})]}
    )
    followup_service().store.put_setting(tenant, "DUNNING", settings.model_dump(mode="json"), 0)
    assert run_nightly(tenant, DAY1)["failed"] == []
    assert dispatch()[1] == []
    ((_, message, _),) = [m for m in received(aws, tenant) if m[0] == [f"compta@{tenant}.fr"]]
    (attachment,) = [p for p in message.iter_attachments()]
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"mise_en_demeure_C2_{DAY1.isoformat()}.pdf"
    letter = pdf_text(attachment.get_content())
    assert "FA-0002" in letter and "Bêta" in letter
    (c2,) = actions(store, tenant, "C2")
    assert c2["document_key"].endswith("/R1.pdf") and c2["email_key"].endswith("/R1.eml")
    assert document(c2["document_key"]) == attachment.get_content()
