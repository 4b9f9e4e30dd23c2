"""The payment outlook a sync's finish computes per customer, and how summaries carry it."""

from __future__ import annotations

import gzip
import json
from datetime import date, timedelta
from decimal import Decimal

from relance.domain.aging import AgingFact
from relance.domain.payments.outlook import open_from_facts, outlooks
from relance.domain.receivables import CustomerSummary
from relance.domain.records import SettledLine
from relance.store import packs

AS_OF = date(2026, 11, 23)


def paid_group(customer: str, n: int, code: str, due: date, late: int) -> list[SettledLine]:
    """An invoice due on `due` and the payment that settled it `late` days after."""
    common = {"company": "BIJOU", "customer": customer, "general_account": "4110000",
              "lettering": code}  # fmt: skip
    return [
        SettledLine(
            entry_number=n,
            journal="VTE",
            accounting_date=due - timedelta(days=30),
            due_date=due,
            amount=Decimal("1000"),
            **common,
        ),
        SettledLine(
            entry_number=n + 1,
            journal="BQ1",
            accounting_date=due + timedelta(days=late),
            amount=Decimal("-1000"),
            **common,
        ),
    ]


def history(customer: str, first: int, late: int) -> list[SettledLine]:
    lines: list[SettledLine] = []
    for i in range(8):
        due = date(2025, 3, 10) + timedelta(days=60 * i)
        lines += paid_group(customer, first + 2 * i, f"A{customer}{i}", due, late)
    return lines


def test_a_late_payer_scores_worse_and_is_predicted_later() -> None:
    settled = history("PUNCTUAL", 100, 0) + history("LATE", 200, 45)
    facts = {
        "900": AgingFact("PUNCTUAL", date(2026, 12, 10), Decimal("500")),
        "901": AgingFact("LATE", date(2026, 12, 10), Decimal("500")),
        "902": AgingFact("LATE", date(2026, 9, 1), Decimal("300")),  # already 83 days late
    }
    found = outlooks("BIJOU", settled, open_from_facts("BIJOU", facts), AS_OF, customers=["NEW"])

    punctual, late = found["PUNCTUAL"], found["LATE"]
    assert punctual.score.grade == "A" and late.score.grade in ("C", "D")
    assert late.score.score > punctual.score.score
    (p,) = punctual.predictions
    by_entry = {x.entry_number: x for x in late.predictions}
    assert p.expected_on < by_entry[901].expected_on  # same due date, the slow one later
    assert by_entry[902].expected_on >= AS_OF  # an overdue item is predicted from today on
    assert found["NEW"].predictions == () and found["NEW"].score.grade is None  # unrated

    shown = late.as_json()
    assert sum(Decimal(f["points"]) for f in shown["factors"]) == Decimal(shown["score"])
    assert [x["entry_number"] for x in shown["predictions"]] == [901, 902]
    assert late.version() != punctual.version() and late.version() == late.version()


def test_summaries_carry_the_score_through_their_pack() -> None:
    scored = CustomerSummary(company="BIJOU", number="C1", as_of=AS_OF,
                             score=Decimal("42.5"), grade="C")  # fmt: skip
    unscored = CustomerSummary(company="BIJOU", number="C2", as_of=AS_OF)
    version, blob = packs.pack("BIJOU", [scored, unscored])
    rows = packs.decode("BIJOU", version, blob).rows
    assert [(r.score, r.grade) for r in rows] == [(Decimal("42.5"), "C"), (None, None)]
    assert rows[0].as_json(AS_OF)["score"] == "42.5" and rows[1].as_json(AS_OF)["score"] is None
    assert rows[0].to_summary() == scored


def test_a_pack_written_before_scores_is_still_read_unscored() -> None:
    row = packs.encode_row(CustomerSummary(company="BIJOU", number="C1", as_of=AS_OF))
    old = {"format": 1, "company": "BIJOU", "columns": list(packs.COLUMNS_V1),
           "rows": [row[: len(packs.COLUMNS_V1)]]}  # fmt: skip
    (read,) = packs.decode("BIJOU", "v1", gzip.compress(json.dumps(old).encode())).rows
    assert read.number == "C1" and read.score is None and read.grade is None


def test_predicted_cash_in_goes_through_the_pack_and_adds_up_per_date() -> None:
    first = CustomerSummary(company="BIJOU", number="C1", as_of=AS_OF,
                            expected=[(date(2026, 12, 1), Decimal("100.5")),
                                      (date(2026, 12, 8), Decimal("20"))])  # fmt: skip
    second = CustomerSummary(company="BIJOU", number="C2", as_of=AS_OF,
                             expected=[(date(2026, 12, 1), Decimal("-0.5"))])  # fmt: skip
    version, blob = packs.pack("BIJOU", [first, second])
    read = packs.decode("BIJOU", version, blob)
    assert read.rows[0].to_summary().expected == first.expected
    assert read.totals.expected == {date(2026, 12, 1): Decimal("100"),
                                    date(2026, 12, 8): Decimal("20")}  # fmt: skip
    assert "expected" not in first.model_dump()  # packs only: not on the stored items
