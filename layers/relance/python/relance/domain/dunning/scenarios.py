"""Scenarios (C2, C7, C9, C14, C19): which steps a customer gets, when, how, about what.

A scenario is up to three pre-due notices ("prévenance", N days before the due date),
up to five reminder levels R1..R5 ("relance", N days after the due date or after the
previous reminder) and one optional thank-you ("remerciement", at the first run after a
reminded item is settled). Step ids are fixed and ordered, whatever the scenario:
N1 < N2 < N3 < R1 < ... < R5, then T. The history of an item stores these ids, so a level
keeps its meaning when a customer moves to another scenario. Pure pydantic models; the
evaluation compiles them once (plan.py) and never touches pydantic per item.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from relance.domain.records import CompanyCode

Channel = Literal["email", "letter", "phone", "other"]
Phase = Literal["notice", "reminder", "thanks"]
Mode = Literal["auto", "manual"]
Anchor = Literal["due_date", "previous_step"]
StepId = Literal["N1", "N2", "N3", "R1", "R2", "R3", "R4", "R5", "T"]

NOTICE_IDS: tuple[StepId, ...] = ("N1", "N2", "N3")
REMINDER_IDS: tuple[StepId, ...] = ("R1", "R2", "R3", "R4", "R5")
THANKS_ID: StepId = "T"
# The order levels move in: an item's rank never goes down.
ORDER: tuple[StepId, ...] = (*NOTICE_IDS, *REMINDER_IDS, THANKS_ID)
RANK: dict[str, int] = {s: i for i, s in enumerate(ORDER)}
MAX_NOTICES = len(NOTICE_IDS)
MAX_REMINDERS = len(REMINDER_IDS)

TemplateId = str
ZERO = Decimal("0")


class Step(BaseModel):
    """One step. `days` is before the due date for a notice, after it (or after the
    previous reminder, `after="previous_step"`) for a reminder, 0 for the thank-you."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    phase: Phase
    days: int = Field(default=0, ge=0, le=3650)
    after: Anchor = "due_date"
    channel: Channel = "email"
    # Used when the channel's contact detail is missing (no email -> letter); an alert is
    # raised either way. None: the step becomes a manual task for a collector.
    fallback_channel: Channel | None = None
    template: TemplateId = Field(min_length=1, max_length=80)
    # "main": the customer's own card; any other text matches a contact's function
    # (Sage CT_Fonction) or a manual contact's role, case and accents ignored.
    contact_role: str = Field(default="main", min_length=1, max_length=80)
    mode: Mode = "auto"  # manual: a task waiting for a collector before the item moves on
    repeat: bool = False  # may be done again on the same item, every `repeat_every_days`
    repeat_every_days: int = Field(default=7, ge=1, le=365)
    claim_penalties: bool = False  # B1: the message claims penalties and the 40 € indemnity
    formal_notice: bool = False  # B1: mise en demeure (registered letter, legal wording)


