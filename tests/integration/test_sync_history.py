"""Payment history through the relay: Sage (SQLite through the real ODBC stack) -> relay ->
local API -> DynamoDB Local.

Settled (lettered) lines of the last 24 months arrive as their own record kind, one Query
per customer, kept up to date by incremental runs; the open lines and the aged-balance
control are what they were.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from bench.sagegen.generate import generate_company
from bench.sagegen.mutate import apply_changes
from relance.domain.payments import settled_invoices
from relance.relay.runner import run_sync
from relance.sage.dialect import Dialect
from relance.sage.extract import connect, extract
from relance.sage.queries import history_start
from relance.sage.settings import SyncSettings
from tests.integration.test_sync_end_to_end import relay_config

pytestmark = pytest.mark.integration
AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sage-history")
    return generate_company(
        folder / "BIJOU.db", "BIJOU", customers=40, lines=900, as_of=AS_OF, seed=11
    ).path


@pytest.fixture
def source(template: Path, tmp_path: Path) -> dict[str, Path]:
    copy = tmp_path / template.name
    copy.write_bytes(template.read_bytes())
    return {"BIJOU": copy}


def sage_records(path: Path, entity: str, as_of: date = AS_OF) -> list[Any]:
    conn = connect(f"DRIVER={{SQLite3}};Database={path}", Dialect.SQLITE)
    try:
        records = extract(conn, Dialect.SQLITE, "BIJOU", entity, SyncSettings(), as_of=as_of)  # type: ignore[arg-type]
        return sorted(records, key=lambda r: r.entry_number)
    finally:
        conn.close()


def held(store: Any, tenant: str, entity: str) -> list[Any]:
    return sorted(store.records(tenant, "BIJOU", entity), key=lambda r: r.entry_number)


def test_settled_lines_arrive_as_history_per_customer_and_open_lines_stay_open(
    api_url: str, new_tenant: Any, store: Any, source: dict[str, Path], tmp_path: Path
) -> None:
    tenant, other = new_tenant(), new_tenant()
    summary = run_sync(relay_config(api_url, tenant, source, tmp_path / "s"), mode="full",
                       as_of=AS_OF)  # fmt: skip

    history = held(store, tenant.id, "settled_line")
    assert history == sage_records(source["BIJOU"], "settled_line")
    assert len(history) > 100 and {h.entity for h in history} == {"settled_line"}
    assert all(h.lettering and h.lettering.isupper() for h in history)
    # The open lines are exactly Sage's open lines, none of them history; the control holds.
    open_lines = held(store, tenant.id, "ledger_line")
    assert open_lines == sage_records(source["BIJOU"], "ledger_line")
    assert not {h.entry_number for h in history} & {o.entry_number for o in open_lines}
    assert summary.controls == {"BIJOU": True}
    assert summary.records_sent["BIJOU"]["settled_line"] == len(history)

    # One customer's history is one Query, and reads as payments inside the window.
    customer, _ = Counter(h.customer for h in history).most_common(1)[0]
    own = store.customer_history(tenant.id, "BIJOU", customer)
    assert sorted(own, key=lambda r: r.entry_number) == [
        h for h in history if h.customer == customer
    ]
    paid = settled_invoices(own)
    assert paid and all(p.paid_on >= history_start(AS_OF) for p in paid)
    # The card's Query does not carry the history; another tenant sees none of it.
    card = store.customer_items(tenant.id, "BIJOU", customer)
    assert {i["item_type"] for i in card} >= {"customer", "ledger_line"}
    assert "settled_line" not in {i["item_type"] for i in card}
    assert store.customer_history(other.id, "BIJOU", customer) == []


def test_a_payment_lettered_in_sage_arrives_as_history_at_the_next_sync(
    api_url: str, new_tenant: Any, store: Any, source: dict[str, Path], tmp_path: Path
) -> None:
    tenant = new_tenant()
    config = relay_config(api_url, tenant, source, tmp_path / "s")
    run_sync(config, mode="full", as_of=AS_OF)
    before = {h.entry_number for h in held(store, tenant.id, "settled_line")}
    paid_on = datetime(2026, 11, 24, 7, 30)  # noqa: DTZ001 - Sage local time
    changes = apply_changes(source["BIJOU"], fraction=0.05, now=paid_on, seed=5)
    with sqlite3.connect(source["BIJOU"]) as conn:
        lettered = {
            conn.execute("SELECT EC_No FROM F_ECRITUREC WHERE cbMarq = ?", (mark,)).fetchone()[0]
            for mark in changes.lettered
        }
    assert lettered

    summary = run_sync(config, mode="incremental", as_of=AS_OF)

    history = held(store, tenant.id, "settled_line")
    assert history == sage_records(source["BIJOU"], "settled_line")
    arrived = {h.entry_number for h in history} - before
    assert lettered <= arrived  # each invoice, and its payment beside it
    assert len(arrived) >= 2 * len(lettered)
    open_lines = held(store, tenant.id, "ledger_line")
    assert open_lines == sage_records(source["BIJOU"], "ledger_line")
    assert not lettered & {o.entry_number for o in open_lines}
    assert summary.report["companies"][0]["deleted"]["ledger_line"] >= len(lettered)
    assert summary.controls == {"BIJOU": True}
    # Incremental: only what changed was read and sent.
    assert 0 < summary.records_sent["BIJOU"]["settled_line"] < len(history) / 2

    invoice = next(h for h in history if h.entry_number in lettered)
    own = store.customer_history(tenant.id, "BIJOU", invoice.customer)
    (settled,) = [p for p in settled_invoices(own) if p.entry_number == invoice.entry_number]
    assert settled.paid_on == paid_on.date() and settled.amount == invoice.amount


def test_history_older_than_24_months_leaves_the_copy(
    api_url: str, new_tenant: Any, store: Any, source: dict[str, Path], tmp_path: Path
) -> None:
    tenant = new_tenant()
    config = relay_config(api_url, tenant, source, tmp_path / "s")
    run_sync(config, mode="full", as_of=AS_OF)
    count = len(held(store, tenant.id, "settled_line"))
    later = date(2027, 11, 23)

    summary = run_sync(config, mode="incremental", as_of=later)

    history = held(store, tenant.id, "settled_line")
    assert history == sage_records(source["BIJOU"], "settled_line", later)
    assert 0 < len(history) < count
    assert summary.report["companies"][0]["deleted"]["settled_line"] == count - len(history)
    assert all(p.paid_on >= date(2025, 11, 23) for p in settled_invoices(history))
    assert summary.controls == {"BIJOU": True}
