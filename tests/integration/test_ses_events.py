"""The deliverability loop (B5) against the stand-ins: SES events, as EventBridge hands them to
the ses_events function, change a sent reminder, suppress the address, raise the alert and
fall back to a letter; the next nightly run no longer emails that address.

The "sent" email is made here the way the dispatch records one (status sent, message id,
recipients, sent_at, and its sent-log line), through boto3: the events function only reads
what the dispatch wrote, whoever wrote it.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from local.devserver import LambdaContextStandIn
from local.nightly import drain_dispatch, run_nightly
from relance.domain.deliverability import action_tag
from relance.domain.receivables import summarize
from relance.domain.records import Customer, Journal, LedgerLine
from relance.store import keys

pytestmark = pytest.mark.integration
DAY1 = date(2026, 11, 2)
SENT_AT = "2026-11-02T06:00:05+00:00"


def line(entry: int, customer: str, due: date, amount: str) -> LedgerLine:
    return LedgerLine(
        company="BIJOU", entry_number=entry, journal="VTE", accounting_date=due - timedelta(30),
        due_date=due, general_account="4110000", customer=customer, amount=Decimal(amount),
        invoice_number=f"FA{entry}",
    )  # fmt: skip


def make_tenant(store: Any) -> str:
    """C1: 6 days late (R1 by email, a letter if no email); C2: no postal address, 6 days
    late; C3: due in 4 days (a notice by email, no fallback in the scenario)."""
    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU"])
    customers = [
        Customer(company="BIJOU", number="C1", name="Un SA", email="Compta@un.fr",
                 address="1 rue de la Paix", postal_code="75002", city="Paris"),
        Customer(company="BIJOU", number="C2", name="Deux", email="compta@deux.fr"),
        Customer(company="BIJOU", number="C3", name="Trois", email="compta@trois.fr",
                 address="3 quai Est", postal_code="69002", city="Lyon"),
    ]  # fmt: skip
    lines = [
        line(1, "C1", DAY1 - timedelta(6), "1200.00"),
        line(2, "C2", DAY1 - timedelta(6), "300.00"),
        line(3, "C3", DAY1 + timedelta(4), "480.00"),
    ]
    journal = Journal(company="BIJOU", code="VTE", label="Ventes", type=1)
    store.write_records(tenant, [*customers, *lines, journal])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", customers, lines, DAY1))
    return tenant


@pytest.fixture
def tenant(store: Any) -> str:
    tenant = make_tenant(store)
    drain_dispatch()
    assert run_nightly(tenant, DAY1)["failed"] == []
    assert sorted(m["customer"] for m in drain_dispatch(tenant)) == ["C1", "C2", "C3"]
    return tenant


def dynamodb() -> Any:
    return boto3.client("dynamodb")


def action(tenant: str, customer: str, step: str, as_of: date = DAY1) -> dict[str, Any] | None:
    from relance.services.wiring import events_service

    return events_service().store.action(tenant, "BIJOU", customer, as_of.isoformat(), step)


def actions(store: Any, tenant: str, customer: str) -> dict[str, dict[str, Any]]:
    found = store.customer_items(tenant, "BIJOU", customer)
    return {f"{a['as_of']}_{a['step']}": a for a in found if a["item_type"] == "action"}


def mark_sent(tenant: str, customer: str, step: str, message_id: str) -> None:
    """What the dispatch records once SES accepted the email (store/dispatch.py)."""
    held = action(tenant, customer, step)
    assert held is not None and held["status"] == "queued"
    client = dynamodb()
    from tests.conftest import TABLE

    client.update_item(
        TableName=TABLE,
        Key={"PK": {"S": keys.customer_gsi1pk(tenant, "BIJOU", customer)},
             "SK": {"S": f"ACTION#{DAY1.isoformat()}#{step}"}},
        UpdateExpression="SET #s = :s, message_id = :m, recipients = :r, sent_at = :at",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "sent"}, ":m": {"S": message_id},
                                   ":r": {"L": [{"S": held["recipient"]["email"]}]},
                                   ":at": {"S": SENT_AT}},
    )  # fmt: skip
    client.put_item(
        TableName=TABLE,
        Item={"PK": {"S": f"T#{tenant}#SENT#2026-11"},
              "SK": {"S": f"{SENT_AT}#BIJOU#{customer}#{step}#{DAY1.isoformat()}"},
              "item_type": {"S": "sent"}, "status": {"S": "sent"},
              "message_id": {"S": message_id}, "channel": {"S": "email"}},
    )  # fmt: skip


def sent_log_status(tenant: str, customer: str, step: str) -> str:
    from tests.conftest import TABLE

    got = dynamodb().get_item(
        TableName=TABLE,
        Key={"PK": {"S": f"T#{tenant}#SENT#2026-11"},
             "SK": {"S": f"{SENT_AT}#BIJOU#{customer}#{step}#{DAY1.isoformat()}"}},
    )  # fmt: skip
    return str(got["Item"]["status"]["S"])


def ses_event(
    tenant: str, customer: str, step: str, message_id: str, detail: dict[str, Any]
) -> dict[str, Any]:
    detail_type = {"Bounce": "Email Bounced", "Complaint": "Email Complaint Received",
                   "Delivery": "Email Delivered"}[detail["eventType"]]  # fmt: skip
    key = f"BIJOU#{customer}#{step}#{DAY1.isoformat()}"
    return {
        "version": "0", "id": secrets.token_hex(8), "detail-type": detail_type,
        "source": "aws.ses", "account": "000000000000", "time": "2026-11-02T06:01:00Z",
        "region": "eu-west-3", "resources": [],
        "detail": {**detail, "mail": {
            "timestamp": SENT_AT, "source": "relances@bijou.fr", "messageId": message_id,
            "destination": ["compta@un.fr"],
            "tags": {"ses:configuration-set": ["relance"], "tenant": [action_tag(tenant)],
                     "action": [action_tag(key)]}}},
    }  # fmt: skip


def bounce(address: str, kind: str = "Permanent") -> dict[str, Any]:
    return {"eventType": "Bounce", "bounce": {
        "bounceType": kind, "bounceSubType": "General",
        "bouncedRecipients": [{"emailAddress": address, "action": "failed", "status": "5.1.1",
                               "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
        "timestamp": "2026-11-02T06:00:40.000Z", "feedbackId": "fb-1"}}  # fmt: skip


def complaint(address: str) -> dict[str, Any]:
    return {"eventType": "Complaint", "complaint": {
        "complainedRecipients": [{"emailAddress": address}], "complaintFeedbackType": "abuse",
        "timestamp": "2026-11-03T08:00:00.000Z", "feedbackId": "fb-2"}}  # fmt: skip


def delivered(address: str) -> dict[str, Any]:
    return {"eventType": "Delivery", "delivery": {
        "timestamp": "2026-11-02T06:00:07.000Z", "processingTimeMillis": 2000,
        "recipients": [address], "smtpResponse": "250 2.0.0 OK"}}  # fmt: skip


def deliver(event: dict[str, Any]) -> dict[str, Any]:
    """The ses_events function, invoked the way the EventBridge rule invokes it."""
    from functions.ses_events import handler

    answer: dict[str, Any] = handler.handler(event, LambdaContextStandIn("ses_events"))
    return answer


def alerts(tenant: str) -> dict[tuple[str, str], dict[str, Any]]:
    from relance.services.wiring import nightly_service

    return {(a["customer"], a["kind"]): a for a in nightly_service().dunning.alerts(tenant)}


def suppressions(tenant: str) -> dict[str, dict[str, Any]]:
    from relance.services.wiring import events_service

    return {s["address"]: s for s in events_service().store.suppressions(tenant)}


# -- a bounce ------------------------------------------------------------------------------


def test_a_bounce_alerts_suppresses_and_sends_one_letter_instead(store: Any, tenant: str) -> None:
    mark_sent(tenant, "C1", "R1", "m-c1")
    event = ses_event(tenant, "C1", "R1", "m-c1", bounce("compta@un.fr"))
    answer = deliver(event)
    assert answer["result"] == "bounced" and answer["fallback"] == "letter"

    email = action(tenant, "C1", "R1")
    assert email is not None and email["status"] == "bounced"
    assert email["delivery"]["at"] == "2026-11-02T06:00:40+00:00"
    assert sent_log_status(tenant, "C1", "R1") == "bounced"
    assert suppressions(tenant)["compta@un.fr"]["reason"] == "bounced"
    alert = alerts(tenant)[("C1", "email_bounced")]
    assert alert["step"] == "R1" and "compta@un.fr" in alert["detail"]
    assert "letter" in alert["detail"]

    letter = actions(store, tenant, "C1")[f"{DAY1}_R1-letter"]
    assert (letter["channel"], letter["mode"], letter["status"]) == ("letter", "auto", "queued")
    assert letter["recipient"]["address"] == ["Un SA", "1 rue de la Paix", "75002 Paris"]
    assert [li["entry"] for li in letter["lines"]] == [1]
    assert letter["amount"] == Decimal("1200.00")
    (queued,) = drain_dispatch(tenant)
    assert (queued["tenant_id"], queued["step"], queued["channel"]) == (tenant, "R1-letter",
                                                                        "letter")  # fmt: skip

    # The same event again (EventBridge delivers at least once): nothing more.
    again = deliver(event)
    assert again["result"] == "ignored" and again["reason"] == "already bounced"
    assert sorted(actions(store, tenant, "C1")) == [f"{DAY1}_R1", f"{DAY1}_R1-letter"]
    assert drain_dispatch(tenant) == []
    # A delivery notice arriving late does not undo the bounce.
    assert deliver(ses_event(tenant, "C1", "R1", "m-c1", delivered("compta@un.fr")))[
        "result"] == "ignored"  # fmt: skip
    assert action(tenant, "C1", "R1")["status"] == "bounced"  # type: ignore[index]


def test_the_next_run_does_not_email_a_bounced_address(store: Any, tenant: str) -> None:
    mark_sent(tenant, "C1", "R1", "m-c1")
    deliver(ses_event(tenant, "C1", "R1", "m-c1", bounce("compta@un.fr")))
    drain_dispatch()

    day11 = DAY1 + timedelta(10)  # C1's R2 is due (16 days late)
    assert run_nightly(tenant, day11)["failed"] == []
    r2 = actions(store, tenant, "C1")[f"{day11}_R2"]
    assert (r2["channel"], r2["fallback"]) == ("letter", True)  # the scenario's fallback
    assert [m["channel"] for m in drain_dispatch(tenant) if m["customer"] == "C1"] == ["letter"]
    held = alerts(tenant)
    assert ("C1", "missing_email") in held
    # The bounce alert is the events function's: the run neither clears nor repeats it.
    assert ("C1", "email_bounced") in held
    assert run_nightly(tenant, day11 + timedelta(1))["failed"] == []
    assert ("C1", "email_bounced") in alerts(tenant)


def test_a_bounce_without_postal_address_only_alerts(store: Any, tenant: str) -> None:
    mark_sent(tenant, "C2", "R1", "m-c2")
    answer = deliver(ses_event(tenant, "C2", "R1", "m-c2", bounce("compta@deux.fr")))
    assert (answer["result"], answer["fallback"]) == ("bounced", "none")
    assert "postal address" in alerts(tenant)[("C2", "email_bounced")]["detail"]
    assert sorted(actions(store, tenant, "C2")) == [f"{DAY1}_R1"]
    assert drain_dispatch(tenant) == []


def test_a_step_without_letter_fallback_only_alerts(store: Any, tenant: str) -> None:
    mark_sent(tenant, "C3", "N1", "m-c3")  # the notice: no fallback in the scenario
    answer = deliver(ses_event(tenant, "C3", "N1", "m-c3", bounce("compta@trois.fr")))
    assert (answer["result"], answer["fallback"]) == ("bounced", "none")
    assert ("C3", "email_bounced") in alerts(tenant)
    assert sorted(actions(store, tenant, "C3")) == [f"{DAY1}_N1"]


def test_a_manual_step_makes_the_letter_a_collectors_task(store: Any, tenant: str) -> None:
    from relance.auth.identity import Identity
    from relance.domain.dunning import default_settings
    from relance.services.wiring import followup_service, nightly_service, worklist_service
    from relance.services.worklist import Completion

    # The admin made R1 a manual step since the run: the letter waits for a collector.
    settings = default_settings()
    standard = settings.scenarios[0]
    steps = [s.model_copy(update={"mode": "manual"}) if i == 1 else s
             for i, s in enumerate(standard.steps)]  # fmt: skip
    changed = settings.model_copy(
        update={"scenarios": [standard.model_copy(update={"steps": steps})]}
    )
    nightly_service().followup.put_setting(tenant, "DUNNING", changed.model_dump(mode="json"), 0)

    mark_sent(tenant, "C1", "R1", "m-c1")
    answer = deliver(ses_event(tenant, "C1", "R1", "m-c1", bounce("compta@un.fr")))
    assert answer["fallback"] == "task"
    assert drain_dispatch(tenant) == []
    (task,) = [t for t in nightly_service().dunning.tasks(tenant, "_") if t["customer"] == "C1"]
    assert (task["step"], task["channel"], task["status"]) == ("R1-letter", "letter", "to_do")

    # The collector posts it and marks the task done, as for any manual action.
    who = Identity(tenant=tenant, role="admin", user_id="u-admin")
    file = followup_service().customer_file(who, "BIJOU", "C1", None, write=True)
    done = worklist_service().complete_action(
        who, file, f"{DAY1}_R1-letter", Completion(), datetime(2026, 11, 3, 9, tzinfo=UTC)
    )
    assert done["status"] == "done"
    assert actions(store, tenant, "C1")[f"{DAY1}_R1-letter"]["status"] == "done"


# -- complaint, delivery -------------------------------------------------------------------


def test_a_complaint_after_delivery_alerts_suppresses_and_falls_back(
    store: Any, tenant: str
) -> None:
    mark_sent(tenant, "C1", "R1", "m-c1")
    assert deliver(ses_event(tenant, "C1", "R1", "m-c1", delivered("compta@un.fr")))[
        "result"] == "delivered"  # fmt: skip
    assert action(tenant, "C1", "R1")["status"] == "delivered"  # type: ignore[index]
    assert sent_log_status(tenant, "C1", "R1") == "delivered"

    event = ses_event(tenant, "C1", "R1", "m-c1", complaint("compta@un.fr"))
    assert deliver(event)["result"] == "complaint"
    assert deliver(event)["result"] == "ignored"
    assert action(tenant, "C1", "R1")["status"] == "complaint"  # type: ignore[index]
    assert sent_log_status(tenant, "C1", "R1") == "complaint"
    assert suppressions(tenant)["compta@un.fr"]["reason"] == "complaint"
    assert ("C1", "email_complaint") in alerts(tenant)
    assert [m["step"] for m in drain_dispatch(tenant)] == ["R1-letter"]


def test_a_soft_bounce_changes_the_status_only(store: Any, tenant: str) -> None:
    mark_sent(tenant, "C1", "R1", "m-c1")
    answer = deliver(ses_event(tenant, "C1", "R1", "m-c1", bounce("compta@un.fr", "Transient")))
    assert answer["result"] == "soft_bounced"
    assert suppressions(tenant) == {} and ("C1", "email_bounced") not in alerts(tenant)
    assert sorted(actions(store, tenant, "C1")) == [f"{DAY1}_R1"]


# -- what is not ours ----------------------------------------------------------------------


def test_another_tenants_event_cannot_touch_this_tenant(store: Any, tenant: str) -> None:
    other = make_tenant(store)
    assert run_nightly(other, DAY1)["failed"] == []
    drain_dispatch()
    mark_sent(tenant, "C1", "R1", "m-mine")
    mark_sent(other, "C1", "R1", "m-theirs")

    # The other tenant's bounce names its own tenant: mine is not read at all.
    deliver(ses_event(other, "C1", "R1", "m-theirs", bounce("compta@un.fr")))
    assert action(tenant, "C1", "R1")["status"] == "sent"  # type: ignore[index]
    assert suppressions(tenant) == {} and alerts(tenant).keys().isdisjoint(
        {("C1", "email_bounced")}
    )

    # A tag naming my tenant on a message that is not my action's: ignored.
    forged = deliver(ses_event(tenant, "C1", "R1", "m-theirs", complaint("compta@un.fr")))
    assert forged["result"] == "ignored" and "message id" in forged["reason"]
    # An action my tenant does not have: ignored.
    unknown = deliver(ses_event(tenant, "C9", "R1", "m-x", bounce("x@y.fr")))
    assert (unknown["result"], unknown["reason"]) == ("ignored", "unknown action")
    assert action(tenant, "C1", "R1")["status"] == "sent"  # type: ignore[index]
    assert suppressions(tenant) == {}
    assert len(actions(store, tenant, "C1")) == 1
    # Only the other tenant's own letter went to the dispatch queue.
    mine_or_other = [m["tenant_id"] for m in drain_dispatch() if m["tenant_id"] in (tenant, other)]
    assert mine_or_other == [other]


def test_an_event_before_the_send_is_recorded_is_retried(tenant: str) -> None:
    from relance.services.deliverability import NotSentYet

    with pytest.raises(NotSentYet):  # Lambda's asynchronous retry comes back to it
        deliver(ses_event(tenant, "C1", "R1", "m-early", bounce("compta@un.fr")))
    assert action(tenant, "C1", "R1")["status"] == "queued"  # type: ignore[index]


def test_foreign_events_are_acknowledged_and_logged(aws: object) -> None:
    answer = deliver({"detail-type": "Email Opened", "source": "aws.ses", "detail": {}})
    assert answer["result"] == "ignored"


# -- the whole loop, with the real dispatch ------------------------------------------------


def test_the_whole_loop_with_the_real_dispatch(store: Any, aws: Any) -> None:
    """Nightly run -> dispatch (moto SES) -> SES bounce -> letter -> dispatch (PDF in S3)."""
    import io
    import os

    from pypdf import PdfReader

    from local import standins
    from local.nightly import run_dispatch
    from relance.services.wiring import dispatch_service

    # As tests/integration/test_dispatch.py prepares sending (same names: one cached service).
    os.environ["RELANCE_DOCUMENTS_BUCKET"] = bucket = "relance-test-documents"
    os.environ["RELANCE_DEFAULT_SENDER"] = sender = "relances@relance.test"
    os.environ["RELANCE_SEND_RATE"] = "200"
    standins.ensure_resources(aws, os.environ["RELANCE_TABLE"], [bucket])
    standins.ensure_sending(aws, [sender])  # type: ignore[arg-type]

    tenant = make_tenant(store)
    drain_dispatch()
    assert run_nightly(tenant, DAY1)["failed"] == []
    sent = run_dispatch()
    assert (sent["done"], sent["failed"]) == (3, [])
    email = action(tenant, "C1", "R1")
    assert email is not None and email["status"] == "sent" and email["message_id"]

    bounced = bounce(email["recipients"][0])
    answer = deliver(ses_event(tenant, "C1", "R1", email["message_id"], bounced))
    assert (answer["result"], answer["fallback"]) == ("bounced", "letter")
    produced = run_dispatch()
    assert (produced["done"], produced["failed"]) == (1, [])

    letter = action(tenant, "C1", "R1-letter")
    assert letter is not None and (letter["channel"], letter["status"]) == ("letter", "sent")
    pdf = boto3.client("s3").get_object(Bucket=bucket, Key=letter["document_key"])["Body"].read()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "FA1" in text and "1 rue de la Paix" in text
    month = str(email["sent_at"])[:7]
    logged = {(row["step"], row["status"]) for row in dispatch_service().store.sent_log(
        tenant, month) if row["customer"] == "C1"}  # fmt: skip
    assert logged == {("R1", "bounced"), ("R1-letter", "produced")}
