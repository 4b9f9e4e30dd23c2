"""Events for integrators (B8), as an integrator receives them: a rule on the integration
bus (moto EventBridge over HTTP) for one tenant's events, targeting an SQS queue; each
event read back from the queue must match its published JSON Schema (docs/events), carry
the business ids and exact amounts, and arrive once per business event."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
from botocore.stub import Stubber

from local.event_schemas import FOLDER, schema_path, schema_text
from local.nightly import drain_dispatch, run_dispatch, run_nightly
from relance.domain.integration_events import EVENT_TYPES, DisputeOpened
from relance.domain.receivables import summarize
from relance.domain.records import Customer, Journal, LedgerLine
from relance.store.integration_events import EVENT_BUS_ENV, EventBus, entry
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
BUS = "relance-integration-test"
TODAY = datetime.now(UTC).date()
D = Decimal


@pytest.fixture(scope="module", autouse=True)
def bus(aws: Any) -> Iterator[str]:
    events = boto3.client("events")
    if not any(b["Name"] == BUS for b in events.list_event_buses()["EventBuses"]):
        events.create_event_bus(Name=BUS)
    os.environ[EVENT_BUS_ENV] = BUS
    yield BUS
    os.environ.pop(EVENT_BUS_ENV, None)


def subscribe(tenant: str) -> str:
    """An integrator's subscription: a rule matching this tenant's events -> a queue."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName=f"integrator-{tenant}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = {"source": ["relance"], "detail": {"tenant_id": [tenant]}}
    events.put_rule(Name=f"integrator-{tenant}", EventBusName=BUS,
                    EventPattern=json.dumps(pattern))  # fmt: skip
    events.put_targets(Rule=f"integrator-{tenant}", EventBusName=BUS,
                       Targets=[{"Id": "queue", "Arn": arn}])  # fmt: skip
    return url


def received(url: str) -> list[dict[str, Any]]:
    """Every event on the queue, each checked against its published schema."""
    sqs = boto3.client("sqs")
    found: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        if not got.get("Messages"):
            break
        for message in got["Messages"]:
            event = json.loads(message["Body"])
            schema = json.loads(schema_path(FOLDER, event["detail-type"]).read_text())
            jsonschema.validate(event, schema)
            found.append(event)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def details(events: list[dict[str, Any]], detail_type: str) -> list[dict[str, Any]]:
    return [e["detail"] for e in events if e["detail-type"] == detail_type]


def ledger(entry: int, customer: str, amount: str, due: date) -> LedgerLine:
    return LedgerLine(
        company="BIJOU", entry_number=entry, journal="VTE", accounting_date=due - timedelta(30),
        due_date=due, general_account="4110000", customer=customer,
        invoice_number=f"FA{entry}", amount=D(amount),
    )  # fmt: skip


def seed(store: Any, tenant: str) -> None:
    """BIJOU: C1 owes 1000.10 (entry 10) and 250.55 (entry 11), both 6 days late."""
    store.register_companies(tenant, ["BIJOU"])
    customers = [Customer(company="BIJOU", number="C1", name="Bijouterie Dupont",
                          email=f"compta@{tenant}.fr", address="1 rue de la Paix",
                          postal_code="69002", city="Lyon")]  # fmt: skip
    late = TODAY - timedelta(days=6)
    lines = [ledger(10, "C1", "1000.10", late), ledger(11, "C1", "250.55", late)]
    journal = Journal(company="BIJOU", code="VTE", label="Ventes", type=1)
    store.write_records(tenant, [*customers, *lines, journal])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", customers, lines, TODAY))


def test_the_published_schemas_are_the_models_schemas() -> None:
    for kind in EVENT_TYPES:
        path = schema_path(FOLDER, kind.detail_type)
        assert path.read_text() == schema_text(kind), f"{path}: run python -m local.event_schemas"


