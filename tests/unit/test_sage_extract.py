"""Sage 100 extraction through the real ODBC stack (unixODBC + SQLite3 driver + pyodbc).

Two companies: a hand-made one where every awkward case of real Sage data sits on a known
line, and a generated one (bench.sagegen) where Sage's aged balance computed by SQL must
equal Relance's aged balance computed in Python from the extracted lines, to the cent.
"""

from __future__ import annotations

import inspect
import itertools
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bench.sagegen import schema
from relance.domain.aging import BUCKETS, aged_balance
from relance.domain.control import compare
from relance.domain.records import Contact, Customer, LedgerLine
from relance.sage import extract as sage
from relance.sage.settings import SyncSettings

AS_OF = date(2024, 6, 30)
DEFAULT = SyncSettings()
OLD = "2024-01-02 08:00:00"

_DEFAULTS: dict[str, dict[str, Any]] = {
    "F_COMPTET": {"CT_Type": 0, "CT_Sommeil": 0, "CT_NotRappel": 0, "CT_NotPenal": 0,
                  "N_Devise": 0, "CO_No": 0, "CT_Encours": "0", "CT_Assurance": "0",
                  "CT_NumPayeur": "", "CG_NumPrinc": "4110000"},
    "F_ECRITUREC": {"JO_Num": "VTE", "CG_Num": "4110000", "EC_Sens": 0, "N_Devise": 0,
                    "EC_Devise": "0", "EC_Parite": "0", "EC_Lettre": 0, "EC_Lettrage": "",
                    "EC_ANType": 0, "EC_Rappel": 0, "EC_Piece": "", "EC_RefPiece": "",
                    "N_Reglement": 0, "EC_Echeance": "1753-01-01 00:00:00"},
}  # fmt: skip


def sage_time(text: str) -> datetime:
    """Sage datetimes are naive local times (SQL Server datetime has no zone)."""
    return datetime.fromisoformat(text)


def insert(conn: sqlite3.Connection, table: str, **values: Any) -> None:
    row = {**_DEFAULTS.get(table, {}), "cbModification": OLD, **values}
    names = schema.columns(table) + schema.TECHNICAL_COLUMNS
    conn.execute(schema.insert_sql(table), [row.get(n) for n in names])


def line(
    conn: sqlite3.Connection, no: int, customer: str, day: str, amount: str, **kw: Any
) -> None:
    """A ledger line dated `day` (YYYY-MM-DD): JM_Date is the 1st of the month."""
    d = date.fromisoformat(day)
    insert(conn, "F_ECRITUREC", EC_No=no, CT_Num=customer, EC_Montant=amount,
           JM_Date=f"{d:%Y-%m}-01 00:00:00", EC_Jour=d.day, **kw)  # fmt: skip


def due(day: str) -> str:
    return f"{day} 00:00:00"


