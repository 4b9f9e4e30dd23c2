"""The daily evaluation: who must be reminded today, how, about what (C2-C19).

Per customer, in two passes over its open items:
1. classify: invoices the scenario includes (open amount after pre-lettered payments),
   credits it deducts, days late, the net overdue amount;
2. decide: the step due today for each invoice (schedule.py) or, in account mode, for the
   account as a whole; group into actions; resolve who receives them.
Guards, in this order, that nothing passes (overrides included): customer silenced
(CT_NotRappel, or a customer stop in force: no message at all, not even a thank-you);
invoice stopped, disputed or under a live promise (open, promised date not passed); a
customer-wide dispute or live promise (no notice nor reminder, thank-yous still go);
open amount below the item minimum; for reminders, the customer's net overdue amount
(invoices not held + deducted credits) not above zero or below the customer minimum; for
notices, the notice's total below the customer minimum.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date
from decimal import Decimal

from relance.domain.dunning.actions import MISSING, Action, ActionLine, Alert, AlertKind, Outcome
from relance.domain.dunning.contacts import Recipient, recipient
from relance.domain.dunning.inputs import INVOICE, PAYMENT, CustomerCase, Done, Item, Override
from relance.domain.dunning.plan import Plan, PlanInclusion, PlanStep
from relance.domain.dunning.profiles import ProfileBook
from relance.domain.dunning.scenarios import RANK, Channel
from relance.domain.dunning.schedule import R1_RANK, STEP_AT_RANK, THANKS_RANK, next_step

ZERO = Decimal("0")
Invoice = tuple[int, Decimal, int, date]  # entry, open amount, days late, aging date


def evaluate(
    cases: Iterable[CustomerCase],
    book: ProfileBook,
    as_of: date,
    suppressed: Collection[str] = frozenset(),
) -> Outcome:
    """Every customer's actions and alerts for `as_of`, each with its profile's scenario.
    `suppressed`: the tenant's email addresses that bounced or complained (B5, email_key
    form): no email goes to them, another contact or the fallback channel is used."""
    out = Outcome()
    as_ord = as_of.toordinal()
    stamp = as_of.isoformat()
    for case in cases:
        outstanding = sum((i.amount for i in case.items), ZERO) if book.needs_outstanding else ZERO
        profile = book.profile_for(case.customer, outstanding, case.profile)
        _evaluate(out, case, book.plans[profile], as_of, as_ord, stamp, suppressed)
    return out


def evaluate_customer(
    case: CustomerCase, plan: Plan, as_of: date, suppressed: Collection[str] = frozenset()
) -> Outcome:
    out = Outcome()
    _evaluate(out, case, plan, as_of, as_of.toordinal(), as_of.isoformat(), suppressed)
    return out


class _Run:
    """One customer's evaluation state: what it has decided, the alerts it raised."""

    __slots__ = (
        "alerted", "as_of", "case", "out", "plan", "spent", "stamp", "suppressed", "waiting"
    )  # fmt: skip

    def __init__(
        self,
        out: Outcome,
        case: CustomerCase,
        plan: Plan,
        as_of: date,
        stamp: str,
        suppressed: Collection[str] = frozenset(),
    ):
        self.out, self.case, self.plan, self.as_of, self.stamp = out, case, plan, as_of, stamp
        self.suppressed = suppressed
        self.alerted: set[str] = set()
        self.spent: dict[str, Override] = {}
        self.waiting: set[str] = set()

    def alert(
        self, kind: AlertKind, step: str = "", entries: tuple[int, ...] = (), detail: str = ""
    ) -> None:
        if kind + step in self.alerted:
            return
        self.alerted.add(kind + step)
        c = self.case.customer
        self.out.alerts.append(Alert(c.company, c.number, kind, step, entries, detail))

    def override(
        self, ov: Override, done: Done | None, days_late: int, as_ord: int
    ) -> tuple[bool, PlanStep | None]:
        """(hold the item today, the step the override forces today)."""
        on = ov.on.toordinal()
        if as_ord < on:
            self.waiting.add(ov.override_id)
            return True, None
        if ov.step is None:
            self.spent[ov.override_id] = ov
            return False, None
        target_rank = RANK[ov.step]
        if (target_rank < R1_RANK) != (days_late <= 0):
            return False, None  # a reminder waits for the item to be late, a notice is pre-due
        rank = RANK[done.step] if done is not None else -1
        if done is not None and done.on.toordinal() >= on and rank >= target_rank:
            self.spent[ov.override_id] = ov  # done since it was set
            return False, None
        if done is not None and done.pending:
            self.waiting.add(ov.override_id)
            return True, None
        target = self.plan.steps.get(ov.step)
        if target is None or target.rank < rank or (target.rank == rank and not target.repeat):
            why = "not in the scenario" if target is None else "would go back or repeat a step"
            self.alert("override_ignored", ov.step, detail=f"{ov.override_id}: {why}")
            self.spent[ov.override_id] = ov
            return False, None
        self.spent[ov.override_id] = ov
        return False, target

    def act(
        self,
        step: PlanStep,
        lines: list[ActionLine],
        credits: Sequence[ActionLine] = (),
        credit_total: Decimal = ZERO,
    ) -> bool:
        """Add the action (False when a notice or thank-you cannot be delivered)."""
        delivery = self.deliver(step)
        if delivery is None:
            return False
        channel, person, manual, fallback = delivery
        c = self.case.customer
        lines.sort(key=_oldest_first)
        amount = sum((line.amount for line in lines), credit_total)
        self.out.actions.append(
            Action(
                key=f"{c.company}#{c.number}#{step.step}#{self.stamp}",
                company=c.company,
                customer=c.number,
                scenario=self.plan.scenario_id,
                step=step.step,
                phase=step.phase,
                level=step.level,
                channel=channel,
                mode="manual" if manual else "auto",
                contact_role=step.role,
                template=step.template,
                lines=tuple(lines),
                credits=tuple(credits),
                amount=amount,
                days_late=max(line.days_late for line in lines),
                recipient=person,
                fallback=fallback,
                claim_penalties=step.claim_penalties and not c.no_penalty,
                formal_notice=step.formal_notice,
            )
        )
        return True

    def deliver(self, step: PlanStep) -> tuple[Channel, Recipient | None, bool, bool] | None:
        """(channel, recipient, manual, fallback used), or None: not deliverable."""
        case = self.case
        reach = (step.role, case.customer, case.contacts, case.manual_contacts, self.suppressed)
        person = recipient(step.channel, *reach)
        if person is not None:
            return step.channel, person, step.manual, False
        self.alert(MISSING[step.channel], step.step)  # "other" never misses anything
        if step.fallback is not None:
            person = recipient(step.fallback, *reach)
            if person is not None:
                return step.fallback, person, step.manual, True
            if step.fallback in MISSING:
                self.alert(MISSING[step.fallback], step.step)
        if step.phase != "reminder":
            return None  # courtesy messages are not worth a collector's time
        return step.channel, None, True, False  # a task: the collector finds the customer


