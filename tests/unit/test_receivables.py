"""Customer summaries and the dashboard: totals that reconcile with the aged balance."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from relance.domain.aging import AgingFact, aged_balance
from relance.domain.dunning.profiles import DunningSettings, ProfileBook, default_settings
from relance.domain.receivables import dashboard, summarize, with_profiles
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