def test_disputes_and_promises_reach_the_integrator_once_each_with_their_amounts(
    api_url: str, local_keys: Any, store: Any
) -> None:
    tenant = f"t-{secrets.token_hex(4)}"
    seed(store, tenant)
    queue = subscribe(tenant)
    other = f"t-{secrets.token_hex(4)}"
    seed(store, other)
    other_queue = subscribe(other)

    def call(method: str, path: str, body: Any, key: str | None = None) -> Any:
        headers = {"Idempotency-Key": key} if key else None
        status, answer = user_json(api_url, local_keys, tenant, "user", method, path, body,
                                   headers=headers)  # fmt: skip
        assert status in (200, 201), answer
        return answer

    card = "/customers/BIJOU/C1"
    opened = {"reason": "price", "entries": [11], "note": "remise non appliquée"}
    dispute = call("POST", f"{card}/disputes", opened, key="dispute-1")
    assert call("POST", f"{card}/disputes", opened, key="dispute-1") == dispute  # a retry
    call("POST", f"{card}/disputes/{dispute['dispute_id']}/resolve",
         {"version": 1, "resolution": "avoir émis"})  # fmt: skip
    promised = {"amount": "1000.10", "promised_date": (TODAY + timedelta(days=3)).isoformat(),
                "entries": [10]}  # fmt: skip
    promise = call("POST", f"{card}/promises", promised)

    events = received(queue)
    assert sorted(e["detail-type"] for e in events) == [
        "relance.dispute.opened", "relance.dispute.resolved", "relance.promise.recorded",
    ]  # fmt: skip
    (was_opened,) = details(events, "relance.dispute.opened")
    assert was_opened["dispute_id"] == dispute["dispute_id"]
    assert (was_opened["tenant_id"], was_opened["company"], was_opened["customer"]) == (
        tenant, "BIJOU", "C1",
    )  # fmt: skip
    assert (was_opened["amount"], was_opened["entries"], was_opened["reason"]) == (
        "250.55", [11], "price",
    )  # fmt: skip
    (was_resolved,) = details(events, "relance.dispute.resolved")
    assert (was_resolved["dispute_id"], was_resolved["resolved_by"]) == (
        dispute["dispute_id"], "u-user",
    )  # fmt: skip
    (recorded,) = details(events, "relance.promise.recorded")
    assert (recorded["promise_id"], recorded["amount"], recorded["promised_date"]) == (
        promise["promise_id"], "1000.10", promised["promised_date"],
    )  # fmt: skip
    # The same dispute announced again (a retried emission) carries the same event id.
    again = DisputeOpened.of(**{k: v for k, v in was_opened.items() if k != "event_id"})
    assert again.event_id == was_opened["event_id"]
    assert received(other_queue) == []  # another integrator's rule sees none of them


def test_a_broken_promise_and_the_sync_that_found_it_are_announced(store: Any) -> None:
    from relance.auth.identity import Identity
    from relance.domain.followup import NewPromise
    from relance.services.followup import open_lines_by_customer
    from relance.services.wiring import followup_service, ingest_service
    from relance.sync.protocol import CompanyResult, RunFinish, RunStart

    tenant = f"t-{secrets.token_hex(4)}"
    seed(store, tenant)
    queue = subscribe(tenant)
    followup = followup_service()
    who = Identity(tenant=tenant, user_id="u-anne", role="user", email="anne@exemple.fr")
    file = followup.customer_file(who, "BIJOU", "C1", None, write=True)
    now = datetime.now(UTC)
    body = NewPromise(amount=D("250.55"), promised_date=TODAY, entries=[11])
    promise, _ = followup.make_promise(who, file, body, now)

    # A sync run the day after: nothing was paid, the promise is broken.
    ingest = ingest_service()
    run_id = f"run-{secrets.token_hex(4)}"
    started = RunStart(run_id=run_id, mode="incremental", companies=["BIJOU"], started_at=now)
    ingest.start_run(tenant, "k-test", started)
    finish = RunFinish(run_id=run_id, as_of=TODAY + timedelta(days=1), finished_at=now,
                       companies=[CompanyResult(company="BIJOU")])  # fmt: skip
    result = ingest.finish_run(tenant, finish, now + timedelta(days=1))
    assert result["companies"][0]["promises_decided"] == 1
    ingest.finish_run(tenant, finish, now + timedelta(days=1))  # a retried finish: no event
    lines = dict(store.line_aging_facts(tenant, "BIJOU"))
    followup.assess_promises(tenant, "BIJOU", open_lines_by_customer(lines),
                             TODAY + timedelta(days=2), now)  # fmt: skip  # decided already

    events = received(queue)
    assert sorted(e["detail-type"] for e in events) == [
        "relance.promise.broken", "relance.promise.recorded", "relance.sync.finished",
    ]  # fmt: skip
    (broken,) = details(events, "relance.promise.broken")
    assert (broken["promise_id"], broken["amount"], broken["paid"]) == (
        promise.promise_id, "250.55", "0",
    )  # fmt: skip
    assert broken["decided_on"] == (TODAY + timedelta(days=1)).isoformat()
    (finished,) = details(events, "relance.sync.finished")
    assert (finished["run_id"], finished["companies"], finished["promises_decided"]) == (
        run_id, ["BIJOU"], 1,
    )  # fmt: skip


