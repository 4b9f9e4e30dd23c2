"""The datasets of the daily BI export (K6): typed schemas and the rows built from what
Relance holds. Pure: the day, the records and the people come in as parameters.

Six datasets, each with a schema version (bumped when a column changes meaning, is renamed
or removed; adding a column at the end keeps older readers working but bumps it too):
- ledger_entries: every open ledger line and every synced settled line (status apart);
- customers: who owes what per customer, as the customer list shows it;
- users: who works in Relance (id, role, portfolio, language);
- promises: every payment promise and where it stands;
- who_owes_what: each customer's open amount per aging bucket, aged to the export's day
  exactly as the customer card ages it (domain/aging.py), so it adds up to the cent;
- actions_done: the reminders sent (the sent log) and the calls made during the day.

Data minimisation (GDPR art. 5(1)(c)): no contact person's name, email, phone or address
is in any dataset (the customer's own name, a company's, is), no free-text note (a
collector may write anything in it), no email recipient; users are ids, not logins.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from relance.domain.aging import BUCKETS, aged_balance
from relance.domain.followup import Promise
from relance.domain.portfolios import Portfolio
from relance.domain.records import LedgerLine
from relance.domain.users import User

# decimal(24,6) is Sage 100's own type for amounts (numeric(24,6)): an amount may carry
# six decimals (an invoice of 1234.567891 is one of Sage's real awkward cases), and a BI
# total must add up to Sage's exactly, so nothing is rounded to the cent on the way.
ColumnType = Literal["string", "date", "timestamp", "decimal(24,6)", "int", "boolean"]
Value = str | date | datetime | Decimal | int | bool | None
Row = tuple[Value, ...]
MICRO = Decimal("0.000001")
ACCOUNTING_CURRENCY = "EUR"  # books are kept in euros (C11): what a task's amount is in


class NotExact(ValueError):
    """A value with more than six decimals: decimal(24,6) would round it."""


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType


@dataclass(frozen=True)
class Dataset:
    name: str
    version: int
    columns: tuple[Column, ...]
    # snapshot: the state at the export; day: what happened during the export's day.
    kind: Literal["snapshot", "day"]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def schema(self) -> list[dict[str, str]]:
        return [{"name": c.name, "type": c.type} for c in self.columns]


def _columns(spec: str) -> tuple[Column, ...]:
    """'name:type name:type ...' (types abbreviated: s d ts m i b)."""
    short: dict[str, ColumnType] = {"s": "string", "d": "date", "ts": "timestamp",
                                    "m": "decimal(24,6)", "i": "int", "b": "boolean"}  # fmt: skip
    return tuple(Column(n, short[t]) for n, t in (c.split(":") for c in spec.split()))


LEDGER_ENTRIES = Dataset("ledger_entries", 1, _columns(
    "company:s customer:s entry_number:i status:s journal:s accounting_date:d due_date:d "
    "aging_date:d piece:s invoice_number:s reference:s label:s general_account:s amount:m "
    "currency_index:i currency_amount:m lettering:s"), "snapshot")  # fmt: skip
CUSTOMERS = Dataset("customers", 1, _columns(
    "company:s number:s name:s collector:s profile:s rep_number:i open_items:i balance:m "
    "overdue:m days_late:i oldest_due:d score:m grade:s as_of:d"), "snapshot")  # fmt: skip
USERS = Dataset("users", 1, _columns(
    "user_id:s role:s active:b language:s portfolio:s"), "snapshot")  # fmt: skip
PROMISES = Dataset("promises", 1, _columns(
    "company:s customer:s promise_id:s amount:m promised_date:d status:s paid:m entries:s "
    "made_by:s made_at:ts decided_on:d"), "snapshot")  # fmt: skip
WHO_OWES_WHAT = Dataset("who_owes_what", 1, _columns(
    "company:s customer:s bucket:s amount:m as_of:d"), "snapshot")  # fmt: skip
ACTIONS_DONE = Dataset("actions_done", 1, _columns(
    "done_at:ts kind:s company:s customer:s step:s channel:s outcome:s done_by:s amount:m "
    "currency:s action_date:d"), "day")  # fmt: skip
DATASETS = (LEDGER_ENTRIES, CUSTOMERS, USERS, PROMISES, WHO_OWES_WHAT, ACTIONS_DONE)


def money(value: Decimal | None) -> Decimal | None:
    """A value as decimal(24,6) holds it; NotExact rather than a silent rounding."""
    if value is None:
        return None
    exact = Decimal(value).quantize(MICRO)
    if exact != value:
        raise NotExact(f"{value} has more than six decimals")
    return exact


# -- ledger entries ------------------------------------------------------------------------
def ledger_rows(open_lines: Iterable[LedgerLine], settled: Iterable[LedgerLine]) -> list[Row]:
    """Open lines then settled ones, each by (company, customer, entry number)."""

    def row(line: LedgerLine, status: str) -> Row:
        return (line.company, line.customer, line.entry_number, status, line.journal,
                line.accounting_date, line.due_date, line.aging_date, line.piece,
                line.invoice_number, line.reference, line.label, line.general_account,
                money(line.amount), line.currency_index, money(line.currency_amount),
                line.lettering)  # fmt: skip

    def order(line: LedgerLine) -> tuple[str, str, int]:
        return (line.company, line.customer, line.entry_number)

    return [row(x, "open") for x in sorted(open_lines, key=order)] + [
        row(x, "settled") for x in sorted(settled, key=order)
    ]


# -- customers -----------------------------------------------------------------------------
def collector_of(
    company: str,
    number: str,
    rep_number: int | None,
    profile: str | None,
    portfolios: Sequence[tuple[str, Portfolio]],
) -> str:
    """The first collector whose portfolio covers the customer, as the nightly run assigns
    its tasks (services/nightly.py `_assignee`); "" when nobody's does."""
    for user_id, portfolio in portfolios:
        if portfolio.covers(company, number, rep_number, profile):
            return user_id
    return ""


