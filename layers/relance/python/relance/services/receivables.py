"""Read side of the workspace: the customer list, the customer card, the dashboard.

Lists and the dashboard read the customer summaries (one Query for the whole tenant); the
card reads one customer with its contacts, open lines and summary (one Query on the
customer index: the summary is also there, for its dunning profile).
"today" is a parameter: days late are counted to it, not to a clock read in here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from relance.domain.aging import aged_balance
from relance.domain.card import FOLLOWUP_TYPES, FollowUp, sections
from relance.domain.portfolios import Portfolio
from relance.domain.receivables import CustomerSummary, dashboard
from relance.domain.records import Contact, Customer, LedgerLine
from relance.services.errors import Forbidden, NotFound
from relance.store.dynamo import SyncStore

SortKey = Literal["total", "overdue", "days_late", "name", "number", "disputed", "promised"]


class CustomerQuery(BaseModel):
    """What a customer list may be filtered, sorted and paged by (query-string parameters)."""

    model_config = ConfigDict(extra="forbid")

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


def _matches(s: CustomerSummary, query: CustomerQuery, today: date) -> bool:
    needle = query.q.strip().casefold()
    if needle and not any(needle in v.casefold() for v in (s.number, s.name, s.siret, s.email)):
        return False
    if query.company and s.company != query.company:
        return False
    if query.rep is not None and s.rep_number != query.rep:
        return False
    if query.profile and s.profile != query.profile:
        return False
    if query.overdue_only and s.overdue <= 0:
        return False
    if query.min_total is not None and s.total < query.min_total:
        return False
    if query.flagged is not None and s.flagged != query.flagged:
        return False
    if query.disputed is not None and (s.open_disputes > 0) != query.disputed:
        return False
    if query.broken_promise is not None and (s.broken_promises > 0) != query.broken_promise:
        return False
    return query.min_days_late is None or s.days_late(today) >= query.min_days_late


def _within(summaries: list[CustomerSummary], scopes: list[Portfolio]) -> list[CustomerSummary]:
    return [
        s
        for s in summaries
        if all(p.covers(s.company, s.number, s.rep_number, s.profile or None) for p in scopes)
    ]


def _row(s: CustomerSummary, today: date) -> dict[str, Any]:
    return {**s.model_dump(mode="json"), "days_late": s.days_late(today)}


class ReceivablesService:
    def __init__(self, store: SyncStore) -> None:
        self.store = store

    def customers(
        self, tenant: str, query: CustomerQuery, today: date, scopes: list[Portfolio]
    ) -> dict[str, Any]:
        """A page of customers; `scopes`: portfolios every row must be in (the caller's,
        a chosen collector's)."""
        summaries = _within(self.store.summaries(tenant, query.company), scopes)
        rows = [s for s in summaries if _matches(s, query, today)]
        sort_value = {
            "total": lambda s: s.total,
            "overdue": lambda s: s.overdue,
            "days_late": lambda s: s.days_late(today),
            "name": lambda s: s.name.casefold(),
            "number": lambda s: s.number,
            "disputed": lambda s: s.disputed,
            "promised": lambda s: s.promised,
        }[query.sort]
        rows.sort(key=lambda s: (s.company, s.number))  # stable tie-break, then the sort key
        rows.sort(key=sort_value, reverse=query.order == "desc")
        page = rows[query.offset : query.offset + query.limit]
        return {
            "total_count": len(rows),
            "offset": query.offset,
            "limit": query.limit,
            "customers": [_row(s, today) for s in page],
        }

    def dashboard(
        self, tenant: str, company: str | None, today: date, scopes: list[Portfolio]
    ) -> dict[str, Any]:
        summaries = _within(self.store.summaries(tenant, company), scopes)
        board = dashboard(summaries)
        data = board.model_dump(mode="json")
        data["top_debtors"] = [_row(s, today) for s in board.top_debtors]
        return data

    def card(
        self, tenant: str, company: str, number: str, today: date, scopes: list[Portfolio]
    ) -> dict[str, Any]:
        items = self.store.customer_items(tenant, company, number)
        customer: Customer | None = None
        contacts: list[Contact] = []
        lines: list[LedgerLine] = []
        followup: list[dict[str, Any]] = []
        profile: str | None = None  # the summary's: the last sync's or the last change's
        for item in items:
            kind = item["item_type"]
            fields = {k: v for k, v in item.items() if not k.isupper() and k != "item_type"}
            if kind in FOLLOWUP_TYPES:
                followup.append(item)
            elif kind == "summary":
                profile = item.get("profile") or None
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
        }
