"""Customer summaries and the dashboard: totals that reconcile with the aged balance."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from relance.domain.aging import BUCKETS, AgingFact, aged_balance
from relance.domain.dunning.profiles import DunningSettings, ProfileBook, default_settings
from relance.domain.receivables import CustomerSummary, dashboard, summarize, with_profiles
from relance.domain.records import Customer

AS_OF = date(2026, 11, 23)


def test_a_summary_splits_overdue_from_not_due_and_remembers_the_oldest_debt() -> None:
    customers = [
        Customer(company="BIJOU", number="C1", name="Dupont"),
        Customer(company="BIJOU", number="C2", name="Sans dette"),
    ]
    lines = [
        AgingFact("C1", AS_OF - timedelta(days=40), Decimal("100.00")),
        AgingFact("C1", AS_OF - timedelta(days=5), Decimal("-30.00")),  # a credit note
        AgingFact("C1", AS_OF + timedelta(days=10), Decimal("250.50")),
    ]
    c1, c2 = summarize("BIJOU", customers, lines, AS_OF)

    assert (c1.total, c1.overdue, c1.buckets.not_due) == (
        Decimal("320.50"),
        Decimal("70.00"),
        Decimal("250.50"),
    )
    assert c1.oldest_due == AS_OF - timedelta(days=40)
    assert c1.days_late(AS_OF + timedelta(days=2)) == 42  # days late move on between syncs
    assert (c2.total, c2.open_items, c2.days_late(AS_OF)) == (Decimal("0"), 0, 0)


def test_a_line_of_a_customer_missing_from_the_file_still_counts() -> None:
    (orphan,) = summarize("BIJOU", [], [AgingFact("C9", AS_OF, Decimal("5"))], AS_OF)
    assert (orphan.number, orphan.total) == ("C9", Decimal("5"))


facts = st.lists(
    st.builds(
        AgingFact,
        st.sampled_from(["A", "B", "C", "D"]),
        st.integers(-90, 400).map(lambda d: AS_OF - timedelta(days=d)),
        st.decimals(min_value=-5000, max_value=5000, places=2, allow_nan=False),
    ),
    max_size=80,
)


@given(facts)
def test_dashboard_totals_reconcile_to_the_cent_with_the_aged_balance(
    lines: list[AgingFact],
) -> None:
    board = dashboard(summarize("BIJOU", [], lines, AS_OF))
    reference = aged_balance("BIJOU", lines, AS_OF).total
    assert board.total == reference.total == sum((x.amount for x in lines), Decimal(0))
    assert board.buckets == reference
    assert board.overdue == reference.total - reference.not_due
    assert [d.total for d in board.top_debtors] == sorted(
        (d.total for d in board.top_debtors), reverse=True
    )


def test_each_summary_gets_its_profile_by_hand_by_rule_on_its_record_and_total_or_default() -> None:
    settings = DunningSettings.model_validate(
        {
            **default_settings().model_dump(),
            "profiles": [
                {"profile_id": "standard", "name": "Standard", "scenario_id": "standard"},
                {"profile_id": "vip", "name": "VIP", "scenario_id": "standard",
                 "rules": [{"quality": "Grand compte"}, {"min_outstanding": "1000"}]},
                {"profile_id": "douteux", "name": "Douteux", "scenario_id": "standard"},
            ],
        }
    )  # fmt: skip
    book = ProfileBook.of(settings)
    customers = [
        Customer(company="BIJOU", number="C1", quality="grand compte"),  # rule, case ignored
        Customer(company="BIJOU", number="C2"),
        Customer(company="BIJOU", number="C3"),
        Customer(company="BIJOU", number="C4", quality="Grand compte"),
    ]
    lines = [
        AgingFact("C2", AS_OF, Decimal("999.99")),
        AgingFact("C3", AS_OF, Decimal("1000.00")),  # outstanding >= 1000
        AgingFact("C9", AS_OF, Decimal("5000.00")),  # no Sage record: rules on the total
    ]
    summaries = summarize("BIJOU", customers, lines, AS_OF)
    assert {s.profile for s in summaries} == {""}  # summarize alone leaves it empty
    profiled = with_profiles(
        summaries,
        {c.number: c for c in customers},
        book,
        {"C4": "douteux", "C2": "gone"},  # by hand; a removed profile falls back to the rules
    )
    assert {s.number: s.profile for s in profiled} == {
        "C1": "vip", "C2": "standard", "C3": "vip", "C4": "douteux", "C9": "vip",
    }  # fmt: skip
    assert [s.total for s in profiled] == [s.total for s in summaries]  # figures untouched
    # Already right: the same summary back (nothing to write).
    again = with_profiles(profiled, {c.number: c for c in customers}, book, {"C4": "douteux"})
    assert all(a is b for a, b in zip(again, profiled, strict=True))


# -- packs and light rows (decision 22) ----------------------------------------------------
def _through_dynamodb(s: CustomerSummary) -> CustomerSummary:
    """A summary as the per-customer item read back gives it (DynamoDB drops trailing
    zeros of numbers; the codec answers whole numbers as int)."""
    from relance.store.codec import from_item, to_item
    from relance.store.packs import money

    item = {
        k: {"N": money(Decimal(v["N"]))} if "N" in v else v
        for k, v in to_item(s.model_dump()).items()
    }
    item["buckets"] = {
        "M": {k: {"N": money(Decimal(v["N"]))} for k, v in item["buckets"]["M"].items()}
    }
    return CustomerSummary.model_validate(from_item(item))


@given(facts)
def test_a_pack_gives_back_the_summaries_and_the_dashboard_to_the_cent(
    lines: list[AgingFact],
) -> None:
    from relance.store import packs

    customers = [Customer(company="BIJOU", number=f"C{i}", name=f"Client {i}") for i in range(3)]
    summaries = summarize("BIJOU", customers, lines, AS_OF)
    version, blob = packs.pack("BIJOU", summaries)
    packed = packs.decode("BIJOU", version, blob)
    stored = [_through_dynamodb(s) for s in summaries]
    assert [r.to_summary() for r in packed.rows] == stored
    for row, s in zip(packed.rows, stored, strict=True):
        assert row.as_json(AS_OF) == {
            **s.model_dump(mode="json"),
            "days_late": s.days_late(AS_OF),
        }
    board = dashboard(stored)
    totals = packs.SummarySet([packed], {}).totals()
    assert (totals.total, totals.overdue) == (board.total, board.overdue)
    assert str(totals.total) == str(board.total)
    assert totals.buckets == tuple(getattr(board.buckets, b) for b in BUCKETS)
    assert (totals.customers, totals.customers_overdue) == (
        board.customers,
        board.customers_overdue,
    )
    assert [(r.company, r.number) for r in totals.top] == [
        (s.company, s.number) for s in board.top_debtors
    ]
    assert packs.pack("BIJOU", list(reversed(summaries)))[0] == version  # content-addressed


def test_money_is_packed_as_dynamodb_gives_it_back() -> None:
    from relance.store.packs import money

    for text, shown in [
        ("12.50", "12.5"),
        ("100.00", "100"),
        ("-0.10", "-0.1"),
        ("0", "0"),
        ("1E+2", "100"),
        ("0.01", "0.01"),
        ("-1234567.89", "-1234567.89"),
    ]:
        assert money(Decimal(text)) == shown  # fmt: skip


def test_rows_with_follow_up_figures_are_copies() -> None:
    from relance.store import packs

    s = CustomerSummary(company="BIJOU", number="C1", as_of=AS_OF, total=Decimal("5"))
    packed = packs.decode("BIJOU", *packs.pack("BIJOU", [s]))
    figures = {"open_disputes": 1, "disputed": Decimal("2.5"), "open_promises": 0,
               "promised": Decimal(0), "broken_promises": 0, "flagged": True}  # fmt: skip
    found = packs.SummarySet([packed], {("BIJOU", "C1"): figures}).rows()
    assert found[0].open_disputes == 1 and found[0].flagged and found[0].disputed == Decimal("2.5")
    assert packed.rows[0].open_disputes == 0 and not packed.rows[0].flagged
