"""Batches never exceed the protocol's record count nor its compressed body size, keep the
key order (the last item is the resume point) and are numbered from the resume seq."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from relance.domain.records import LedgerLine
from relance.relay.runner import BatchTooLarge, pack
from relance.sync.protocol import (
    MAX_BATCH_BODY_BYTES,
    MAX_KEYS_PER_BATCH,
    MAX_RECORDS_PER_BATCH,
    KeysBatch,
    RecordsBatch,
    decode_body,
)


def lines(n: int, label_size: int = 20, seed: int = 1) -> list[LedgerLine]:
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
    return [
        LedgerLine(
            company="BIJOU",
            entry_number=i,
            journal="VTE",
            accounting_date=date(2024, 1, 1 + i % 28),
            general_account="4110000",
            customer=f"C{i % 97:05d}",
            # Random text compresses badly: it is what pushes a body past the byte limit.
            label="".join(rng.choice(alphabet) for _ in range(label_size)),
            amount=Decimal(rng.randint(-(10**8), 10**8)) / 100,
        )
        for i in range(1, n + 1)
    ]


def records_batch(chunk: list[LedgerLine], seq: int) -> RecordsBatch:
    return RecordsBatch(run_id="run-12345678", company="BIJOU", entity="ledger_line", seq=seq,
                        records=chunk)  # fmt: skip


def test_record_count_limit_and_order() -> None:
    items = lines(2_345)
    out = list(pack(items, records_batch, max_items=MAX_RECORDS_PER_BATCH))
    assert [len(chunk) for _, chunk, _ in out] == [1000, 1000, 345]
    assert [batch.seq for batch, _, _ in out] == [0, 1, 2]
    assert [r for _, chunk, _ in out for r in chunk] == items
    for _, chunk, body in out:
        assert len(body) <= MAX_BATCH_BODY_BYTES
        assert decode_body(body)["records"][-1]["entry_number"] == chunk[-1].entry_number  # type: ignore[index]


def test_byte_limit_splits_batches_and_loses_nothing() -> None:
    items = lines(1_500, label_size=35)
    limit = 20_000
    out = list(pack(items, records_batch, first_seq=7, max_items=1_000, max_bytes=limit))
    assert len(out) > 2
    assert all(len(body) <= limit for _, _, body in out)
    assert [batch.seq for batch, _, _ in out] == list(range(7, 7 + len(out)))
    sent = [rec["entry_number"] for _, _, body in out for rec in decode_body(body)["records"]]  # type: ignore[index]
    assert sent == [line.entry_number for line in items]  # each once, in order
    # Batches are filled close to the limit, not halved down to crumbs.
    assert sum(len(body) for _, _, body in out[:-1]) / (len(out) - 1) > limit * 0.5


def test_key_batches() -> None:
    keys = [str(i) for i in range(120_001)]

    def build(chunk: list[str], seq: int) -> KeysBatch:
        return KeysBatch(run_id="run-12345678", company="BIJOU", entity="ledger_line", seq=seq,
                         keys=chunk)  # fmt: skip

    out = list(pack(keys, build, max_items=MAX_KEYS_PER_BATCH))
    assert [len(chunk) for _, chunk, _ in out] == [50_000, 50_000, 20_001]
    assert all(len(body) <= MAX_BATCH_BODY_BYTES for _, _, body in out)


def test_nothing_to_send_makes_no_batch() -> None:
    assert list(pack([], records_batch, max_items=10)) == []


def test_a_single_record_too_big_is_an_error_not_a_loop() -> None:
    with pytest.raises(BatchTooLarge):
        list(pack(lines(3, label_size=200), records_batch, max_items=10, max_bytes=100))


def test_pack_holds_one_batch_at_a_time() -> None:
    pulled = 0

    def source():  # type: ignore[no-untyped-def]
        nonlocal pulled
        for line in lines(3_000):
            pulled += 1
            yield line

    batches = pack(source(), records_batch, max_items=1_000)
    next(batches)
    assert pulled <= 1_000
