"""A scenario compiled for the hot path: plain tuples and lookup tables, built once.

`compile_scenario` does the thinking the evaluation would otherwise repeat per item:
which notice is open N days before the due date, which reminder follows a given rank,
which journals and credits count for each company.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from relance.domain.dunning.scenarios import RANK, Channel, Inclusion, Scenario, StepId


class PlanStep(NamedTuple):
    step: StepId
    rank: int
    phase: str  # notice, reminder, thanks
    level: int  # 0 for notices and the thank-you, 1..5 for R1..R5
    days: int
    from_previous: bool  # days count from the previous reminder, not from the due date
    channel: Channel
    fallback: Channel | None
    template: str
    role: str
    manual: bool
    repeat: bool
    every: int
    claim_penalties: bool
    formal_notice: bool


@dataclass(frozen=True, slots=True)
class PlanInclusion:
    journals: frozenset[str] | None  # None: every journal
    excluded: frozenset[str]
    credit_notes: bool
    credit_notes_not_due: bool
    payments: bool

    def invoice(self, journal: str) -> bool:
        if journal in self.excluded:
            return False
        return self.journals is None or journal in self.journals


@dataclass(frozen=True, slots=True)
class Plan:
    scenario_id: str
    steps: dict[str, PlanStep]
    # index k: the notice open k days before the due date (the latest-ranked one), or None
    notice_at: tuple[PlanStep | None, ...]
    # index rank + 1 (rank -1: nothing done yet): the first reminder ranked above it
    next_reminder: tuple[PlanStep | None, ...]
    thanks: PlanStep | None
    include: PlanInclusion
    by_company: dict[str, PlanInclusion]
    min_item: Decimal
    min_customer: Decimal
    account_mode: bool
    min_gap: int

    def inclusion(self, company: str) -> PlanInclusion:
        return self.by_company.get(company, self.include)


def _inclusion(inc: Inclusion) -> PlanInclusion:
    return PlanInclusion(
        journals=frozenset(inc.invoice_journals) or None,
        excluded=frozenset(inc.exclude_journals),
        credit_notes=inc.credit_notes,
        credit_notes_not_due=inc.credit_notes_not_yet_due,
        payments=inc.unallocated_payments,
    )


def compile_scenario(scenario: Scenario) -> Plan:
    steps: dict[str, PlanStep] = {}
    for sid, s in zip(scenario.step_ids(), scenario.steps, strict=True):
        steps[sid] = PlanStep(
            step=sid,
            rank=RANK[sid],
            phase=s.phase,
            level=int(sid[1]) if s.phase == "reminder" else 0,
            days=s.days,
            from_previous=s.after == "previous_step",
            channel=s.channel,
            fallback=s.fallback_channel,
            template=s.template,
            role=s.contact_role,
            manual=s.mode == "manual",
            repeat=s.repeat,
            every=s.repeat_every_days,
            claim_penalties=s.claim_penalties,
            formal_notice=s.formal_notice,
        )
    notices = [p for p in steps.values() if p.phase == "notice"]
    widest = max((p.days for p in notices), default=-1)
    notice_at = tuple(
        max((p for p in notices if p.days >= k), key=lambda p: p.rank, default=None)
        for k in range(widest + 1)
    )
    reminders = sorted((p for p in steps.values() if p.phase == "reminder"), key=lambda p: p.rank)
    next_reminder = tuple(
        next((p for p in reminders if p.rank > rank), None) for rank in range(-1, len(RANK))
    )
    return Plan(
        scenario_id=scenario.scenario_id,
        steps=steps,
        notice_at=notice_at,
        next_reminder=next_reminder,
        thanks=steps.get("T"),
        include=_inclusion(scenario.include),
        by_company={c: _inclusion(i) for c, i in scenario.by_company.items()},
        min_item=scenario.min_item_amount,
        min_customer=scenario.min_customer_amount,
        account_mode=scenario.account_mode,
        min_gap=scenario.min_days_between_reminders,
    )
