"""Change a generated Sage company the way a day of accounting would, for incremental syncs.

`apply_changes(path, fraction=0.05, now=..., seed=...)` changes about `fraction` of the rows
of each kind, in one transaction:
- F_COMPTET: inserts new customers (each with 1-2 contacts and 1-2 open invoices), updates
  CT_Intitule and CT_EMail of some, deletes some customers together with all their ledger
  lines (their own and the counterparts naming them) and contacts;
- F_CONTACTT: inserts and deletes contacts;
- F_ECRITUREC, among open invoices (EC_Lettre = 0, no lettering, 411, dated on or after the
  latest opening-balance date): updates amounts (with the piece's 707/44571 counterparts)
  and due dates, letters some with a new payment (payment + 512 line inserted, invoice and
  payment EC_Lettre = 1 with the account's next uppercase code), inserts new open invoices,
  deletes some invoices with their counterparts.
Deletes are hard DELETEs (Sage leaves no trace). Inserted and updated rows get
cbModification = now truncated to the minute; cbMarq keeps growing (AUTOINCREMENT), so
deleted cbMarq are never reused. Deterministic for a given file, seed and now.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from bench.sagegen.generate import (
    BANK_ACCOUNT,
    CENT,
    CUSTOMERS_ACCOUNT,
    PLACEHOLDER_1753,
    PLACEHOLDERS,
    SALES_ACCOUNT,
    VAT_ACCOUNT,
    VAT_RATE,
    ZERO,
    ascii_slug,
    company_name,
    contact_fields,
    customer_fields,
    email_domain,
    lettering_code,
    lettering_index,
    money_text,
    random_amount,
    row,
    sql_date,
    technical,
)
from bench.sagegen.schema import columns, insert_sql

TABLES = ("F_COMPTET", "F_CONTACTT", "F_ECRITUREC")


@dataclass
class TableChanges:
    """cbMarq of the rows inserted, updated and deleted in one table."""

    inserted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)


@dataclass
class ChangeSummary:
    now: datetime
    tables: dict[str, TableChanges] = field(
        default_factory=lambda: {t: TableChanges() for t in TABLES}
    )
    lettered: list[int] = field(default_factory=list)  # cbMarq of invoices lettered now

    def _counts(self, kind: str) -> dict[str, int]:
        return {t: len(getattr(c, kind)) for t, c in self.tables.items()}

    @property
    def inserted(self) -> dict[str, int]:
        return self._counts("inserted")

    @property
    def updated(self) -> dict[str, int]:
        return self._counts("updated")

    @property
    def deleted(self) -> dict[str, int]:
        return self._counts("deleted")

    @property
    def total(self) -> int:
        """Rows touched, all tables and kinds together."""
        return sum(sum(self._counts(k).values()) for k in ("inserted", "updated", "deleted"))


class _Customer(NamedTuple):
    marq: int
    code: str  # CT_Num as stored
    devise: int
    payer: str
    name: str
    email: str

    @property
    def key(self) -> str:
        return self.code.rstrip()

    @property
    def domain(self) -> str:
        return email_domain({"CT_EMail": self.email, "CT_Intitule": self.name})


@dataclass(frozen=True)
class _Invoice:
    marq: int
    code: str  # CT_Num as stored
    cg: str
    jo: str
    piece: str
    jm: str
    day: date
    due: str
    amount: Decimal
    devise: int
    dev: Decimal
    parite: Decimal
    ref: str


def _portion(count: int, fraction: float) -> int:
    return max(1, round(count * fraction)) if count else 0


def _line_fields(**values: object) -> dict[str, object]:
    """A full F_ECRITUREC row: Sage's neutral values, then the given ones."""
    base: dict[str, object] = dict.fromkeys(columns("F_ECRITUREC"), 0)
    for name in ("JO_Num", "EC_Piece", "EC_RefPiece", "EC_Reference", "EC_TresoPiece"):
        base[name] = ""
    for name in ("CG_Num", "CG_NumCont", "CT_NumCont", "CT_Num", "EC_Intitule"):
        base[name] = ""
    base.update(EC_Lettrage="", EC_LettrageQ="", EC_Echeance=PLACEHOLDER_1753)
    base.update(EC_DateRelance=PLACEHOLDER_1753, EC_DateRegle=PLACEHOLDER_1753)
    base.update(cbHash=None, cbHashDate=None)
    base.update(values)
    return base


