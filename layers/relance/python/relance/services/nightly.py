"""The nightly dunning run of one company (issue 4): read, evaluate, write what changed.

One call reads the company once (customers, contacts, journals, open lines, its dunning
partition, the follow-up of the few customers that have some), evaluates every customer
with the pure engine (domain/dunning), then writes, per customer with something new, its
actions, tasks and history in one transaction. Automatic actions are queued for dispatch;
manual ones land in the assignee's task list (the collector whose portfolio covers the
customer, else the unassigned pool). A dry run (B9) stops after the evaluation.

Running the same company twice on one date writes nothing the second time: the engine
returns no action for what the history already records, and an action's key is its date
and step, written only if new.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from relance.domain.details import Details
from relance.domain.dunning import (
    Action,
    CustomerCase,
    DunningSettings,
    ProfileBook,
    default_settings,
    evaluate,
    record,
)
from relance.domain.dunning.actions import RUN_ALERT_KINDS, Alert, Outcome
from relance.domain.dunning.penalties import MissingRate, RateTable, claim
from relance.domain.dunning_config import PenaltyRates
from relance.domain.followup import Dispute, Promise
from relance.domain.portfolios import Portfolio
from relance.domain.records import Contact, Customer, Journal
from relance.store.dunning import UNASSIGNED, CompanyState, CustomerWrite, DunningStore
from relance.store.dynamo import SyncStore
from relance.store.followup import FollowUpStore

SALES = 1  # JO_Type of sales journals: their credits are credit notes
TASK_OVERDUE_DAYS = 3  # a manual task waiting longer than this raises an alert (C13)

# Which customers a run (or a mass action) covers; None: every customer.
Selection = Callable[[Customer], bool] | None


class NightlyJob(BaseModel):
    """One company's nightly run: the message the plan sends, the company function reads."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: str = Field(min_length=1, max_length=64)
    company: str = Field(min_length=1, max_length=40)
    as_of: date


def tenant_today(run_setting: dict[str, Any] | None, now: datetime) -> date:
    """The run's date: today in the tenant's time zone (its nightly-run setting)."""
    zone = (run_setting or {}).get("time_zone") or "Europe/Paris"
    return now.astimezone(ZoneInfo(zone)).date()


@dataclass
class RunReport:
    tenant: str
    company: str
    as_of: date
    dry_run: bool
    customers: int = 0
    items: int = 0
    actions: int = 0
    by_step: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    amount: Decimal = Decimal(0)
    manual: int = 0
    queued: int = 0
    alerts: int = 0
    alerts_added: int = 0
    alerts_cleared: int = 0
    already_done: int = 0  # customers whose actions of the day were there already
    cancelled: int = 0  # manual tasks withdrawn because everything they were about was paid
    preview: list[dict[str, Any]] = field(default_factory=list)  # dry run: per customer

    def public(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "preview" or self.dry_run}
        data["as_of"] = self.as_of.isoformat()
        data["amount"] = str(self.amount)
        return data


def overdue_tasks(case: CustomerCase, as_of: date) -> list[Alert]:
    """C13: manual actions (calls, letters to post) still pending after a few days."""
    late: dict[str, list[int]] = defaultdict(list)
    for entry, done in case.history.items():
        if done.pending and (as_of - done.on).days > TASK_OVERDUE_DAYS:
            late[done.step].append(entry)
    return [
        Alert(case.customer.company, case.customer.number, "task_overdue", step,
              tuple(sorted(entries)), f"waiting since more than {TASK_OVERDUE_DAYS} days")
        for step, entries in sorted(late.items())
    ]  # fmt: skip


def penalty_claim(
    action: Action, customer: Customer, as_of: date, rates: RateTable
) -> dict[str, Any] | None:
    """B1: the penalties and 40 € indemnities an action claims, for its template."""
    if not action.claim_penalties:
        return None
    due = [(line.entry, line.amount, line.aging_date) for line in action.lines if line.aging_date]
    claimed = claim(customer, due, as_of, rates)
    return {
        "principal": claimed.principal,
        "penalties": claimed.penalties,
        "indemnities": claimed.indemnities,
        "total": claimed.total,
        "lines": [
            {"entry": li.entry, "principal": li.principal, "days_late": li.days_late,
             "penalty": li.penalty, "indemnity": li.indemnity}
            for li in claimed.lines
        ],
    }  # fmt: skip


