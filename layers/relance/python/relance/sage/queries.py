"""The extraction SQL: one text for SQL Server and SQLite, the dialect fills the gaps.

Every entity has a FROM/WHERE, a business key (ORDER BY and resume point), and for the big
tables a cbModification watermark. The open-ledger-line rule lives here once and is used
by the line extraction, the key sets and Sage's own aged balance alike.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from relance.domain.records import EntityName
from relance.sage.dialect import SqlDialect
from relance.sage.settings import SyncSettings

ResumeKey = list[str | int]
"""The business key of the last row sent, JSON-friendly (stored in the relay state)."""


@dataclass
class Query:
    """SQL text with its `?` parameters, built together so their order always matches."""

    sql: str = ""
    params: list[object] = field(default_factory=list)

    def add(self, sql: str, *params: object) -> Query:
        self.sql += sql
        self.params.extend(params)
        return self


@dataclass(frozen=True)
class Column:
    name: str  # the Sage column name the cleaning code reads
    expr: str  # SQL, "{a}" stands for the table alias
    kind: Literal["raw", "amount"] = "raw"


def _cols(*names: str, amounts: tuple[str, ...] = ()) -> tuple[Column, ...]:
    raw = tuple(Column(n, "{a}." + n) for n in names)
    return raw + tuple(Column(n, "{a}." + n, "amount") for n in amounts)


@dataclass(frozen=True)
class Entity:
    name: EntityName
    table: str
    alias: str
    columns: tuple[Column, ...]
    keys: tuple[str, ...]  # key columns, in ORDER BY order
    code_keys: tuple[str, ...] = ()  # key columns that are space-padded codes
    modified: str | None = None  # watermark column, None for small reference tables


CUSTOMER = Entity(
    "customer",
    "F_COMPTET",
    "c",
    _cols(
        "CT_Num",
        "CT_Intitule",
        "CG_NumPrinc",
        "CT_Qualite",
        "CT_Classement",
        "CT_Contact",
        "CT_Adresse",
        "CT_Complement",
        "CT_CodePostal",
        "CT_Ville",
        "CT_CodeRegion",
        "CT_Pays",
        "CT_Siret",
        "CT_Identifiant",
        "CT_Ape",
        "CT_Telephone",
        "CT_Telecopie",
        "CT_EMail",
        "CT_Site",
        "CT_NumPayeur",
        "N_Risque",
        "N_Devise",
        "CO_No",
        "CT_Sommeil",
        "CT_NotRappel",
        "CT_NotPenal",
        "CT_DateCreate",
        "cbModification",
        amounts=("CT_Encours", "CT_Assurance"),
    ),
    keys=("CT_Num",),
    code_keys=("CT_Num",),
    modified="cbModification",
)
CONTACT = Entity(
    "contact",
    "F_CONTACTT",
    "t",
    _cols(
        "CT_Num",
        "CT_No",
        "CT_Nom",
        "CT_Prenom",
        "CT_Fonction",
        "CT_Civilite",
        "N_Service",
        "CT_Telephone",
        "CT_TelPortable",
        "CT_Telecopie",
        "CT_EMail",
        "cbModification",
    ),
    keys=("CT_Num", "CT_No"),
    code_keys=("CT_Num",),
    modified="cbModification",
)
REP = Entity(
    "rep",
    "F_COLLABORATEUR",
    "o",
    _cols(
        "CO_No",
        "CO_Nom",
        "CO_Prenom",
        "CO_Fonction",
        "CO_EMail",
        "CO_Telephone",
        "CO_Vendeur",
        "CO_ChargeRecouvr",
    ),
    keys=("CO_No",),
)
PAYMENT_METHOD = Entity(
    "payment_method", "P_REGLEMENT", "r", _cols("cbIndice", "R_Intitule", "R_Code"), ("cbIndice",)
)
CURRENCY = Entity(
    "currency",
    "P_DEVISE",
    "v",
    _cols("cbIndice", "D_Intitule", "D_CodeISO", "D_Sigle", amounts=("D_Cours",)),
    keys=("cbIndice",),
)
JOURNAL = Entity(
    "journal",
    "F_JOURNAUX",
    "j",
    _cols("JO_Num", "JO_Intitule", "JO_Type"),
    keys=("JO_Num",),
    code_keys=("JO_Num",),
)
LEDGER_LINE = Entity(
    "ledger_line",
    "F_ECRITUREC",
    "e",
    (
        *_cols(
            "EC_No",
            "JO_Num",
            "EC_Piece",
            "EC_RefPiece",
            "EC_Reference",
            "CG_Num",
            "CT_Num",
            "EC_Intitule",
            "N_Reglement",
            "EC_Echeance",
            "EC_Sens",
            "N_Devise",
            "EC_Lettre",
            "EC_Lettrage",
            "EC_ANType",
            "EC_Rappel",
            "cbModification",
            amounts=("EC_Montant", "EC_Devise", "EC_Parite"),
        ),
        Column("accounting_date", "{accounting_date}"),
    ),
    keys=("EC_No",),
    modified="cbModification",
)
# The same columns, from the lettered lines of the last HISTORY_MONTHS (settled_lines_where).
SETTLED_LINE = Entity(
    "settled_line",
    LEDGER_LINE.table,
    LEDGER_LINE.alias,
    LEDGER_LINE.columns,
    keys=LEDGER_LINE.keys,
    modified=LEDGER_LINE.modified,
)
HISTORY_MONTHS = 24

# Reference tables first (lines point at them), then customers, contacts, lines.
ENTITIES: dict[EntityName, Entity] = {
    e.name: e
    for e in (REP, PAYMENT_METHOD, CURRENCY, JOURNAL, CUSTOMER, CONTACT, LEDGER_LINE, SETTLED_LINE)
}
REFERENCE_ENTITIES: tuple[EntityName, ...] = ("rep", "payment_method", "currency", "journal")
INCREMENTAL_ENTITIES: tuple[EntityName, ...] = (
    "customer",
    "contact",
    "ledger_line",
    "settled_line",
)


def entity_names(settings: SyncSettings) -> list[EntityName]:
    """The entities a run syncs, in order."""
    return [n for n in ENTITIES if n != "contact" or settings.contacts_enabled]


# --- the rules ---------------------------------------------------------------------------


def _accounts(q: Query, alias: str, settings: SyncSettings) -> None:
    q.add("(" + " OR ".join(f"{alias}.CG_Num LIKE ?" for _ in settings.include_accounts) + ")")
    q.params.extend(p + "%" for p in settings.include_accounts)
    for prefix in settings.exclude_accounts:
        q.add(f" AND {alias}.CG_Num NOT LIKE ?", prefix + "%")


def _customers_of_type_0(d: SqlDialect, column: str) -> str:
    return f"{d.code(column)} IN (SELECT {d.code('k.CT_Num')} FROM F_COMPTET k WHERE k.CT_Type = 0)"


def open_lines_where(q: Query, d: SqlDialect, settings: SyncSettings, alias: str = "e") -> None:
    """Append the WHERE conditions of an open customer ledger line (no leading AND)."""
    a = alias
    q.add(_customers_of_type_0(d, f"{a}.CT_Num") + " AND ")
    _accounts(q, a, settings)
    # NOT IN over a subquery is NULL-sensitive: keep NULL codes out of it.
    q.add(
        f" AND {d.code(a + '.JO_Num')} NOT IN (SELECT {d.code('s.JO_Num')} FROM F_JOURNAUX s"
        " WHERE s.JO_Type = 4 AND s.JO_Num IS NOT NULL)"
    )
    # Open: not lettered, or only pre-lettered (lowercase code), whatever EC_Lettre says.
    q.add(f" AND ({a}.EC_Lettre = 0 OR {d.is_lowercase(a + '.EC_Lettrage')})")
    # Lines dated before the latest opening balance are carried by the opening-balance
    # lines ("à-nouveaux"): counting both would double the balance.
    q.add(
        f" AND {d.accounting_date(a)} >= COALESCE((SELECT MAX({d.accounting_date('b')})"
        " FROM F_ECRITUREC b WHERE b.EC_ANType <> 0 AND "
    )
    _accounts(q, "b", settings)
    q.add(f"), {d.min_date()})")


def history_start(as_of: date) -> date:
    """The first day of the history window: HISTORY_MONTHS before the run's date (the
    29th-31st of a shorter month fall back to its last day)."""
    year, month0 = divmod(as_of.year * 12 + as_of.month - 1 - HISTORY_MONTHS, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(as_of.day, last_day))


def settled_lines_where(
    q: Query, d: SqlDialect, settings: SyncSettings, as_of: date, alias: str = "e"
) -> None:
    """Append the WHERE conditions of a settled customer line kept for payment history.

    Lettered for good (EC_Lettre = 1 with an uppercase code: lowercase is provisional,
    still open) and its group settled within HISTORY_MONTHS of the run's date, that is
    some credit of the same lettering on the same account (customer + general account +
    code) is dated on or after the start of the window (a group is settled on the date of
    its latest credit, history.py). No opening-balance cut-off: once lettered, a line is in
    neither the open ledger nor the aged balance, whichever fiscal year it belongs to.
    """
    a = alias
    q.add(_customers_of_type_0(d, f"{a}.CT_Num") + " AND ")
    _accounts(q, a, settings)
    q.add(
        f" AND {d.code(a + '.JO_Num')} NOT IN (SELECT {d.code('s.JO_Num')} FROM F_JOURNAUX s"
        " WHERE s.JO_Type = 4 AND s.JO_Num IS NOT NULL)"
    )
    q.add(f" AND {a}.EC_Lettre = 1 AND {d.code(a + '.EC_Lettrage')} <> ''")
    q.add(f" AND NOT {d.is_lowercase(a + '.EC_Lettrage')}")
    group = ("CT_Num", "CG_Num", "EC_Lettrage")
    q.add(
        f" AND {d.joined_codes(*(f'{a}.{c}' for c in group))} IN"
        f" (SELECT {d.joined_codes(*(f'g.{c}' for c in group))} FROM F_ECRITUREC g"
        f" WHERE g.EC_Lettre = 1 AND g.EC_Sens = 1 AND NOT {d.is_lowercase('g.EC_Lettrage')}"
        f" AND {d.accounting_date('g')} >= ?)",
        d.date_param(history_start(as_of)),
    )


def _from_where(
    entity: Entity, d: SqlDialect, settings: SyncSettings, as_of: date | None = None
) -> Query:
    a = entity.alias
    q = Query(f" FROM {entity.table} {a} WHERE ")
    match entity.name:
        case "customer":
            q.add(f"{a}.CT_Type = 0")
        case "contact":
            q.add(_customers_of_type_0(d, f"{a}.CT_Num"))
        case "payment_method":  # unused slots of the 30-entry table have a blank label
            q.add(f"LTRIM(RTRIM({a}.R_Intitule)) <> ''")
        case "currency":  # same for currencies
            q.add(f"(LTRIM(RTRIM({a}.D_Intitule)) <> '' OR LTRIM(RTRIM({a}.D_CodeISO)) <> '')")
        case "ledger_line":
            open_lines_where(q, d, settings, a)
        case "settled_line":
            if as_of is None:
                raise ValueError("settled lines need the run's date (as_of)")
            settled_lines_where(q, d, settings, as_of, a)
        case _:
            q.add("1 = 1")
    return q


def _key_exprs(entity: Entity, d: SqlDialect) -> list[str]:
    a = entity.alias
    return [d.code(f"{a}.{k}") if k in entity.code_keys else f"{a}.{k}" for k in entity.keys]


def _filters(
    q: Query,
    entity: Entity,
    d: SqlDialect,
    since: datetime | None,
    after: ResumeKey | None,
) -> None:
    if since is not None and entity.modified:
        # Inclusive: cbModification has minute precision, rows of the watermark minute may
        # not all have been seen. The server de-duplicates by key.
        q.add(f" AND {entity.alias}.{entity.modified} >= ?", d.datetime_param(since))
    if after is not None:
        exprs = _key_exprs(entity, d)
        if len(after) != len(exprs):
            raise ValueError(f"resume key {after!r} does not fit {entity.name}")
        # (k1 > ?) OR (k1 = ? AND k2 > ?) ...: strictly after the last key sent.
        ors = []
        for i, expr in enumerate(exprs):
            ors.append(" AND ".join([f"{e} = ?" for e in exprs[:i]] + [f"{expr} > ?"]))
            q.params.extend([*after[:i], after[i]])
        q.add(" AND ((" + ") OR (".join(ors) + "))")


def _scoped(
    select: str,
    entity: Entity,
    d: SqlDialect,
    settings: SyncSettings,
    since: datetime | None,
    after: ResumeKey | None,
    as_of: date | None = None,
) -> Query:
    """SELECT ... FROM the entity's rows, its rule, the watermark and the resume point."""
    q = Query(select)
    where = _from_where(entity, d, settings, as_of)
    q.add(where.sql, *where.params)
    _filters(q, entity, d, since, after)
    return q


