"""What an evaluation returns (actions, alerts) and how its actions become history.

Plain NamedTuples: a run makes thousands, and the store writes them with `_asdict()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, NamedTuple

from relance.domain.dunning.contacts import Recipient
from relance.domain.dunning.inputs import Done, History
from relance.domain.dunning.scenarios import Channel, Mode, StepId

AlertKind = Literal[
    "missing_email",  # the step's channel (or its fallback) needs what the customer lacks
    "missing_phone",
    "missing_address",
    "no_reminder",  # CT_NotRappel: overdue invoices nobody will be reminded of
    "override_ignored",  # C17: it would go back a level or repeat a step that does not repeat
    "task_overdue",  # C13: a manual action still waiting for a collector after a few days
    "missing_rate",  # B1: no ECB or legal rate for a half-year a penalty spans
    "email_bounced",  # B5/C13: SES reported a permanent bounce; the address is suppressed
    "email_complaint",  # B5/C13: the recipient marked the reminder as spam; suppressed too
]
# What the nightly evaluation raises, and so may clear when it no longer does. Other
# alerts (the dispatch's, the SES events') belong to whoever raised them: a run leaves them.
RUN_ALERT_KINDS: frozenset[str] = frozenset(
    ("missing_email", "missing_phone", "missing_address", "no_reminder", "override_ignored",
     "task_overdue", "missing_rate")
)  # fmt: skip
MISSING: dict[str, AlertKind] = {
    "email": "missing_email",
    "phone": "missing_phone",
    "letter": "missing_address",
}


class ActionLine(NamedTuple):
    entry: int
    amount: Decimal  # open amount (pre-lettered payments deducted); credits are negative
    days_late: int  # negative: days before the due date
    aging_date: date | None  # None on a thank-you: the item has left the ledger


class Action(NamedTuple):
    key: str  # company#customer#step#date: deterministic, unique per run (B4); add the tenant
    company: str
    customer: str
    scenario: str
    step: StepId
    phase: str  # notice, reminder, thanks
    level: int  # 1..5 for R1..R5, 0 for notices and thank-yous
    channel: Channel
    mode: Mode  # manual: a task for a collector (also when no contact detail could be found)
    contact_role: str
    template: str
    lines: tuple[ActionLine, ...]  # the invoices the message is about, oldest first
    credits: tuple[ActionLine, ...]  # account mode: credit notes / payments listed and deducted
    amount: Decimal  # lines + credits, accounting currency (0 on a thank-you)
    days_late: int  # of the latest line
    recipient: Recipient | None
    fallback: bool  # the channel is the step's fallback: the usual detail was missing
    claim_penalties: bool  # B1: claim penalties and the 40 € (False for CT_NotPenal customers)
    formal_notice: bool

    @property
    def entries(self) -> tuple[int, ...]:
        return tuple(line.entry for line in self.lines)


class Alert(NamedTuple):
    company: str
    customer: str
    kind: AlertKind
    step: str = ""
    entries: tuple[int, ...] = ()
    detail: str = ""

    @property
    def key(self) -> str:
        return f"{self.company}#{self.customer}#{self.kind}#{self.step}"


@dataclass(slots=True)
class Outcome:
    actions: list[Action] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    # Overrides that will have no further effect: delete them.
    spent_overrides: list[str] = field(default_factory=list)
    # (company, customer) -> entries whose history can go: they left the ledger and get no
    # thank-you (none in the scenario, only a notice was sent, customer silenced...). A
    # pending manual task on them can be cancelled.
    forget: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    items: int = 0  # items evaluated


def record(
    history: History, actions: Iterable[Action], as_of: date, forget: Iterable[int] = ()
) -> dict[int, Done]:
    """One customer's history after the run's actions were issued: each listed entry's last
    step becomes the action's (pending when it is a manual task); a thank-you ends an
    entry's history. Write it when the actions are written, in the same transaction."""
    new = dict(history)
    for action in actions:
        if action.phase == "thanks":
            for line in action.lines:
                new.pop(line.entry, None)
            continue
        pending = action.mode == "manual"
        for line in action.lines:
            prev = new.get(line.entry)
            times = prev.times + 1 if prev is not None and prev.step == action.step else 1
            new[line.entry] = Done(action.step, as_of, times, pending)
    for entry in forget:
        new.pop(entry, None)
    return new


def complete(history: History, entries: Iterable[int], on: date) -> dict[int, Done]:
    """A collector did (or skipped) a manual task on `on`: the entries move on from there."""
    new = dict(history)
    for entry in entries:
        done = new.get(entry)
        if done is not None and done.pending:
            new[entry] = done._replace(on=on, pending=False)
    return new