class Inclusion(BaseModel):
    """Which open ledger items a scenario works on (C14, C19)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    # Journals whose debit lines are reminded; empty: every journal.
    invoice_journals: list[str] = Field(default_factory=list, max_length=50)
    exclude_journals: list[str] = Field(default_factory=list, max_length=50)
    # Credits (negative lines) listed and deducted: credit notes are credits of a sales
    # journal, every other credit is a payment not yet allocated to an invoice.
    credit_notes: bool = True
    credit_notes_not_yet_due: bool = False  # C19: False excludes credit notes not yet due
    unallocated_payments: bool = True


class Scenario(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    scenario_id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=80)
    steps: list[Step] = Field(max_length=MAX_NOTICES + MAX_REMINDERS + 1)
    include: Inclusion = Field(default_factory=Inclusion)
    by_company: dict[CompanyCode, Inclusion] = Field(default_factory=dict)  # per-company rules
    min_item_amount: Decimal = Field(default=ZERO, ge=0, max_digits=15, decimal_places=2)
    min_customer_amount: Decimal = Field(default=ZERO, ge=0, max_digits=15, decimal_places=2)
    account_mode: bool = False  # C7: one reminder per customer, highest level, all invoices
    # Two reminders of the same item (or account) are never closer than this (one a day
    # at most, so that a run done twice the same day sends nothing more).
    min_days_between_reminders: int = Field(default=7, ge=1, le=365)
    version: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _coherent(self) -> Scenario:
        check_steps(self.steps)
        return self

    def step_ids(self) -> list[StepId]:
        """The fixed id of each step, in order: N1.., R1.., T."""
        ids: list[StepId] = []
        notices = reminders = 0
        for step in self.steps:
            if step.phase == "notice":
                ids.append(NOTICE_IDS[notices])
                notices += 1
            elif step.phase == "reminder":
                ids.append(REMINDER_IDS[reminders])
                reminders += 1
            else:
                ids.append(THANKS_ID)
        return ids

    def inclusion(self, company: str) -> Inclusion:
        return self.by_company.get(company, self.include)


_PHASE_ORDER = {"notice": 0, "reminder": 1, "thanks": 2}


def check_steps(steps: list[Step]) -> None:
    """Raise ValueError with a message a tenant admin understands."""
    if not steps:
        raise ValueError("a scenario needs at least one step")
    phases = [s.phase for s in steps]
    if [_PHASE_ORDER[p] for p in phases] != sorted(_PHASE_ORDER[p] for p in phases):
        raise ValueError("steps must be in order: pre-due notices, then reminders, then thank-you")
    if phases.count("notice") > MAX_NOTICES:
        raise ValueError(f"at most {MAX_NOTICES} pre-due notices")
    if phases.count("reminder") > MAX_REMINDERS:
        raise ValueError(f"at most {MAX_REMINDERS} reminder levels (R1 to R5)")
    if phases.count("thanks") > 1:
        raise ValueError("at most one thank-you step")
    before: int | None = None
    after_due = 0  # earliest day after the due date the previous reminder can go
    level = 0
    for step in steps:
        if step.fallback_channel == step.channel:
            raise ValueError(f"{step.template}: the fallback channel must differ from the channel")
        if step.phase == "notice":
            if step.after != "due_date":
                raise ValueError("a pre-due notice counts days before the due date")
            if before is not None and step.days >= before:
                raise ValueError(
                    "pre-due notices must come closer and closer to the due date "
                    f"({before} days before, then {step.days})"
                )
            before = step.days
        elif step.phase == "reminder":
            level += 1
            if step.days < 1:
                raise ValueError(f"R{level}: a reminder comes at least 1 day after its anchor")
            if level == 1 and step.after != "due_date":
                raise ValueError("R1 counts its days from the due date")
            earliest = step.days if step.after == "due_date" else after_due + step.days
            if earliest <= after_due:
                raise ValueError(
                    f"R{level} ({earliest} days after the due date) must come after "
                    f"R{level - 1} ({after_due} days)"
                )
            after_due = earliest
        else:
            if step.days != 0:
                raise ValueError("the thank-you goes at the first run after payment: days is 0")
            if step.repeat:
                raise ValueError("the thank-you cannot be repeated")


def default_scenario() -> Scenario:
    """The French default: notice by email 5 days before the due date; R1 +5 and R2 +15
    by email (a letter when there is no email); R3 +30 a phone call (manual); R4 +45 a
    letter claiming penalties and the 40 € indemnity; R5 +60 the mise en demeure by
    registered letter (manual: posting it is a person's job); a thank-you email."""
    return Scenario(
        scenario_id="standard",
        name="Standard",
        steps=[
            Step(phase="notice", days=5, template="prevenance"),
            Step(phase="reminder", days=5, template="relance_1", fallback_channel="letter"),
            Step(phase="reminder", days=15, template="relance_2", fallback_channel="letter"),
            Step(phase="reminder", days=30, channel="phone", template="appel", mode="manual"),
            Step(
                phase="reminder",
                days=45,
                channel="letter",
                template="relance_courrier",
                claim_penalties=True,
            ),
            Step(
                phase="reminder",
                days=60,
                channel="letter",
                template="mise_en_demeure",
                mode="manual",
                claim_penalties=True,
                formal_notice=True,
            ),
            Step(phase="thanks", template="remerciement"),
        ],
    )