def build_crafted(path: Path) -> None:
    conn = sqlite3.connect(path)
    schema.create_schema(conn)
    insert(conn, "F_COMPTET", CT_Num="C001      ", CT_Intitule=" Bijou SA  ",
           CT_NumPayeur="C001", CO_No=0, CT_Sommeil=1, CT_NotRappel=1,
           CT_DateCreate="1753-01-01 00:00:00", CT_Encours="15000.5", CT_EMail=" compta@bijou.fr ",
           cbModification="2024-03-21 09:15:00")  # fmt: skip
    insert(conn, "F_COMPTET", CT_Num="C002", CT_Intitule="Globex", CT_NumPayeur="C001   ",
           CO_No=3, N_Devise=2, CT_DateCreate="1900-01-01 00:00:00")  # fmt: skip
    insert(conn, "F_COMPTET", CT_Num="C003", CT_Intitule="Initech", CT_NotPenal=1,
           CT_DateCreate="2020-05-04 00:00:00")  # fmt: skip
    insert(conn, "F_COMPTET", CT_Num="F001", CT_Intitule="Supplier", CT_Type=1)
    insert(conn, "F_CONTACTT", CT_Num="C001", CT_No=1, CT_Nom="Martin ", CT_Prenom=" Paul",
           CT_EMail="p.martin@bijou.fr   ", CT_Civilite=0, N_Service=2)  # fmt: skip
    insert(conn, "F_CONTACTT", CT_Num="C001", CT_No=2, CT_Nom="Durand")
    insert(conn, "F_CONTACTT", CT_Num="F001", CT_No=1, CT_Nom="Not a customer")
    insert(conn, "F_COLLABORATEUR", CO_No=3, CO_Nom="Leroy   ", CO_Prenom="Anne", CO_Vendeur=1,
           CO_ChargeRecouvr=0)  # fmt: skip
    insert(conn, "F_COLLABORATEUR", CO_No=4, CO_Nom="Petit", CO_Vendeur=0, CO_ChargeRecouvr=1)
    for index, label, code in [(1, "Chèque", "CHQ"), (2, "   ", ""), (3, "Virement ", "VIR")]:
        insert(conn, "P_REGLEMENT", cbIndice=index, R_Intitule=label, R_Code=code)
    insert(conn, "P_DEVISE", cbIndice=1, D_Intitule="Euro", D_CodeISO="EUR", D_Cours="1")
    insert(conn, "P_DEVISE", cbIndice=2, D_Intitule="Dollar US", D_CodeISO="USD", D_Sigle="$",
           D_Cours="1.0856")  # fmt: skip
    insert(conn, "P_DEVISE", cbIndice=3, D_Intitule="", D_CodeISO="", D_Cours="0")
    for code, kind in [("VTE", 1), ("BQ1", 2), ("SIT", 4), ("RAN  ", 3), ("ACH", 0)]:
        insert(conn, "F_JOURNAUX", JO_Num=code, JO_Intitule=f"Journal {code}", JO_Type=kind)

    # C001. Fiscal year 2024 opens with opening-balance lines dated 2024-01-01.
    line(conn, 1, "C001", "2023-11-15", "1200", EC_Echeance=due("2023-12-15"))  # carried by 2
    line(conn, 2, "C001", "2024-01-01", "1200", JO_Num="RAN", EC_ANType=1,
         EC_Echeance=due("2023-12-15"))  # fmt: skip
    line(conn, 3, "C001", "2024-03-20", "1234.56", EC_Echeance=due("2024-04-19"),
         EC_Piece="VT0003", EC_RefPiece="FA2024-003 ", EC_Reference=" REF3 ",
         cbModification="2024-03-21 09:15:00")  # fmt: skip
    line(conn, 4, "C001", "2024-05-10", "500.00", JO_Num="BQ1", EC_Sens=1)  # payment, no due date
    line(conn, 5, "C001", "2024-02-01", "800", EC_Lettre=1, EC_Lettrage="AB")  # settled
    line(conn, 6, "C001", "2024-05-15", "300", EC_Lettre=1, EC_Lettrage="ab",
         EC_Echeance=due("2024-06-15"))  # pre-lettered, EC_Lettre 1  # fmt: skip
    line(conn, 7, "C001", "2024-06-01", "100", EC_Sens=1, EC_Lettrage="ac",
         EC_Echeance=due("2024-07-31"))  # pre-lettered, EC_Lettre 0  # fmt: skip
    line(conn, 8, "C001", "2023-12-31", "75", EC_Echeance=due("2024-01-31"))  # carried by 2
    line(conn, 9, "C001", "2024-01-01", "50", JO_Num="RAN", EC_ANType=1, EC_Lettre=1,
         EC_Lettrage="AC")  # settled opening balance  # fmt: skip
    # C002: foreign currency credit note, situation journal, 4191 advance.
    line(conn, 10, "C002", "2024-06-10", "1000.00", EC_Sens=1, N_Devise=2, EC_Devise="1085.60",
         EC_Parite="1.0856", EC_Piece="AV0010", EC_Echeance=due("2024-07-10"))  # fmt: skip
    line(conn, 11, "C002", "2024-06-10", "999", JO_Num="SIT")
    line(conn, 12, "C002", "2024-06-10", "333", CG_Num="4191000")
    # Supplier lines, one even on a 411 account.
    line(conn, 13, "F001", "2024-06-10", "444", CG_Num="4010000")
    line(conn, 14, "F001", "2024-06-10", "555")
    # C003: doubtful debt (416), placeholder 1900 due date, amounts past 2^31 micro-units.
    line(conn, 15, "C003   ", "2024-02-05", "98765432.123456", CG_Num="4160000",
         EC_Echeance="1900-01-01 00:00:00", N_Reglement=3, EC_Rappel=2)  # fmt: skip
    line(conn, 16, "C003", "2024-06-29", "0.01", EC_Echeance=due("2024-06-30"))
    conn.commit()
    conn.close()


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("crafted") / "CRAFT.db"
    build_crafted(path)
    conn = sage.connect(f"DRIVER={{SQLite3}};Database={path}", "sqlite")
    yield conn
    conn.close()


