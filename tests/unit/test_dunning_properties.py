"""Properties of the evaluation over random customers, histories and simulated months:
held items are never reminded, levels never go back, account mode sends at most one
message a run, and running a day again with the first run's history sends nothing."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.domain.dunning import (
    CustomerCase,
    Done,
    Item,
    Outcome,
    Override,
    Scenario,
    Stop,
    compile_scenario,
    complete,
    default_scenario,
    evaluate_customer,
    record,
)
from relance.domain.dunning.inputs import CREDIT_NOTE, INVOICE, PAYMENT
from relance.domain.dunning.plan import Plan
from relance.domain.dunning.scenarios import ORDER, RANK
from relance.domain.followup import Dispute, Promise
from relance.domain.records import Customer

START = date(2026, 1, 5)
OPENED = datetime(2026, 1, 1, tzinfo=UTC)
ENTRIES = range(1, 9)
MOSTLY_TRUE = st.sampled_from([True, True, True, False])
RARELY = st.sampled_from([False, False, False, False, True])


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    base = default_scenario()
    steps = list(base.steps)
    for i in draw(st.sets(st.integers(1, 5), max_size=2)):  # some reminders repeat
        every = draw(st.integers(1, 20))
        steps[i] = steps[i].model_copy(update={"repeat": True, "repeat_every_days": every})
    if draw(st.booleans()):
        steps = steps[:-1]  # no thank-you
    return Scenario.model_validate(
        dict(base)
        | {
            "steps": steps,
            "account_mode": draw(st.booleans()),
            "min_item_amount": Decimal(draw(st.sampled_from([0, 0, 50, 500]))),
            "min_customer_amount": Decimal(draw(st.sampled_from([0, 0, 300, 3000]))),
            "min_days_between_reminders": draw(st.integers(1, 10)),
        }
    )


@st.composite
def items(draw: st.DrawFn) -> list[Item]:
    out: list[Item] = []
    for entry in draw(st.sets(st.sampled_from(ENTRIES), min_size=1)):
        late = draw(st.integers(-40, 120))
        cents = draw(st.integers(1, 1_000_000))
        kind = draw(st.sampled_from([INVOICE, INVOICE, INVOICE, CREDIT_NOTE, PAYMENT]))
        amount = Decimal(cents) / 100 * (1 if kind == INVOICE else -1)
        lettering = draw(st.sampled_from(["", "", "", "ab"]))
        out.append(Item(entry, "VTE", kind, START - timedelta(days=late), amount, lettering))
    return out


@st.composite
def histories(draw: st.DrawFn, as_of: date) -> dict[int, Done]:
    history: dict[int, Done] = {}
    for entry in draw(st.sets(st.sampled_from(range(1, 12)), max_size=6)):
        step = draw(st.sampled_from(ORDER[:-1]))
        on = as_of - timedelta(days=draw(st.integers(0, 60)))
        pending = draw(st.sampled_from([False, False, False, True]))
        history[entry] = Done(step, on, draw(st.integers(1, 3)), pending)
    return history


@st.composite
def follow_up(draw: st.DrawFn) -> dict[str, Any]:
    """Stops, disputes, promises and overrides on random entries (None: the customer)."""
    entry = st.sampled_from([None, *ENTRIES])  # now and then the whole customer
    offset = st.integers(-20, 60)
    stops = [
        Stop(stop_id=f"s{i}", entry=e, until=None if u is None else START + timedelta(days=u))
        for i, (e, u) in enumerate(draw(st.lists(st.tuples(entry, st.none() | offset), max_size=2)))
    ]
    disputes = [
        Dispute(
            dispute_id=f"d{i}",
            reason="price",
            entries=[] if e is None else [e],
            opened_by="u",
            opened_at=OPENED,
            status=status,
        )
        for i, (e, status) in enumerate(
            draw(st.lists(st.tuples(entry, st.sampled_from(["open", "resolved"])), max_size=2))
        )
    ]
    promises = [
        Promise(
            promise_id=f"p{i}",
            amount=Decimal(100),
            promised_date=START + timedelta(days=d),
            entries=[] if e is None else [e],
            made_by="u",
            made_at=OPENED,
        )
        for i, (e, d) in enumerate(draw(st.lists(st.tuples(entry, offset), max_size=2)))
    ]
    overrides = [
        Override(override_id=f"o{i}", entry=e, step=s, on=START + timedelta(days=d))
        for i, (e, s, d) in enumerate(
            draw(
                st.lists(
                    st.tuples(entry, st.none() | st.sampled_from(ORDER[:-1]), offset), max_size=2
                )
            )
        )
    ]
    return {"stops": stops, "disputes": disputes, "promises": promises, "overrides": overrides}


def customer(reachable: bool) -> Customer:
    return Customer(
        company="BIJOU",
        number="C1",
        name="Dupont",
        email="a@b.fr" if reachable else "",
        address="1 rue" if reachable else "",
        postal_code="75002",
        city="Paris",
    )


def held(case: CustomerCase, as_of: date) -> tuple[bool, set[int]]:
    """Computed here from the models' own meaning, not from the engine's code."""
    whole, entries = False, set[int]()
    for s in case.stops:
        if s.until is None or as_of <= s.until:
            whole, entries = (True, entries) if s.entry is None else (whole, entries | {s.entry})
    for d in case.disputes:
        for entry in ENTRIES:
            if d.covers(entry):
                entries.add(entry)
    for p in case.promises:
        if p.status == "open" and as_of <= p.promised_date:
            if not p.entries:
                whole = True
            entries.update(p.entries)
    return whole or case.customer.no_reminder, entries


def messages(outcome: Outcome) -> list[Any]:
    return [a for a in outcome.actions if a.phase != "thanks"]


@settings(max_examples=300, deadline=None)
@given(scenarios(), items(), histories(START), follow_up(), MOSTLY_TRUE, RARELY)
def test_no_stopped_disputed_or_promised_item_is_ever_reminded(
    scenario: Scenario,
    its: list[Item],
    history: dict[int, Done],
    holds: dict[str, Any],
    reachable: bool,
    flagged: bool,
) -> None:
    cust = customer(reachable).model_copy(update={"no_reminder": flagged})
    case = CustomerCase(customer=cust, items=its, history=history, **holds)
    outcome = evaluate_customer(case, compile_scenario(scenario), START)
    whole, entries = held(case, START)
    for action in messages(outcome):
        assert not whole
        assert not entries & set(action.entries)


@settings(max_examples=300, deadline=None)
@given(scenarios(), items(), histories(START), follow_up(), MOSTLY_TRUE)
def test_the_same_day_run_again_with_the_first_runs_history_sends_nothing(
    scenario: Scenario,
    its: list[Item],
    history: dict[int, Done],
    holds: dict[str, Any],
    reachable: bool,
) -> None:
    plan = compile_scenario(scenario)
    case = CustomerCase(customer=customer(reachable), items=its, history=history, **holds)
    first = evaluate_customer(case, plan, START)
    forget = first.forget.get(("BIJOU", "C1"), [])
    case.history = record(history, first.actions, START, forget)
    again = evaluate_customer(case, plan, START)
    assert again.actions == []


def simulate(plan: Plan, case: CustomerCase, seed: int, days: int) -> None:
    """Run day after day, feeding each day's actions back as history; collectors do their
    tasks within a few days; customers pay now and then. Check every run as it goes."""
    rng = random.Random(seed)
    history: dict[int, Done] = {}
    reached: dict[int, int] = {}  # highest rank each entry reached
    open_items = list(case.items)
    for day in range(days):
        as_of = START + timedelta(days=day)
        case.items, case.history = open_items, history
        outcome = evaluate_customer(case, plan, as_of)
        if plan.account_mode:
            assert len(outcome.actions) <= 1  # one message a run, thank-yous included
        for action in messages(outcome):
            step = plan.steps[action.step]
            for entry in action.entries:
                before = reached.get(entry, -1)
                assert RANK[action.step] > before or (
                    RANK[action.step] == before and step.repeat
                ), f"day {day}: {entry} from rank {before} to {action.step}"
                reached[entry] = RANK[action.step]
        history = record(history, outcome.actions, as_of, outcome.forget.get(("BIJOU", "C1"), []))
        pending = [e for e, d in history.items() if d.pending]
        history = complete(history, [e for e in pending if rng.random() < 0.4], as_of)
        if open_items and rng.random() < 0.05:
            paid = rng.choice(open_items)
            open_items = [i for i in open_items if i is not paid]


@settings(max_examples=150, deadline=None)
@given(scenarios(), items(), follow_up(), MOSTLY_TRUE, st.integers(0, 2**32))
def test_levels_never_go_back_over_months_of_daily_runs(
    scenario: Scenario, its: list[Item], holds: dict[str, Any], reachable: bool, seed: int
) -> None:
    case = CustomerCase(customer=customer(reachable), items=its, **holds)
    simulate(compile_scenario(scenario), case, seed, days=120)


@settings(max_examples=150, deadline=None)
@given(scenarios(), items(), histories(START), follow_up(), MOSTLY_TRUE)
def test_account_mode_sends_at_most_one_reminder_per_customer_per_run(
    scenario: Scenario,
    its: list[Item],
    history: dict[int, Done],
    holds: dict[str, Any],
    reachable: bool,
) -> None:
    grouped = compile_scenario(scenario.model_copy(update={"account_mode": True}))
    case = CustomerCase(customer=customer(reachable), items=its, history=history, **holds)
    outcome = evaluate_customer(case, grouped, START)
    assert len([a for a in outcome.actions if a.phase == "reminder"]) <= 1
    assert len(outcome.actions) <= 1
