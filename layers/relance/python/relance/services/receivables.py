"""Read side of the workspace: the customer list, the customer card, the dashboard.

Lists and the dashboard read the summary packs and follow-up rollups (one Query for the
whole tenant: store/packs.py, decision 22) and compute on light rows; the
card reads one customer with its contacts, open lines and summary (one Query on the
customer index: the summary is also there, for its dunning profile).
"today" is a parameter: days late are counted to it, not to a clock read in here.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from relance.domain.aging import BUCKETS, aged_balance
from relance.domain.card import FOLLOWUP_TYPES, FollowUp, sections
from relance.domain.cash_objectives import CashObjectives
from relance.domain.payments.trend import decode as decode_points
from relance.domain.payments.trend import trend
from relance.domain.portfolios import Portfolio
from relance.domain.receivables import ZERO, CustomerSummary, SummaryRow, Totals
from relance.domain.records import Contact, Customer, LedgerLine
from relance.services.errors import Forbidden, NotFound
from relance.store.dynamo import SyncStore
from relance.store.packs import SummarySet

SortKey = Literal[
    "total", "overdue", "days_late", "name", "number", "disputed", "promised", "score"
]


class CustomerQuery(BaseModel):
    """What a customer list may be filtered, sorted and paged by (query-string parameters)."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    q: str = Field(default="", max_length=100)  # code, name, SIRET or email contains
    company: str | None = None
    rep: int | None = None  # Sage rep number (salesperson, K4)
    collector: str | None = None  # a collector's user id: the customers of its portfolio
    profile: str | None = Field(default=None, max_length=40)  # dunning profile id (C3)
    overdue_only: bool = False
    min_total: Decimal | None = None
    min_days_late: int | None = Field(default=None, ge=0)
    flagged: bool | None = None  # watched customers only (true) or unwatched (false)
    disputed: bool | None = None  # with an open dispute (true) or without (false)
    broken_promise: bool | None = None  # with a broken promise
    sort: SortKey = "total"
    order: Literal["asc", "desc"] = "desc"
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=200)


Row = CustomerSummary | SummaryRow


def _matches(s: Row, query: CustomerQuery, today: date) -> bool:
    needle = query.q.strip().casefold()
    if needle and not any(needle in v.casefold() for v in (s.number, s.name, s.siret, s.email)):
        return False
    return _filter(query, today)(s)  # type: ignore[arg-type]


def _filter(query: CustomerQuery, today: date) -> Callable[[SummaryRow], bool]:
    """The list's filters as one test of a row, checking only what the query sets."""
    tests: list[Callable[[SummaryRow], bool]] = []
    needle = query.q.strip().casefold()
    if needle:
        tests.append(lambda s: needle in s.haystack)
    if query.company:
        tests.append(lambda s: s.company == query.company)
    if query.rep is not None:
        tests.append(lambda s: s.rep_number == query.rep)
    if query.profile:
        tests.append(lambda s: s.profile == query.profile)
    if query.overdue_only:
        tests.append(lambda s: s.overdue > 0)
    if query.min_total is not None:
        minimum = query.min_total
        tests.append(lambda s: s.total >= minimum)
    if query.flagged is not None:
        tests.append(lambda s: s.flagged == query.flagged)
    if query.disputed is not None:
        tests.append(lambda s: (s.open_disputes > 0) == query.disputed)
    if query.broken_promise is not None:
        tests.append(lambda s: (s.broken_promises > 0) == query.broken_promise)
    if query.min_days_late is not None:
        least = query.min_days_late
        tests.append(lambda s: s.days_late(today) >= least)
    if not tests:
        return lambda s: True
    if len(tests) == 1:
        return tests[0]
    return lambda s: all(test(s) for test in tests)


def _filtered(rows: list[SummaryRow], query: CustomerQuery, today: date) -> list[SummaryRow]:
    """The rows a list's filters keep, in their order: the search first (the most
    selective), each filter one pass over what is left."""
    needle = query.q.strip().casefold()
    if needle:
        rows = [s for s in rows if needle in s.haystack]
    if query.overdue_only:
        rows = [s for s in rows if s.overdue > 0]
    rest = _filter(query.model_copy(update={"q": "", "overdue_only": False}), today)
    return [s for s in rows if rest(s)]


def _covered(s: Row, scopes: list[Portfolio]) -> bool:
    return all(p.covers(s.company, s.number, s.rep_number, s.profile or None) for p in scopes)


def _within(summaries: list[CustomerSummary], scopes: list[Portfolio]) -> list[CustomerSummary]:
    return [s for s in summaries if _covered(s, scopes)]


# Which rows of a summary set a scope covers, and their totals: by (tenant, packs' versions,
# portfolios), so a collector's reads test its portfolio once per sync, not per request.
SCOPE_CACHE_SIZE = 64
_scoped: OrderedDict[tuple[Any, ...], tuple[tuple[int, ...], Totals]] = OrderedDict()


