"""bench.sagegen: every awkward Sage case is in a generated base, read back through ODBC.

Reads go through unixODBC + the SQLite3 ODBC driver + pyodbc, as the relay does. That
stack returns NUMERIC as float, so amounts are read with CAST(... AS TEXT) into Decimal.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bench.sagegen.generate import (
    BUCKETS,
    CASES,
    GeneratedCompany,
    generate_company,
    reference_aged_balance,
)
from bench.sagegen.mutate import apply_changes

pyodbc = pytest.importorskip("pyodbc")
if "SQLite3" not in pyodbc.drivers():
    pytest.skip("the SQLite3 ODBC driver is not installed", allow_module_level=True)

AS_OF = date(2026, 11, 23)


def accounting_date(alias: str = "") -> str:
    """SQL for JM_Date + EC_Jour - 1 (the accounting date), as text 'YYYY-MM-DD'."""
    return f"date({alias}JM_Date, '+' || ({alias}EC_Jour - 1) || ' days')"


def sage_time(text: str) -> datetime:
    """Sage datetimes are naive local times (SQL Server datetime has no zone)."""
    return datetime.fromisoformat(text)


def generate(path: Path, seed: int = 7) -> GeneratedCompany:
    return generate_company(path, "BIJOU", customers=40, lines=1_500, as_of=AS_OF, seed=seed)


def odbc(path: Path) -> Any:
    return pyodbc.connect("DRIVER={SQLite3};Database=" + str(path))


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> GeneratedCompany:
    return generate(tmp_path_factory.mktemp("sage") / "BIJOU.db")


@pytest.fixture(scope="module")
def conn(company: GeneratedCompany) -> Iterator[Any]:
    connection = odbc(company.path)
    yield connection
    connection.close()


def scalar(conn: Any, sql: str, *params: object) -> Any:
    return conn.execute(sql, *params).fetchone()[0]


def rows(conn: Any, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(sql, *params).fetchall()]


def in_list(codes: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{c}'" for c in codes) + ")"


def test_summary_matches_the_file_and_lists_every_case(company, conn) -> None:
    assert scalar(conn, "SELECT COUNT(*) FROM F_COMPTET WHERE CT_Type = 0") == 40
    assert scalar(conn, "SELECT COUNT(*) FROM F_COMPTET WHERE CT_Type = 1") == company.suppliers
    assert scalar(conn, "SELECT COUNT(*) FROM F_CONTACTT") == company.contacts
    assert scalar(conn, "SELECT COUNT(*) FROM F_ECRITUREC") == company.lines
    assert scalar(conn, "SELECT COUNT(DISTINCT cbMarq) FROM F_ECRITUREC") == company.lines
    assert scalar(conn, "SELECT COUNT(DISTINCT EC_No) FROM F_ECRITUREC") == company.lines
    for case in CASES:
        assert len(company.cases[case]) >= (2 if case in ("opening_legacy", "no_lines") else 3)


def test_reference_tables(conn) -> None:
    journals = dict(rows(conn, "SELECT JO_Num, JO_Type FROM F_JOURNAUX"))
    assert journals == {"ACH": 0, "VTE": 1, "BQ1": 2, "OD": 3, "RAN": 3, "SIT    ": 4}
    methods = rows(conn, "SELECT cbIndice, R_Intitule FROM P_REGLEMENT")
    assert any(label == "" for _, label in methods) and any(label for _, label in methods)
    currencies = rows(conn, "SELECT cbIndice, D_CodeISO FROM P_DEVISE WHERE D_CodeISO <> ''")
    assert currencies == [(1, "USD"), (2, "GBP"), (3, "CHF")]
    reps = rows(conn, "SELECT SUM(CO_Vendeur), SUM(CO_ChargeRecouvr) FROM F_COLLABORATEUR")
    assert reps[0][0] >= 2 and reps[0][1] >= 2
    years = rows(conn, "SELECT D_DebutExo01, D_FinExo01, D_DebutExo02 FROM P_DOSSIER")[0]
    assert years == (sage_time("2025-01-01"), sage_time("2025-12-31"), sage_time("2026-01-01"))


def test_padded_codes_everywhere(company, conn) -> None:
    padded = rows(conn, "SELECT CT_Num FROM F_COMPTET WHERE CT_Num <> RTRIM(CT_Num)")
    assert {p[0].rstrip() for p in padded} == set(company.cases["padded_code"])
    for (code,) in padded:  # same padded value on the lines: an exact join works
        assert scalar(conn, "SELECT COUNT(*) FROM F_ECRITUREC WHERE CT_Num = ?", code) > 0
    for column in ("CG_Num", "JO_Num", "EC_Piece"):
        count = scalar(conn, f"SELECT COUNT(*) FROM F_ECRITUREC WHERE {column} <> RTRIM({column})")
        assert count >= 3, column
    # Journal SIT is stored padded in F_JOURNAUX, mostly unpadded on lines.
    assert scalar(conn, "SELECT COUNT(*) FROM F_ECRITUREC WHERE JO_Num = 'SIT'") >= 1


def test_placeholder_dates(company, conn) -> None:
    for placeholder in ("1753-01-01", "1900-01-01"):
        due = scalar(
            conn,
            "SELECT COUNT(*) FROM F_ECRITUREC WHERE substr(EC_Echeance, 1, 10) = ?"
            " AND EC_Sens = 0 AND EC_Lettre = 0 AND CT_Num <> ''",
            placeholder,
        )
        created = scalar(
            conn,
            "SELECT COUNT(*) FROM F_COMPTET WHERE substr(CT_DateCreate, 1, 10) = ?",
            placeholder,
        )
        reminded = scalar(
            conn,
            "SELECT COUNT(*) FROM F_ECRITUREC WHERE substr(EC_DateRelance, 1, 10) = ?",
            placeholder,
        )
        assert due >= 2 and created >= 2 and reminded >= 3, placeholder
    # The driver hands placeholders over as real datetimes: readers must map them to None.
    values = {r[0] for r in rows(conn, "SELECT DISTINCT CT_DateCreate FROM F_COMPTET")}
    assert {sage_time("1753-01-01"), sage_time("1900-01-01")} <= values


def test_amounts_are_positive_with_a_direction(conn) -> None:
    assert scalar(conn, "SELECT COUNT(*) FROM F_ECRITUREC WHERE EC_Montant <= 0") == 0
    assert {r[0] for r in rows(conn, "SELECT DISTINCT EC_Sens FROM F_ECRITUREC")} == {0, 1}
    receipts = rows(
        conn,
        "SELECT DISTINCT EC_Sens FROM F_ECRITUREC WHERE JO_Num LIKE 'BQ1%' AND CG_Num LIKE '411%'",
    )
    assert receipts == [(1,)]
    credit_notes = scalar(
        conn, "SELECT COUNT(*) FROM F_ECRITUREC WHERE EC_RefPiece LIKE 'AV%' AND CT_Num <> ''"
    )
    assert credit_notes >= 6


def test_foreign_currency_lines(company, conn) -> None:
    devises = rows(conn, "SELECT DISTINCT N_Devise FROM F_COMPTET WHERE N_Devise <> 0")
    assert sorted(d[0] for d in devises) == [1, 2, 3]
    lines = rows(
        conn,
        "SELECT CAST(EC_Montant AS TEXT), CAST(EC_Devise AS TEXT), CAST(EC_Parite AS TEXT)"
        " FROM F_ECRITUREC WHERE N_Devise <> 0",
    )
    assert len(lines) >= 9
    for amount, in_currency, rate in lines:
        assert abs(Decimal(amount) - Decimal(in_currency) * Decimal(rate)) <= Decimal("0.01")
    euro = "SELECT COUNT(*) FROM F_ECRITUREC WHERE N_Devise = 0 AND EC_Devise <> 0"
    assert scalar(conn, euro) == 0


def test_payers_and_flags(company, conn) -> None:
    customers = {
        r[0].rstrip(): r
        for r in rows(
            conn,
            "SELECT CT_Num, CT_NumPayeur, CT_Sommeil, CT_NotRappel, CT_NotPenal FROM F_COMPTET"
            " WHERE CT_Type = 0",
        )
    }
    others = {k for k, r in customers.items() if r[1].rstrip() != k}
    assert others == set(company.cases["payer_other"])
    assert all(customers[k][1].rstrip() in customers for k in others)
    assert {k for k, r in customers.items() if r[2]} == set(company.cases["dormant"])
    assert {k for k, r in customers.items() if r[3]} == set(company.cases["no_reminder"])
    assert {k for k, r in customers.items() if r[4]} == set(company.cases["no_penalty"])
    dormant_open = scalar(
        conn,
        "SELECT COUNT(*) FROM F_ECRITUREC e JOIN F_COMPTET t ON t.CT_Num = e.CT_Num"
        " WHERE t.CT_Sommeil = 1 AND e.EC_Lettre = 0",
    )
    assert dormant_open >= 6


def test_lettering(conn) -> None:
    lower = rows(
        conn,
        "SELECT EC_Lettre, COUNT(*) FROM F_ECRITUREC WHERE EC_Lettrage <> ''"
        " AND EC_Lettrage = lower(EC_Lettrage) GROUP BY EC_Lettre ORDER BY EC_Lettre",
    )
    assert [r[0] for r in lower] == [0, 1] and all(r[1] >= 3 for r in lower)
    groups: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for cg, ct, code, sens, amount in rows(
        conn,
        "SELECT RTRIM(CG_Num), RTRIM(CT_Num), EC_Lettrage, EC_Sens, CAST(EC_Montant AS TEXT)"
        " FROM F_ECRITUREC WHERE EC_Lettre = 1 AND EC_Lettrage = upper(EC_Lettrage)",
    ):
        groups[(cg, ct, code)] += Decimal(amount) if sens == 0 else -Decimal(amount)
    assert len(groups) > 100
    assert all(total == 0 for total in groups.values())  # a lettered group is settled


def test_partial_and_unallocated_payments(company, conn) -> None:
    unmatched = (
        "SELECT COUNT(*) FROM F_ECRITUREC WHERE RTRIM(CT_Num) = ? AND RTRIM(JO_Num) = 'BQ1'"
        " AND EC_Sens = 1 AND EC_Lettre = 0 AND EC_Lettrage = ''"
    )
    for key in company.cases["partial_payment"] + company.cases["unallocated_payment"]:
        assert scalar(conn, unmatched, key) >= 1, key
    for key in company.cases["unallocated_payment"]:
        sql = unmatched + " AND EC_RefPiece = '' AND substr(EC_Echeance, 1, 4) = '1753'"
        assert scalar(conn, sql, key) >= 1, key


def test_opening_balances_and_their_unlettered_originals(company, conn) -> None:
    openings = rows(
        conn, f"SELECT DISTINCT {accounting_date()} FROM F_ECRITUREC WHERE EC_ANType <> 0"
    )
    assert sorted(r[0] for r in openings) == ["2025-01-01", "2026-01-01"]
    assert company.opening_date == date(2026, 1, 1)
    assert {
        r[0].rstrip() for r in rows(conn, "SELECT JO_Num FROM F_ECRITUREC WHERE EC_ANType <> 0")
    } == {"RAN"}
    settled = (
        "SELECT COUNT(*) FROM F_ECRITUREC o JOIN F_ECRITUREC r"
        " ON r.EC_RefPiece = o.EC_RefPiece AND r.CT_Num = o.CT_Num AND r.EC_Sens = o.EC_Sens"
        f" WHERE RTRIM(o.CT_Num) = ? AND o.EC_ANType = 0 AND o.EC_Lettre = 0"
        f" AND {accounting_date('o.')} < '2026-01-01' AND r.EC_ANType = 1"
        f" AND {accounting_date('r.')} = '2026-01-01' AND r.EC_Lettre = 1"
    )  # fmt: skip
    for key in company.cases["opening_settled"]:
        assert scalar(conn, settled, key) >= 1, key
    legacy = (
        "SELECT COUNT(*) FROM F_ECRITUREC r WHERE RTRIM(r.CT_Num) = ? AND r.EC_ANType = 1"
        " AND NOT EXISTS (SELECT 1 FROM F_ECRITUREC o WHERE o.EC_ANType = 0"
        " AND o.EC_RefPiece = r.EC_RefPiece AND o.CG_Num LIKE '411%')"
    )
    for key in company.cases["opening_legacy"]:
        assert scalar(conn, legacy, key) >= 2, key  # its originals were purged


def test_excluded_and_extra_accounts(company, conn) -> None:
    situation = rows(
        conn,
        "SELECT RTRIM(e.CT_Num) FROM F_ECRITUREC e JOIN F_JOURNAUX j"
        " ON RTRIM(j.JO_Num) = RTRIM(e.JO_Num) WHERE j.JO_Type = 4 AND e.CG_Num LIKE '411%'",
    )
    assert {r[0] for r in situation} == set(company.cases["situation_journal"])
    for account, case, sens in (("4160000", "doubtful_416", 0), ("4191000", "advance_419", 1)):
        found = rows(
            conn,
            "SELECT DISTINCT RTRIM(CT_Num) FROM F_ECRITUREC WHERE RTRIM(CG_Num) = ?"
            " AND EC_Sens = ? AND EC_Lettre = 0",
            account,
            sens,
        )
        assert {r[0] for r in found} == set(company.cases[case])
    suppliers = scalar(
        conn,
        "SELECT COUNT(*) FROM F_ECRITUREC e JOIN F_COMPTET t ON t.CT_Num = e.CT_Num"
        " WHERE t.CT_Type = 1 AND e.CG_Num = '4010000' AND e.EC_Lettre = 0",
    )
    assert suppliers >= 3


def test_six_decimals_and_references(conn) -> None:
    amounts = [r[0] for r in rows(conn, "SELECT CAST(EC_Montant AS TEXT) FROM F_ECRITUREC")]
    six = [a for a in amounts if "." in a and len(a.split(".")[1]) == 6]
    assert len(six) >= 3
    same = "SELECT COUNT(*) FROM F_ECRITUREC WHERE RTRIM(EC_RefPiece) = RTRIM(EC_Piece)"
    assert scalar(conn, same) == 0
    invoices = "SELECT COUNT(*) FROM F_ECRITUREC WHERE EC_RefPiece LIKE 'FA%' AND EC_Sens = 0"
    assert scalar(conn, invoices) > 100


def test_modification_stamps(conn) -> None:
    stamps = [r[0] for r in rows(conn, "SELECT cbModification FROM F_ECRITUREC")]
    assert all(isinstance(s, str) and s.endswith(":00") for s in stamps)  # minute precision
    assert len({s[:7] for s in stamps}) >= 12  # spread over the months
    assert max(stamps) <= f"{AS_OF} 18:00:00"


def test_aged_balance_has_every_bucket(company) -> None:
    balances = reference_aged_balance(company.path, AS_OF)
    for bucket in BUCKETS:
        assert any(b[bucket] > 0 for b in balances.values()), bucket
    assert not set(balances) & set(company.cases["no_lines"])
    total = sum((sum(b.values(), Decimal(0)) for b in balances.values()), Decimal(0))
    assert total == total.quantize(Decimal("0.000001")) and total > 0


def test_same_seed_same_bytes(company, tmp_path) -> None:
    again = generate(tmp_path / "again.db")
    other = generate(tmp_path / "other.db", seed=8)
    assert again.path.read_bytes() == company.path.read_bytes()
    assert other.path.read_bytes() != company.path.read_bytes()
    assert again.cases == company.cases


def test_apply_changes_does_what_it_says(company, tmp_path) -> None:
    path = tmp_path / "changed.db"
    shutil.copyfile(company.path, path)
    now = sage_time("2026-11-24 09:30:41")
    summary = apply_changes(path, fraction=0.05, now=now, seed=3)
    stamp = "2026-11-24 09:30:00"
    changed = {"inserted", "updated", "deleted"}
    for table, expected in (("F_COMPTET", changed), ("F_CONTACTT", changed - {"updated"})):
        assert {k for k in changed if getattr(summary, k)[table] > 0} == expected, table
    assert min(summary.inserted.values()) > 0 and summary.updated["F_ECRITUREC"] > 0
    assert summary.deleted["F_ECRITUREC"] > 0 and summary.lettered
    conn = odbc(path)
    try:
        for table, changes in summary.tables.items():
            touched = {
                r[0]
                for r in rows(conn, f"SELECT cbMarq FROM {table} WHERE cbModification = ?", stamp)
            }
            assert touched == set(changes.inserted) | set(changes.updated), table
            marqs = {r[0] for r in rows(conn, f"SELECT cbMarq FROM {table}")}
            assert not marqs & set(changes.deleted), table
            assert set(changes.deleted) and max(changes.deleted) < min(changes.inserted)
        for marq in summary.lettered:
            ct, code, lettre = rows(
                conn,
                "SELECT CT_Num, EC_Lettrage, EC_Lettre FROM F_ECRITUREC WHERE cbMarq = ?",
                marq,
            )[0]
            assert lettre == 1 and code.isupper()
            pair = "SELECT COUNT(*) FROM F_ECRITUREC WHERE CT_Num = ? AND EC_Lettrage = ?"
            assert scalar(conn, pair, ct, code) == 2
    finally:
        conn.close()
