"""What the user routes answer, as models: they make the OpenAPI document's response schemas.

Request bodies and query strings are declared on the routes themselves (Powertools
validates them and writes them into the document); the answers are declared here, with
the domain models where a route returns one as it is. tests/integration/test_openapi.py
checks real answers against these models, so the document cannot drift from the code.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from relance.domain.aging import BucketAmounts
from relance.domain.dunning_config import ChosenProfile, OverrideRecord, StopRecord
from relance.domain.receivables import Dashboard
from relance.domain.users import Proposal, User


class _Open(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="allow")


def answers(model: type[BaseModel], status: int = 200, description: str = "OK") -> dict[int, Any]:
    """The `responses` argument of a route that answers `model` as JSON."""
    return {status: {"description": description, "content": {"application/json": {"model": model}}}}


class ErrorDetail(BaseModel, defer_build=True):
    code: str
    message: str
    message_fr: str
    details: Any = None


class ErrorAnswer(BaseModel, defer_build=True):
    error: ErrorDetail


class Me(_Open):
    user_id: str
    email: str = ""
    role: str
    language: str = "fr"
    tenant: str
    stored: bool


class Users(BaseModel, defer_build=True):
    users: list[User]


class Proposals(BaseModel, defer_build=True):
    proposals: list[Proposal]


class SyncRequest(BaseModel, defer_build=True):
    request_id: str
    mode: str
    requested_by: str
    requested_at: datetime


class Runs(BaseModel, defer_build=True):
    runs: list[dict[str, Any]]


class Controls(BaseModel, defer_build=True):
    controls: list[dict[str, Any]]


class CustomerRow(_Open):
    """A customer summary (domain/receivables.py CustomerSummary) as a list shows it."""

    company: str
    number: str
    name: str = ""
    as_of: date
    open_items: int
    total: Decimal
    overdue: Decimal
    buckets: BucketAmounts
    oldest_due: date | None = None
    profile: str = ""  # dunning profile id (C3); "" before the first sync computed it
    score: Decimal | None = None  # bad-payer score 0..100 (V7); None before a scoring sync
    grade: str | None = None  # A-D; None when the history is too thin to rate
    open_disputes: int
    disputed: Decimal
    open_promises: int
    promised: Decimal
    broken_promises: int
    flagged: bool
    days_late: int
    display: dict[str, Any] = Field(default_factory=dict)


class CustomerPage(BaseModel, defer_build=True):
    total_count: int
    offset: int
    limit: int
    customers: list[CustomerRow]


class ForecastPeriod(BaseModel, defer_build=True):
    period: str  # 2026-W48 or 2026-12
    start: date
    end: date
    expected: Decimal  # predicted to be paid in the period
    collected: Decimal = Decimal(0)  # already collected in it, up to today (settled lines)
    outlook: Decimal = Decimal(0)  # forecast to the period's end: collected + expected
    objective: Decimal | None = None  # the cash objective (a week: its months' prorated)


class CollectedToDate(BaseModel, defer_build=True):
    """Cash collected (V6), from the payments the syncs found lettered."""

    yesterday: Decimal
    week_to_date: Decimal
    month_to_date: Decimal


class Forecast(BaseModel, defer_build=True):
    """Cash-in forecast (V6) from each open item's predicted payment date (B3)."""

    periods: list[ForecastPeriod]
    beyond: Decimal  # predicted after the last period
    open_total: Decimal  # every open item the predictions cover
    collected: CollectedToDate | None = None  # yesterday, the week and the month to date


class DashboardAnswer(Dashboard):
    top_debtors: list[CustomerRow]  # type: ignore[assignment]
    forecast: dict[Literal["week", "month"], Forecast] = Field(default_factory=dict)
    display: dict[str, Any] = Field(default_factory=dict)


class OpenItem(_Open):
    entry_number: int
    invoice_number: str = ""
    accounting_date: date
    due_date: date | None = None
    amount: Decimal
    days_late: int
    disputed: bool
    expected_date: date | None = None
    comments: int


class TimelineEntry(_Open):
    event_id: str
    kind: str
    at: datetime
    actor: str


class DunningSection(BaseModel, defer_build=True):
    """The card's dunning settings of the customer: stops in force, overrides not yet
    spent, the profile chosen by hand."""

    stops: list[StopRecord]
    overrides: list[OverrideRecord]
    profile: ChosenProfile


class ScoreFactor(BaseModel, defer_build=True):
    factor: str  # days_late, late_share, trend, broken_promises, disputes, current_overdue
    points: Decimal  # its contribution to the score
    measure: float  # what was measured: days, a share, a count


class PaymentPrediction(BaseModel, defer_build=True):
    entry_number: int
    expected_on: date  # expected payment date (B3)
    earliest: date  # the 80 % range
    latest: date
    source: str  # repositioned, promise, customer, peers, company, due_date


class PaymentOutlook(BaseModel, defer_build=True):
    """The score with its factors (largest first) and each open item's expected payment
    date, as the last sync computed them."""

    score: Decimal
    grade: str | None
    invoices: int
    factors: list[ScoreFactor]
    predictions: list[PaymentPrediction]
    trend: ScoreTrend | None = None  # the score's weekly history, since the first sync


class ScorePoint(BaseModel, defer_build=True):
    week: date  # Monday of the ISO week whose first sync gave this score
    score: Decimal


class ScoreTrend(BaseModel, defer_build=True):
    """Weekly points (a new one only when the score moved) and the change over 30 days
    (positive: worse; None while the history is younger than 30 days)."""

    points: list[ScorePoint]
    delta_30d: Decimal | None


class Card(_Open):
    company: str
    number: str
    customer: dict[str, Any] | None
    profile: str | None = None  # dunning profile in force (its summary's); None before a sync
    contacts: list[dict[str, Any]]
    aged_balance: BucketAmounts | None
    total: Decimal
    to_chase: Decimal
    disputed: Decimal
    open_items: list[OpenItem]
    disputes: list[dict[str, Any]]
    promises: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    details: dict[str, Any]
    flagged: bool
    timeline: list[TimelineEntry]
    dunning: DunningSection
    reminders: list[dict[str, Any]]  # the actions the dunning runs issued, newest first
    payments: PaymentOutlook | None = None  # None before a sync scored the customer