def lines_of(conn: Any, settings: SyncSettings = DEFAULT, **kw: Any) -> dict[int, LedgerLine]:
    records = sage.extract(conn, "sqlite", "CRAFT", "ledger_line", settings, **kw)
    return {r.entry_number: r for r in records if isinstance(r, LedgerLine)}


def test_open_line_rule(crafted) -> None:
    # 1, 8: before the opening balance that carries them; 5, 9: lettered; 11: situation
    # journal; 12: 4191; 13, 14: supplier.
    assert sorted(lines_of(crafted)) == [2, 3, 4, 6, 7, 10, 15, 16]


def test_account_settings(crafted) -> None:
    assert 15 not in lines_of(crafted, SyncSettings(exclude_accounts=["416"]))
    assert sorted(lines_of(crafted, SyncSettings(include_accounts=["4191"]))) == [12]


def test_line_cleaning(crafted) -> None:
    lines = lines_of(crafted)
    opening = lines[2]
    assert opening.opening_balance and opening.journal == "RAN"
    assert opening.accounting_date == date(2024, 1, 1)
    invoice = lines[3]
    assert invoice.accounting_date == date(2024, 3, 20)  # JM_Date + EC_Jour - 1
    assert invoice.due_date == date(2024, 4, 19)
    assert invoice.amount == Decimal("1234.56")
    assert invoice.invoice_number == "FA2024-003" and invoice.piece == "VT0003"
    assert invoice.reference == "REF3"
    assert invoice.modified_at == sage_time("2024-03-21 09:15")
    payment = lines[4]
    assert payment.amount == Decimal("-500") and payment.due_date is None  # 1753 placeholder
    assert payment.aging_date == date(2024, 5, 10)
    assert lines[6].pre_lettered and lines[7].pre_lettered
    assert lines[7].amount == Decimal("-100")
    foreign = lines[10]
    assert foreign.currency_index == 2
    assert foreign.amount == Decimal("-1000") and foreign.currency_amount == Decimal("-1085.60")
    assert foreign.exchange_rate == Decimal("1.0856")
    assert foreign.invoice_number == "AV0010"  # blank EC_RefPiece falls back to EC_Piece
    assert invoice.currency_amount is None and invoice.exchange_rate is None
    doubtful = lines[15]
    assert doubtful.customer == "C003" and doubtful.general_account == "4160000"
    assert doubtful.amount == Decimal("98765432.123456")  # exact, past 32-bit micro-units
    assert doubtful.due_date is None  # 1900 placeholder
    assert doubtful.payment_method_index == 3 and doubtful.sage_reminder_level == 2
    assert lines[16].amount == Decimal("0.01")
    assert all(isinstance(r.amount, Decimal) for r in lines.values())


def test_invoice_number_column_setting(crafted) -> None:
    lines = lines_of(crafted, SyncSettings(invoice_number_column="EC_Piece"))
    assert lines[3].invoice_number == "VT0003"