def _in_scope(
    tenant: str, found: SummarySet, scopes: list[Portfolio]
) -> tuple[list[SummaryRow], Totals | None]:
    """(rows the scopes cover, their Sage totals); the totals are None without a scope
    (the packs' own totals apply)."""
    rows = found.rows()
    if not scopes:
        return rows, None
    base = found.key
    key = (tenant, base, tuple(p.model_dump_json() for p in scopes)) if base else None
    hit = _scoped.get(key) if key else None
    if hit is None:
        kept = tuple(i for i, s in enumerate(rows) if _covered(s, scopes))
        hit = (kept, Totals(rows[i] for i in kept))
        if key:
            _scoped[key] = hit
            while len(_scoped) > SCOPE_CACHE_SIZE:
                _scoped.popitem(last=False)
    elif key:
        _scoped.move_to_end(key)
    kept, totals = hit
    return [rows[i] for i in kept], totals


def _row(s: CustomerSummary, today: date) -> dict[str, Any]:
    return {**s.model_dump(mode="json"), "days_late": s.days_late(today)}


FORECAST_HORIZON = {"week": timedelta(weeks=12), "month": timedelta(days=183)}


@dataclass(frozen=True)
class _Expected:
    amount: Decimal
    expected_on: date


def _forecast_json(
    expected: dict[date, Decimal],
    today: date,
    granularity: Literal["week", "month"],
    collected: dict[date, Decimal] | None = None,
    objective: Callable[[date, date], Decimal | None] | None = None,
) -> dict[str, Any]:
    """Cash-in forecast (V6) from the predicted amounts per date the last syncs left: from
    today's period on (what was expected earlier and is still open counts in it), what
    comes after the horizon apart. Each period also has what was collected in it so far
    (`collected`: per day, the syncs' settled lines), its outlook to the period's end
    (collected + expected) and its cash objective (`objective(start, end)`), when set."""
    # Imported here: the payments package would weigh on the cold start of every route.
    from relance.domain.payments.forecast import cash_forecast

    found = cash_forecast(
        (_Expected(a, d) for d, a in expected.items()),
        today,
        today + FORECAST_HORIZON[granularity],
        granularity,
        collections=sorted((collected or {}).items()),
    )
    periods = []
    for p in found.periods:
        target = objective(p.start, p.end) if objective else None
        periods.append(
            {"period": p.key, "start": p.start.isoformat(), "end": p.end.isoformat(),
             "expected": str(p.expected), "collected": str(p.collected),
             "outlook": str(p.outlook),
             "objective": str(target) if target is not None else None}
        )  # fmt: skip
    return {
        "periods": periods,
        "beyond": str(found.beyond),
        "open_total": str(found.open_total),
        "collected": _collected_to_date(collected or {}, today),
    }


def collected_per_day(found: SummarySet, rows: list[SummaryRow] | None) -> dict[date, Decimal]:
    """Cash collected per day by the customers of `rows` (None: every customer of the
    companies read: their totals), from the cash items the summaries' Query brought."""
    from relance.domain.payments.collected import per_day
    from relance.store.cash_collected import decode

    held = {company: decode(blob) for company, blob in found.cash_in.items()}
    if rows is None:
        return per_day(list(c.totals.items()) for c in held.values())
    return per_day(
        c.customers.get(r.number, []) for r in rows if (c := held.get(r.company)) is not None
    )


def _collected_to_date(collected: dict[date, Decimal], today: date) -> dict[str, str]:
    from relance.domain.payments.collected import to_date

    return to_date(collected, today).as_json()


def _open_predictions(
    payments: dict[str, Any] | None, lines: list[LedgerLine]
) -> dict[str, Any] | None:
    """The outlook with only the predictions of items still open (a line paid since the
    sync that computed it is gone from the card, and so is its prediction)."""
    if payments is None:
        return None
    still_open = {line.entry_number for line in lines}
    predictions = [p for p in payments["predictions"] if p["entry_number"] in still_open]
    return {**payments, "predictions": predictions}


def _with_trend(payments: dict[str, Any] | None, points: str, as_of: date) -> dict[str, Any] | None:
    """The outlook with the score's weekly points and its change over 30 days."""
    if payments is None:
        return None
    shown = trend(decode_points(points), as_of, Decimal(payments["score"]))
    return {**payments, "trend": shown.as_json()}