class _Mutator:
    def __init__(self, conn: sqlite3.Connection, rng: random.Random, now: datetime) -> None:
        self.conn, self.rng, self.now = conn, rng, now
        self.summary = ChangeSummary(now)
        self.stamp = technical(rng.randrange(4), now, now)
        self._ec_no = self._scalar("SELECT COALESCE(MAX(EC_No), 0) FROM F_ECRITUREC")
        self._ct_no = self._scalar("SELECT COALESCE(MAX(CT_No), 0) FROM F_CONTACTT")

    # -- plumbing --

    def _scalar(self, sql: str, *params: object) -> int:
        value = self.conn.execute(sql, params).fetchone()[0]
        return int(value or 0)

    def _insert(self, table: str, fields: dict[str, object]) -> int:
        cursor = self.conn.execute(insert_sql(table), row(table, fields, self.stamp))
        marq = int(cursor.lastrowid or 0)
        self.summary.tables[table].inserted.append(marq)
        return marq

    def _update(self, table: str, marq: int, **values: object) -> None:
        sets = ", ".join(f"{name} = ?" for name in values)
        self.conn.execute(
            f"UPDATE {table} SET {sets}, cbModification = ? WHERE cbMarq = ?",
            [*values.values(), self.stamp[2], marq],
        )
        if marq not in self.summary.tables[table].updated:
            self.summary.tables[table].updated.append(marq)

    def _delete(self, table: str, marqs: Iterable[int]) -> None:
        for marq in marqs:
            self.conn.execute(f"DELETE FROM {table} WHERE cbMarq = ?", (marq,))
            self.summary.tables[table].deleted.append(marq)

    def _next_number(self, jo: str) -> str:
        """Next EC_Piece of journal jo in now's year ('26000124')."""
        yy = f"{self.now.year % 100:02d}"
        last = self._scalar(
            "SELECT MAX(CAST(substr(RTRIM(EC_Piece), 3) AS INTEGER)) FROM F_ECRITUREC"
            " WHERE RTRIM(JO_Num) = ? AND substr(EC_Piece, 1, 2) = ?",
            jo,
            yy,
        )
        return f"{yy}{last + 1:06d}"

    def _next_invoice_ref(self) -> str:
        yy = f"{self.now.year % 100:02d}"
        last = self._scalar(
            "SELECT MAX(CAST(substr(RTRIM(EC_RefPiece), 5) AS INTEGER)) FROM F_ECRITUREC"
            " WHERE substr(EC_RefPiece, 1, 4) = ?",
            f"FA{yy}",
        )
        return f"FA{yy}{last + 1:05d}"

    def _ledger(self, **values: object) -> int:
        self._ec_no += 1
        today = self.now.date()
        return self._insert(
            "F_ECRITUREC",
            _line_fields(
                EC_No=self._ec_no,
                JM_Date=sql_date(today.replace(day=1)),
                EC_Jour=today.day,
                EC_Date=sql_date(today),
                **values,
            ),
        )

    # -- reading the base --

    def customers(self) -> list[_Customer]:
        rows = self.conn.execute(
            "SELECT cbMarq, CT_Num, N_Devise, CT_NumPayeur, CT_Intitule, CT_EMail FROM F_COMPTET"
            " WHERE CT_Type = 0 ORDER BY cbMarq"
        ).fetchall()
        return [_Customer(*r) for r in rows]

    def open_invoices(self, excluded: set[str]) -> list[_Invoice]:
        """Open, unlettered 411 debits of the current fiscal view (not before the RAN date)."""
        opening = self.conn.execute(
            "SELECT MAX(date(JM_Date, '+' || (EC_Jour - 1) || ' days')) FROM F_ECRITUREC"
            " WHERE EC_ANType <> 0"
        ).fetchone()[0]
        rows = self.conn.execute(
            "SELECT cbMarq, CT_Num, CG_Num, JO_Num, EC_Piece, JM_Date, EC_Jour, EC_Echeance,"
            " CAST(EC_Montant AS TEXT), N_Devise, CAST(EC_Devise AS TEXT),"
            " CAST(EC_Parite AS TEXT), EC_RefPiece FROM F_ECRITUREC"
            " WHERE EC_Lettre = 0 AND RTRIM(EC_Lettrage) = '' AND EC_Sens = 0"
            " AND RTRIM(CG_Num) = ? AND RTRIM(JO_Num) IN ('VTE', 'RAN') AND CT_Num <> ''"
            " AND date(JM_Date, '+' || (EC_Jour - 1) || ' days') >= ? ORDER BY cbMarq",
            (CUSTOMERS_ACCOUNT, opening or "0000-00-00"),
        ).fetchall()
        invoices = []
        for r in rows:
            if r[1].rstrip() in excluded:
                continue
            day = date.fromisoformat(r[5][:10]) + timedelta(days=r[6] - 1)
            amounts = (Decimal(r[8]), r[9], Decimal(r[10]), Decimal(r[11]))
            invoices.append(
                _Invoice(r[0], r[1], r[2], r[3], r[4], r[5], day, r[7], *amounts, r[12])
            )
        return invoices

    def counterparts(self, inv: _Invoice) -> list[tuple[int, str]]:
        """707/44571 lines of the invoice's own piece (none for opening-balance copies)."""
        if inv.jo.rstrip() != "VTE":
            return []
        return self.conn.execute(
            "SELECT cbMarq, RTRIM(CG_Num) FROM F_ECRITUREC WHERE JO_Num = ? AND EC_Piece = ?"
            " AND JM_Date = ? AND CT_NumCont = ? AND CT_Num = '' ORDER BY cbMarq",
            (inv.jo, inv.piece, inv.jm, inv.code),
        ).fetchall()

    # -- changes to customers and contacts --

    def delete_customers(self, victims: Sequence[_Customer]) -> None:
        for marq, code, *_ in victims:
            lines = self.conn.execute(
                "SELECT cbMarq FROM F_ECRITUREC WHERE CT_Num = ? OR CT_NumCont = ? ORDER BY cbMarq",
                (code, code),
            ).fetchall()
            self._delete("F_ECRITUREC", (r[0] for r in lines))
            contacts = self.conn.execute(
                "SELECT cbMarq FROM F_CONTACTT WHERE CT_Num = ? ORDER BY cbMarq", (code,)
            ).fetchall()
            self._delete("F_CONTACTT", (r[0] for r in contacts))
            self._delete("F_COMPTET", [marq])

    def rename_customers(self, chosen: Sequence[_Customer]) -> None:
        for marq, *_ in chosen:
            name = company_name(self.rng)
            email = f"comptabilite@{ascii_slug(name)[:30]}.fr"
            self._update("F_COMPTET", marq, CT_Intitule=name, CT_EMail=email)

    def add_customers(self, count: int) -> list[str]:
        last = self._scalar(
            "SELECT MAX(CAST(substr(RTRIM(CT_Num), 2) AS INTEGER)) FROM F_COMPTET"
            " WHERE CT_Num LIKE 'C%'"
        )
        codes = []
        for i in range(count):
            code = f"C{last + 1 + i:05d}"
            fields = customer_fields(self.rng, code, created=sql_date(self.now.date()))
            self._insert("F_COMPTET", fields)
            for _ in range(self.rng.randint(1, 2)):
                self.add_contact(code, email_domain(fields))
            for _ in range(self.rng.randint(1, 2)):
                self.add_invoice(code)
            codes.append(code)
        return codes

    def add_contact(self, code: str, domain: str) -> None:
        self._ct_no += 1
        self._insert("F_CONTACTT", contact_fields(self.rng, code, self._ct_no, domain))

    # -- changes to ledger lines --

    def add_invoice(self, code: str) -> None:
        """A new open invoice of today (EUR), with its sales and VAT counterparts."""
        eur = random_amount(self.rng, 1100)
        net = (eur / VAT_RATE).quantize(CENT)
        piece, ref = self._next_number("VTE"), self._next_invoice_ref()
        due = self.now.date() + timedelta(days=self.rng.choice((30, 45, 60)))
        common = {"JO_Num": "VTE", "EC_Piece": piece, "EC_RefPiece": ref}
        self._ledger(
            **common, CG_Num=CUSTOMERS_ACCOUNT, CT_Num=code, CG_NumCont=SALES_ACCOUNT,
            EC_Intitule=f"Facture {ref}", N_Reglement=2, EC_Echeance=sql_date(due),
            EC_Sens=0, EC_Montant=money_text(eur),
        )  # fmt: skip
        for cg, amount in ((SALES_ACCOUNT, net), (VAT_ACCOUNT, eur - net)):
            self._ledger(
                **common, CG_Num=cg, CG_NumCont=CUSTOMERS_ACCOUNT, CT_NumCont=code,
                EC_Intitule=f"Facture {ref}", EC_Sens=1, EC_Montant=money_text(amount),
            )  # fmt: skip

    def change_amount(self, inv: _Invoice) -> None:
        percent = self.rng.choice((80, 90, 95, 105, 110, 120))
        if inv.devise:
            dev = (inv.dev * percent / 100).quantize(CENT)
            eur = (dev * inv.parite).quantize(CENT)
        else:
            dev, eur = ZERO, (inv.amount * percent / 100).quantize(CENT)
        self._update("F_ECRITUREC", inv.marq, EC_Montant=money_text(eur), EC_Devise=money_text(dev))
        parts = self.counterparts(inv)
        net = (eur / VAT_RATE).quantize(CENT) if len(parts) == 2 else eur
        for marq, cg in parts:
            amount = net if cg == SALES_ACCOUNT else eur - net
            self._update("F_ECRITUREC", marq, EC_Montant=money_text(amount))

    def change_due_date(self, inv: _Invoice) -> None:
        base = inv.day if inv.due in PLACEHOLDERS else date.fromisoformat(inv.due[:10])
        due = base + timedelta(days=self.rng.choice((15, 30)))
        self._update("F_ECRITUREC", inv.marq, EC_Echeance=sql_date(due))

    def letter_with_payment(self, inv: _Invoice) -> None:
        """Today's payment settles the invoice: both lines lettered with the next code."""
        code = self._next_code(inv)
        currency: dict[str, object] = {"N_Devise": inv.devise, "EC_LettreQ": int(bool(inv.devise))}
        currency["EC_LettrageQ"] = code if inv.devise else ""
        piece = self._next_number("BQ1")
        self._ledger(
            JO_Num="BQ1", EC_Piece=piece, EC_RefPiece=inv.ref, CG_Num=inv.cg, CT_Num=inv.code,
            CG_NumCont=BANK_ACCOUNT, EC_Intitule=f"Règlement {inv.ref.strip()}", EC_Sens=1,
            EC_Montant=money_text(inv.amount), EC_Devise=money_text(inv.dev),
            EC_Parite=money_text(inv.parite), EC_Lettre=1, EC_Lettrage=code, N_Reglement=2,
            **currency,
        )  # fmt: skip
        self._ledger(
            JO_Num="BQ1", EC_Piece=piece, CG_Num=BANK_ACCOUNT, EC_Intitule="Remise en banque",
            EC_Sens=0, EC_Montant=money_text(inv.amount),
        )  # fmt: skip
        self._update(
            "F_ECRITUREC", inv.marq, EC_Lettre=1, EC_Lettrage=code, EC_StatusRegle=2,
            EC_MontantRegle=money_text(inv.amount), EC_DateRegle=sql_date(self.now.date()),
            EC_LettreQ=currency["EC_LettreQ"], EC_LettrageQ=currency["EC_LettrageQ"],
        )  # fmt: skip
        self.summary.lettered.append(inv.marq)

    def _next_code(self, inv: _Invoice) -> str:
        codes = self.conn.execute(
            "SELECT DISTINCT RTRIM(EC_Lettrage) FROM F_ECRITUREC"
            " WHERE RTRIM(CG_Num) = RTRIM(?) AND RTRIM(CT_Num) = RTRIM(?) AND EC_Lettrage <> ''",
            (inv.cg, inv.code),
        ).fetchall()
        used = [lettering_index(c[0]) for c in codes if c[0].isupper()]
        return lettering_code(max(used, default=-1) + 1)

    def delete_invoice(self, inv: _Invoice) -> None:
        self._delete("F_ECRITUREC", [inv.marq] + [m for m, _ in self.counterparts(inv)])

    # -- the whole day --

    def run(self, fraction: float) -> None:
        customers = self.customers()
        # Payers of others stay: deleting them would leave dangling CT_NumPayeur.
        payers = {c.payer.rstrip() for c in customers if c.payer.rstrip() != c.key}
        candidates = [c for c in customers if c.key not in payers]
        victims = self.rng.sample(candidates, _portion(len(customers), fraction))
        self.delete_customers(victims)
        gone = {v.key for v in victims}
        alive = [c for c in customers if c.key not in gone]

        contacts = self.conn.execute("SELECT cbMarq FROM F_CONTACTT ORDER BY cbMarq").fetchall()
        self._delete("F_CONTACTT", self._pick([c[0] for c in contacts], fraction))

        invoices = self.open_invoices(gone)
        self.rng.shuffle(invoices)
        k = min(_portion(len(invoices), fraction), len(invoices) // 4)
        for inv in invoices[:k]:
            self.change_amount(inv)
        for inv in invoices[k : 2 * k]:
            self.change_due_date(inv)
        for inv in invoices[2 * k : 3 * k]:
            self.letter_with_payment(inv)
        for inv in invoices[3 * k : 4 * k]:
            self.delete_invoice(inv)

        self.rename_customers(self.rng.sample(alive, _portion(len(alive), fraction)))
        euro = [c for c in alive if c.devise == 0] or alive
        for _ in range(_portion(len(invoices), fraction)):
            self.add_invoice(self.rng.choice(euro).code)
        for _ in range(_portion(len(contacts), fraction)):
            customer = self.rng.choice(alive)
            self.add_contact(customer.code, customer.domain)
        self.add_customers(_portion(len(customers), fraction))

    def _pick(self, marqs: list[int], fraction: float) -> list[int]:
        return sorted(self.rng.sample(marqs, _portion(len(marqs), fraction)))


def apply_changes(path: Path, *, fraction: float, now: datetime, seed: int) -> ChangeSummary:
    """Insert, update and delete about `fraction` of each kind of row of a generated base.

    now: naive local time, like Sage's (cbModification = now to the minute).
    """
    if not 0 < fraction <= 0.25:
        raise ValueError("fraction must be in (0, 0.25]")
    conn = sqlite3.connect(path)
    try:
        with conn:
            mutator = _Mutator(conn, random.Random(seed), now.replace(second=0, microsecond=0))
            mutator.run(fraction)
    finally:
        conn.close()
    return mutator.summary
