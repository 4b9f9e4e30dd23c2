"""The BI datasets (K6), pure: rows from records, money exact to the cent, nothing personal,
and the CSV / Parquet files a BI tool reads back to the same values."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from relance.domain import bi_datasets as ds
from relance.domain.aging import aged_balance
from relance.domain.bi_files import manifest, to_csv, to_parquet
from relance.domain.followup import Promise
from relance.domain.portfolios import Portfolio, PortfolioRule
from relance.domain.receivables import summarize
from relance.domain.records import Customer, LedgerLine, SettledLine
from relance.domain.users import User

DAY = date(2026, 11, 23)
T0 = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def line(entry: int, customer: str, late: int, amount: str, company: str = "BIJOU") -> LedgerLine:
    due = DAY - timedelta(days=late)
    return LedgerLine(company=company, entry_number=entry, journal="VTE",
                      accounting_date=due - timedelta(days=30), due_date=due,
                      general_account="4110000", customer=customer, amount=Decimal(amount),
                      label="Facture é,\"x\"")  # fmt: skip


LINES = [
    line(1, "C1", 45, "1000.10"),
    line(2, "C1", 45, "-0.10"),
    line(3, "C1", -3, "250.00"),
    line(4, "C2", 120, "19.99"),
    line(5, "C2", 10, "-19.99"),
    line(6, "C3", 1, "1234.567891"),
]


def test_money_is_exact_or_refused() -> None:
    assert ds.money(Decimal("12.5")) == Decimal("12.5")
    assert ds.money(Decimal("1234.567891")) == Decimal("1234.567891")  # Sage's six decimals
    assert ds.money(None) is None
    with pytest.raises(ds.NotExact):
        ds.money(Decimal("1.0000005"))


def test_ledger_rows_list_open_lines_then_settled_ones_with_their_aging_date() -> None:
    settled = SettledLine(company="BIJOU", entry_number=9, journal="VTE",
                          accounting_date=date(2026, 1, 5), general_account="4110000",
                          customer="C1", amount=Decimal("80"), lettering="AB")  # fmt: skip
    rows = ds.ledger_rows(reversed(LINES), [settled])
    assert [(r[2], r[3]) for r in rows] == [(1, "open"), (2, "open"), (3, "open"), (4, "open"),
                                            (5, "open"), (6, "open"), (9, "settled")]  # fmt: skip
    assert rows[-1][7] == date(2026, 1, 5)  # no due date: aged from its accounting date
    assert rows[-1][13] == Decimal("80.00")


def test_who_owes_what_adds_up_to_the_aged_balance_to_the_cent_and_skips_empty_buckets() -> None:
    rows = ds.who_owes_what_rows(LINES, DAY)
    balance = aged_balance("BIJOU", LINES, DAY)
    for customer, amounts in balance.customers.items():
        mine = {r[2]: r[3] for r in rows if r[1] == customer}
        assert sum(mine.values(), Decimal(0)) == amounts.total
        for bucket, amount in mine.items():
            assert amount == getattr(amounts, bucket)
    # C1: 1000.00 in 31-60 (1000.10 - 0.10), 250 not due; C2: +19.99 / -19.99 in two buckets.
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("C1", "not_due", Decimal("250.00")), ("C1", "d31_60", Decimal("1000.00")),
        ("C2", "d1_30", Decimal("-19.99")), ("C2", "over_90", Decimal("19.99")),
        ("C3", "d1_30", Decimal("1234.567891")),
    ]  # fmt: skip


def portfolio(user: str, **rule: object) -> Portfolio:
    return Portfolio(user_id=user, rules=[PortfolioRule.model_validate(rule)])


def test_a_customer_s_collector_is_the_first_portfolio_covering_it() -> None:
    customers = [Customer(company="BIJOU", number="C1", name="Alpha", rep_number=3,
                          email="compta@alpha.fr", contact_name="Marie Dupont"),
                 Customer(company="BIJOU", number="C2", name="Beta")]  # fmt: skip
    summaries = summarize("BIJOU", customers, LINES, DAY)
    collectors = [("u-rep3", portfolio("u-rep3", rep_number=3)),
                  ("u-all", portfolio("u-all", company="AUTRE"))]  # fmt: skip
    rows = ds.customer_rows(summaries, collectors, DAY)
    by_number = {r[1]: dict(zip(ds.CUSTOMERS.names, r, strict=True)) for r in rows}
    assert by_number["C1"]["collector"] == "u-rep3"
    assert by_number["C2"]["collector"] == ""
    assert by_number["C1"]["balance"] == Decimal("1250.00")
    assert by_number["C1"]["overdue"] == Decimal("1000.00")
    assert by_number["C2"]["days_late"] == 120
    text = json.dumps(rows, default=str)
    assert "compta@alpha.fr" not in text and "Dupont" not in text


def test_users_are_ids_roles_portfolios_and_languages_never_logins() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    users = [User(user_id="u2", email="zoe@pme.fr", display_name="Zoé", role="user",
                  created_at=at, updated_at=at),
             User(user_id="u1", email="admin@pme.fr", display_name="Anne", role="admin",
                  language="en", created_at=at, updated_at=at)]  # fmt: skip
    rows = ds.user_rows(users, {"u2": portfolio("u2", company="BIJOU")})
    rules = '{"customers":[],"rules":[{"company":"BIJOU"}]}'
    assert rows == [("u1", "admin", True, "en", ""), ("u2", "user", True, "fr", rules)]
    assert "@" not in json.dumps(rows) and "Zoé" not in json.dumps(rows)


def test_actions_done_keep_the_day_s_reminders_and_calls_without_recipients() -> None:
    start, end = T0, T0 + timedelta(days=1)
    sent = [
        {"sent_at": (T0 + timedelta(hours=2)).isoformat(), "company": "BIJOU", "customer": "C1",
         "step": "R1", "channel": "email", "status": "sent", "triggered_by": "nightly",
         "amount": Decimal("100.5"), "currency": "EUR", "as_of": "2026-11-01",
         "recipients": ["marie@client.fr"], "subject": "Relance Marie"},
        {"sent_at": (end + timedelta(seconds=1)).isoformat(), "company": "BIJOU",
         "customer": "C2", "amount": None},
    ]  # fmt: skip
    tasks = [
        {"company": "BIJOU", "customer": "C2", "step": "T", "channel": "phone", "as_of":
         "2026-10-30", "status": "done", "outcome": "promise", "done_by": "u1",
         "done_at": (T0 + timedelta(hours=1)).isoformat(), "amount": Decimal("40")},
        {"company": "BIJOU", "customer": "C3", "step": "T", "channel": "phone", "status":
         "to_do", "last_attempt_at": (T0 + timedelta(hours=3)).isoformat(),
         "last_attempt_by": "u2"},
        {"company": "BIJOU", "customer": "C4", "status": "to_do"},  # nothing done
    ]  # fmt: skip
    rows = ds.action_rows(sent, tasks, start, end)
    assert [(r[1], r[3], r[6], r[7]) for r in rows] == [
        ("task", "C2", "promise", "u1"), ("reminder", "C1", "sent", "nightly"),
        ("task", "C3", "no_answer", "u2"),
    ]  # fmt: skip
    assert rows[1][8] == Decimal("100.50")
    assert "marie" not in json.dumps(rows, default=str).casefold()


def test_promise_rows_leave_the_note_out() -> None:
    p = Promise(promise_id="p1", amount=Decimal("300"), promised_date=DAY, entries=[4, 7],
                note="Marie au 06 11 22 33 44", made_by="u1", made_at=T0, status="kept",
                paid=Decimal("300"))  # fmt: skip
    (row,) = ds.promise_rows([("BIJOU", "C1", p)])
    assert row == ("BIJOU", "C1", "p1", Decimal("300.00"), DAY, "kept", Decimal("300.00"),
                   "4 7", "u1", T0, None)  # fmt: skip


def test_csv_and_parquet_read_back_to_the_same_typed_values() -> None:
    rows = ds.ledger_rows(LINES, [])
    as_csv, as_parquet = to_csv(ds.LEDGER_ENTRIES, rows), to_parquet(ds.LEDGER_ENTRIES, rows)
    assert not as_csv.body.startswith(b"\xef\xbb\xbf")  # no BOM: BI tools read plain UTF-8
    read = list(csv.DictReader(io.StringIO(as_csv.body.decode("utf-8"))))
    assert list(read[0]) == ds.LEDGER_ENTRIES.names
    assert [r["amount"] for r in read] == [
        "1000.10", "-0.10", "250.00", "19.99", "-19.99", "1234.567891"
    ]  # fmt: skip
    assert read[0]["due_date"] == "2026-10-09" and read[0]["label"] == 'Facture é,"x"'
    assert read[0]["currency_amount"] == ""
    table = pq.read_table(io.BytesIO(as_parquet.body))
    assert table.schema.field("amount").type == pa.decimal128(24, 6)
    assert table.schema.field("due_date").type == pa.date32()
    assert table.column("amount").to_pylist() == [Decimal(r["amount"]) for r in read]
    assert table.column("label").to_pylist()[0] == 'Facture é,"x"'
    assert table.schema.metadata[b"schema_version"] == b"1"
    assert as_parquet.rows == as_csv.rows == 6


def test_an_empty_dataset_still_has_its_header_and_schema() -> None:
    as_csv, as_parquet = to_csv(ds.PROMISES, []), to_parquet(ds.PROMISES, [])
    assert as_csv.body.decode() == ",".join(ds.PROMISES.names) + "\r\n"
    table = pq.read_table(io.BytesIO(as_parquet.body))
    assert table.num_rows == 0 and table.schema.names == ds.PROMISES.names


def test_the_manifest_describes_each_file_and_the_schema() -> None:
    f = to_csv(ds.USERS, [("u1", "admin", True, "fr", "")])
    found = manifest(ds.USERS, "t1", DAY, "run-1", T0, [("k/part-0-run-1.csv", f)])
    assert found["files"] == [{"key": "k/part-0-run-1.csv", "format": "csv", "rows": 1,
                               "bytes": len(f.body), "sha256": f.sha256}]  # fmt: skip
    assert found["schema_version"] == 1 and found["generated_at"] == "2026-11-01T09:30:00Z"
    assert found["columns"][2] == {"name": "active", "type": "boolean"}
