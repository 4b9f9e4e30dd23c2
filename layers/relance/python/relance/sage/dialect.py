"""The few SQL fragments that differ between SQL Server (production) and SQLite (tests).

Everything else in the extraction is one set of SQL. Amounts never pass through float:
SQLite stores NUMERIC as REAL and its ODBC driver hands back floats (and truncates big
integers to 32 bits), so on SQLite an amount is read as integer micro-units rendered as
text; on SQL Server the decimal is cast to text as is. Either way Python builds a Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class Dialect(StrEnum):
    SQLSERVER = "sqlserver"
    SQLITE = "sqlite"


@dataclass(frozen=True)
class SqlDialect:
    name: Dialect

    @property
    def sqlite(self) -> bool:
        return self.name is Dialect.SQLITE

    def session_setup(self) -> list[str]:
        """Statements run once per connection."""
        if self.sqlite:
            return []
        # Dirty reads are acceptable for dunning; blocking an accountant's Sage is not.
        return ["SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED"]

    def now(self) -> str:
        """The database's clock (the one Sage's cbModification comes from), local time."""
        if self.sqlite:
            return "SELECT datetime('now', 'localtime')"
        return "SELECT GETDATE()"

    def code(self, column: str) -> str:
        """A fixed-width code as compared and ordered. SQL Server already ignores trailing
        spaces in comparisons; SQLite does not, so trim there."""
        return f"RTRIM({column})" if self.sqlite else column

    def accounting_date(self, alias: str) -> str:
        """JM_Date (first day of the journal month) + EC_Jour - 1 days."""
        if self.sqlite:
            return f"date({alias}.JM_Date, '+' || ({alias}.EC_Jour - 1) || ' days')"
        return f"DATEADD(day, {alias}.EC_Jour - 1, {alias}.JM_Date)"

    def min_date(self) -> str:
        """A date before any accounting date (the opening-balance cut-off when there is none)."""
        return "'0001-01-01'" if self.sqlite else "CAST('17530101' AS datetime)"

    def days_until_param(self, start: str) -> str:
        """Whole days from the date expression `start` to a date parameter (one `?`)."""
        if self.sqlite:
            # julianday of two midnights differs by an exact integer; ROUND guards anyway.
            return f"CAST(ROUND(julianday(?) - julianday(date({start}))) AS INTEGER)"
        return f"DATEDIFF(day, {start}, ?)"

    def is_placeholder_date(self, column: str) -> str:
        """Sage's 'no date': 1753-01-01 or 1900-01-01 (or NULL)."""
        if self.sqlite:
            return f"({column} IS NULL OR date({column}) IN ('1753-01-01', '1900-01-01'))"
        return f"({column} IS NULL OR CAST({column} AS date) IN ('17530101', '19000101'))"

    def is_lowercase(self, column: str) -> str:
        """True when the text has letters and all of them are lowercase (pre-lettering)."""
        if self.sqlite:  # SQLite's = is case-sensitive (BINARY collation)
            return f"({column} = LOWER({column}) AND {column} <> UPPER({column}))"
        # SQL Server's usual collation is case-insensitive: force a case-sensitive one.
        cs = f"{column} COLLATE Latin1_General_CS_AS"
        return f"({cs} = LOWER({column}) AND {cs} <> UPPER({column}))"

    def joined_codes(self, *columns: str) -> str:
        """Trimmed codes joined by '|' into one text: a composite key an uncorrelated IN
        can compare (SQLite materialises the subquery once; a correlated EXISTS over
        trimmed codes would scan the table for every row)."""
        parts = [f"RTRIM({c})" for c in columns]
        if self.sqlite:
            return " || '|' || ".join(parts)
        return "CONCAT(" + ", '|', ".join(parts) + ")"

    def exact_amount(self, column: str) -> str:
        """An amount as an exact number the database can sum: micro-units on SQLite."""
        if self.sqlite:
            return f"CAST(ROUND({column} * 1000000) AS INTEGER)"
        return column

    def as_text(self, expression: str) -> str:
        return (
            f"CAST({expression} AS TEXT)" if self.sqlite else f"CAST({expression} AS varchar(50))"
        )

    def amount(self, column: str) -> str:
        """An amount column selected as text (see to_decimal)."""
        return self.as_text(self.exact_amount(column))

    def sum_amount(self, exact_expression: str) -> str:
        """The exact sum of exact_amount() values, as text."""
        return self.as_text(f"SUM({exact_expression})")

    def to_decimal(self, value: object) -> Decimal | None:
        """The Decimal an amount() or sum_amount() column stands for."""
        if value is None:
            return None
        if isinstance(value, float):  # would mean a query forgot amount(): refuse loudly
            raise TypeError("amount read as float; select it through SqlDialect.amount()")
        number = Decimal(str(value).strip())
        return canonical(number.scaleb(-6) if self.sqlite else number)

    def date_param(self, value: date) -> object:
        return value.isoformat() if self.sqlite else value

    def datetime_param(self, value: datetime) -> object:
        # Sage's datetimes are naive local times; SQLite stores them as 'YYYY-MM-DD HH:MM:SS'.
        if self.sqlite:
            return value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
        return value.replace(tzinfo=None)


def canonical(amount: Decimal) -> Decimal:
    """Without the trailing zeros of the (24,6) scale, never in exponent form: 1234.560000
    -> 1234.56, 100.000000 -> 100. The same number whichever database it came from, and
    the same text once it has been through JSON and DynamoDB (which drop them too)."""
    if amount == amount.to_integral_value():
        return amount.quantize(Decimal(1)) if amount else Decimal(0)  # no "-0"
    return amount.normalize()


def dialect(name: Dialect | str) -> SqlDialect:
    return SqlDialect(Dialect(name))
