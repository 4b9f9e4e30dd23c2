"""Score history for the trend (V7: "history kept for the trend"): one point per ISO week.

A customer's history is a step function: a list of (week's Monday, score) points, a new
point only when a sync finds a score different from the last point and that point is from
an earlier week. So a score that does not move writes nothing, and once a week has its
point the other syncs of the week write nothing either (the card shows the live score
beside it): at most one history write per customer and week. Kept: the points of the
last 26 weeks, plus the last one before them (the score in force when the window starts).
Stored as compact text "2026-11-23:41.3;...".
Pure: the date is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

WEEKS_KEPT = 26
DELTA_DAYS = 30
Point = tuple[date, Decimal]


def week_of(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


def decode(text: str) -> list[Point]:
    points = []
    for part in filter(None, text.split(";")):
        day, score = part.split(":")
        points.append((date.fromisoformat(day), Decimal(score)))
    return sorted(points)


def encode(points: list[Point]) -> str:
    return ";".join(f"{d.isoformat()}:{s}" for d, s in points)


def recorded(points: list[Point], as_of: date, score: Decimal) -> list[Point]:
    """The history after a sync as of `as_of` scored `score` (the same list when nothing
    changes: the caller writes only a changed history)."""
    week = week_of(as_of)
    if points and (points[-1][0] >= week or points[-1][1] == score):
        return points
    added = [*points, (week, score)]
    start = week - timedelta(weeks=WEEKS_KEPT)
    inside = [p for p in added if p[0] > start]
    before = [p for p in added if p[0] <= start]
    return before[-1:] + inside


def score_on(points: list[Point], day: date) -> Decimal | None:
    """The score in force on `day` (the last point of a week starting on or before it)."""
    found = [s for d, s in points if d <= day]
    return found[-1] if found else None


@dataclass(frozen=True)
class Trend:
    points: list[Point]
    delta: Decimal | None  # current score minus the score 30 days before; None: too new

    def as_json(self) -> dict[str, object]:
        return {
            "points": [{"week": d.isoformat(), "score": str(s)} for d, s in self.points],
            "delta_30d": str(self.delta) if self.delta is not None else None,
        }


def trend(points: list[Point], as_of: date, current: Decimal) -> Trend:
    """What the card shows: the weekly points and how much the score moved in 30 days
    (positive: worse), from the sync's as_of date."""
    then = score_on(points, as_of - timedelta(days=DELTA_DAYS))
    return Trend(points, current - then if then is not None else None)