def _oldest_first(line: ActionLine) -> tuple[int, int]:
    return (-line.days_late, line.entry)


def _evaluate(
    out: Outcome,
    case: CustomerCase,
    plan: Plan,
    as_of: date,
    as_ord: int,
    stamp: str,
    suppressed: Collection[str] = frozenset(),
) -> None:
    customer = case.customer
    items = case.items
    out.items += len(items)
    run = _Run(out, case, plan, as_of, stamp, suppressed)

    silenced = customer.no_reminder
    held: set[int] = set()
    for stop in case.stops:
        if stop.active(as_of):
            if stop.entry is None:
                silenced = True
            else:
                held.add(stop.entry)
    if silenced:
        if customer.no_reminder and any(i.kind == INVOICE and i.aging_date < as_of for i in items):
            run.alert("no_reminder", detail="CT_NotRappel")
        _forget_closed(out, case, as_of)
        return

    held_all = False
    for dispute in case.disputes:
        if dispute.status == "open":
            if dispute.entries:
                held.update(dispute.entries)
            else:
                held_all = True
    for promise in case.promises:
        if promise.status == "open" and as_of <= promise.promised_date:
            if promise.entries:
                held.update(promise.entries)
            else:
                held_all = True

    # Pass 1: classify.
    inc = plan.inclusion(customer.company)
    invoices: list[Invoice] = []
    credits: list[ActionLine] = []
    credit_total = ZERO
    overdue = ZERO
    every_journal = inc.journals is None and not inc.excluded
    lettered: list[Item] | None = None
    for item in items:
        if item.lettering:
            if lettered is None:
                lettered = []
            lettered.append(item)
            continue
        late = as_ord - item.aging_date.toordinal()
        if item.kind == INVOICE:
            if every_journal or inc.invoice(item.journal):
                invoices.append((item.entry, item.amount, late, item.aging_date))
                if late > 0 and item.entry not in held:
                    overdue += item.amount
        elif _counted(item, late, inc):
            credits.append(ActionLine(item.entry, item.amount, late, item.aging_date))
            credit_total += item.amount
    if lettered:
        partly_paid, left_over = _allocate(lettered, inc, as_ord)
        for entry, amount, late, aging in partly_paid:
            invoices.append((entry, amount, late, aging))
            if late > 0 and entry not in held:
                overdue += amount
        for line in left_over:
            credits.append(line)
            credit_total += line.amount
    net = overdue + credit_total
    can_remind = net > 0 and net >= plan.min_customer

    # Pass 2: decide. Account mode sends one message a day: nothing more once one went.
    busy = plan.account_mode and any(d.on == as_of for d in case.history.values())
    if not held_all and invoices and not busy:
        if plan.account_mode:
            busy = _account(run, invoices, held, can_remind, credits, credit_total, as_ord)
        else:
            _items(run, invoices, held, can_remind, as_ord)
    _thanks(run, busy)
    if case.overrides:
        open_entries = {item.entry for item in items}
        for ov in case.overrides:  # an invoice that left the ledger needs its override no more
            if ov.entry is not None and ov.entry not in open_entries:
                run.spent[ov.override_id] = ov
        for override_id in run.spent.keys() - run.waiting:
            out.spent_overrides.append(override_id)


