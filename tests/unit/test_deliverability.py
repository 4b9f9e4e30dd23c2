"""SES events as EventBridge delivers them: what they mean for a reminder (B5). Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from relance.domain.deliverability import (
    Ignored,
    SesEvent,
    Verdict,
    action_ref,
    action_tag,
    decide,
    fallback_letter,
    letter_step,
    parse,
)
from relance.domain.dunning import (
    CustomerCase,
    Item,
    ProfileBook,
    Scenario,
    Step,
    default_settings,
    evaluate,
)
from relance.domain.dunning.contacts import recipient
from relance.domain.dunning.inputs import INVOICE
from relance.domain.records import Contact, Customer

KEY = "BIJOU#C1#R1#2026-11-02"
SENT_ID = "0102019a-abc-000000"


def ses(detail_type: str, detail: dict[str, Any], tags: dict[str, list[str]] | None = None):
    """An SES event as the EventBridge rule hands it to the function."""
    mail = {
        "timestamp": "2026-11-02T06:00:00.000Z",
        "source": "relances@bijou.fr",
        "messageId": SENT_ID,
        "destination": ["compta@un.fr"],
        "tags": {"ses:configuration-set": ["relance"], "tenant": [action_tag("t-1a2b3c4d")],
                 "action": [action_tag(KEY)]} if tags is None else tags,
    }  # fmt: skip
    return {
        "version": "0",
        "id": "5b1e6c1e-0000-4000-8000-000000000001",
        "detail-type": detail_type,
        "source": "aws.ses",
        "account": "123456789012",
        "time": "2026-11-02T06:01:00Z",
        "region": "eu-west-3",
        "resources": [],
        "detail": {"mail": mail, **detail},
    }


def bounce(kind: str = "Permanent", to: str = "Compta@Un.fr", **extra: Any) -> dict[str, Any]:
    return ses(
        "Email Bounced",
        {"eventType": "Bounce", "bounce": {
            "bounceType": kind, "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": to, "action": "failed", "status": "5.1.1",
                                   "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
            "timestamp": "2026-11-02T06:00:30.000Z", "feedbackId": "0102-f"}},
        **extra,
    )  # fmt: skip


def complaint() -> dict[str, Any]:
    return ses(
        "Email Complaint Received",
        {"eventType": "Complaint", "complaint": {
            "complainedRecipients": [{"emailAddress": "compta@un.fr"}],
            "timestamp": "2026-11-03T09:00:00.000Z", "feedbackId": "0102-c",
            "complaintFeedbackType": "abuse", "userAgent": "Mozilla/5.0"}},
    )  # fmt: skip


def delivery() -> dict[str, Any]:
    return ses(
        "Email Delivered",
        {"eventType": "Delivery", "delivery": {
            "timestamp": "2026-11-02T06:00:02.000Z", "processingTimeMillis": 1200,
            "recipients": ["compta@un.fr"], "smtpResponse": "250 2.0.0 OK",
            "reportingMTA": "a8-21.smtp-out.amazonses.com"}},
    )  # fmt: skip


def sent_action(**fields: Any) -> dict[str, Any]:
    action = {"key": KEY, "company": "BIJOU", "customer": "C1", "step": "R1",
              "as_of": "2026-11-02", "scenario": "standard", "channel": "email",
              "mode": "auto", "status": "sent", "message_id": SENT_ID,
              "recipients": ["compta@un.fr"], "lines": [{"entry": 1, "amount": Decimal("1200")}],
              "recipient": {"name": "Un", "email": "compta@un.fr", "source": "customer",
                            "role_matched": True, "address": []},
              "amount": Decimal("1200"), "template": "relance_1", "phase": "reminder",
              "level": 1, "assignee": "_", "sent_at": "2026-11-02T06:00:00+00:00"}  # fmt: skip
    return {**action, **fields}


def parsed(raw: dict[str, Any]) -> SesEvent:
    event = parse(raw)
    assert isinstance(event, SesEvent), event
    return event


# -- parsing -------------------------------------------------------------------------------


def test_a_permanent_bounce_names_the_tenant_the_action_and_the_address() -> None:
    event = parsed(bounce())
    assert event.kind == "bounce" and event.tenant == "t-1a2b3c4d"
    assert event.action.key == KEY and event.action.as_of == date(2026, 11, 2)
    assert event.addresses == ("compta@un.fr",)  # compared in lower case
    assert event.at == datetime(2026, 11, 2, 6, 0, 30, tzinfo=UTC)
    assert event.message_id == SENT_ID and event.detail == "Permanent/General"


def test_transient_bounce_complaint_and_delivery_are_told_apart() -> None:
    assert parsed(bounce("Transient")).kind == "soft_bounce"
    assert parsed(bounce("Undetermined")).kind == "soft_bounce"
    got = parsed(complaint())
    assert (got.kind, got.addresses, got.detail) == ("complaint", ("compta@un.fr",), "abuse")
    assert parsed(delivery()).kind == "delivery"


def test_a_plain_tenant_tag_is_read_too() -> None:
    raw = bounce(tags={"tenant": ["t-1a2b3c4d"], "action": [action_tag(KEY)]})
    assert parsed(raw).tenant == "t-1a2b3c4d"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}, "not an SES"),
        (bounce(tags={}), "no tenant tag"),
        (bounce(tags={"tenant": ["t-1a2b3c4d"]}), "no valid action tag"),
        (bounce(tags={"tenant": ["t-1a2b3c4d"], "action": ["!!"]}), "no valid action tag"),
        (bounce(tags={"tenant": ["t-1a2b3c4d"], "action": [action_tag("a#b#R9#2026-11-02")]}),
         "no valid action tag"),
        (bounce(tags={"tenant": ["../x"], "action": [action_tag(KEY)]}), "no tenant tag"),
        (ses("Email Opened", {"eventType": "Open", "open": {}}), "event type Open"),
        ({**bounce(), "source": "my.app"}, "source my.app"),
    ],
)  # fmt: skip
def test_foreign_or_malformed_events_are_ignored_with_a_reason(
    raw: dict[str, Any], reason: str
) -> None:
    got = parse(raw)
    assert isinstance(got, Ignored) and got.reason.startswith(reason)


def test_the_action_tag_round_trips_the_key() -> None:
    tag = action_tag("BIJOU#C 1/é#R5#2026-11-02")
    assert set(tag) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    ref = action_ref(tag)
    assert ref is not None and (ref.customer, ref.step) == ("C 1/é", "R5")


# -- deciding ------------------------------------------------------------------------------


def test_a_bounce_suppresses_alerts_and_falls_back() -> None:
    assert decide(parsed(bounce()), sent_action()) == Verdict(
        "bounced", ("compta@un.fr",), "email_bounced", True
    )


def test_a_complaint_suppresses_and_alerts_even_after_delivery() -> None:
    got = decide(parsed(complaint()), sent_action(status="delivered"))
    assert got == Verdict("complaint", ("compta@un.fr",), "email_complaint", True)


def test_delivery_and_soft_bounce_change_the_status_only() -> None:
    assert decide(parsed(delivery()), sent_action()) == Verdict("delivered", (), None, False)
    assert decide(parsed(bounce("Transient")), sent_action()) == Verdict(
        "soft_bounced", (), None, False
    )


@pytest.mark.parametrize(
    ("status", "raw"),
    [("bounced", bounce()), ("bounced", delivery()), ("complaint", bounce()),
     ("delivered", delivery()), ("bounced", bounce("Transient"))],
)  # fmt: skip
def test_repeated_or_late_news_changes_nothing(status: str, raw: dict[str, Any]) -> None:
    got = decide(parsed(raw), sent_action(status=status))
    assert isinstance(got, Ignored) and got.reason == f"already {status}"


def test_an_event_for_another_message_or_address_is_ignored() -> None:
    assert isinstance(decide(parsed(bounce()), sent_action(message_id="other")), Ignored)
    assert isinstance(decide(parsed(bounce(to="x@y.fr")), sent_action()), Ignored)
    assert isinstance(decide(parsed(bounce()), sent_action(channel="letter")), Ignored)
    assert isinstance(decide(parsed(bounce()), sent_action(status="to_do")), Ignored)


def test_no_fallback_while_another_recipient_can_still_be_reached() -> None:
    action = sent_action(recipients=["Un <compta@un.fr>", "dg@un.fr"])
    assert decide(parsed(bounce()), action) == Verdict(
        "bounced", ("compta@un.fr",), "email_bounced", False
    )
    # ... unless the other one was suppressed before.
    got = decide(parsed(bounce()), action, frozenset({"dg@un.fr"}))
    assert isinstance(got, Verdict) and got.fallback


# -- the fallback letter -------------------------------------------------------------------


def test_the_scenario_decides_whether_a_letter_replaces_the_email() -> None:
    settings = default_settings()
    step = letter_step(settings, "standard", "R1")
    assert step is not None and step.fallback_channel == "letter" and step.mode == "auto"
    assert letter_step(settings, "standard", "N1") is None  # the notice has no fallback
    assert letter_step(settings, "gone", "R1") is None


def test_the_letter_is_a_distinct_action_with_the_same_content() -> None:
    step = Step(phase="reminder", days=5, template="relance_1", fallback_channel="letter",
                mode="manual")  # fmt: skip
    letter = fallback_letter(sent_action(), step, ("UN SA", "1 rue X", "75001 Paris"), "bounced")
    assert letter["key"] == "BIJOU#C1#R1-letter#2026-11-02" and letter["step"] == "R1-letter"
    assert (letter["channel"], letter["mode"], letter["status"]) == ("letter", "manual", "to_do")
    assert letter["dunning_step"] == "R1" and letter["fallback_of"] == KEY
    assert letter["lines"] == sent_action()["lines"] and letter["amount"] == Decimal("1200")
    assert letter["recipient"]["address"] == ["UN SA", "1 rue X", "75001 Paris"]
    assert "message_id" not in letter and "sent_at" not in letter


# -- the nightly run's contact choice ------------------------------------------------------


def test_a_suppressed_address_is_skipped_for_the_next_contact() -> None:
    customer = Customer(company="BIJOU", number="C1", name="Un", email="Compta@un.fr")
    other = Contact(company="BIJOU", customer="C1", number=1, last_name="Dupont",
                    email="dupont@un.fr")  # fmt: skip
    assert recipient("email", "main", customer, [other]).email == "Compta@un.fr"  # type: ignore[union-attr]
    got = recipient("email", "main", customer, [other], suppressed={"compta@un.fr"})
    assert got is not None and got.email == "dupont@un.fr"
    assert recipient("email", "main", customer, [], suppressed={"compta@un.fr"}) is None


def test_the_run_falls_back_to_a_letter_for_a_suppressed_address() -> None:
    as_of = date(2026, 11, 20)
    customer = Customer(company="BIJOU", number="C1", name="Un", email="compta@un.fr",
                        address="1 rue X", postal_code="75001", city="Paris")  # fmt: skip
    item = Item(1, "VTE", INVOICE, as_of - timedelta(6), Decimal("1200"), "")
    case = CustomerCase(customer=customer, items=[item])
    book = ProfileBook.of(default_settings())
    (before,) = evaluate([case], book, as_of).actions
    assert before.channel == "email"
    out = evaluate([case], book, as_of, frozenset({"compta@un.fr"}))
    (after,) = out.actions
    assert (after.step, after.channel, after.fallback) == ("R1", "letter", True)
    assert [a.kind for a in out.alerts] == ["missing_email"]


def test_a_scenario_without_fallback_makes_a_task() -> None:
    as_of = date(2026, 11, 20)
    settings = default_settings().model_copy(
        update={"scenarios": [Scenario(scenario_id="standard", name="S", steps=[
            Step(phase="reminder", days=5, template="relance_1")])]}
    )  # fmt: skip
    customer = Customer(company="BIJOU", number="C1", name="Un", email="compta@un.fr")
    item = Item(1, "VTE", INVOICE, as_of - timedelta(6), Decimal("1200"), "")
    out = evaluate([CustomerCase(customer=customer, items=[item])], ProfileBook.of(settings),
                   as_of, frozenset({"compta@un.fr"}))  # fmt: skip
    (task,) = out.actions
    assert (task.channel, task.mode, task.recipient) == ("email", "manual", None)
