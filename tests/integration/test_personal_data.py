"""Personal data (X3, B7) over HTTP against DynamoDB Local and moto: the export finds a
person everywhere, erasure leaves nothing of it in the tenant's items while amounts stay,
a later sync does not bring it back, the access log, the retention run, and who may ask.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from local.devserver import LambdaContextStandIn
from relance.api.routes.personal_data import (
    AccessLogPage,
    ErasureList,
    ErasureRecord,
    PersonalDataFile,
)
from relance.domain.records import Contact, Customer, LedgerLine
from relance.store.codec import from_item, to_item
from relance.store.deliverability import DeliverabilityStore
from relance.sync.protocol import CompanyResult, RecordsBatch, RunFinish, RunStart, encode_body
from tests.integration.test_ingest_api import call as relay_call
from tests.integration.userapi import user_request

pytestmark = pytest.mark.integration
EMAIL = "marie.dupont@client.fr"
# What must not survive the erasure anywhere in the tenant's items (case-folded).
MARIE = ("marie", "dupont", "06 11 22 33 44", "01 44 55 66 77", "12 rue des lilas")


def person(company: str = "BIJOU") -> list[Any]:
    """Marie, a customer's contact, in Sage: on the customer record and as a contact; Paul,
    another contact of the same customer, who is not erased."""
    return [
        Customer(company=company, number="C1", name="Bijouterie Lumière SARL",
                 contact_name="Marie Dupont", email=EMAIL, phone="01 44 55 66 77",
                 address="12 rue des Lilas", postal_code="75011", city="Paris",
                 created_on=date(2020, 1, 6)),
        Contact(company=company, customer="C1", number=1, last_name="Dupont",
                first_name="Marie", phone="01 44 55 66 77", mobile="06 11 22 33 44",
                email=EMAIL.upper()),
        Contact(company=company, customer="C1", number=2, last_name="Martin",
                first_name="Paul", email="paul.martin@client.fr"),
    ]  # fmt: skip


LINES = [
    LedgerLine(company="BIJOU", entry_number=n, journal="VTE", accounting_date=date(2026, 9, 1),
               due_date=date(2026, 10, 1), general_account="4110000", customer="C1",
               amount=Decimal(amount), invoice_number=f"FA{n}")
    for n, amount in ((1, "1200.50"), (2, "310.07"))
]  # fmt: skip


def sync(api_url: str, tenant: Any, records: list[Any], run_id: str) -> None:
    """One full relay run over HTTP: start, one batch per entity, finish."""

    def post(path: str, message: Any) -> dict[str, Any]:
        status, answer = relay_call(api_url, "POST", path, encode_body(message),
                                    key_id=tenant.key_id, secret=tenant.secret)  # fmt: skip
        assert status == 200, answer
        return answer

    now = datetime.now(UTC)
    post("/relay/runs", RunStart(run_id=run_id, mode="incremental", companies=["BIJOU"],
                                 started_at=now))  # fmt: skip
    by_entity: dict[str, list[Any]] = {}
    for record in records:
        by_entity.setdefault(record.entity, []).append(record)
    for seq, (entity, group) in enumerate(sorted(by_entity.items())):
        post("/relay/batches", RecordsBatch(run_id=run_id, company="BIJOU", entity=entity,  # type: ignore[arg-type]
                                            seq=seq, records=group))  # fmt: skip
    post(f"/relay/runs/{run_id}/finish",
         RunFinish(run_id=run_id, as_of=date(2026, 11, 23), finished_at=now,
                   companies=[CompanyResult(company="BIJOU")]))  # fmt: skip


def api(
    api_url: str,
    keys: Any,
    tenant: str,
    method: str,
    path: str,
    body: Any = None,
    role: str = "admin",
) -> tuple[int, Any]:
    status, text = user_request(api_url, keys, tenant, role, method, path, body)
    return status, json.loads(text) if text else None


def tenant_items(store: Any, tenant: str) -> list[dict[str, Any]]:
    """Every item of the tenant, read with a Scan (a test may; the product does not)."""
    request: dict[str, Any] = {
        "TableName": os.environ["RELANCE_TABLE"],
        "FilterExpression": "begins_with(PK, :t)",
        "ExpressionAttributeValues": {":t": {"S": f"T#{tenant}#"}},
    }
    found: list[dict[str, Any]] = []
    while True:
        page = store.client.scan(**request)
        found += [from_item({k: _readable(v) for k, v in i.items()}) for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _readable(attr: dict[str, Any]) -> dict[str, Any]:
    """Binary attributes (the gzip-packed summaries) as text: what they hold counts too."""
    if "B" not in attr:
        return attr
    raw = attr["B"]
    return {
        "S": (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8", "replace")
    }


def traces_of_marie(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(item, what of Marie it still holds), whole words only ("summaries" is no trace)."""
    text = [(f"{i['PK']} {i['SK']}", json.dumps(i, default=str).casefold()) for i in items]
    return [
        (where, needle)
        for where, blob in text
        for needle in MARIE
        if re.search(rf"\b{re.escape(needle)}\b", blob)
    ]


