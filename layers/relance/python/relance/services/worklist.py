"""The collectors' side of the dunning run: task lists (C4), completing a manual action,
alerts (C13), the dry run (B9), mass reminders (C5) and past runs.

Reads are scoped like every workspace read: a collector with a portfolio sees its own
tasks and the alerts of its customers; admins and viewers see the tenant. Writes need the
user role; a collector acts only on the customers of its portfolio.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from relance.auth.identity import Identity
from relance.domain.dunning.actions import complete
from relance.domain.dunning.scenarios import StepId
from relance.domain.portfolios import Portfolio
from relance.domain.records import Customer
from relance.services.call_outcomes import announce, checked, recorded
from relance.services.errors import Conflict, Forbidden, NotFound
from relance.services.followup import CustomerFile, FollowUpService, event
from relance.services.nightly import NightlyService, RunReport
from relance.store.dunning import UNASSIGNED, DunningStore
from relance.store.dynamo import ConflictError, SyncStore

Day = date  # a field below is named `date`


class CallPromise(BaseModel):
    """What the customer promised on the phone (V5)."""

    model_config = ConfigDict(extra="forbid")

    amount: Decimal = Field(gt=0, max_digits=15, decimal_places=2)
    date: Day
    entries: list[int] = Field(default_factory=list, max_length=200)


class CallDispute(BaseModel):
    """What the customer disputes, said on the phone (V4)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=40)
    entries: list[int] = Field(default_factory=list, max_length=200)
    comment: str = Field(default="", max_length=2000)