def test_customers(crafted) -> None:
    customers = {
        r.number: r
        for r in sage.extract(crafted, "sqlite", "CRAFT", "customer", DEFAULT)
        if isinstance(r, Customer)
    }
    assert list(customers) == ["C001", "C002", "C003"]  # suppliers left out, key order
    bijou = customers["C001"]
    assert bijou.name == "Bijou SA" and bijou.email == "compta@bijou.fr"
    assert bijou.payer == ""  # pays for itself
    assert bijou.rep_number is None  # CO_No 0
    assert bijou.dormant and bijou.no_reminder and not bijou.no_penalty
    assert bijou.created_on is None
    assert bijou.credit_limit == Decimal("15000.5")
    globex = customers["C002"]
    assert globex.payer == "C001" and globex.rep_number == 3 and globex.currency_index == 2
    assert globex.created_on is None  # 1900 placeholder
    assert customers["C003"].created_on == date(2020, 5, 4) and customers["C003"].no_penalty


def test_reference_tables_and_contacts(crafted) -> None:
    def all_of(entity: str, settings: SyncSettings = DEFAULT) -> list[Any]:
        return list(sage.extract(crafted, "sqlite", "CRAFT", entity, settings))  # type: ignore[arg-type]

    contacts = all_of("contact")
    assert [(c.customer, c.number) for c in contacts] == [("C001", 1), ("C001", 2)]
    first: Contact = contacts[0]
    assert (first.last_name, first.first_name, first.email) == (
        "Martin",
        "Paul",
        "p.martin@bijou.fr",
    )
    assert first.key() == "C001#1"
    reps = all_of("rep")
    assert [(r.number, r.last_name, r.is_salesperson, r.is_collector) for r in reps] == [
        (3, "Leroy", True, False), (4, "Petit", False, True)
    ]  # fmt: skip
    assert [(m.index, m.label) for m in all_of("payment_method")] == [
        (1, "Chèque"),
        (3, "Virement"),
    ]
    currencies = all_of("currency")
    assert [(c.index, c.iso_code, c.rate) for c in currencies] == [
        (1, "EUR", Decimal("1")), (2, "USD", Decimal("1.0856"))
    ]  # fmt: skip
    assert [(j.code, j.type) for j in all_of("journal")] == [
        ("ACH", 0), ("BQ1", 2), ("RAN", 3), ("SIT", 4), ("VTE", 1)
    ]  # fmt: skip


def test_incremental_is_inclusive_and_resume_is_strictly_after(crafted) -> None:
    since = sage_time("2024-03-21 09:15")  # the minute line 3 and C001 were modified
    assert sorted(lines_of(crafted, since=since)) == [3]
    changed = list(sage.extract(crafted, "sqlite", "CRAFT", "customer", DEFAULT, since=since))
    assert [c.key() for c in changed] == ["C001"]
    assert list(sage.extract(crafted, "sqlite", "CRAFT", "rep", DEFAULT, since=since))  # whole
    assert sorted(lines_of(crafted, after=[7])) == [10, 15, 16]
    after_contact = sage.extract(crafted, "sqlite", "CRAFT", "contact", DEFAULT, after=["C001", 1])
    assert [c.key() for c in after_contact] == ["C001#2"]
    assert sage.count(crafted, "sqlite", "ledger_line", DEFAULT) == 8
    assert sage.count(crafted, "sqlite", "ledger_line", DEFAULT, after=[7]) == 3


def test_key_sets_match_the_records(crafted) -> None:
    for entity in ("customer", "contact", "rep", "payment_method", "currency", "journal",
                   "ledger_line"):  # fmt: skip
        records = [r.key() for r in sage.extract(crafted, "sqlite", "CRAFT", entity, DEFAULT)]  # type: ignore[arg-type]
        keys = [k for k, _ in sage.extract_keys(crafted, "sqlite", entity, DEFAULT)]  # type: ignore[arg-type]
        assert keys == records, entity
    resumed = [
        k for k, _ in sage.extract_keys(crafted, "sqlite", "customer", DEFAULT, after=["C001"])
    ]
    assert resumed == ["C002", "C003"]