def action_record(
    action: Action, as_of: date, assignee: str, claimed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An action as stored: its fields, its status, who it is for, what it claims."""
    return {
        "claim": claimed,
        "key": action.key,
        "as_of": as_of,
        "company": action.company,
        "customer": action.customer,
        "scenario": action.scenario,
        "step": action.step,
        "phase": action.phase,
        "level": action.level,
        "channel": action.channel,
        "mode": action.mode,
        "contact_role": action.contact_role,
        "template": action.template,
        "lines": [line._asdict() for line in action.lines],
        "credits": [line._asdict() for line in action.credits],
        "amount": action.amount,
        "days_late": action.days_late,
        "recipient": action.recipient._asdict() if action.recipient else None,
        "fallback": action.fallback,
        "claim_penalties": action.claim_penalties,
        "formal_notice": action.formal_notice,
        "status": "to_do" if action.mode == "manual" else "queued",
        "assignee": assignee,
    }


class NightlyService:
    def __init__(
        self,
        records: SyncStore,
        followup: FollowUpStore,
        dunning: DunningStore,
        dispatch: Callable[[str, list[dict[str, Any]]], None] | None = None,
        suppressed: Callable[[str], frozenset[str]] | None = None,
    ) -> None:
        self.records = records
        self.followup = followup
        self.dunning = dunning
        self.dispatch = dispatch  # sends automatic actions to the dispatch queue
        # The tenant's addresses that bounced or complained (B5): one Query per run.
        self.suppressed = suppressed

    # -- reads ---------------------------------------------------------------------------
    def settings(self, tenant: str) -> DunningSettings:
        stored = self.followup.get_setting(tenant, "DUNNING")
        if not stored:
            return default_settings()
        return DunningSettings.model_validate(
            {k: v for k, v in stored.items() if k in DunningSettings.model_fields}
        )

    def rates(self, tenant: str) -> RateTable:
        stored = self.followup.get_setting(tenant, "PENALTY_RATES")
        return PenaltyRates.model_validate(stored).table() if stored else RateTable()

    def _portfolios(self, tenant: str) -> list[tuple[str, Portfolio]]:
        found = []
        for values in self.dunning.portfolio_items(tenant):
            portfolio = Portfolio.model_validate(values)
            if not portfolio.is_empty:
                found.append((portfolio.user_id, portfolio))
        return found

    def _cases(
        self, tenant: str, company: str, selection: Selection
    ) -> tuple[list[CustomerCase], CompanyState, dict[str, Customer]]:
        customers = {c.number: c for c in self.records.records(tenant, company, "customer")}
        contacts: dict[str, list[Contact]] = defaultdict(list)
        for contact in self.records.records(tenant, company, "contact"):
            contacts[contact.customer].append(contact)
        journals: Iterable[Journal] = self.records.records(tenant, company, "journal")
        sales = {j.code for j in journals if j.type == SALES}
        items = self.dunning.open_items(tenant, company, sales)
        state = self.dunning.company_state(tenant, company)
        rollups = self.followup.rollups(tenant, company)
        cases = []
        for number in sorted(set(items) | set(state.history)):
            customer = customers.get(number) or Customer(company=company, number=number)
            if selection is not None and not selection(customer):
                continue
            rollup = rollups.get((company, number), {})
            disputes, promises, manual = self._followup(tenant, company, number, rollup)
            cases.append(
                CustomerCase(
                    customer=customer,
                    items=items.get(number, []),
                    history=state.history.get(number, {}),
                    stops=state.stops.get(number, []),
                    disputes=disputes,
                    promises=promises,
                    overrides=state.overrides.get(number, []),
                    contacts=contacts.get(number, []),
                    manual_contacts=manual,
                    profile=state.profiles.get(number),
                )
            )
        return cases, state, customers

    def _followup(
        self, tenant: str, company: str, number: str, rollup: dict[str, Any]
    ) -> tuple[list[Dispute], list[Promise], list[Any]]:
        """Only customers whose rollup counts something are read: most have nothing."""
        disputes: list[Dispute] = []
        promises: list[Promise] = []
        manual: list[Any] = []
        if int(rollup.get("open_disputes", 0)) > 0:
            disputes = [
                Dispute.model_validate(i)
                for i in self.followup.items(tenant, company, number, "DISPUTE#")
            ]
        if int(rollup.get("open_promises", 0)) > 0:
            promises = [
                Promise.model_validate(i)
                for i in self.followup.items(tenant, company, number, "PROMISE#")
            ]
        if int(rollup.get("manual_contacts", 0)) > 0:
            stored = self.followup.get(tenant, company, number, "DETAILS")
            manual = list(Details.model_validate(stored).contacts) if stored else []
        return disputes, promises, manual

    def today(self, tenant: str, now: datetime) -> date:
        """The tenant's date now, in the time zone of its nightly run."""
        return tenant_today(self.followup.get_setting(tenant, "DUNNING_RUN"), now)

    # -- the plan --------------------------------------------------------------------------
    def plan(self, tenant: str, now: datetime, as_of: date | None = None) -> list[NightlyJob]:
        """Tonight's jobs for a tenant: one per company, dated in the tenant's zone (or
        for the day asked)."""
        if as_of is None:
            as_of = self.today(tenant, now)
        return [
            NightlyJob(tenant_id=tenant, company=company, as_of=as_of)
            for company in self.records.list_companies(tenant)
        ]

    # -- the run -------------------------------------------------------------------------
    def run_company(
        self,
        tenant: str,
        company: str,
        as_of: date,
        now: datetime,
        *,
        dry_run: bool = False,
        selection: Selection = None,
    ) -> RunReport:
        book = ProfileBook.of(self.settings(tenant))
        cases, state, _ = self._cases(tenant, company, selection)
        suppressed = self.suppressed(tenant) if self.suppressed is not None else frozenset()
        outcome = evaluate(cases, book, as_of, suppressed=suppressed)
        for case in cases:
            outcome.alerts += overdue_tasks(case, as_of)
        report = RunReport(tenant, company, as_of, dry_run, customers=len(cases))
        report.items = outcome.items
        self._count(report, outcome)
        if dry_run:
            report.preview = _preview(outcome)
            return report
        portfolios = self._portfolios(tenant)
        rates = self.rates(tenant)
        by_customer: dict[str, list[Action]] = defaultdict(list)
        for action in outcome.actions:
            by_customer[action.customer].append(action)
        queued: list[dict[str, Any]] = []
        written = 0  # customers whose changes were written
        for case in cases:
            number = case.customer.number
            actions = by_customer.get(number, [])
            forget = outcome.forget.get((company, number), [])
            new_history = record(case.history, actions, as_of, forget)
            report.cancelled += self._cancel_paid_tasks(tenant, company, case, forget, now)
            if not actions and new_history == dict(case.history):
                continue  # nothing changed for this customer: no write
            assignee = _assignee(case, book, portfolios)
            stored = []
            for a in actions:
                try:
                    claimed = penalty_claim(a, case.customer, as_of, rates)
                except MissingRate as err:
                    claimed = None
                    outcome.alerts.append(
                        Alert(company, number, "missing_rate", a.step, a.entries, str(err))
                    )
                stored.append(action_record(a, as_of, assignee, claimed))
            tasks = [(assignee, _task(s)) for s in stored if s["mode"] == "manual"]
            done = self.dunning.write_customer(
                tenant,
                company,
                CustomerWrite(number, stored, tasks, new_history,
                              state.history_version.get(number, 0)),
            )  # fmt: skip
            if not done:
                report.already_done += 1
                continue
            written += 1
            queued += [s for s in stored if s["status"] == "queued"]
        spent = [
            (customer, oid)
            for customer, overrides in state.overrides.items()
            for o in overrides
            for oid in [o.override_id]
            if oid in set(outcome.spent_overrides)
        ]
        self.dunning.delete_overrides(tenant, company, spent)
        raised = self.dunning.alert_keys(tenant, company)
        # The run clears only the kinds it raises: the dispatch's alerts and the SES
        # events' bounces and complaints stay until whoever owns them says otherwise.
        held = {key for key in raised if key.rsplit("#", 2)[-2] in RUN_ALERT_KINDS}
        if selection is not None:
            # A run for some customers answers for their alerts only.
            chosen = {f"{company}#{case.customer.number}#" for case in cases}
            held = {key for key in held if any(key.startswith(c) for c in chosen)}
        # A step's missing-detail alert is raised the day the step goes out; a second run
        # that day sends nothing more and must not clear it.
        today = {key for key, on in raised.items() if on == as_of.isoformat()}
        report.alerts_added, report.alerts_cleared = self.dunning.replace_alerts(
            tenant, company, {a.key: _alert(a, as_of) for a in outcome.alerts}, held, today
        )
        if queued and self.dispatch is not None:
            self.dispatch(tenant, queued)
        report.queued = len(queued)
        unchanged = not (written or spent or report.cancelled or report.alerts_added
                         or report.alerts_cleared)  # fmt: skip
        if selection is None and unchanged and self.dunning.has_run(tenant, company, as_of):
            return report  # the same night again: its record stands, nothing is rewritten
        # A mass run (some customers, now) is kept beside the night's, not over it.
        kind = "nightly" if selection is None else f"manual#{now.isoformat()}"
        self.dunning.put_run(
            tenant,
            company,
            as_of,
            {**report.public(), "kind": kind.split("#")[0], "finished_at": now.isoformat()},
            suffix="" if selection is None else f"#{now.isoformat()}",
        )
        return report

    def _cancel_paid_tasks(
        self, tenant: str, company: str, case: CustomerCase, forget: list[int], now: datetime
    ) -> int:
        """A call or a letter still to do about invoices that have all been paid since is
        withdrawn: nobody should phone a customer about what it paid."""
        open_entries = {item.entry for item in case.items}
        waiting = {
            (done.on, done.step)
            for entry, done in case.history.items()
            if done.pending and entry in forget
        }
        cancelled = 0
        for on, step in sorted(waiting):
            action = self.dunning.action(
                tenant, company, case.customer.number, f"{on.isoformat()}_{step}"
            )
            if action is None or action.get("status") != "to_do":
                continue
            if any(int(line["entry"]) in open_entries for line in action.get("lines", [])):
                continue  # still about something open: the task stands
            if self.dunning.cancel_action(tenant, company, case.customer.number, action, now):
                cancelled += 1
        return cancelled

    @staticmethod
    def _count(report: RunReport, outcome: Outcome) -> None:
        report.actions = len(outcome.actions)
        report.by_step = dict(Counter(a.step for a in outcome.actions))
        report.by_channel = dict(Counter(a.channel for a in outcome.actions))
        report.amount = sum((a.amount for a in outcome.actions), Decimal(0))
        report.manual = sum(1 for a in outcome.actions if a.mode == "manual")
        report.alerts = len(outcome.alerts)


def _assignee(
    case: CustomerCase, book: ProfileBook, portfolios: list[tuple[str, Portfolio]]
) -> str:
    """The first collector whose portfolio covers the customer. A profile rule matches the
    profile this run evaluated the customer with (computed only if some rule needs it)."""
    customer = case.customer
    profile = None
    if any(portfolio.uses_profiles for _, portfolio in portfolios):
        outstanding = sum((i.amount for i in case.items), Decimal(0))
        profile = book.profile_for(customer, outstanding, case.profile)
    for user_id, portfolio in portfolios:
        if portfolio.covers(customer.company, customer.number, customer.rep_number, profile):
            return user_id
    return UNASSIGNED


def _task(action: dict[str, Any]) -> dict[str, Any]:
    """What a task list shows of an action, without reading the action."""
    keep = ("key", "as_of", "company", "customer", "step", "phase", "level", "channel",
            "amount", "days_late", "recipient", "status")  # fmt: skip
    return {k: action[k] for k in keep} | {"entries": [line["entry"] for line in action["lines"]]}


def _alert(alert: Alert, as_of: date) -> dict[str, Any]:
    return {**alert._asdict(), "entries": list(alert.entries), "raised_on": as_of}


def _preview(outcome: Outcome) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for a in outcome.actions:
        row = rows.setdefault(
            a.customer, {"company": a.company, "customer": a.customer, "actions": []}
        )
        row["actions"].append(
            {
                "step": a.step,
                "channel": a.channel,
                "mode": a.mode,
                "amount": str(a.amount),
                "entries": list(a.entries),
            }
        )
    return list(rows.values())
