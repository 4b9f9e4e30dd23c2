"""Read a Sage 100 company through ODBC: cleaned records, key sets, Sage's aged balance.

Everything streams: rows are fetched 500 at a time and yielded, so memory stays flat
whatever the size of the ledger. Only one result set is open at a time on a connection
(SQL Server without MARS allows no more): exhaust or close one iterator before the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import pyodbc

from relance.domain.aging import BUCKETS, AgedBalance, BucketAmounts
from relance.domain.records import EntityName, SyncRecord
from relance.sage import cleaning
from relance.sage.dialect import Dialect, SqlDialect, dialect
from relance.sage.queries import (
    ENTITIES,
    Query,
    ResumeKey,
    aged_balance_query,
    count_query,
    keys_query,
    select_query,
)
from relance.sage.settings import SyncSettings

FETCH_SIZE = 500
DialectLike = SqlDialect | Dialect | str
InvalidRow = Callable[[EntityName, ResumeKey, Exception], None]
"""Told of a row that cannot be cleaned (its key and why); the row is then skipped."""

_CLEANERS: dict[EntityName, Callable[[str, cleaning.Row], SyncRecord]] = {
    "customer": cleaning.customer,
    "contact": cleaning.contact,
    "rep": cleaning.rep,
    "payment_method": cleaning.payment_method,
    "currency": cleaning.currency,
    "journal": cleaning.journal,
}


def _dialect(d: DialectLike) -> SqlDialect:
    return d if isinstance(d, SqlDialect) else dialect(d)


def connect(connection_string: str, d: DialectLike, *, timeout: int = 30) -> pyodbc.Connection:
    """An ODBC connection set up for reading Sage without blocking its users."""
    sql = _dialect(d)
    conn = pyodbc.connect(connection_string, autocommit=True, timeout=timeout)
    for statement in sql.session_setup():
        conn.execute(statement)
    return conn


def _rows(conn: pyodbc.Connection, query: Query, fetch_size: int) -> Iterator[Sequence[Any]]:
    cursor = conn.cursor()
    try:
        cursor.execute(query.sql, *query.params)
        while batch := cursor.fetchmany(fetch_size):
            yield from batch
    finally:
        cursor.close()


def extract(
    conn: pyodbc.Connection,
    d: DialectLike,
    company: str,
    entity: EntityName,
    settings: SyncSettings,
    *,
    since: datetime | None = None,
    after: ResumeKey | None = None,
    fetch_size: int = FETCH_SIZE,
    on_invalid: InvalidRow | None = None,
    as_of: date | None = None,
) -> Iterator[SyncRecord]:
    """Cleaned records of one entity, in business-key order.

    since: only rows with cbModification >= since (customers, contacts, lines; ignored
    for the reference tables, always read whole). after: resume strictly after this key.
    on_invalid: without it a row that cannot be cleaned raises; with it, it is reported
    and skipped (one odd row must not stop a company's sync; the aged-balance control
    will still show the amount it carries). as_of: the run's date, required for settled
    lines (the 24-month history window counts back from it).
    """
    sql = _dialect(d)
    spec = ENTITIES[entity]
    query = select_query(spec, sql, settings, since=since, after=after, as_of=as_of)
    names = [c.name for c in spec.columns]
    amounts = {c.name for c in spec.columns if c.kind == "amount"}
    for values in _rows(conn, query, fetch_size):
        row = {
            name: sql.to_decimal(v) if name in amounts else v
            for name, v in zip(names, values, strict=True)
        }
        try:
            if entity == "ledger_line":
                yield cleaning.ledger_line(company, row, settings)
            elif entity == "settled_line":
                yield cleaning.settled_line(company, row, settings)
            else:
                yield _CLEANERS[entity](company, row)
        except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            if on_invalid is None:
                raise
            on_invalid(entity, [_key_part(row[k]) for k in spec.keys], exc)


def _key_part(value: object) -> str | int:
    return value if isinstance(value, int) else str(value).strip()


def resume_key(record: SyncRecord) -> ResumeKey:
    """The key to resume after, in the order the queries sort by."""
    match record.entity:
        case "customer":
            return [record.number]
        case "contact":
            return [record.customer, record.number]
        case "rep":
            return [record.number]
        case "payment_method" | "currency":
            return [record.index]
        case "journal":
            return [record.code]
        case "ledger_line" | "settled_line":
            return [record.entry_number]
    raise ValueError(f"unknown entity {record.entity}")  # pragma: no cover


def key_string(entity: EntityName, key: ResumeKey) -> str:
    """The business key as records' key() spell it."""
    if entity == "contact":
        return f"{str(key[0]).strip()}#{int(key[1])}"
    if entity in ("customer", "journal"):
        return str(key[0]).strip()
    return str(int(key[0]))


def extract_keys(
    conn: pyodbc.Connection,
    d: DialectLike,
    entity: EntityName,
    settings: SyncSettings,
    *,
    after: ResumeKey | None = None,
    fetch_size: int = FETCH_SIZE,
    as_of: date | None = None,
) -> Iterator[tuple[str, ResumeKey]]:
    """(key, resume key) of every row of the entity present now, in key order."""
    query = keys_query(ENTITIES[entity], _dialect(d), settings, after=after, as_of=as_of)
    for values in _rows(conn, query, fetch_size):
        key: ResumeKey = [_key_part(v) for v in values]
        yield key_string(entity, key), key


def count(
    conn: pyodbc.Connection,
    d: DialectLike,
    entity: EntityName,
    settings: SyncSettings,
    *,
    since: datetime | None = None,
    after: ResumeKey | None = None,
    as_of: date | None = None,
) -> int:
    """How many rows extract() would yield (for progress display)."""
    query = count_query(
        ENTITIES[entity], _dialect(d), settings, since=since, after=after, as_of=as_of
    )
    cursor = conn.cursor()
    try:
        row = cursor.execute(query.sql, *query.params).fetchone()
        return int(row[0]) if row else 0
    finally:
        cursor.close()


def database_now(conn: pyodbc.Connection, d: DialectLike) -> datetime:
    """The database server's current local time (naive, like cbModification)."""
    cursor = conn.cursor()
    try:
        row = cursor.execute(_dialect(d).now()).fetchone()
    finally:
        cursor.close()
    stamp = cleaning.timestamp(row[0] if row else None)
    if stamp is None:
        raise ValueError("the database did not give its time")
    return stamp


def sage_aged_balance(
    conn: pyodbc.Connection,
    d: DialectLike,
    company: str,
    settings: SyncSettings,
    as_of: date,
) -> AgedBalance:
    """Sage's aged balance computed by the database itself: the control for Relance's."""
    sql = _dialect(d)
    balance = AgedBalance(company=company, as_of=as_of)
    for customer, *sums in _rows(conn, aged_balance_query(sql, settings, as_of), FETCH_SIZE):
        amounts = balance.customers.setdefault(str(customer).strip(), BucketAmounts())
        for bucket, value in zip(BUCKETS, sums, strict=True):
            amount = sql.to_decimal(value)
            if amount is not None:
                amounts.add(bucket, amount)
    return balance
