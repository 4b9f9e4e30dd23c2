"""When an item's next step is due: the rules, on plain values (the hot path).

- One level at a time: the next reminder is the one after the last done; an invoice first
  seen 60 days late gets R1, not R4 (a new tenant's backlog is not sent formal notices).
- Notices: the latest notice whose window is open (N days before the due date or fewer);
  earlier ones missed are skipped, and none goes once a reminder was sent.
- A reminder is due when its delay has passed (from the due date, or from the previous
  reminder) and the previous reminder is at least `min_days_between_reminders` old.
- A repeatable step is done again every `repeat_every_days` while the next is not due.
- A pending manual step holds the item. Ranks never go down.
"""

from __future__ import annotations

from relance.domain.dunning.inputs import Done
from relance.domain.dunning.plan import Plan, PlanStep
from relance.domain.dunning.scenarios import ORDER, RANK, StepId

R1_RANK = RANK["R1"]
THANKS_RANK = RANK["T"]
STEP_AT_RANK: tuple[StepId, ...] = ORDER


def next_step(plan: Plan, days_late: int, done: Done | None, as_ord: int) -> PlanStep | None:
    """The step due today for an item `days_late` days late (<= 0: not yet due) whose last
    step is `done`; `as_ord` is today's date ordinal."""
    if done is None:
        rank, since = -1, 0
    else:
        if done.pending:
            return None
        rank, since = RANK[done.step], as_ord - done.on.toordinal()
    if days_late <= 0:
        before = -days_late
        if before >= len(plan.notice_at):
            return None
        notice = plan.notice_at[before]
        if notice is None:
            return None
        if notice.rank > rank:
            return notice
        if notice.rank == rank and notice.repeat and since >= notice.every:
            return notice
        return None
    reminded = R1_RANK <= rank < THANKS_RANK
    nxt = plan.next_reminder[rank + 1]
    if nxt is not None and (not reminded or since >= plan.min_gap):
        if nxt.from_previous:
            if reminded and since >= nxt.days:
                return nxt
        elif days_late >= nxt.days:
            return nxt
    if reminded:
        current = plan.steps.get(STEP_AT_RANK[rank])
        if current is not None and current.repeat and since >= current.every:
            return current
    return None
