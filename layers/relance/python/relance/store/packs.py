"""Packed summaries: every customer summary of a company in one compact item (decision 22).

A pack is the company's summaries as columns-in-rows JSON, gzipped, in a binary attribute,
with a `version` (a hash of the JSON): written beside the per-customer summary items each
time these change (store/dynamo.py), read by customer lists and dashboards in the same
Query as the follow-up rollups. Items over PART_BYTES are split into parts, written in one
transaction. A Lambda container decodes a pack once per version (bounded cache below):
rows are light SummaryRow objects shared between requests, with the company's dashboard
totals computed once.
Money is stored as DynamoDB would give it back (trailing zeros dropped), so the rows and
their sums are exactly what the per-customer items read would give.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from relance.domain.receivables import CustomerSummary, SummaryRow, Totals

FORMAT = 2  # 2: with the score, grade and predicted cash-in (1 is still read: none of
# them, until the company's next sync)
PART_BYTES = 350_000  # DynamoDB items are at most 400 KB
CACHE_SIZE = 64  # decoded packs kept per container
COLUMNS = (
    "number", "name", "siret", "email", "city", "rep_number", "dormant", "no_reminder",
    "as_of", "open_items", "total", "overdue", "not_due", "d1_30", "d31_60", "d61_90",
    "over_90", "oldest_due", "profile", "score", "grade", "expected",
)  # fmt: skip
COLUMNS_V1 = COLUMNS[: COLUMNS.index("profile") + 1]
PROFILE_COLUMN = COLUMNS.index("profile")
RawRow = list[Any]


def money(value: Decimal) -> str:
    """A Decimal as DynamoDB gives a number back: no trailing zeros, no exponent."""
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value.normalize(), "f")
    return text


def encode_row(s: CustomerSummary) -> RawRow:
    b = s.buckets
    return [
        s.number, s.name, s.siret, s.email, s.city, s.rep_number, s.dormant, s.no_reminder,
        s.as_of.isoformat(), s.open_items, money(s.total), money(s.overdue),
        money(b.not_due), money(b.d1_30), money(b.d31_60), money(b.d61_90), money(b.over_90),
        s.oldest_due.isoformat() if s.oldest_due else None, s.profile,
        money(s.score) if s.score is not None else None, s.grade,
        [[d.isoformat(), money(a)] for d, a in s.expected],
    ]  # fmt: skip


def pack_rows(company: str, rows: Iterable[RawRow]) -> tuple[str, bytes]:
    """(version, gzipped JSON) of a company's encoded rows, in number order."""
    ordered = sorted(rows, key=lambda r: r[0])
    body = json.dumps(
        {"format": FORMAT, "company": company, "columns": COLUMNS, "rows": ordered},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    return hashlib.sha256(body).hexdigest()[:24], gzip.compress(body, compresslevel=6, mtime=0)


def pack(company: str, summaries: Iterable[CustomerSummary]) -> tuple[str, bytes]:
    return pack_rows(company, (encode_row(s) for s in summaries))


def split(blob: bytes) -> list[bytes]:
    return [blob[i : i + PART_BYTES] for i in range(0, len(blob), PART_BYTES)] or [b""]


class Packed:
    """A decoded pack: its rows by number, their index and their totals."""

    __slots__ = ("company", "index", "raw", "rows", "totals", "version")

    def __init__(self, company: str, version: str, raw: list[RawRow]) -> None:
        self.company, self.version, self.raw = company, version, raw
        days: dict[str, date] = {}

        def day(text: str | None) -> date | None:
            if text is None:
                return None
            found = days.get(text)
            if found is None:
                found = days[text] = date.fromisoformat(text)
            return found

        self.rows: tuple[SummaryRow, ...] = tuple(_row(company, r, day) for r in raw)
        self.index = {row.number: i for i, row in enumerate(self.rows)}
        self.totals = Totals(self.rows)

    @classmethod
    def of_summaries(cls, company: str, summaries: Sequence[CustomerSummary]) -> Packed:
        """Rows of summaries not packed yet (items written before packs existed)."""
        raw = sorted((encode_row(s) for s in summaries), key=lambda r: r[0])
        return cls(company, "", raw)


def _row(company: str, r: RawRow, day: Callable[[str | None], date | None]) -> SummaryRow:
    as_of = day(r[8])
    assert as_of is not None
    return SummaryRow(
        company, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], as_of, r[9],
        Decimal(r[10]), Decimal(r[11]),
        (Decimal(r[12]), Decimal(r[13]), Decimal(r[14]), Decimal(r[15]), Decimal(r[16])),
        day(r[17]), r[18], Decimal(r[19]) if r[19] is not None else None, r[20],
        tuple((date.fromisoformat(d), Decimal(a)) for d, a in r[21] or ()),
    )  # fmt: skip


def decode(company: str, version: str, blob: bytes) -> Packed:
    data = json.loads(gzip.decompress(blob))
    if data.get("format") == 1 and tuple(data["columns"]) == COLUMNS_V1:
        # Written before scores: unscored until the company's next sync rewrites it.
        padding = [None] * (len(COLUMNS) - len(COLUMNS_V1))
        return Packed(company, version, [[*r, *padding] for r in data["rows"]])
    if data.get("format") != FORMAT or tuple(data["columns"]) != COLUMNS:
        raise ValueError(f"unknown summary pack format for {company}")
    return Packed(company, version, data["rows"])


_cache: OrderedDict[tuple[str, str, str], Packed] = OrderedDict()
_lock = threading.Lock()


def cached(tenant: str, company: str, version: str, parts: Sequence[bytes]) -> Packed:
    """The decoded pack of this version, from the container's cache when it was seen."""
    key = (tenant, company, version)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    found = decode(company, version, b"".join(parts))
    with _lock:
        _cache[key] = found
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return found


class SummarySet:
    """What lists and dashboards read: the packs of the companies asked for, and the
    follow-up figures of the customers that have any (by (company, number))."""

    def __init__(
        self,
        packs: list[Packed],
        followup: dict[tuple[str, str], dict[str, Any]],
        cash_in: dict[str, bytes] | None = None,
    ):
        self.packs = sorted(packs, key=lambda p: p.company)
        self.followup = followup
        self.cash_in = cash_in or {}  # per company: store/cash_collected.py's blob
        self._rows: list[SummaryRow] | None = None

    @property
    def key(self) -> tuple[tuple[str, str], ...] | None:
        """What the base rows depend on; None when some are not content-addressed."""
        if any(not p.version for p in self.packs):
            return None
        return tuple((p.company, p.version) for p in self.packs)

    def rows(self) -> list[SummaryRow]:
        """Every row, by (company, number), with its follow-up figures."""
        if self._rows is None:
            rows: list[SummaryRow] = []
            for p in self.packs:
                start = len(rows)
                rows += p.rows
                for (company, number), figures in self.followup.items():
                    if company == p.company and number in p.index:
                        i = start + p.index[number]
                        rows[i] = rows[i].with_followup(figures)
            self._rows = rows
        return self._rows

    def totals(self) -> Totals:
        return Totals.combined(p.totals for p in self.packs)

    def row(self, company: str, number: str) -> SummaryRow | None:
        for p in self.packs:
            if p.company == company and number in p.index:
                base = p.rows[p.index[number]]
                figures = self.followup.get((company, number))
                return base.with_followup(figures) if figures else base
        return None
