"""A BI dataset as files: CSV and Parquet bytes, and the manifest that describes them.

CSV is the plain interchange flavour BI tools and databases load without settings: UTF-8
without a byte order mark, ',' between fields, a header row, '.' as the decimal mark,
ISO 8601 dates and UTC timestamps ending in 'Z', empty for none, booleans true/false,
amounts with two decimals at least and Sage's six when it has them.
(The French-Excel flavour of the API's exports - BOM, ';', decimal comma - is for people
opening a file in Excel; Power BI, Tableau, DuckDB, Athena and pandas expect this one, and
a decimal comma would be read as a field separator or text.) Texts are written as they are:
a BI load keeps data, it does not evaluate cells.

Parquet is written with pyarrow: amounts as decimal128(24,6) (exact: Sage's own type),
dates as date32, timestamps as microseconds UTC, one row group, zstd compression. pyarrow
is imported here only: the BI export function has it in its own layer, no other function
loads it.
Pure: bytes in memory, no I/O.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from relance.domain.bi_datasets import ColumnType, Dataset, Row, Value

CSV_TYPE = "text/csv; charset=utf-8"
CENT = Decimal("0.01")
PARQUET_TYPE = "application/vnd.apache.parquet"
MANIFEST_FORMAT = 1

_ARROW: dict[ColumnType, Any] = {
    "string": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "decimal(24,6)": pa.decimal128(24, 6),
    "int": pa.int64(),
    "boolean": pa.bool_(),
}


@dataclass(frozen=True)
class File:
    """One written file: its format, bytes and what the manifest says of it."""

    format: str  # csv, parquet
    body: bytes
    rows: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def content_type(self) -> str:
        return CSV_TYPE if self.format == "csv" else PARQUET_TYPE


def timestamp_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def decimal_text(value: Decimal) -> str:
    """Two decimals at least (1234.50), all of Sage's when it has more (1234.567891)."""
    cents = value.quantize(CENT)
    return format(cents if cents == value else value.normalize(), "f")


def cell(value: Value) -> str:
    """One CSV field."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timestamp_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def to_csv(dataset: Dataset, rows: Sequence[Row]) -> File:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(dataset.names)
    writer.writerows([cell(v) for v in row] for row in rows)
    return File("csv", out.getvalue().encode("utf-8"), len(rows))


def arrow_schema(dataset: Dataset) -> Any:
    return pa.schema(
        [pa.field(c.name, _ARROW[c.type]) for c in dataset.columns],
        metadata={"dataset": dataset.name, "schema_version": str(dataset.version)},
    )


def to_parquet(dataset: Dataset, rows: Sequence[Row]) -> File:
    schema = arrow_schema(dataset)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(dataset.columns)
    table = pa.Table.from_arrays(
        [pa.array(list(values), type=f.type) for values, f in zip(columns, schema, strict=True)],
        schema=schema,
    )
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return File("parquet", out.getvalue(), len(rows))


def manifest(
    dataset: Dataset,
    tenant: str,
    day: date,
    run_id: str,
    generated_at: datetime,
    files: Sequence[tuple[str, File]],
    window: tuple[datetime, datetime] | None = None,
) -> dict[str, Any]:
    """What readers trust: the run's files (key, format, rows, bytes, sha256) and schema."""
    return {
        "manifest_format": MANIFEST_FORMAT,
        "tenant": tenant,
        "dataset": dataset.name,
        "date": day.isoformat(),
        "kind": dataset.kind,
        "window": [timestamp_text(w) for w in window] if window else None,
        "run_id": run_id,
        "generated_at": timestamp_text(generated_at),
        "schema_version": dataset.version,
        "columns": dataset.schema(),
        "files": [
            {
                "key": key,
                "format": f.format,
                "rows": f.rows,
                "bytes": len(f.body),
                "sha256": f.sha256,
            }
            for key, f in files
        ],
    }
