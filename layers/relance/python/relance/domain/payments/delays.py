"""How late one customer pays: a small robust model of its days late, fitted on history.

Why pure Python and not numpy / scikit-learn: a customer has tens to a few hundred settled
invoices, the fit is a weighted median, one weighted least-squares line and twelve monthly
medians — microseconds in the standard library — and the Lambda layer stays small (numpy
alone would add ~30 MB unzipped, a gradient-boosting library far more, for no gain
measurable at this size; bench/forecast publishes the error).

The model, per customer, on signed days late (paid - due) of invoices due before as_of:
- level: recency-weighted median (half-life 6 months), so a change of habit shows quickly
  and a few extreme payments do not move it;
- trend: a weighted least-squares slope against the due date, kept only when clearly
  there (t >= 3 over >= 8 invoices spanning >= 6 months), extrapolated at most 6 months
  ahead (a trend does not go on forever);
- season: the median residual of invoices due in the same calendar month, kept when it
  stands out of the customer's noise, shrunk by n / (n + 2);
- spread: empirical quantiles of the in-sample residuals give the confidence range.
Fewer than 5 invoices: shrunk toward the customer's peers (same profile and size).

Censoring: at as_of, of the invoices due lately only those paid quickly are settled, so a
slow payer's recent history looks better than it is (in the backtest this made chronic
payers' predictions 10 days early and invented improving trends). The fit therefore uses
the mature invoices — due before as_of minus the customer's own 90th-percentile delay —
with the ones of them still open counted at their days late so far (a lower bound).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from relance.domain.payments.history import SettledInvoice

HALF_LIFE_DAYS = 182.0
TREND_MIN_INVOICES = 8
TREND_MIN_SPAN_DAYS = 180
TREND_MIN_T = 3.0
TREND_MAX_AHEAD_DAYS = 183
SEASON_SHRINK = 2.0
SEASON_MIN_INVOICES = 2
SEASON_MIN_Z = 2.5
LOW_Q, HIGH_Q = 0.1, 0.9  # the 80 % range


def weighted_median(values: Sequence[float], weights: Sequence[float]) -> float:
    pairs = sorted(zip(values, weights, strict=True))
    half = sum(w for _, w in pairs) / 2
    run = 0.0
    for value, weight in pairs:
        run += weight
        if run >= half:
            return value
    return pairs[-1][0]


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Empirical quantile with linear interpolation (as statistics.quantiles 'inclusive')."""
    if not sorted_values:
        return 0.0
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


@dataclass(frozen=True)
class DelayModel:
    """Expected days late for an invoice due on a given date, and the spread around it."""

    level: float
    slope: float = 0.0  # days late per day of due date
    season: dict[int, float] = field(default_factory=dict)  # calendar month -> extra days
    low: float = 0.0  # residual quantiles: the range is [delay + low, delay + high]
    high: float = 0.0
    invoices: int = 0
    as_of: date = date.min

    def delay(self, due: date) -> float:
        ahead = min((due - self.as_of).days, TREND_MAX_AHEAD_DAYS)
        return self.level + self.slope * ahead + self.season.get(due.month, 0.0)


def _slope(xs: Sequence[float], ys: Sequence[float], ws: Sequence[float]) -> float:
    """Weighted least-squares slope, or 0 when it is not clearly different from 0."""
    if len(xs) < TREND_MIN_INVOICES or max(xs) - min(xs) < TREND_MIN_SPAN_DAYS:
        return 0.0
    sw = sum(ws)
    mx = sum(w * x for w, x in zip(ws, xs, strict=True)) / sw
    my = sum(w * y for w, y in zip(ws, ys, strict=True)) / sw
    sxx = sum(w * (x - mx) ** 2 for w, x in zip(ws, xs, strict=True))
    if sxx <= 0:
        return 0.0
    b = sum(w * (x - mx) * (y - my) for w, x, y in zip(ws, xs, ys, strict=True)) / sxx
    a = my - b * mx
    sse = sum(w * (y - a - b * x) ** 2 for w, x, y in zip(ws, xs, ys, strict=True))
    # Recency weights are importance, not precision: Kish's effective size for the noise,
    # and the sandwich form for the slope's variance.
    n_eff = sw**2 / sum(w * w for w in ws)
    if n_eff <= 3:
        return 0.0
    sigma2 = sse / sw * n_eff / (n_eff - 2)
    var_b = sigma2 * sum(w * w * (x - mx) ** 2 for w, x in zip(ws, xs, strict=True)) / sxx**2
    if var_b <= 0:
        return b
    se = math.sqrt(var_b)
    return b if abs(b / se) >= TREND_MIN_T else 0.0


