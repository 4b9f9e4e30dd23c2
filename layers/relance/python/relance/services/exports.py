"""Sent reminders (C16): the list the web app pages through, and the CSV / Excel export.

Both read the sent log the dispatch writes (store/sent_log.py) over a range of days on
the caller's clock, filtered by company, channel and status. Every role may read (a
viewer exports for the accountant); a collector with a portfolio sees only the reminders
of its customers, like every other read of the workspace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from relance.domain.dunning.scenarios import Channel
from relance.domain.portfolios import Portfolio
from relance.domain.sent_reminders import ExportFormat, SentReminder
from relance.services.errors import BadRequest, Invalid
from relance.store.sent_log import BadCursor, SentLogStore

MAX_DAYS = 366  # one range: a year of reminders at most
# A Lambda answer holds 6 MB: 15,000 rows make a CSV of ~4 MB (~270 bytes a row), a
# workbook of ~2 MB in base64 (measured: /tmp/decisions-templates.md).
MAX_EXPORT_ROWS = 15_000


class ReminderQuery(BaseModel):
    """The days (on the caller's clock, both included) and filters of a list or export.
    Without dates: the current month to today."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    company: str | None = Field(default=None, min_length=1, max_length=20)
    channel: Channel | None = None
    status: str | None = Field(default=None, pattern=r"^[a-z_]{1,40}$")

    @field_validator("to")
    @classmethod
    def _ordered(cls, to: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("from_")
        if start and to and start > to:
            raise ValueError("'to' is before 'from'")
        if start and to and (to - start).days >= MAX_DAYS:
            raise ValueError(f"a range covers {MAX_DAYS} days at most")
        return to

    def days(self, today: date) -> tuple[date, date]:
        end = self.to or max(today, self.from_ or today)
        start = self.from_ or end.replace(day=1)
        if (end - start).days >= MAX_DAYS:
            raise Invalid(
                "range_too_long",
                f"A range covers {MAX_DAYS} days at most: give 'to' as well.",
                f"Une période couvre au plus {MAX_DAYS} jours : précisez aussi 'to'.",
                field="to",
            )
        return start, end


class ReminderPageQuery(ReminderQuery):
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=500)


class ExportQuery(ReminderQuery):
    format: ExportFormat = "csv"


def window(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants of these days on that clock: [start 00:00, the day after end 00:00)."""
    return (
        datetime.combine(start, time(), zone),
        datetime.combine(end + timedelta(days=1), time(), zone),
    )


Scope = Callable[[str, str], bool]  # (company, customer) -> may the caller see it


class SentReminderService:
    def __init__(self, log: SentLogStore, summaries: Callable[[str], list[Any]]) -> None:
        self.log = log
        self.summaries = summaries  # tenant -> its customer summaries (rep, profile)

    def _scope(self, tenant: str, portfolio: Portfolio | None) -> Scope:
        if portfolio is None:
            return lambda company, customer: True
        # Rules by rep or profile need each customer's: one read of the summaries.
        known = {(s.company, s.number): s for s in self.summaries(tenant)}

        def covered(company: str, customer: str) -> bool:
            s = known.get((company, customer))
            rep, profile = (s.rep_number, s.profile or None) if s else (None, None)
            return portfolio.covers(company, customer, rep, profile)

        return covered

    def _rows(
        self,
        tenant: str,
        query: ReminderQuery,
        today: date,
        zone: ZoneInfo,
        portfolio: Portfolio | None,
        *,
        newest_first: bool = False,
        after: str | None = None,
    ) -> Iterator[tuple[str, SentReminder]]:
        start, end = window(*query.days(today), zone)
        visible = self._scope(tenant, portfolio)
        try:
            found = self.log.between(tenant, start, end, newest_first=newest_first, after=after)
            for cursor, item in found:
                if query.company and item.get("company") != query.company:
                    continue
                if query.channel and item.get("channel") != query.channel:
                    continue
                if query.status and item.get("status") != query.status:
                    continue
                if not visible(str(item.get("company")), str(item.get("customer"))):
                    continue
                try:
                    yield cursor, SentReminder.model_validate(item)
                except ValidationError:
                    continue  # not a reminder the dispatch wrote: nothing to show of it
        except BadCursor:
            raise BadRequest(
                "bad_cursor",
                "This cursor does not belong to this list: start again without it.",
                "Ce curseur ne correspond pas à cette liste : recommencez sans lui.",
                field="cursor",
            ) from None

    def page(
        self,
        tenant: str,
        query: ReminderPageQuery,
        today: date,
        zone: ZoneInfo,
        portfolio: Portfolio | None,
    ) -> tuple[list[SentReminder], str | None]:
        """Newest first, `query.limit` at most, and the cursor of the next page (None: the
        last one)."""
        rows: list[SentReminder] = []
        last: str | None = None
        found = self._rows(
            tenant, query, today, zone, portfolio, newest_first=True, after=query.cursor
        )
        for cursor, row in found:
            if len(rows) == query.limit:
                return rows, last  # one more exists: the next page starts after `last`
            rows.append(row)
            last = cursor
        return rows, None

    def export(
        self,
        tenant: str,
        query: ReminderQuery,
        today: date,
        zone: ZoneInfo,
        portfolio: Portfolio | None,
    ) -> list[SentReminder]:
        """Every reminder of the range, oldest first."""
        rows: list[SentReminder] = []
        for _, row in self._rows(tenant, query, today, zone, portfolio):
            rows.append(row)
            if len(rows) > MAX_EXPORT_ROWS:
                raise Invalid(
                    "export_too_large",
                    f"More than {MAX_EXPORT_ROWS} reminders in this range: export a shorter "
                    "one, or one company at a time.",
                    f"Plus de {MAX_EXPORT_ROWS} relances sur cette période : exportez une "
                    "période plus courte, ou une société à la fois.",
                    field="from",
                )
        return rows