def customer_rows(
    summaries: Iterable[Any], portfolios: Sequence[tuple[str, Portfolio]], day: date
) -> list[Row]:
    """One row per customer summary (a CustomerSummary or a SummaryRow: the figures the
    customer list shows), days late counted to `day`."""
    rows: list[Row] = []
    for s in sorted(summaries, key=lambda s: (s.company, s.number)):
        collector = collector_of(s.company, s.number, s.rep_number, s.profile or None, portfolios)
        rows.append((s.company, s.number, s.name, collector, s.profile, s.rep_number,
                     s.open_items, money(s.total), money(s.overdue), s.days_late(day),
                     s.oldest_due, money(s.score), s.grade, s.as_of))  # fmt: skip
    return rows


# -- users ---------------------------------------------------------------------------------
def portfolio_text(portfolio: Portfolio | None) -> str:
    """A portfolio as compact JSON (rules and hand-picked customers); "" for none (the user
    works on every customer)."""
    if portfolio is None or portfolio.is_empty:
        return ""
    return json.dumps(
        portfolio.model_dump(mode="json", include={"rules", "customers"}, exclude_none=True),
        separators=(",", ":"),
        sort_keys=True,
        ensure_ascii=False,
    )


def user_rows(users: Iterable[User], portfolios: Mapping[str, Portfolio]) -> list[Row]:
    """No email (it is the login) and no display name: BI joins on the id."""
    return [
        (u.user_id, u.role, u.active, u.language, portfolio_text(portfolios.get(u.user_id)))
        for u in sorted(users, key=lambda u: u.user_id)
    ]


# -- promises ------------------------------------------------------------------------------
def promise_rows(promises: Iterable[tuple[str, str, Promise]]) -> list[Row]:
    """(company, customer, promise) -> rows; the note stays out (free text)."""
    return [
        (company, customer, p.promise_id, money(p.amount), p.promised_date, p.status,
         money(p.paid), " ".join(str(e) for e in p.entries), p.made_by, p.made_at, p.decided_on)
        for company, customer, p in sorted(
            promises, key=lambda x: (x[0], x[1], x[2].made_at, x[2].promise_id))
    ]  # fmt: skip


# -- who owes what -------------------------------------------------------------------------
def who_owes_what_rows(open_lines: Iterable[LedgerLine], day: date) -> list[Row]:
    """Per customer, one row per aging bucket with a non-zero open amount, aged to `day`."""
    by_company: dict[str, list[LedgerLine]] = {}
    for line in open_lines:
        by_company.setdefault(line.company, []).append(line)
    rows: list[Row] = []
    for company in sorted(by_company):
        balance = aged_balance(company, by_company[company], day)
        for customer in sorted(balance.customers):
            amounts = balance.customers[customer]
            for bucket in BUCKETS:
                amount = getattr(amounts, bucket)
                if amount != 0:
                    rows.append((company, customer, bucket, money(amount), day))
    return rows


# -- actions done --------------------------------------------------------------------------
def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def sent_rows(sent: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Sent-log items (store/sent_log.py) -> rows; recipients and subject stay out."""
    return [
        (_instant(s["sent_at"]), "reminder", str(s.get("company", "")),
         str(s.get("customer", "")), str(s.get("step", "")), str(s.get("channel", "")),
         str(s.get("status", "")), str(s.get("triggered_by", "")),
         money(Decimal(str(s["amount"]))) if s.get("amount") is not None else None,
         str(s.get("currency") or ""), _day(s.get("as_of")))
        for s in sent
    ]  # fmt: skip


def call_rows(tasks: Iterable[Mapping[str, Any]], start: datetime, end: datetime) -> list[Row]:
    """Manual tasks (store/dunning.py) done, skipped or tried without an answer within
    [start, end): one row each, with the call's outcome when one was recorded."""
    rows: list[Row] = []
    for t in tasks:
        if t.get("done_at") and start <= _instant(t["done_at"]) < end:
            at, by = _instant(t["done_at"]), str(t.get("done_by", ""))
            outcome = str(t.get("outcome") or t.get("status") or "")
        elif t.get("last_attempt_at") and start <= _instant(t["last_attempt_at"]) < end:
            at, by, outcome = (
                _instant(t["last_attempt_at"]),
                str(t.get("last_attempt_by", "")),
                "no_answer",
            )
        else:
            continue
        amount = money(Decimal(str(t["amount"]))) if t.get("amount") is not None else None
        currency = ACCOUNTING_CURRENCY if amount is not None else ""
        rows.append((at, "task", str(t.get("company", "")), str(t.get("customer", "")),
                     str(t.get("step", "")), str(t.get("channel", "")), outcome, by, amount,
                     currency, _day(t.get("as_of"))))  # fmt: skip
    return rows


def action_rows(
    sent: Iterable[Mapping[str, Any]],
    tasks: Iterable[Mapping[str, Any]],
    start: datetime,
    end: datetime,
) -> list[Row]:
    """The day's reminders and calls, in time order."""
    found = sent_rows(s for s in sent if start <= _instant(s["sent_at"]) < end)
    found += call_rows(tasks, start, end)
    return sorted(found, key=lambda r: (r[0], r[2], r[3], r[4]))