def select_query(
    entity: Entity,
    d: SqlDialect,
    settings: SyncSettings,
    *,
    since: datetime | None = None,
    after: ResumeKey | None = None,
    as_of: date | None = None,
) -> Query:
    """The entity's rows (columns named as in Sage), ordered by business key.

    as_of: the run's date, which settled lines need (their 24-month window)."""
    a = entity.alias
    exprs = []
    for col in entity.columns:
        expr = col.expr.format(a=a, accounting_date=d.accounting_date(a))
        exprs.append(f"{d.amount(expr) if col.kind == 'amount' else expr} AS {col.name}")
    q = _scoped("SELECT " + ", ".join(exprs), entity, d, settings, since, after, as_of)
    return q.add(" ORDER BY " + ", ".join(_key_exprs(entity, d)))


def keys_query(
    entity: Entity,
    d: SqlDialect,
    settings: SyncSettings,
    *,
    after: ResumeKey | None = None,
    as_of: date | None = None,
) -> Query:
    """Every business key present now (no watermark): what lets the server see deletes
    (and settled lines that left the 24-month window)."""
    keys = _key_exprs(entity, d)
    q = _scoped("SELECT " + ", ".join(keys), entity, d, settings, None, after, as_of)
    return q.add(" ORDER BY " + ", ".join(keys))