def _counted(item: Item, late: int, inc: PlanInclusion) -> bool:
    if item.kind == PAYMENT:
        return inc.payments
    return inc.credit_notes and (inc.credit_notes_not_due or late >= 0)


def _allocate(
    lettered: list[Item], inc: PlanInclusion, as_ord: int
) -> tuple[list[Invoice], list[ActionLine]]:
    """Partly matched lines (same lowercase lettering code): the group's credits pay its
    debits, oldest first; what the credits have left over stays a credit (on the first)."""
    groups: dict[str, list[Item]] = {}
    for item in lettered:
        groups.setdefault(item.lettering, []).append(item)
    invoices: list[Invoice] = []
    credits: list[ActionLine] = []
    for group in groups.values():
        debits = sorted((i for i in group if i.kind == INVOICE), key=lambda i: i.aging_date)
        credit_items = [i for i in group if i.kind != INVOICE]
        paid = -sum((i.amount for i in credit_items), ZERO)
        for item in debits:
            take = min(item.amount, max(paid, ZERO))
            paid -= take
            if inc.invoice(item.journal) and item.amount > take:
                late = as_ord - item.aging_date.toordinal()
                invoices.append((item.entry, item.amount - take, late, item.aging_date))
        if paid > 0 and credit_items:
            first = credit_items[0]
            late = as_ord - first.aging_date.toordinal()
            if _counted(first, late, inc):
                credits.append(ActionLine(first.entry, -paid, late, first.aging_date))
    return invoices, credits


def _overrides(case: CustomerCase) -> tuple[Override | None, dict[int, Override]]:
    """The customer's override (the latest set) and the invoices' ones."""
    whole: Override | None = None
    by_entry: dict[int, Override] = {}
    for ov in case.overrides:
        if ov.entry is None:
            if whole is None or ov.on >= whole.on:
                whole = ov
        else:
            by_entry[ov.entry] = ov
    return whole, by_entry


def _items(
    run: _Run, invoices: list[Invoice], held: set[int], can_remind: bool, as_ord: int
) -> None:
    """Item mode: each invoice on its own schedule; one action per step reached today."""
    plan, history = run.plan, run.case.history
    whole, by_entry = _overrides(run.case)
    has_overrides = whole is not None or bool(by_entry)
    minimum = plan.min_item
    groups: dict[str, list[ActionLine]] = {}
    for entry, amount, late, aging in invoices:
        if amount <= 0 or amount < minimum or entry in held or (late > 0 and not can_remind):
            continue
        done = history.get(entry)
        step: PlanStep | None = None
        ov = (by_entry.get(entry) or whole) if has_overrides else None
        if ov is not None:
            hold, step = run.override(ov, done, late, as_ord)
            if hold:
                continue
        if step is None:
            step = next_step(plan, late, done, as_ord)
        if step is not None:
            line = ActionLine(entry, amount, late, aging)
            group = groups.get(step.step)
            if group is None:
                groups[step.step] = [line]
            else:
                group.append(line)
    for sid, lines in groups.items():
        step = plan.steps[sid]
        if step.phase == "notice" and sum((li.amount for li in lines), ZERO) < plan.min_customer:
            continue
        run.act(step, lines)