class Completion(BaseModel):
    """A collector did (or decided to skip) a manual action: the items move on from it.
    A call's outcome says more: reached; promise (records it, V5) and dispute (opens it,
    V4), in the same transaction as the task; no_answer keeps the task to call again."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["done", "skipped", "reached", "no_answer", "promise", "dispute"] = "done"
    note: str = Field(default="", max_length=2000)
    promise: CallPromise | None = None
    dispute: CallDispute | None = None


class Criteria(BaseModel):
    """Which customers a preview or a mass run covers (C5): all filters must hold."""

    model_config = ConfigDict(extra="forbid")

    company: str | None = None
    customers: list[str] = Field(default_factory=list, max_length=1000)  # numbers, if given
    rep: int | None = None
    min_total: Decimal | None = None
    min_days_late: int | None = Field(default=None, ge=0)
    # Only the customers whose action at this step is due today; their run does all that
    # is due for them (a customer's steps of the day are recorded together).
    step: StepId | None = None


class WorklistService:
    def __init__(
        self,
        nightly: NightlyService,
        dunning: DunningStore,
        records: SyncStore,
        followup: FollowUpService | None = None,
    ):
        self.nightly = nightly
        self.dunning = dunning
        self.records = records
        self.followup = followup or FollowUpService(nightly.followup, records)

    # -- tasks (C4) ------------------------------------------------------------------------
    def tasks(
        self, who: Identity, assignee: str | None, status: str | None, own_portfolio: bool
    ) -> list[dict[str, Any]]:
        """A user's tasks (its own by default; any user's for an admin). A collector (role
        user) without a portfolio, and an admin, also see the unassigned pool; a viewer,
        who cannot act on tasks, sees its own list only."""
        if assignee and assignee != who.user_id and who.role != "admin":
            raise Forbidden(
                "not_your_tasks",
                "Only an administrator can see another user's tasks.",
                "Seul un administrateur peut voir les tâches d'un autre utilisateur.",
            )
        wanted = [assignee] if assignee else [who.user_id]
        if not assignee and (who.role == "admin" or (who.role == "user" and not own_portfolio)):
            wanted.append(UNASSIGNED)
        found = [t for a in wanted for t in self.dunning.tasks(who.tenant, a)]
        if status:
            found = [t for t in found if t.get("status") == status]
        return sorted(found, key=lambda t: (t["as_of"], t["company"], t["customer"]))

    def complete_action(
        self, who: Identity, file: CustomerFile, action_id: str, body: Completion, now: datetime
    ) -> dict[str, Any]:
        action = self.dunning.action(who.tenant, file.company, file.number, action_id)
        if action is None:
            raise NotFound(
                "unknown_action",
                f"No action {action_id} for this customer.",
                f"Aucune action {action_id} pour ce client.",
            )
        if action.get("mode") != "manual" or action.get("status") != "to_do":
            raise Conflict(
                "action_not_open",
                f"This action is not a task waiting to be done (status {action.get('status')}).",
                f"Cette action n'est pas une tâche à faire (statut {action.get('status')}).",
            )
        if body.outcome == "no_answer":
            return self._no_answer(who, file, action, body, now)
        # Checked before anything is written: a bad promise or dispute changes nothing.
        extra, recorded_ids = recorded(self.followup, who, file, body, now)
        history, version = self.dunning.history(who.tenant, file.company, file.number)
        entries = [int(line["entry"]) for line in action.get("lines", [])]
        # The day it was done is the tenant's (the runs' dates are), not UTC's.
        moved = complete(history, entries, self.nightly.today(who.tenant, now))
        status = body.outcome if body.outcome in ("done", "skipped") else "done"
        call_outcome = "" if body.outcome in ("done", "skipped") else body.outcome
        try:
            self.dunning.complete_action(
                who.tenant,
                file.company,
                file.number,
                action,
                status,
                who.user_id,
                now,
                moved,
                version,
                event(
                    f"task_{body.outcome}",
                    who.user_id,
                    now,
                    step=str(action["step"]),
                    channel=str(action.get("channel", "")),
                    note=body.note[:200],
                    **recorded_ids,
                ),
                call_outcome=call_outcome,
                extra=extra,
            )
        except ConflictError:
            raise _stale_task() from None
        announce(self.followup, who, file, recorded_ids)
        done = {**action, "status": status, "done_by": who.user_id, **recorded_ids}
        return done | ({"outcome": call_outcome} if call_outcome else {})

    def _no_answer(
        self,
        who: Identity,
        file: CustomerFile,
        action: dict[str, Any],
        body: Completion,
        now: datetime,
    ) -> dict[str, Any]:
        """Nobody answered: the task stays to do, with the attempt counted for the next call."""
        checked(body)
        call = event("task_no_answer", who.user_id, now, step=str(action["step"]),
                     channel=str(action.get("channel", "")), note=body.note[:200])  # fmt: skip
        try:
            attempts = self.dunning.record_attempt(
                who.tenant, file.company, file.number, action, who.user_id, now, call
            )
        except ConflictError:
            raise _stale_task() from None
        return {**action, "attempts": attempts, "last_attempt_at": now.isoformat(),
                "last_attempt_by": who.user_id}  # fmt: skip

    # -- alerts (C13) and runs -------------------------------------------------------------
    def alerts(
        self, who: Identity, company: str | None, scope: Portfolio | None
    ) -> list[dict[str, Any]]:
        alerts = self.dunning.alerts(who.tenant, company)
        if scope is None:
            return alerts
        known = {(s.company, s.number): s for s in self.records.summaries(who.tenant, company)}

        def covered(alert: dict[str, Any]) -> bool:
            s = known.get((alert["company"], alert["customer"]))
            rep, profile = (s.rep_number, s.profile or None) if s else (None, None)
            return scope.covers(alert["company"], alert["customer"], rep, profile)

        return [a for a in alerts if covered(a)]

    def runs(self, who: Identity) -> list[dict[str, Any]]:
        return self.dunning.runs(who.tenant)

    # -- dry run (B9) and mass run (C5) ------------------------------------------------------
    def _selection(
        self, who: Identity, criteria: Criteria, scope: Portfolio | None, as_of: date
    ) -> Any:
        summaries = {
            (s.company, s.number): s for s in self.records.summaries(who.tenant, criteria.company)
        }
        wanted = set(criteria.customers)

        def chosen(customer: Customer) -> bool:
            if wanted and customer.number not in wanted:
                return False
            summary = summaries.get((customer.company, customer.number))
            profile = (summary.profile or None) if summary else None
            if scope is not None and not scope.covers(
                customer.company, customer.number, customer.rep_number, profile
            ):
                return False
            if criteria.rep is not None and customer.rep_number != criteria.rep:
                return False
            if criteria.min_total is not None and (
                summary is None or summary.total < criteria.min_total
            ):
                return False
            return criteria.min_days_late is None or (
                summary is not None and summary.days_late(as_of) >= criteria.min_days_late
            )

        return chosen

    def _due_at(
        self,
        tenant: str,
        company: str,
        step: str,
        as_of: date,
        now: datetime,
        chosen: Callable[[Customer], bool],
    ) -> set[str]:
        """The customers of the selection whose action at `step` is due today: the step
        is known only once the engine has evaluated them (a dry run, nothing written)."""
        found = self.nightly.run_company(
            tenant, company, as_of, now, dry_run=True, selection=chosen
        )
        return {
            row["customer"]
            for row in found.preview
            if any(action["step"] == step for action in row["actions"])
        }

    def run(
        self,
        who: Identity,
        criteria: Criteria,
        scope: Portfolio | None,
        as_of: date,
        now: datetime,
        *,
        dry_run: bool,
    ) -> dict[str, Any]:
        if not dry_run:
            who.require("user")
        companies = self.records.list_companies(who.tenant)
        if criteria.company:
            if criteria.company not in companies:
                raise NotFound(
                    "unknown_company",
                    f"No company {criteria.company} in this workspace.",
                    f"Aucune société {criteria.company} dans cet espace.",
                )
            companies = [criteria.company]
        chosen = self._selection(who, criteria, scope, as_of)
        reports: list[RunReport] = []
        for company in companies:
            selection = chosen
            if criteria.step is not None:
                due = self._due_at(who.tenant, company, criteria.step, as_of, now, chosen)
                if not due and not dry_run:
                    continue  # nobody to remind here: no run to record
                selection = _narrowed(chosen, due)
            reports.append(
                self.nightly.run_company(
                    who.tenant, company, as_of, now, dry_run=dry_run, selection=selection
                )
            )
        return {
            "as_of": as_of.isoformat(),
            "dry_run": dry_run,
            "actions": sum(r.actions for r in reports),
            "amount": str(sum((r.amount for r in reports), Decimal(0))),
            "alerts": sum(r.alerts for r in reports),
            "companies": [r.public() for r in reports],
        }


def _stale_task() -> Conflict:
    return Conflict(
        "stale_version",
        "Someone else completed this task or the run moved on: reload.",
        "Quelqu'un d'autre a terminé cette tâche ou la relance a avancé : rechargez.",
    )


def _narrowed(chosen: Callable[[Customer], bool], due: set[str]) -> Callable[[Customer], bool]:
    return lambda customer: customer.number in due and chosen(customer)
