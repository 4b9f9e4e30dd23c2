"""DSO (V8) and payment-terms compliance (B2): what a sync's finish records, what the API
reads.

At each company's finish (services/ingest.py) `record_dso` reads the company's journals
and open lines once (the settled lines the finish has already read), then writes:
- the month's DSO figures of the company and of each collector's share of it (store/dso.py),
  so a month's DSO, in either method, of the tenant, a company or a collector, is a sum
  of stored figures when read;
- the company's payment-terms report (customers and open invoices over the legal caps).
Computed at the finish, not on read: the finish is the one moment the lines are read
anyway (one more Query of the open lines), while a report on read would read every
company's lines at each opening of the admin's list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from relance.auth.identity import Identity
from relance.domain.payments.dso import Method
from relance.domain.payments.dso_backfill import figures_at, month_ends_before
from relance.domain.payments.dso_scopes import (
    ZERO,
    DsoSettings,
    DsoSettingsBody,
    Figures,
    MonthPoint,
    customer_figures,
    first_day,
    month_of,
    sales_journals,
    scope_figures,
    series,
)
from relance.domain.payments.terms_report import terms_report
from relance.domain.portfolios import Portfolio
from relance.domain.receivables import CustomerSummary
from relance.domain.records import LedgerLine
from relance.services.errors import Conflict, Forbidden, Invalid
from relance.store.dso import DsoStore, collector_sk, company_sk
from relance.store.dynamo import ConflictError, SyncStore
from relance.store.followup import FollowUpStore

DSO_SETTING = "DSO"
MAX_MONTHS = 36
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


def record_dso(
    records: SyncStore,
    tenant: str,
    company: str,
    summaries: Sequence[CustomerSummary],
    settled: Sequence[LedgerLine],
    as_of: date,
) -> dict[str, Any]:
    """Write the month's DSO figures and the terms report of one company; what was written."""
    journals = sales_journals(records.records(tenant, company, "journal"))
    store = DsoStore(records.table, records.client)
    open_lines = store.open_lines(tenant, company)
    collectors = [p for p in store.portfolios(tenant) if not p.is_empty]
    covered = {
        p.user_id: [
            s.number
            for s in summaries
            if p.covers(company, s.number, s.rep_number, s.profile or None)
        ]
        for p in collectors
    }

    def put(per_customer: dict[str, Figures], day: date, only_if_new: bool) -> None:
        month = month_of(day)
        whole = scope_figures(per_customer, per_customer, day)
        if only_if_new and whole.receivables == ZERO and not whole.sales:
            return  # nothing owed, nothing sold yet: before the company's history
        sk = company_sk(month, company)
        store.put_figures(tenant, sk, company, whole, only_if_new=only_if_new)
        for user_id, numbers in covered.items():
            share = scope_figures(per_customer, numbers, day)
            sk = collector_sk(user_id, month, company)
            store.put_figures(tenant, sk, company, share, only_if_new=only_if_new)

    put(customer_figures(open_lines, settled, journals, as_of), as_of, False)
    past = month_ends_before(as_of)
    rebuilt = not store.has_figures(tenant, company_sk(month_of(past[0]), company))
    if rebuilt:
        # The company's first sync (nothing for last month): a year of history at once.
        for day in past:
            put(figures_at(open_lines, settled, journals, day), day, True)
    report = terms_report(company, open_lines, settled, journals, as_of)
    store.put_terms_report(tenant, company, report)
    return {
        "month": month_of(as_of),
        "rebuilt_months": len(past) if rebuilt else 0,
        "collectors": len(collectors),
        "invoices_over_terms": report["invoices_total"],
    }