def test_sage_aged_balance_by_sql(crafted) -> None:
    sql = sage.sage_aged_balance(crafted, "sqlite", "CRAFT", DEFAULT, AS_OF)
    c001 = sql.customers["C001"]
    assert c001.not_due == Decimal("-100")  # due 2024-07-31
    assert c001.d1_30 == Decimal("300")  # 15 days
    assert c001.d31_60 == Decimal("-500")  # no due date: 51 days from the accounting date
    assert c001.d61_90 == Decimal("1234.56")  # 72 days
    assert c001.over_90 == Decimal("1200")  # the opening balance, not lines 1 and 8 again
    assert sql.customers["C002"].not_due == Decimal("-1000")
    c003 = sql.customers["C003"]
    assert c003.over_90 == Decimal("98765432.123456")
    assert c003.not_due == Decimal("0.01")  # due today: not late
    assert set(sql.customers) == {"C001", "C002", "C003"}
    python = aged_balance("CRAFT", lines_of(crafted).values(), AS_OF)
    assert sql.customers == python.customers


def test_a_row_that_cannot_be_cleaned_is_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "ODD.db"
    build_crafted(path)
    db = sqlite3.connect(path)
    line(db, 17, "C003", "2024-06-01", "42", JO_Num="   ")  # no journal: not a valid line
    db.commit()
    db.close()
    conn = sage.connect(f"DRIVER={{SQLite3}};Database={path}", "sqlite")
    try:
        with pytest.raises(ValueError, match="journal"):
            list(sage.extract(conn, "sqlite", "ODD", "ledger_line", DEFAULT))
        skipped: list[tuple[str, list[Any]]] = []
        records = sage.extract(
            conn, "sqlite", "ODD", "ledger_line", DEFAULT,
            on_invalid=lambda entity, key, exc: skipped.append((entity, key)),
        )  # fmt: skip
        assert [r.key() for r in records] == ["2", "3", "4", "6", "7", "10", "15", "16"]
        assert skipped == [("ledger_line", [17])]
    finally:
        conn.close()


def test_extraction_streams_with_fetchmany(crafted) -> None:
    class Cursor:  # a window on the pyodbc cursor: counts what the extraction asks for
        def __init__(self, real: Any, log: list[str]) -> None:
            self.real, self.log = real, log

        def execute(self, *args: Any) -> Cursor:
            self.real.execute(*args)
            return self

        def fetchmany(self, n: int) -> list[Any]:
            self.log.append(f"fetchmany({n})")
            return self.real.fetchmany(n)

        def fetchall(self) -> list[Any]:  # pragma: no cover - must not be called
            self.log.append("fetchall")
            return self.real.fetchall()

        def close(self) -> None:
            self.log.append("close")
            self.real.close()

    class Conn:
        def __init__(self) -> None:
            self.log: list[str] = []

        def cursor(self) -> Cursor:
            return Cursor(crafted.cursor(), self.log)

    conn = Conn()
    records = sage.extract(conn, "sqlite", "CRAFT", "ledger_line", DEFAULT, fetch_size=2)  # type: ignore[arg-type]
    assert inspect.isgenerator(records)
    assert conn.log == []  # nothing read before the first record is asked for
    first_three = list(itertools.islice(records, 3))
    assert [r.key() for r in first_three] == ["2", "3", "4"]
    assert conn.log == ["fetchmany(2)", "fetchmany(2)"]
    records.close()
    assert conn.log[-1] == "close"


# --- a generated company -----------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    from bench.sagegen.generate import generate_company

    path = tmp_path_factory.mktemp("generated") / "BIJOU.db"
    company = generate_company(path, "BIJOU", customers=300, lines=6_000, as_of=AS_OF, seed=42)
    conn = sage.connect(f"DRIVER={{SQLite3}};Database={path}", "sqlite")
    yield company, conn
    conn.close()


def _raw_rows(path: Path, sql: str) -> list[sqlite3.Row]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def _accounting_date(row: sqlite3.Row) -> date:
    return date.fromisoformat(row["JM_Date"][:10]) + timedelta(days=row["EC_Jour"] - 1)