@pytest.fixture
def held(api_url: str, local_keys: Any, store: Any, tenant: Any) -> Any:
    """Marie, held in Sage records, a manual contact, the sent log and the suppression list."""
    sync(api_url, tenant, [*person(), *LINES], "run-0001")
    status, _ = api(api_url, local_keys, tenant.id, "PUT", "/customers/BIJOU/C1/details", {
        "contacts": [{"name": "Marie Dupont", "role": "Comptable",
                      "email": "Marie.Dupont@client.fr", "phone": "06 11 22 33 44"}],
        "version": 0})  # fmt: skip
    assert status == 200
    sent_at = datetime.now(UTC).isoformat()
    sent = {"PK": f"T#{tenant.id}#SENT#{sent_at[:7]}", "SK": f"{sent_at}#BIJOU#C1#R1#x",
            "item_type": "sent", "company": "BIJOU", "customer": "C1", "channel": "email",
            "recipients": [EMAIL, "compta@client.fr"], "amount": Decimal("1510.57"),
            "sent_at": sent_at}  # fmt: skip
    store.client.put_item(TableName=os.environ["RELANCE_TABLE"], Item=to_item(sent))
    # The reminder's action item, as the dispatch leaves it: with its recipients.
    action = {"PK": f"T#{tenant.id}#CO#BIJOU#CUST#C1", "SK": "ACTION#2026-11-20#R1",
              "GSI1PK": f"T#{tenant.id}#CO#BIJOU#CUST#C1", "GSI1SK": "ACTION#2026-11-20#R1",
              "item_type": "action", "as_of": "2026-11-20", "step": "R1", "status": "sent",
              "channel": "email",
              "recipients": [EMAIL], "amount": Decimal("1510.57")}  # fmt: skip
    store.client.put_item(TableName=os.environ["RELANCE_TABLE"], Item=to_item(action))
    DeliverabilityStore(os.environ["RELANCE_TABLE"], store.client).suppress(
        tenant.id, EMAIL, {"reason": "complaint", "at": sent_at}
    )
    return tenant


def test_the_export_finds_the_person_everywhere_and_says_where_from(
    api_url: str, local_keys: Any, held: Any
) -> None:
    status, found = api(
        api_url, local_keys, held.id, "GET", "/personal-data?email=MARIE.Dupont%40client.fr"
    )
    assert status == 200, found
    PersonalDataFile.model_validate(found)  # the answer the OpenAPI document declares
    where = sorted((i["kind"], i["source"]) for i in found["items"])
    assert where == [("action", "dispatch"), ("contact", "sage"), ("customer", "sage"),
                     ("manual_contact", "hand-entered"),
                     ("sent_log", "dispatch"), ("suppression", "deliverability")]  # fmt: skip
    contact = next(i for i in found["items"] if i["kind"] == "contact")
    assert contact["fields"]["mobile"] == "06 11 22 33 44"
    assert (contact["company"], contact["customer"]) == ("BIJOU", "C1")
    # Paul is another person: nothing of his is in Marie's file.
    assert "paul" not in json.dumps(found).casefold()


def test_the_export_finds_a_user_and_refuses_an_unknown_person(
    api_url: str, local_keys: Any, tenant: Any
) -> None:
    status, _ = api(api_url, local_keys, tenant.id, "POST", "/users",
                    {"email": "chef@ours.fr", "display_name": "Chef", "role": "admin"})  # fmt: skip
    assert status == 201
    status, found = api(
        api_url, local_keys, tenant.id, "GET", "/personal-data?email=chef%40ours.fr"
    )
    assert status == 200
    assert [i["kind"] for i in found["items"]] == ["user"]
    status, answer = api(api_url, local_keys, tenant.id, "GET", "/personal-data?email=x%40y.fr")
    assert (status, answer["error"]["code"]) == (404, "no_personal_data")
    status, answer = api(api_url, local_keys, tenant.id, "GET", "/personal-data?email=pas-un-email")
    assert status == 422 and "email" in json.dumps(answer)


