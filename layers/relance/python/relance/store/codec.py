"""DynamoDB attribute values to and from plain Python, for the types Relance stores.

boto3's TypeSerializer walks every value through a chain of isinstance checks and is the
slowest part of a bulk write; this does the same for the few types we use, in one pass.
Money stays Decimal (a DynamoDB number is a decimal): never float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

AttributeValue = dict[str, Any]


def to_attr(value: Any) -> AttributeValue | None:
    """One attribute value, or None for a value not worth storing (None, empty string)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if isinstance(value, datetime | date):
        return {"S": value.isoformat()}
    if isinstance(value, dict):
        return {"M": to_item(value)}
    if isinstance(value, list | tuple):
        return {"L": [a for a in (to_attr(v) for v in value) if a is not None]}
    if isinstance(value, set | frozenset):  # a string set: ADD to it is idempotent
        return {"SS": sorted(str(v) for v in value)} if value else None
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB (floats are refused)")


def to_item(values: dict[str, Any]) -> dict[str, AttributeValue]:
    item: dict[str, AttributeValue] = {}
    for name, value in values.items():
        attr = to_attr(value)
        if attr is not None:
            item[name] = attr
    return item


def from_attr(attr: AttributeValue) -> Any:
    (kind, value), *_ = attr.items()
    if kind == "S":
        return value
    if kind == "N":
        # Whole numbers come back as int (counts, indexes); anything else stays Decimal.
        return int(value) if value.lstrip("-").isdigit() else Decimal(value)
    if kind == "BOOL":
        return value
    if kind == "M":
        return from_item(value)
    if kind == "L":
        return [from_attr(v) for v in value]
    if kind == "NULL":
        return None
    if kind == "SS":
        return set(value)
    raise TypeError(f"unexpected DynamoDB type {kind}")


def from_item(item: dict[str, AttributeValue]) -> dict[str, Any]:
    return {name: from_attr(attr) for name, attr in item.items()}