class ReceivablesService:
    def __init__(self, store: SyncStore) -> None:
        self.store = store

    def customers(
        self, tenant: str, query: CustomerQuery, today: date, scopes: list[Portfolio]
    ) -> dict[str, Any]:
        """A page of customers; `scopes`: portfolios every row must be in (the caller's,
        a chosen collector's)."""
        summaries, _ = _in_scope(tenant, self.store.summary_set(tenant, query.company), scopes)
        rows = _filtered(summaries, query, today)  # by (company, number): the tie-break
        sort_value: Callable[[SummaryRow], Any] = {
            "total": lambda s: s.total,
            "overdue": lambda s: s.overdue,
            "days_late": lambda s: s.days_late(today),
            "name": lambda s: s.name.casefold(),
            "number": lambda s: s.number,
            "disputed": lambda s: s.disputed,
            "promised": lambda s: s.promised,
            "score": lambda s: s.score or ZERO,
        }[query.sort]
        rows.sort(key=sort_value, reverse=query.order == "desc")
        if query.sort == "score":  # customers no sync scored yet come last, either way
            rows = [r for r in rows if r.score is not None] + [r for r in rows if r.score is None]
        page = rows[query.offset : query.offset + query.limit]
        return {
            "total_count": len(rows),
            "offset": query.offset,
            "limit": query.limit,
            "customers": [s.as_json(today) for s in page],
        }

    def dashboard(
        self,
        tenant: str,
        company: str | None,
        today: date,
        scopes: list[Portfolio],
        objectives: CashObjectives | None = None,
    ) -> dict[str, Any]:
        """The home page figures (domain/receivables.py `dashboard`, computed on light
        rows): Sage figures from the packs' totals (or the scope's, cached), follow-up
        figures from the rollups of the rows shown; the cash forecast with collected to
        date and, for the whole tenant or one company, the cash `objectives`."""
        found = self.store.summary_set(tenant, company)
        rows, totals = _in_scope(tenant, found, scopes)
        collected = collected_per_day(found, rows if scopes else None)
        objective = None
        if objectives is not None and not scopes:  # a portfolio has no objective of its own
            objective = partial(objectives.for_period, company=company)
        if totals is None:
            totals = found.totals()
            with_followup = [r for key in found.followup if (r := found.row(*key)) is not None]
            top = [found.row(r.company, r.number) or r for r in totals.top]
        else:
            with_followup = [r for r in rows if (r.company, r.number) in found.followup]
            by_key = {(r.company, r.number): r for r in with_followup}
            top = [by_key.get((r.company, r.number), r) for r in totals.top]
        return {
            "as_of": totals.as_of.isoformat() if totals.as_of else None,
            "customers": totals.customers,
            "customers_overdue": totals.customers_overdue,
            "total": str(totals.total),
            "overdue": str(totals.overdue),
            "buckets": {b: str(v) for b, v in zip(BUCKETS, totals.buckets, strict=True)},
            "disputes_open": sum(r.open_disputes for r in with_followup),
            "disputed": str(sum((r.disputed for r in with_followup), ZERO)),
            "promises_open": sum(r.open_promises for r in with_followup),
            "promised": str(sum((r.promised for r in with_followup), ZERO)),
            "broken_promises": sum(r.broken_promises for r in with_followup),
            "flagged": sum(1 for r in with_followup if r.flagged),
            "top_debtors": [r.as_json(today) for r in top],
            "forecast": {
                granularity: _forecast_json(
                    totals.expected, today, granularity, collected, objective
                )
                for granularity in ("week", "month")
            },
        }

    def card(
        self, tenant: str, company: str, number: str, today: date, scopes: list[Portfolio]
    ) -> dict[str, Any]:
        items = self.store.customer_items(tenant, company, number)
        customer: Customer | None = None
        contacts: list[Contact] = []
        lines: list[LedgerLine] = []
        followup: list[dict[str, Any]] = []
        profile: str | None = None  # the summary's: the last sync's or the last change's
        payments: dict[str, Any] | None = None  # score and predictions, the last sync's
        score_points = ""  # the score's weekly history (domain/payments/trend.py)
        scored_on: date | None = None  # the last sync's as_of, the trend's reference day
        for item in items:
            kind = item["item_type"]
            fields = {k: v for k, v in item.items() if not k.isupper() and k != "item_type"}
            if kind in FOLLOWUP_TYPES:
                followup.append(item)
            elif kind == "summary":
                profile = item.get("profile") or None
                scored_on = date.fromisoformat(item["as_of"]) if item.get("as_of") else None
            elif kind == "score_history":
                score_points = item["points"]
            elif kind == "payment_outlook":
                payments = json.loads(item["outlook"])
            elif kind == "customer":
                customer = Customer.model_validate({**fields, "company": company})
            elif kind == "contact":
                contacts.append(Contact.model_validate({**fields, "company": company}))
            elif kind == "ledger_line":
                lines.append(LedgerLine.model_validate({**fields, "company": company}))
        if customer is None and not lines:
            raise NotFound(
                "unknown_customer",
                f"No customer {number} in company {company}.",
                f"Aucun client {number} dans la société {company}.",
            )
        rep = customer.rep_number if customer else None
        if not all(p.covers(company, number, rep, profile) for p in scopes):
            raise Forbidden(
                "not_in_portfolio",
                f"Customer {number} of {company} is not in your portfolio.",
                f"Le client {number} ({company}) n'est pas dans votre portefeuille.",
            )
        lines.sort(key=lambda line: (line.aging_date, line.entry_number))
        balance = aged_balance(company, lines, today).customers.get(number)
        return {
            "company": company,
            "number": number,
            "customer": customer.model_dump(mode="json") if customer else None,
            "profile": profile,
            "contacts": [c.model_dump(mode="json") for c in contacts],
            "aged_balance": balance.model_dump(mode="json") if balance else None,
            "total": str(sum((line.amount for line in lines), Decimal(0))),
            **sections(lines, FollowUp(followup), today),
            "payments": _with_trend(
                _open_predictions(payments, lines), score_points, scored_on or today
            ),
        }
