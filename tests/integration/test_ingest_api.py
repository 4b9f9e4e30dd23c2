"""The ingest API over HTTP against DynamoDB Local and moto: signatures, idempotency, 4xx.

Requests are built and signed here by hand (the relay's own client is tested end to end in
test_sync_end_to_end.py), so each refusal case can be crafted exactly.
"""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.request
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from relance.domain.records import Customer, LedgerLine
from relance.sync.protocol import RecordsBatch, RunFinish, RunStart, encode_body
from relance.sync.signing import signed_headers

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def call(
    api_url: str,
    method: str,
    path: str,
    body: bytes,
    *,
    key_id: str,
    secret: str,
    at: int | None = None,
    tamper: bool = False,
) -> tuple[int, dict[str, Any]]:
    headers = signed_headers(key_id, secret, method, path, body, at or int(time.time()))
    if tamper:
        body = body[:-1] + bytes([body[-1] ^ 1])
    request = urllib.request.Request(
        api_url + path,
        data=body if method != "GET" else None,
        method=method,
        headers={**headers, "Content-Type": "application/gzip"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def line(no: int, amount: str, customer: str = "C1") -> LedgerLine:
    return LedgerLine(
        company="BIJOU",
        entry_number=no,
        journal="VTE",
        accounting_date=date(2026, 9, 1),
        due_date=date(2026, 10, 1),
        general_account="4110000",
        customer=customer,
        amount=Decimal(amount),
        invoice_number=f"FA{no}",
    )


def start_run(api_url: str, tenant: Any, run_id: str = "run-0001") -> None:
    start = RunStart(run_id=run_id, mode="full", companies=["BIJOU"], started_at=NOW)
    status, _ = call(
        api_url,
        "POST",
        "/relay/runs",
        encode_body(start),
        key_id=tenant.key_id,
        secret=tenant.secret,
    )
    assert status == 200


def records_batch(run_id: str = "run-0001", seq: int = 0) -> RecordsBatch:
    return RecordsBatch(
        run_id=run_id,
        company="BIJOU",
        entity="ledger_line",
        seq=seq,
        records=[line(1, "120.50"), line(2, "-20.25")],
    )


def stored_lines(store: Any, tenant: Any) -> list[LedgerLine]:
    return sorted(store.records(tenant.id, "BIJOU", "ledger_line"), key=lambda r: r.entry_number)


def test_a_signed_batch_is_stored_once_and_a_replay_changes_nothing(
    api_url: str, tenant: Any, store: Any
) -> None:
    start_run(api_url, tenant)
    body = encode_body(records_batch())
    first = call(
        api_url, "POST", "/relay/batches", body, key_id=tenant.key_id, secret=tenant.secret
    )
    again = call(
        api_url, "POST", "/relay/batches", body, key_id=tenant.key_id, secret=tenant.secret
    )

    assert first == (200, {"batch_id": records_batch().batch_id, "status": "stored", "written": 2})
    assert again[1]["status"] == "duplicate"
    lines = stored_lines(store, tenant)
    assert [(x.entry_number, x.amount) for x in lines] == [
        (1, Decimal("120.50")),
        (2, Decimal("-20.25")),
    ]


@pytest.mark.parametrize("attack", ["tampered", "expired", "other tenant's key", "unknown key"])
def test_a_badly_signed_batch_is_refused_and_writes_nothing(
    api_url: str, new_tenant: Any, store: Any, attack: str
) -> None:
    victim, attacker = new_tenant(), new_tenant()
    start_run(api_url, victim)
    body = encode_body(records_batch())
    key_id, secret, at, tamper = victim.key_id, victim.secret, None, False
    if attack == "tampered":
        tamper = True
    elif attack == "expired":
        at = int(time.time()) - 301
    elif attack == "other tenant's key":
        secret = attacker.secret  # signed with another tenant's secret under victim's key id
    else:
        key_id = "k-does-not-exist"
    status, answer = call(
        api_url,
        "POST",
        "/relay/batches",
        body,
        key_id=key_id,
        secret=secret,
        at=at,
        tamper=tamper,
    )

    assert status == 401
    assert answer["error"]["message_fr"]
    assert stored_lines(store, victim) == []


def test_another_tenants_connector_writes_into_its_own_tenant_only(
    api_url: str, new_tenant: Any, store: Any
) -> None:
    first, second = new_tenant(), new_tenant()
    start_run(api_url, first)
    start_run(api_url, second)
    body = encode_body(records_batch())
    status, _ = call(
        api_url, "POST", "/relay/batches", body, key_id=second.key_id, secret=second.secret
    )

    assert status == 200
    assert stored_lines(store, first) == []
    assert len(stored_lines(store, second)) == 2


def test_malformed_batches_get_a_clear_4xx_and_write_nothing(
    api_url: str, tenant: Any, store: Any
) -> None:
    start_run(api_url, tenant)
    good = records_batch().model_dump(mode="json")
    bad_amount = json.loads(json.dumps(good))
    bad_amount["records"][1]["amount"] = "douze euros"
    wrong_company = json.loads(json.dumps(good))
    wrong_company["records"][0]["company"] = "AUTRE"
    cases = {
        "not gzip json": b"\x1f\x8bnot really gzip",
        "bad amount": gzip.compress(json.dumps(bad_amount).encode()),
        "record of another company": gzip.compress(json.dumps(wrong_company).encode()),
    }
    for name, body in cases.items():
        status, answer = call(
            api_url, "POST", "/relay/batches", body, key_id=tenant.key_id, secret=tenant.secret
        )
        assert 400 <= status < 500, name
        assert answer["error"]["message"], name
    status, answer = call(
        api_url,
        "POST",
        "/relay/batches",
        cases["bad amount"],
        key_id=tenant.key_id,
        secret=tenant.secret,
    )
    assert answer["error"]["details"][0]["where"].endswith("records.1.ledger_line.amount")
    assert stored_lines(store, tenant) == []
    # A batch the run refused is kept on the run, for the sync history screen.
    (run,) = store.list_runs(tenant.id)
    assert run["error_count"] == 1
    assert run["errors"][0]["code"] == "record_mismatch"


def test_a_batch_for_a_run_never_started_is_refused(api_url: str, tenant: Any) -> None:
    body = encode_body(records_batch(run_id="never-started"))
    status, answer = call(
        api_url, "POST", "/relay/batches", body, key_id=tenant.key_id, secret=tenant.secret
    )
    assert status == 404
    assert answer["error"]["code"] == "unknown_run"


def test_finish_without_a_complete_key_set_deletes_nothing(
    api_url: str, tenant: Any, store: Any
) -> None:
    start_run(api_url, tenant)
    call(
        api_url,
        "POST",
        "/relay/batches",
        encode_body(records_batch()),
        key_id=tenant.key_id,
        secret=tenant.secret,
    )
    finish = RunFinish.model_validate(
        {
            "run_id": "run-0001",
            "as_of": "2026-11-23",
            "finished_at": NOW.isoformat(),
            "companies": [{"company": "BIJOU", "key_batches": {"ledger_line": 1}}],
        }
    )
    status, answer = call(
        api_url,
        "POST",
        "/relay/runs/run-0001/finish",
        encode_body(finish),
        key_id=tenant.key_id,
        secret=tenant.secret,
    )
    assert status == 409
    assert answer["error"]["code"] == "key_set_incomplete"
    assert len(stored_lines(store, tenant)) == 2


def test_customer_card_items_come_in_one_query(store: Any, tenant: Any) -> None:
    customer = Customer(company="BIJOU", number="C1", name="Bijouterie Martin")
    store.write_records(tenant.id, [customer, line(1, "10"), line(2, "5", customer="C2")])
    items = store.customer_items(tenant.id, "BIJOU", "C1")
    assert sorted(i["item_type"] for i in items) == ["customer", "ledger_line"]