def test_generated_open_lines_follow_the_rule(generated) -> None:
    """The SQL rule against a plain reading of the raw rows (sqlite3, no ODBC, no SQL rule)."""
    company, conn = generated
    path = company.path
    customers = {r["CT_Num"].rstrip() for r in _raw_rows(path, "SELECT * FROM F_COMPTET")
                 if r["CT_Type"] == 0}  # fmt: skip
    situation = {r["JO_Num"].rstrip() for r in _raw_rows(path, "SELECT * FROM F_JOURNAUX")
                 if r["JO_Type"] == 4}  # fmt: skip
    rows = [
        r for r in _raw_rows(path, "SELECT * FROM F_ECRITUREC")
        if r["CG_Num"].startswith(("411", "416"))
    ]  # fmt: skip
    openings = [_accounting_date(r) for r in rows if r["EC_ANType"]]
    cutoff = max(openings, default=date.min)
    lettering = [(r["EC_Lettrage"] or "").strip() for r in rows]
    expected = {
        r["EC_No"]
        for r, code in zip(rows, lettering, strict=True)
        if r["CT_Num"].rstrip() in customers
        and r["JO_Num"].rstrip() not in situation
        and (r["EC_Lettre"] == 0 or (code.islower()))
        and _accounting_date(r) >= cutoff
    }
    extracted = list(sage.extract(conn, "sqlite", "BIJOU", "ledger_line", DEFAULT))
    assert {r.entry_number for r in extracted} == expected
    assert len(expected) > 100
    # Whatever the generator's padding and placeholders, the records come out clean.
    for r in extracted:
        assert isinstance(r, LedgerLine)
        assert r.customer == r.customer.strip() and r.customer in customers
        assert r.due_date is None or r.due_date.year > 1900
        assert isinstance(r.amount, Decimal)
        assert (r.currency_amount is None) == (r.currency_index == 0)
    entry_numbers = [r.entry_number for r in extracted]
    assert entry_numbers == sorted(entry_numbers)  # key order: what resuming relies on


def test_generated_awkward_cases_are_cleaned(generated) -> None:
    """Each awkward case the generator plants, on the customers it names."""
    company, conn = generated
    cases = company.cases
    lines: dict[str, list[LedgerLine]] = {}
    for r in sage.extract(conn, "sqlite", "BIJOU", "ledger_line", DEFAULT):
        assert isinstance(r, LedgerLine)
        lines.setdefault(r.customer, []).append(r)
    customers = {
        c.number: c
        for c in sage.extract(conn, "sqlite", "BIJOU", "customer", DEFAULT)
        if isinstance(c, Customer)
    }
    raw = {r["CT_Num"].rstrip(): r for r in _raw_rows(company.path, "SELECT * FROM F_COMPTET")}

    for code in cases["padded_code"]:
        assert raw[code]["CT_Num"] != code  # padded in Sage...
        assert code in customers and all(ln.customer == code for ln in lines.get(code, []))
    assert all(ln.journal == ln.journal.strip() for group in lines.values() for ln in group)
    assert all(customers[c].created_on is None for c in cases["placeholder_create"])
    for code in cases["placeholder_due"]:
        assert any(ln.due_date is None and ln.amount > 0 for ln in lines[code])
    for code in cases["foreign_currency"]:
        assert customers[code].currency_index != 0
        foreign = [ln for ln in lines[code] if ln.currency_index]
        assert foreign and all(ln.currency_amount is not None for ln in foreign)
        assert all((ln.currency_amount or 0) * ln.amount > 0 for ln in foreign)  # same sign
        assert all(ln.exchange_rate and ln.exchange_rate > 0 for ln in foreign)
    others = [c for c in customers.values() if c.number not in cases["payer_other"]]
    assert all(customers[c].payer and customers[c].payer != c for c in cases["payer_other"])
    assert all(c.payer == "" for c in others)  # CT_NumPayeur = own CT_Num
    assert all(customers[c].dormant for c in cases["dormant"])
    assert all(customers[c].no_reminder for c in cases["no_reminder"])
    assert all(customers[c].no_penalty for c in cases["no_penalty"])
    for case in ("prelettered_open", "prelettered_lettered"):  # EC_Lettre 0 and 1: both open
        for code in cases[case]:
            assert sum(ln.pre_lettered for ln in lines[code]) >= 2
    for code in cases["opening_open"]:
        assert any(ln.opening_balance for ln in lines[code])
    every = [ln for group in lines.values() for ln in group]
    assert min(ln.accounting_date for ln in every) == company.opening_date  # originals gone
    assert all(ln.general_account.startswith(("411", "416")) for ln in every)
    for code in cases["doubtful_416"]:
        assert any(ln.general_account == "4160000" for ln in lines[code])
    for code in cases["unallocated_payment"]:
        assert any(ln.amount < 0 and ln.journal == "BQ1" for ln in lines[code])
    for code in cases["six_decimals"]:
        assert any(ln.amount.as_tuple().exponent == -6 and ln.amount % Decimal("0.01")
                   for ln in lines[code])  # fmt: skip
    # EC_RefPiece is the invoice number; a bare payment has none and falls back to EC_Piece.
    assert all(ln.invoice_number for ln in every)
    assert all(ln.invoice_number != ln.piece for ln in every if ln.journal == "VTE")
    assert any(ln.invoice_number == ln.piece for ln in every if ln.journal == "BQ1")
    assert not any(c in lines for c in cases["no_lines"])