def test_a_reminder_sent_is_announced_once_even_when_its_message_comes_twice(
    aws: Any, store: Any
) -> None:
    from local import standins
    from relance.domain.templates import CompanyInfo
    from relance.services.wiring import dispatch_service
    from relance.store.names import dispatch_queue_url

    os.environ.setdefault("RELANCE_DOCUMENTS_BUCKET", "relance-test-documents")
    os.environ.setdefault("RELANCE_DEFAULT_SENDER", "relances@relance.test")
    os.environ.setdefault("RELANCE_SEND_RATE", "200")
    standins.ensure_resources(aws, os.environ["RELANCE_TABLE"],
                              [os.environ["RELANCE_DOCUMENTS_BUCKET"]])  # fmt: skip
    standins.ensure_sending(aws, [os.environ["RELANCE_DEFAULT_SENDER"]])
    tenant = f"t-{secrets.token_hex(4)}"
    seed(store, tenant)
    dispatch_service().templates.save_company_info(
        tenant, CompanyInfo(legal_name="Ateliers Martin SAS", address="14 rue de la République",
                            postal_code="69002", city="Lyon"), 0,
    )  # fmt: skip
    queue = subscribe(tenant)
    drain_dispatch()
    assert run_nightly(tenant, TODAY)["failed"] == []
    (message,) = drain_dispatch(tenant)
    sqs = boto3.client("sqs")
    for _ in range(2):  # the same message delivered twice (SQS is at least once)
        sqs.send_message(QueueUrl=str(dispatch_queue_url()), MessageBody=json.dumps(message))
        assert run_dispatch()["failed"] == []

    (sent,) = details(received(queue), "relance.reminder.sent")
    assert (sent["action_key"], sent["customer"], sent["channel"]) == (
        message["key"], "C1", "email",
    )  # fmt: skip
    assert (sent["amount"], sent["invoice_numbers"], sent["as_of"]) == (
        "1250.65", ["FA10", "FA11"], TODAY.isoformat(),
    )  # fmt: skip


def test_a_bus_that_refuses_costs_the_user_nothing_and_is_counted(
    api_url: str, local_keys: Any, store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from relance.services.integration_events import announcer

    monkeypatch.setenv(EVENT_BUS_ENV, "no-such-bus")
    tenant = f"t-{secrets.token_hex(4)}"
    seed(store, tenant)
    before = announcer().failed
    status, dispute = user_json(api_url, local_keys, tenant, "user", "POST",
                                "/customers/BIJOU/C1/disputes", {"reason": "price"})  # fmt: skip
    assert status == 201, dispute
    status, card = user_json(api_url, local_keys, tenant, "viewer", "GET", "/customers/BIJOU/C1")
    assert [d["dispute_id"] for d in card["disputes"]] == [dispute["dispute_id"]]
    assert announcer().failed == before + 1


def test_entries_eventbridge_refuses_are_put_again_in_batches_of_ten() -> None:
    """EventBridge answers a partial failure entry by entry: only those go again."""
    client = boto3.client("events")
    now = datetime.now(UTC)
    events = [
        DisputeOpened.of(tenant_id="t-1", occurred_at=now, company="BIJOU", customer=f"C{n}",
                         dispute_id=f"d{n}", reason="price", amount=D("1.50"), opened_by="u")
        for n in range(12)
    ]  # fmt: skip
    ok = {"EventId": "e"}
    throttled = {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}
    with Stubber(client) as stub:
        first = [ok] * 9 + [throttled]
        stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": first})
        again = {"Entries": [entry(BUS, events[9])]}  # only the refused one goes again
        stub.add_response("put_events", {"FailedEntryCount": 0, "Entries": [ok]}, again)
        stub.add_response("put_events", {"FailedEntryCount": 2, "Entries": [throttled] * 2})
        stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": [ok, throttled]})
        stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": [throttled]})
        refused = EventBus(BUS, client, attempts=3, pause=0).put(events)
        stub.assert_no_pending_responses()
    assert [(e.customer, code) for e, code in refused] == [("C11", "ThrottlingException")]


def test_docs_name_every_event() -> None:
    text = (Path(FOLDER).parent / "events.md").read_text()
    for kind in EVENT_TYPES:
        assert kind.detail_type in text


def test_a_promise_and_a_dispute_said_on_the_phone_are_announced(
    api_url: str, local_keys: Any, store: Any
) -> None:
    from tests.integration.test_call_tasks import Seeder, two_calls
    from tests.integration.test_worklist_api import Api, paris_today

    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU"])
    store.write_records(tenant, [Journal(company="BIJOU", code="VTE", label="Ventes", type=1)])
    seeder, api = Seeder(store, tenant, [], []), Api(api_url, local_keys, tenant)
    first = two_calls(api, seeder)
    queue = subscribe(tenant)
    later = (paris_today() + timedelta(7)).isoformat()
    promised = {"outcome": "promise", "promise": {"amount": "500.00", "date": later,
                                                  "entries": [1]}}  # fmt: skip
    done = api.ok("user", "POST", f"/customers/BIJOU/C1/actions/{first}_R1/complete", promised,
                  user_id="marc")["items"][0]  # fmt: skip
    disputed = {"outcome": "dispute", "dispute": {"reason": "not_delivered", "entries": [2]}}
    said = api.ok("user", "POST", f"/customers/BIJOU/C2/actions/{first}_R1/complete", disputed,
                  user_id="marc")["items"][0]  # fmt: skip

    events = received(queue)
    (promise,) = details(events, "relance.promise.recorded")
    assert (promise["promise_id"], promise["customer"], D(promise["amount"])) == (
        done["promise_id"], "C1", D("500.00"),
    )  # fmt: skip
    assert (promise["promised_date"], promise["recorded_by"]) == (later, "marc")
    (dispute,) = details(events, "relance.dispute.opened")
    assert (dispute["dispute_id"], dispute["customer"], D(dispute["amount"])) == (
        said["dispute_id"], "C2", D("300.00"),
    )  # fmt: skip
    assert len(events) == 2