class DsoQuery(BaseModel):
    """GET /dso: months from..to (yyyy-mm, both included; default the 12 months to this
    one), narrowed to a company and/or a collector; `method` to see the other method,
    `both` for both."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | None = Field(default=None, alias="from", pattern=MONTH)
    to: str | None = Field(default=None, pattern=MONTH)
    company: str | None = Field(default=None, min_length=1, max_length=32)
    collector: str | None = Field(default=None, min_length=1, max_length=64)
    method: Method | None = None
    both: bool = False

    @field_validator("to")
    @classmethod
    def _after_from(cls, to: str | None, info: Any) -> str | None:
        start = info.data.get("from_")
        if start and to and start > to:
            raise ValueError("'to' is before 'from'")
        return to

    @model_validator(mode="after")
    def _not_too_long(self) -> DsoQuery:
        if self.from_ and self.to and _months_between(self.from_, self.to) >= MAX_MONTHS:
            raise ValueError(f"a range covers {MAX_MONTHS} months at most")
        return self

    def months(self, today: date) -> tuple[str, str]:
        last = self.to or max(month_of(today), self.from_ or "")
        first = self.from_ or _shift(last, -11)
        if _months_between(first, last) >= MAX_MONTHS:
            raise Invalid(
                "range_too_long",
                f"A range covers {MAX_MONTHS} months at most: give 'to' as well.",
                f"Une période couvre au plus {MAX_MONTHS} mois : précisez aussi 'to'.",
                field="to",
            )
        return first, last


def _months_between(first: str, last: str) -> int:
    a, b = first_day(first), first_day(last)
    return (b.year - a.year) * 12 + b.month - a.month


def _shift(month: str, by: int) -> str:
    day = first_day(month)
    index = day.year * 12 + day.month - 1 + by
    return month_of(date(index // 12, index % 12 + 1, 1))


def _point(p: MonthPoint, method: Method, both: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "month": p.month,
        "as_of": p.as_of.isoformat(),
        "receivables": str(p.receivables),
        "dso": _text(p.count_back if method == "count_back" else p.simple),
    }
    if both:
        out["count_back"], out["simple"] = _text(p.count_back), _text(p.simple)
    return out


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class DsoService:
    def __init__(self, store: DsoStore, settings: FollowUpStore) -> None:
        self.store = store
        self.settings_store = settings

    # -- the tenant's method ---------------------------------------------------------------
    def settings(self, tenant: str) -> DsoSettings:
        stored = self.settings_store.get_setting(tenant, DSO_SETTING)
        return DsoSettings.model_validate(stored) if stored else DsoSettings()

    def put_settings(self, who: Identity, body: DsoSettingsBody) -> DsoSettings:
        who.require("admin")
        values = body.model_dump(mode="json", exclude={"version"})
        try:
            self.settings_store.put_setting(who.tenant, DSO_SETTING, values, body.version)
        except ConflictError:
            raise Conflict(
                "stale_version",
                "The DSO method changed since you read it: reload and try again.",
                "La méthode de calcul du DSO a changé depuis votre lecture : rechargez puis "
                "recommencez.",
                current_version=self.settings(who.tenant).version,
            ) from None
        return DsoSettings(method=body.method, version=body.version + 1)

    # -- the series ------------------------------------------------------------------------
    def series(
        self, who: Identity, query: DsoQuery, today: date, scope: Portfolio | None
    ) -> dict[str, Any]:
        """The months' DSO of the scope asked for. A collector with a portfolio (`scope`)
        reads its own series only."""
        collector = query.collector
        if scope is not None:
            if collector not in (None, who.user_id):
                raise Forbidden(
                    "not_your_portfolio",
                    "A collector sees the DSO of its own portfolio only.",
                    "Un chargé de recouvrement ne voit que le DSO de son portefeuille.",
                )
            collector = who.user_id
        first, last = query.months(today)
        method = query.method or self.settings(who.tenant).method
        parts = [
            (month, figures)
            for month, company, figures in self.store.figures(who.tenant, first, last, collector)
            if query.company is None or company == query.company
        ]
        return {
            "method": method,
            "tenant_method": self.settings(who.tenant).method,
            "from": first,
            "to": last,
            "company": query.company,
            "collector": collector,
            "points": [_point(p, method, query.both) for p in series(parts)],
        }

    # -- payment-terms compliance -----------------------------------------------------------
    def terms(self, who: Identity, company: str | None, limit: int, offset: int) -> dict[str, Any]:
        who.require("admin")
        reports = [
            r
            for r in self.store.terms_reports(who.tenant)
            if company is None or r["company"] == company
        ]
        customers = sorted(
            (c for r in reports for c in r["customers"]),
            key=lambda c: (-c["invoices_over_cap"], c["company"], c["customer"]),
        )
        invoices = sorted(
            (i for r in reports for i in r["invoices"]),
            key=lambda i: (-i["excess_days"], i["company"], i["customer"], i["entry_number"]),
        )
        total = sum(int(r["invoices_total"]) for r in reports)
        return {
            "as_of": {r["company"]: r["as_of"] for r in reports},
            "customers": customers,
            "invoices": invoices[offset : offset + limit],
            "invoices_total": total,
            "invoices_listed": len(invoices),
            "offset": offset,
            "next_offset": offset + limit if offset + limit < len(invoices) else None,
        }