def _season(residuals: Sequence[float], months: Sequence[int]) -> dict[int, float]:
    if not residuals:
        return {}
    # Noise from the inter-decile range (normal-equivalent sd): the median absolute
    # deviation ignores the long tail of erratic payers and lets their noise pass for
    # a season.
    ordered = sorted(residuals)
    noise = max(1.0, (quantile(ordered, 0.9) - quantile(ordered, 0.1)) / 2.563)
    per_month: dict[int, list[float]] = defaultdict(list)
    for r, m in zip(residuals, months, strict=True):
        per_month[m].append(r)
    out: dict[int, float] = {}
    for month, values in per_month.items():
        n = len(values)
        centre = quantile(sorted(values), 0.5)
        if n >= SEASON_MIN_INVOICES and abs(centre) >= SEASON_MIN_Z * noise / math.sqrt(n):
            out[month] = centre * n / (n + SEASON_SHRINK)
    return out


MIN_MATURE_INVOICES = 5


def _observations(
    history: Sequence[SettledInvoice], as_of: date, still_open: Sequence[date]
) -> list[tuple[date, int]]:
    """(due date, days late) of the mature invoices, or of all when too few are mature."""
    known = [(h.due_date, h.days_late) for h in history if h.paid_on <= as_of]
    pending = [(due, (as_of - due).days) for due in still_open if due < as_of]
    maturity = max(0, round(quantile(sorted(d for _, d in known), HIGH_Q)))
    cut = as_of - timedelta(days=maturity)
    mature = [(due, d) for due, d in known if due <= cut]
    if len(mature) < MIN_MATURE_INVOICES:
        return known + pending
    return mature + [(due, d) for due, d in pending if due <= cut]


def fit_delays(
    history: Sequence[SettledInvoice], as_of: date, still_open: Sequence[date] = ()
) -> DelayModel | None:
    """A customer's model from what it paid by as_of (and the due dates of its invoices
    still open); None without any settled invoice."""
    if not any(h.paid_on <= as_of for h in history):
        return None
    observed = _observations(history, as_of, still_open)
    xs = [float((due - as_of).days) for due, _ in observed]
    ys = [float(days) for _, days in observed]
    ws = [0.5 ** (-x / HALF_LIFE_DAYS) if x < 0 else 1.0 for x in xs]
    months = [due.month for due, _ in observed]
    slope = _slope(xs, ys, ws)
    detrended = [y - slope * x for x, y in zip(xs, ys, strict=True)]
    level = weighted_median(detrended, ws)
    season = _season([d - level for d in detrended], months)
    # Once the season is known, the level comes from the ordinary months' payments.
    deseasoned = [d - season.get(m, 0.0) for d, m in zip(detrended, months, strict=True)]
    if season:
        slope = _slope(xs, [d + slope * x for d, x in zip(deseasoned, xs, strict=True)], ws)
        deseasoned = [
            y - slope * x - season.get(m, 0.0) for x, y, m in zip(xs, ys, months, strict=True)
        ]
        level = weighted_median(deseasoned, ws)
    residuals = sorted(d - level for d in deseasoned)
    return DelayModel(
        level=level,
        slope=slope,
        season=season,
        low=quantile(residuals, LOW_Q),
        high=quantile(residuals, HIGH_Q),
        invoices=len(observed),
        as_of=as_of,
    )


def pooled(histories: Sequence[Sequence[SettledInvoice]], as_of: date) -> DelayModel:
    """A group's model: level and spread of all its members' invoices, no trend or season."""
    ys: list[float] = []
    ws: list[float] = []
    for items in histories:
        for h in items:
            if h.paid_on <= as_of:
                x = (h.due_date - as_of).days
                ys.append(float(h.days_late))
                ws.append(0.5 ** (-x / HALF_LIFE_DAYS) if x < 0 else 1.0)
    if not ys:
        return DelayModel(level=0.0, as_of=as_of)
    level = weighted_median(ys, ws)
    residuals = sorted(y - level for y in ys)
    return DelayModel(
        level=level,
        low=quantile(residuals, LOW_Q),
        high=quantile(residuals, HIGH_Q),
        invoices=len(ys),
        as_of=as_of,
    )


def shrunk(own: DelayModel, peers: DelayModel, k: float = 5.0) -> DelayModel:
    """A thin history pulled toward its peers: weight n / (n + k) on the customer's own."""
    w = own.invoices / (own.invoices + k)
    return DelayModel(
        level=w * own.level + (1 - w) * peers.level,
        slope=0.0,
        season={},
        low=w * own.low + (1 - w) * peers.low,
        high=w * own.high + (1 - w) * peers.high,
        invoices=own.invoices,
        as_of=own.as_of,
    )
