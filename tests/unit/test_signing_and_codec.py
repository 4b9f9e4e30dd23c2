"""Relay request signatures, and what DynamoDB gets from the codec (Decimal in, Decimal out)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance.store.codec import from_item, to_item
from relance.sync.protocol import RecordsBatch, decode_body, encode_body
from relance.sync.signing import SignatureError, sign, verify

NOW = 1_795_000_000


def test_a_fresh_correct_signature_passes() -> None:
    signature = sign("s3cret", "POST", "/relay/batches", NOW, b"body")
    verify("s3cret", "POST", "/relay/batches", b"body", str(NOW), signature, NOW + 299)


@pytest.mark.parametrize(
    ("secret", "path", "body", "at", "why"),
    [
        ("other", "/relay/batches", b"body", NOW, "bad signature"),
        ("s3cret", "/relay/runs", b"body", NOW, "bad signature"),
        ("s3cret", "/relay/batches", b"bodY", NOW, "bad signature"),
        ("s3cret", "/relay/batches", b"body", NOW + 301, "expired"),
        ("s3cret", "/relay/batches", b"body", NOW - 301, "expired"),
    ],
)
def test_a_changed_or_stale_request_is_refused(
    secret: str, path: str, body: bytes, at: int, why: str
) -> None:
    signature = sign("s3cret", "POST", "/relay/batches", NOW, b"body")
    with pytest.raises(SignatureError, match=why):
        verify(secret, "POST", path, body, str(NOW), signature, at)


def test_money_is_stored_as_decimal_and_floats_are_refused() -> None:
    item = to_item({"amount": Decimal("1234.567891"), "due": date(2026, 1, 31), "note": ""})
    assert item == {"amount": {"N": "1234.567891"}, "due": {"S": "2026-01-31"}}
    assert from_item(item)["amount"] == Decimal("1234.567891")
    with pytest.raises(TypeError, match="float"):
        to_item({"amount": 12.5})


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(
            st.decimals(
                allow_nan=False,
                allow_infinity=False,
                places=6,
                max_value=10**12,
                min_value=-(10**12),
            ),
            st.text(min_size=1),
            st.booleans(),
        ),
        max_size=8,
    )
)
def test_codec_round_trips_values_exactly(values: dict[str, object]) -> None:
    back = from_item(to_item(values))
    assert {k: v for k, v in back.items()} == values


def test_batches_travel_as_gzip_json_and_come_back_identical() -> None:
    batch = RecordsBatch.model_validate(
        {
            "run_id": "run-0001",
            "company": "BIJOU",
            "entity": "ledger_line",
            "seq": 3,
            "records": [
                {
                    "entity": "ledger_line",
                    "company": "BIJOU",
                    "entry_number": 7,
                    "journal": "VTE",
                    "accounting_date": "2026-10-01",
                    "general_account": "4110000",
                    "customer": "C1",
                    "amount": "-99.990001",
                    "modified_at": "2026-10-01T09:30:00",
                }
            ],
        }
    )
    body = encode_body(batch)
    assert body[:2] == b"\x1f\x8b"
    assert RecordsBatch.model_validate(decode_body(body)) == batch
    assert batch.batch_id == "run-0001.BIJOU.ledger_line.records.000003"