def test_erasure_leaves_nothing_of_the_contact_keeps_the_amounts_and_a_resync_does_not_restore_it(
    api_url: str, local_keys: Any, store: Any, held: Any
) -> None:
    before = tenant_items(store, held.id)
    assert traces_of_marie(before)  # the test would see her
    lines_before = sorted(
        (i["SK"], i["amount"]) for i in before if i.get("item_type") == "ledger_line"
    )

    status, record = api(
        api_url, local_keys, held.id, "POST", "/personal-data/erasures", {"email": EMAIL}
    )
    assert status == 201, record
    ErasureRecord.model_validate(record)
    assert record["items"] == {"customer": 1, "contact": 1, "manual_contact": 1, "sent_log": 1,
                               "action": 1, "suppression": 1}  # fmt: skip
    after = tenant_items(store, held.id)
    assert traces_of_marie(after) == []
    assert (
        sorted((i["SK"], i["amount"]) for i in after if i.get("item_type") == "ledger_line")
        == lines_before
    )
    amounts = {
        i["item_type"]: i["amount"] for i in after if i.get("item_type") in ("action", "sent")
    }
    assert amounts == {"action": Decimal("1510.57"), "sent": Decimal("1510.57")}
    # Paul, the sent log's other recipient and the customer's own name are still there.
    status, card = api(api_url, local_keys, held.id, "GET", "/customers/BIJOU/C1")
    assert status == 200
    assert card["customer"]["name"] == "Bijouterie Lumière SARL"
    assert card["total"] == "1510.57"
    assert {c["email"] for c in card["contacts"]} == {"", "paul.martin@client.fr"}
    assert "compta@client.fr" in json.dumps(after, default=str)
    # The record says who and what kinds; never the address.
    status, log = api(api_url, local_keys, held.id, "GET", "/personal-data/erasures")
    assert status == 200 and log["erasures"][0]["by"] == "u-admin"
    assert "marie" not in json.dumps(log).casefold()

    # Sage still has Marie: the next sync sends her again, and she stays erased.
    sync(api_url, held, [*person(), *LINES], "run-0002")
    assert traces_of_marie(tenant_items(store, held.id)) == []
    status, card = api(api_url, local_keys, held.id, "GET", "/customers/BIJOU/C1")
    assert {c["email"] for c in card["contacts"]} == {"", "paul.martin@client.fr"}
    status, answer = api(
        api_url, local_keys, held.id, "POST", "/personal-data/erasures", {"email": EMAIL}
    )
    assert (status, answer["error"]["code"]) == (404, "no_personal_data")  # nothing left to erase


def test_only_the_tenants_admins_may_export_or_erase(
    api_url: str, local_keys: Any, store: Any, held: Any, new_tenant: Any
) -> None:
    other = new_tenant()
    for method, path, body in (("GET", "/personal-data?email=marie.dupont%40client.fr", None),
                               ("POST", "/personal-data/erasures", {"email": EMAIL})):  # fmt: skip
        assert api(api_url, local_keys, other.id, method, path, body)[0] == 404
        for role in ("user", "viewer"):
            status, answer = api(api_url, local_keys, held.id, method, path, body, role=role)
            assert (status, answer["error"]["code"]) == (403, "role_too_low")
    assert traces_of_marie(tenant_items(store, held.id))  # nothing was erased


