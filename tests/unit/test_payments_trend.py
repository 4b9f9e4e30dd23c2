"""The score's weekly history: a point only when a week's first sync finds the score
moved, 26 weeks kept, and the change over 30 days the card shows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.domain.payments.trend import (
    WEEKS_KEPT,
    decode,
    encode,
    recorded,
    score_on,
    trend,
    week_of,
)

MONDAY = date(2026, 11, 23)
D = Decimal


def test_a_point_per_week_only_when_the_score_moved() -> None:
    points = recorded([], MONDAY + timedelta(days=2), D("41.3"))
    assert points == [(MONDAY, D("41.3"))]
    # Later the same week: the week's point stays (nothing to write).
    assert recorded(points, MONDAY + timedelta(days=4), D("44.0")) is points
    # Next week, same score: still nothing to write.
    assert recorded(points, MONDAY + timedelta(days=8), D("41.3")) is points
    moved = recorded(points, MONDAY + timedelta(days=9), D("45.1"))
    assert moved == [(MONDAY, D("41.3")), (MONDAY + timedelta(days=7), D("45.1"))]
    assert decode(encode(moved)) == moved


def test_the_card_shows_the_change_over_30_days_once_the_history_is_old_enough() -> None:
    points = [(MONDAY, D("20.0")), (MONDAY + timedelta(weeks=3), D("30.0"))]
    young = trend(points, MONDAY + timedelta(days=25), D("31.0"))
    assert young.delta is None
    shown = trend(points, MONDAY + timedelta(days=35), D("36.5")).as_json()
    # 30 days before day 35 is day 5: the score then was the first week's 20.
    assert shown["delta_30d"] == "16.5"
    assert shown["points"] == [
        {"week": "2026-11-23", "score": "20.0"},
        {"week": "2026-12-14", "score": "30.0"},
    ]


syncs = st.lists(
    st.tuples(st.integers(0, 3), st.decimals(0, 100, places=1)), min_size=1, max_size=120
)


@settings(max_examples=200, deadline=None)
@given(syncs)
def test_the_history_stays_small_and_tells_the_score_of_every_recent_week(
    steps: list[tuple[int, Decimal]],
) -> None:
    """Syncs every 0-3 days: at most 27 points, weeks increasing, and each of the last 26
    weeks whose syncs all found one score shows that score."""
    day = MONDAY
    points: list[tuple[date, Decimal]] = []
    seen: dict[date, set[Decimal]] = {}
    for gap, score in steps:
        day += timedelta(days=gap)
        points = recorded(points, day, score)
        seen.setdefault(week_of(day), set()).add(score)
    assert len(points) <= WEEKS_KEPT + 1
    assert [p[0] for p in points] == sorted({p[0] for p in points})
    start = week_of(day) - timedelta(weeks=WEEKS_KEPT)
    for week, scores in seen.items():
        if week > start and len(scores) == 1:
            assert score_on(points, week + timedelta(days=6)) == next(iter(scores))