def test_generated_situation_advances_and_suppliers_are_left_out(generated) -> None:
    company, conn = generated
    kept = {r.key() for r in sage.extract(conn, "sqlite", "BIJOU", "ledger_line", DEFAULT)}
    excluded = _raw_rows(
        company.path,
        "SELECT e.EC_No FROM F_ECRITUREC e JOIN F_COMPTET c ON c.CT_Num = e.CT_Num"
        " WHERE e.EC_Lettre = 0 AND (RTRIM(e.JO_Num) = 'SIT' OR e.CG_Num LIKE '4191%'"
        " OR c.CT_Type = 1)",
    )
    assert len(excluded) >= 6
    assert not kept & {str(r["EC_No"]) for r in excluded}


def test_python_aged_balance_equals_sages_to_the_cent(generated) -> None:
    """The key control: Relance's aging (Python, from the extracted lines) against Sage's
    (the database's own arithmetic over the same rule), per customer and bucket."""
    _, conn = generated
    for as_of in (AS_OF, date(2024, 1, 15), date(2025, 3, 1)):
        sql = sage.sage_aged_balance(conn, "sqlite", "BIJOU", DEFAULT, as_of)
        lines = sage.extract(conn, "sqlite", "BIJOU", "ledger_line", DEFAULT)
        python = aged_balance("BIJOU", (r for r in lines if isinstance(r, LedgerLine)), as_of)
        assert sql.customers.keys() == python.customers.keys()
        for customer, amounts in sql.customers.items():
            for bucket in BUCKETS:
                assert getattr(amounts, bucket) == getattr(python.customers[customer], bucket), (
                    customer, bucket, as_of,
                )  # fmt: skip
        report = compare(sql, python)
        assert report.matches and report.sage_total == report.relance_total
        if as_of == AS_OF:  # the generator's aging ladder fills every bucket at its date
            assert all(getattr(sql.total, b) != 0 for b in BUCKETS)


def test_sage_aged_balance_equals_the_generators_oracle(generated) -> None:
    """A third, independent computation (the generator's, from raw rows)."""
    from bench.sagegen.generate import reference_aged_balance

    company, conn = generated
    sql = sage.sage_aged_balance(conn, "sqlite", "BIJOU", DEFAULT, AS_OF)
    oracle = reference_aged_balance(company.path, AS_OF)
    assert {c: {b: getattr(a, b) for b in BUCKETS} for c, a in sql.customers.items()} == oracle