def test_every_card_view_is_in_the_access_log_for_admins_only(
    api_url: str, local_keys: Any, store: Any, tenant: Any
) -> None:
    store.register_companies(tenant.id, ["BIJOU"])
    store.write_records(tenant.id, [*person(), *LINES])
    for role in ("viewer", "user", "admin"):
        assert (
            api(api_url, local_keys, tenant.id, "GET", "/customers/BIJOU/C1", role=role)[0] == 200
        )
    status, page = api(api_url, local_keys, tenant.id, "GET", "/access-log?customer=C1")
    assert status == 200, page
    AccessLogPage.model_validate(page)
    assert [v["user_id"] for v in page["views"]] == ["u-admin", "u-user", "u-viewer"]
    assert {(v["company"], v["customer"]) for v in page["views"]} == {("BIJOU", "C1")}
    status, page = api(api_url, local_keys, tenant.id, "GET", "/access-log?user=u-user&limit=1")
    assert [v["user_id"] for v in page["views"]] == ["u-user"] and page["next"]
    status, rest = api(
        api_url, local_keys, tenant.id, "GET", f"/access-log?user=u-user&cursor={page['next']}"
    )
    assert rest["views"] == [] and rest["next"] is None
    status, answer = api(api_url, local_keys, tenant.id, "GET", "/access-log?cursor=pirate")
    assert (status, answer["error"]["details"]["field"]) == (422, "cursor")
    status, page = api(
        api_url, local_keys, tenant.id, "GET", "/access-log?from=2020-01-01&to=2020-12-31"
    )
    assert page["views"] == []
    status, answer = api(
        api_url, local_keys, tenant.id, "GET", "/access-log?from=2026-02-01&to=2026-01-01"
    )
    assert status == 422 and "from" in json.dumps(answer)
    assert api(api_url, local_keys, tenant.id, "GET", "/access-log", role="user")[0] == 403


def test_the_retention_run_erases_only_the_contacts_due(
    api_url: str, local_keys: Any, store: Any, tenant: Any
) -> None:
    old = [  # settled in 2022 (invoice and its payment), nothing since
        Customer(company="BIJOU", number="OLD", name="Ancien SARL", contact_name="Anne Ancien",
                 email="anne@ancien.fr", created_on=date(2019, 3, 1)),
        Contact(company="BIJOU", customer="OLD", number=1, last_name="Ancien", first_name="Anne",
                email="anne@ancien.fr"),
        LedgerLine(company="BIJOU", entry_number=10, journal="VTE", customer="OLD",
                   accounting_date=date(2022, 5, 2), general_account="4110000",
                   amount=Decimal("500")),
        LedgerLine(company="BIJOU", entry_number=11, journal="BQ", customer="OLD",
                   accounting_date=date(2022, 6, 2), general_account="4110000",
                   amount=Decimal("-500")),
    ]  # fmt: skip
    store.register_companies(tenant.id, ["BIJOU"])
    store.write_records(tenant.id, [*person(), *LINES, *old])
    from functions.retention import handler

    answer = handler.handler({"tenant_id": tenant.id, "as_of": "2026-11-23"},
                             LambdaContextStandIn("retention"))  # type: ignore[arg-type]  # fmt: skip
    assert answer["erasures"] == {tenant.id: 1}
    _, log = api(api_url, local_keys, tenant.id, "GET", "/personal-data/erasures")
    assert [(e["customer"], e["items"]) for e in log["erasures"]] == [
        ("OLD", {"customer": 1, "contact": 1})
    ]
    blob = json.dumps(tenant_items(store, tenant.id), default=str).casefold()
    assert "anne" not in blob
    assert EMAIL in blob  # C1 has open invoices: Marie stays
    ErasureList.model_validate(log)
    assert [(e["by"], e["reason"]) for e in log["erasures"]] == [("retention", "retention")]
    # A second run finds nothing more to do.
    again = handler.handler({"tenant_id": tenant.id, "as_of": "2026-11-23"},
                            LambdaContextStandIn("retention"))  # type: ignore[arg-type]  # fmt: skip
    assert again["erasures"] == {tenant.id: 0}


def test_no_personal_data_reaches_the_logs(
    api_url: str, local_keys: Any, store: Any, held: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from relance.api.http import logger

    level = logger.log_level
    logger.setLevel("DEBUG")  # everything the functions log, down to debug
    try:
        caplog.clear()
        path = "/personal-data?email=marie.dupont%40client.fr"
        assert api(api_url, local_keys, held.id, "GET", path, role="viewer")[0] == 403
        assert api(api_url, local_keys, held.id, "GET", path)[0] == 200
        assert api(api_url, local_keys, held.id, "GET", "/customers/BIJOU/C1")[0] == 200
        body = {"email": EMAIL}
        assert api(api_url, local_keys, held.id, "POST", "/personal-data/erasures", body)[0] == 201
        sync(api_url, held, [*person(), *LINES], "run-0002")
        # Each record with its structured keys (what the JSON log line would hold).
        logged = [json.dumps(vars(r), default=str) for r in caplog.records]
    finally:
        logger.setLevel(level)
    text = " ".join(logged).casefold()
    assert "role_too_low" in text  # the logs were captured: the 403 was logged
    assert [n for n in MARIE if re.search(rf"\b{re.escape(n)}\b", text)] == []
