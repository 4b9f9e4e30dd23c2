"""Cash-in forecast: periods plus what lies beyond the horizon add up to the open
receivables to the cent, whatever the predictions; weeks are ISO weeks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.domain.payments import (
    OpenItem,
    PaymentModel,
    SettledInvoice,
    cash_forecast,
    predict_open,
)
from relance.domain.payments.forecast import period_key

AS_OF = date(2026, 6, 30)


@dataclass(frozen=True)
class Expected:
    amount: Decimal
    expected_on: date


def test_weeks_are_iso_weeks_and_months_calendar_months() -> None:
    assert period_key(date(2026, 12, 31), "week") == "2026-W53"
    assert period_key(date(2027, 1, 3), "week") == "2026-W53"
    assert period_key(date(2027, 1, 4), "week") == "2027-W01"
    assert period_key(date(2027, 1, 4), "month") == "2027-01"


def test_periods_carry_the_objective_and_what_was_collected_so_far() -> None:
    forecast = cash_forecast(
        [
            Expected(Decimal("1000.00"), date(2026, 7, 1)),
            Expected(Decimal("250.50"), date(2026, 8, 3)),
        ],
        AS_OF,
        date(2026, 7, 31),
        "month",
        objectives={"2026-06": Decimal("5000"), "2026-07": Decimal("800")},
        collections=[(date(2026, 6, 2), Decimal("4200.00")), (date(2026, 5, 31), Decimal("9"))],
    )
    june, july = forecast.periods
    assert (june.key, june.collected, june.expected, june.gap) == (
        "2026-06",
        Decimal("4200.00"),
        Decimal("0"),
        Decimal("800.00"),
    )
    assert (july.expected, july.gap) == (Decimal("1000.00"), Decimal("-200.00"))
    assert forecast.beyond == Decimal("250.50")


money = st.decimals(min_value=-5000, max_value=250000, places=2, allow_nan=False)
offsets = st.integers(min_value=-60, max_value=400)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(money, offsets), max_size=40),
    st.integers(min_value=0, max_value=300),
    st.sampled_from(["week", "month"]),
)
def test_forecast_total_is_open_receivables_minus_what_is_beyond_the_horizon(
    items: list[tuple[Decimal, int]], horizon_days: int, granularity: str
) -> None:
    predictions = [Expected(a, AS_OF + timedelta(days=d)) for a, d in items]
    forecast = cash_forecast(
        predictions,
        AS_OF,
        AS_OF + timedelta(days=horizon_days),
        "week" if granularity == "week" else "month",
    )
    open_total = sum((a for a, _ in items), Decimal(0))
    assert forecast.expected_total == open_total - forecast.beyond
    last = forecast.periods[-1].end
    assert forecast.beyond == sum(
        (a for a, d in items if AS_OF + timedelta(days=d) > last), Decimal(0)
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=-10, max_value=120), min_size=0, max_size=25),
    st.lists(st.tuples(money, st.integers(min_value=-200, max_value=90)), max_size=15),
    st.integers(min_value=7, max_value=200),
)
def test_predicted_open_items_land_between_today_and_the_horizon_or_beyond(
    lates: list[int], opened: list[tuple[Decimal, int]], horizon_days: int
) -> None:
    history = [
        SettledInvoice(
            "C1",
            "X",
            i,
            AS_OF - timedelta(days=400 - 10 * i),
            AS_OF - timedelta(days=370 - 10 * i),
            Decimal("100"),
            AS_OF - timedelta(days=370 - 10 * i) + timedelta(days=late),
        )
        for i, late in enumerate(lates)
        if AS_OF - timedelta(days=370 - 10 * i) + timedelta(days=late) <= AS_OF
    ]
    items = [
        OpenItem("C1", "X", 1000 + i, AS_OF - timedelta(days=30), AS_OF + timedelta(days=d), a)
        for i, (a, d) in enumerate(opened)
    ]
    predictions = predict_open(PaymentModel(history, AS_OF, open_now=items), items)
    for p in predictions:
        assert AS_OF <= p.earliest <= p.expected_on <= p.latest
    forecast = cash_forecast(predictions, AS_OF, AS_OF + timedelta(days=horizon_days), "week")
    receivables = sum((i.amount for i in items), Decimal(0))
    assert forecast.expected_total + forecast.beyond == receivables