def _account(
    run: _Run,
    invoices: list[Invoice],
    held: set[int],
    can_remind: bool,
    credits: list[ActionLine],
    credit_total: Decimal,
    as_ord: int,
) -> bool:
    """Account mode (C7): one reminder per customer at the level after the highest its open
    invoices reached (so a paid-off account starts again at R1), listing every late one
    and the deducted credits; the account is as late as its latest invoice, its previous
    reminder is the latest of theirs, a pending task on any holds it. Else one notice for
    what comes due. True when a message went (the thank-you then waits)."""
    plan, history = run.plan, run.case.history
    whole, by_entry = _overrides(run.case)
    held_account = False  # the customer's override postpones it all
    if whole is not None and whole.on.toordinal() > as_ord:
        held_account = True
        run.waiting.add(whole.override_id)
    minimum = plan.min_item
    late_lines: list[ActionLine] = []
    notices: list[tuple[PlanStep, ActionLine]] = []
    top, last, latest, pending = -1, 0, 0, False
    forced: list[Override] = []
    for entry, amount, late, aging in invoices:
        if amount <= 0 or amount < minimum or entry in held:
            continue
        done = history.get(entry)
        ov = by_entry.get(entry)
        if ov is not None and ov.on.toordinal() > as_ord:
            run.waiting.add(ov.override_id)
            continue
        if late > 0:
            if not can_remind:
                continue
            late_lines.append(ActionLine(entry, amount, late, aging))
            latest = max(latest, late)
            if ov is not None:
                forced.append(ov)
            if done is not None:
                pending = pending or done.pending
                rank = RANK[done.step]
                if R1_RANK <= rank < THANKS_RANK:
                    top = max(top, rank)
                    last = max(last, done.on.toordinal())
        elif not held_account:
            step = None
            ov = ov or whole
            if ov is not None:
                hold, step = run.override(ov, done, late, as_ord)
                if hold:
                    continue
            step = step or next_step(plan, late, done, as_ord)
            if step is not None:
                notices.append((step, ActionLine(entry, amount, late, aging)))
    if late_lines and not held_account and not pending:
        account = Done(STEP_AT_RANK[top], date.fromordinal(last)) if top >= 0 else None
        if whole is not None:
            forced.append(whole)
        step = None
        for ov in forced:
            _, target = run.override(ov, account, latest, as_ord)
            if target is not None and (step is None or target.rank > step.rank):
                step = target
        step = step or next_step(plan, latest, account, as_ord)
        if step is not None and run.act(step, late_lines, credits, credit_total):
            return True
    if notices:
        total = sum((line.amount for _, line in notices), ZERO)
        if total >= plan.min_customer:
            step = max((s for s, _ in notices), key=lambda s: s.rank)
            return run.act(step, [line for _, line in notices])
    return False


def _thanks(run: _Run, busy: bool) -> None:
    """A thank-you for the invoices that had a reminder and left the ledger since."""
    case, plan = run.case, run.plan
    if not case.history:
        return
    open_entries = {item.entry for item in case.items}
    paid: list[ActionLine] = []
    closed: list[int] = []
    for entry, done in case.history.items():
        if entry in open_entries:
            continue
        reminded = R1_RANK <= RANK[done.step] < THANKS_RANK
        if plan.thanks is not None and reminded and not done.pending:
            paid.append(ActionLine(entry, ZERO, 0, None))
        elif done.on < run.as_of:  # today's stays until tomorrow: it says a message went
            closed.append(entry)
    # Account mode: a reminder or notice first, the thank-you at the next run.
    if paid and plan.thanks is not None and not busy and not run.act(plan.thanks, paid):
        closed += [line.entry for line in paid]
    if closed:
        c = case.customer
        run.out.forget[(c.company, c.number)] = closed


def _forget_closed(out: Outcome, case: CustomerCase, as_of: date) -> None:
    if not case.history:
        return
    open_entries = {item.entry for item in case.items}
    closed = [e for e, d in case.history.items() if e not in open_entries and d.on < as_of]
    if closed:
        c = case.customer
        out.forget[(c.company, c.number)] = closed