def count_query(
    entity: Entity,
    d: SqlDialect,
    settings: SyncSettings,
    *,
    since: datetime | None = None,
    after: ResumeKey | None = None,
    as_of: date | None = None,
) -> Query:
    return _scoped("SELECT COUNT(*)", entity, d, settings, since, after, as_of)


def aged_balance_query(d: SqlDialect, settings: SyncSettings, as_of: date) -> Query:
    """Sage's aged balance per customer, computed by the database over the open-line rule.

    Deliberately independent of the Python aging code: it is the control against it.
    Columns: customer, not_due, d1_30, d31_60, d61_90, over_90 (exact sums as text).
    """
    acc = d.accounting_date("e")
    aging = f"CASE WHEN {d.is_placeholder_date('e.EC_Echeance')} THEN {acc} ELSE e.EC_Echeance END"
    amount = d.exact_amount("e.EC_Montant")
    signed = f"CASE WHEN e.EC_Sens = 1 THEN -{amount} ELSE {amount} END"
    q = Query(
        f"SELECT {d.code('e.CT_Num')} AS customer, {signed} AS signed_amount,"
        f" {d.days_until_param(aging)} AS days_late",
        [d.date_param(as_of)],
    )
    q.add(" FROM F_ECRITUREC e WHERE ")
    open_lines_where(q, d, settings, "e")
    buckets = {
        "not_due": "x.days_late <= 0",
        "d1_30": "x.days_late BETWEEN 1 AND 30",
        "d31_60": "x.days_late BETWEEN 31 AND 60",
        "d61_90": "x.days_late BETWEEN 61 AND 90",
        "over_90": "x.days_late > 90",
    }
    sums = ", ".join(
        f"{d.sum_amount(f'CASE WHEN {cond} THEN x.signed_amount ELSE 0 END')} AS {name}"
        for name, cond in buckets.items()
    )
    return Query(f"SELECT x.customer, {sums} FROM (" + q.sql + ") x GROUP BY x.customer", q.params)
