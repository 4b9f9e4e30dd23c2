"""Reading the sent log (C16): every reminder sent or produced, by time range.

The dispatch writes one item per reminder (store/dispatch.py, "sent log"):
  T#{t}#SENT#{yyyy-mm} / {sent_at ISO, UTC}#{company}#{customer}#{step}#{as_of}
A month is one partition whose sort key is the sending time, so a range of instants is one
Query per month it touches, with a BETWEEN on the sort key (access pattern S1: the export
and the list of sent reminders, oldest or newest first). Paging resumes with DynamoDB's
own ExclusiveStartKey, carried in an opaque cursor.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from relance.store.codec import from_item
from relance.store.dynamo import dynamodb_client
from relance.store.schema import PARTITION_KEY, SORT_KEY

PAGE_ITEMS = 500  # items per Query request


class BadCursor(ValueError):
    """A cursor this store did not write (or of another tenant's log)."""


def sent_log_pk(tenant: str, month: str) -> str:
    return f"T#{tenant}#SENT#{month}"


def _instant(moment: datetime) -> str:
    """The sort-key bound of an instant: seconds precision, UTC, no offset. A stored key
    with the same second sorts after it (it goes on with '+00:00' or fractions)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def months(start: datetime, end: datetime) -> list[str]:
    """The yyyy-mm partitions between two instants (UTC), oldest first."""
    first, last = start.astimezone(UTC), end.astimezone(UTC)
    year, month = first.year, first.month
    found: list[str] = []
    while (year, month) <= (last.year, last.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def encode_cursor(month: str, sort_key: str) -> str:
    raw = json.dumps({"m": month, "sk": sort_key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        return str(values["m"]), str(values["sk"])
    except (binascii.Error, ValueError, KeyError, TypeError) as err:
        raise BadCursor(cursor) from err


class SentLogStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    def between(
        self,
        tenant: str,
        start: datetime,
        end: datetime,
        *,
        newest_first: bool = False,
        after: str | None = None,
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(cursor, item) of every sent-log item with start <= sent_at < end, in time order
        (or newest first). `after`: a cursor given with an item before; the reading goes
        on after that item. A cursor resumes after its own item."""
        low, high = _instant(start), _instant(end)
        partitions = months(start, end)
        if newest_first:
            partitions.reverse()
        resume: tuple[str, str] | None = decode_cursor(after) if after else None
        if resume is not None:
            if resume[0] not in partitions:
                raise BadCursor(after or "")
            partitions = partitions[partitions.index(resume[0]) :]
        for month in partitions:
            request: dict[str, Any] = {
                "TableName": self.table,
                # BETWEEN is inclusive: the upper bound (a second with nothing after it)
                # sorts before every key of that second, so `end` itself is left out.
                "KeyConditionExpression": "PK = :pk AND SK BETWEEN :low AND :high",
                "ExpressionAttributeValues": {
                    ":pk": {"S": sent_log_pk(tenant, month)},
                    ":low": {"S": low},
                    ":high": {"S": high},
                },
                "ScanIndexForward": not newest_first,
                "Limit": PAGE_ITEMS,
            }
            if resume is not None and resume[0] == month:
                request["ExclusiveStartKey"] = {
                    PARTITION_KEY: {"S": sent_log_pk(tenant, month)},
                    SORT_KEY: {"S": resume[1]},
                }
            while True:
                answer = self.client.query(**request)
                for raw in answer.get("Items", []):
                    sort_key = raw[SORT_KEY]["S"]
                    values = {k: v for k, v in from_item(raw).items() if not k.isupper()}
                    yield encode_cursor(month, sort_key), values
                if "LastEvaluatedKey" not in answer:
                    break
                request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
