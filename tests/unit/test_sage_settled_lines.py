"""Settled lines (payment history) read from Sage through the real ODBC stack.

A hand-made company where each lettering case sits on a known line: what is kept for
history, what stays an open line, and how the 24-month window slides with the run's date.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bench.sagegen import schema
from relance.domain.payments import settled_invoices
from relance.domain.records import SettledLine
from relance.sage import extract as sage
from relance.sage.dialect import dialect
from relance.sage.queries import SETTLED_LINE, history_start, select_query
from relance.sage.settings import SyncSettings
from tests.unit.test_sage_extract import due, insert, line

AS_OF = date(2026, 11, 23)  # the window starts on 2024-11-23
DEFAULT = SyncSettings()
RECENT = "2026-03-01 10:00:00"


def build(path: Path) -> None:
    conn = sqlite3.connect(path)
    schema.create_schema(conn)
    for number in ("C001", "C002"):
        insert(conn, "F_COMPTET", CT_Num=number, CT_Intitule=f"Customer {number}")
    insert(conn, "F_COMPTET", CT_Num="F001", CT_Intitule="Supplier", CT_Type=1)
    for code, kind in [("VTE", 1), ("BQ1", 2), ("SIT", 4)]:
        insert(conn, "F_JOURNAUX", JO_Num=code, JO_Intitule=f"Journal {code}", JO_Type=kind)
    paid = {"JO_Num": "BQ1", "EC_Sens": 1, "EC_Lettre": 1}
    # AA: invoiced and paid inside the window (19 days late).
    line(conn, 1, "C001", "2026-01-10", "1000", EC_Lettre=1, EC_Lettrage="AA",
         EC_Echeance=due("2026-02-10"), cbModification=RECENT)  # fmt: skip
    line(conn, 2, "C001", "2026-03-01", "1000", EC_Lettrage="AA", cbModification=RECENT, **paid)
    # AB: paid before the window: too old for history.
    line(conn, 3, "C001", "2024-06-01", "400", EC_Lettre=1, EC_Lettrage="AB",
         EC_Echeance=due("2024-07-01"))  # fmt: skip
    line(conn, 4, "C001", "2024-10-01", "400", EC_Lettrage="AB", **paid)
    # AC: invoiced before the window, paid inside it: the whole group is history.
    line(conn, 5, "C001", "2024-06-01", "250", EC_Lettre=1, EC_Lettrage="AC",
         EC_Echeance=due("2024-07-01"))  # fmt: skip
    line(conn, 6, "C001", "2024-12-01", "250", EC_Lettrage="AC", **paid)
    # ab: pre-lettered (lowercase): partly paid, still open.
    line(conn, 7, "C001", "2026-10-01", "300", EC_Lettre=1, EC_Lettrage="ab",
         EC_Echeance=due("2026-10-31"))  # fmt: skip
    line(conn, 8, "C001", "2026-10-15", "100", EC_Lettrage="ab", **paid)
    # An open invoice.
    line(conn, 9, "C001", "2026-11-01", "90", EC_Echeance=due("2026-12-01"))
    # C002 uses the code AA too, on an old group: codes are per account, not per company.
    line(conn, 10, "C002", "2023-01-10", "70", EC_Lettre=1, EC_Lettrage="AA")
    line(conn, 11, "C002", "2023-02-10", "70", EC_Lettrage="AA", **paid)
    # Neither receivables nor customers: supplier, situation journal, 4191 advance.
    line(conn, 12, "F001", "2026-01-10", "10", EC_Lettre=1, EC_Lettrage="AA")
    line(conn, 13, "F001", "2026-02-10", "10", EC_Lettrage="AA", **paid)
    line(conn, 14, "C002", "2026-01-10", "20", JO_Num="SIT", EC_Lettre=1, EC_Lettrage="AD")
    line(conn, 15, "C002", "2026-02-10", "20", EC_Lettrage="AD", **{**paid, "JO_Num": "SIT"})
    line(conn, 16, "C002", "2026-01-10", "30", CG_Num="4191000", EC_Lettre=1, EC_Lettrage="AE")
    line(conn, 17, "C002", "2026-02-10", "30", CG_Num="4191000", EC_Lettrage="AE", **paid)
    conn.commit()
    conn.close()


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("settled") / "HIST.db"
    build(path)
    conn = sage.connect(f"DRIVER={{SQLite3}};Database={path}", "sqlite")
    yield conn
    conn.close()


def settled(conn: Any, as_of: date = AS_OF, **kw: Any) -> dict[int, SettledLine]:
    records = sage.extract(conn, "sqlite", "HIST", "settled_line", DEFAULT, as_of=as_of, **kw)
    return {r.entry_number: r for r in records if isinstance(r, SettledLine)}


def test_settled_lines_are_the_lettered_groups_paid_within_24_months(company) -> None:
    lines = settled(company)
    # 3-4 paid before the window; 7-8 pre-lettered; 9 open; 10-11 another customer's
    # old AA; 12-17 supplier, situation journal, 4191.
    assert sorted(lines) == [1, 2, 5, 6]
    assert {line.entity for line in lines.values()} == {"settled_line"}
    assert lines[2].amount == Decimal("-1000")  # the payment, a credit
    assert lines[1].lettering == "AA" and lines[1].due_date == date(2026, 2, 10)


def test_open_lines_are_untouched_by_the_history(company) -> None:
    records = sage.extract(company, "sqlite", "HIST", "ledger_line", DEFAULT)
    assert sorted(r.entry_number for r in records) == [7, 8, 9]
    assert {r.entity for r in sage.extract(company, "sqlite", "HIST", "ledger_line", DEFAULT)} == {
        "ledger_line"
    }


def test_history_reads_as_payments(company) -> None:
    paid = {s.entry_number: s for s in settled_invoices(settled(company).values())}
    assert sorted(paid) == [1, 5]
    assert paid[1].paid_on == date(2026, 3, 1) and paid[1].days_late == 19
    assert paid[5].paid_on == date(2024, 12, 1) and paid[5].amount == Decimal("250")


def test_the_window_slides_with_the_runs_date(company) -> None:
    assert sorted(settled(company, as_of=date(2028, 3, 1))) == [1, 2]  # paid on the first day
    assert settled(company, as_of=date(2028, 3, 2)) == {}
    assert sorted(settled(company, as_of=date(2026, 10, 2))) == [1, 2, 5, 6]
    assert sorted(settled(company, as_of=date(2026, 10, 1))) == [1, 2, 3, 4, 5, 6]
    keys = [k for k, _ in sage.extract_keys(company, "sqlite", "settled_line", DEFAULT,
                                            as_of=date(2028, 3, 1))]  # fmt: skip
    assert keys == ["1", "2"]
    assert sage.count(company, "sqlite", "settled_line", DEFAULT, as_of=date(2028, 3, 1)) == 2


def test_keys_counts_watermark_and_resume_follow_the_rows(company) -> None:
    keys = [
        k for k, _ in sage.extract_keys(company, "sqlite", "settled_line", DEFAULT, as_of=AS_OF)
    ]
    assert keys == ["1", "2", "5", "6"]
    assert sage.count(company, "sqlite", "settled_line", DEFAULT, as_of=AS_OF) == 4
    since = datetime(2026, 3, 1, 10, 0)  # noqa: DTZ001 - Sage local time
    assert sorted(settled(company, since=since)) == [1, 2]
    assert sorted(settled(company, after=[2])) == [5, 6]


def test_settled_lines_need_the_runs_date(company) -> None:
    with pytest.raises(ValueError, match="as_of"):
        list(sage.extract(company, "sqlite", "HIST", "settled_line", DEFAULT))


@pytest.mark.parametrize(
    ("as_of", "start"),
    [
        (date(2026, 11, 23), date(2024, 11, 23)),
        (date(2026, 1, 15), date(2024, 1, 15)),
        (date(2028, 2, 29), date(2026, 2, 28)),  # no 29 February in 2026
        (date(2026, 2, 28), date(2024, 2, 28)),
    ],
)
def test_history_start_is_24_months_back(as_of: date, start: date) -> None:
    assert history_start(as_of) == start


@pytest.mark.parametrize("name", ["sqlite", "sqlserver"])
def test_the_group_is_matched_by_one_uncorrelated_subquery(name: str) -> None:
    # A correlated EXISTS over trimmed codes took 68 s on a 20,000-line SQLite company
    # (a table scan per line); the joined key IN (...) is read once: 0.1 s.
    query = select_query(SETTLED_LINE, dialect(name), DEFAULT, as_of=AS_OF, after=[5])
    assert query.sql.count("?") == len(query.params)
    assert "EXISTS" not in query.sql and "FROM F_ECRITUREC g WHERE" in query.sql
    assert history_start(AS_OF).isoformat() in {str(p)[:10] for p in query.params}
    assert ("CONCAT(" in query.sql) == (name == "sqlserver")
