"""What the nightly run adds to the engine's answer: overdue tasks (C13), claims (B1)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from relance.domain.dunning import CustomerCase, Done, RateTable
from relance.domain.dunning.actions import Action, ActionLine
from relance.domain.records import Customer
from relance.services.nightly import overdue_tasks, penalty_claim

AS_OF = date(2026, 11, 23)
CUSTOMER = Customer(company="BIJOU", number="C1")


def action(claim: bool, *lines: ActionLine) -> Action:
    return Action(
        key="BIJOU#C1#R4#2026-11-23", company="BIJOU", customer="C1", scenario="standard",
        step="R4", phase="reminder", level=4, channel="letter", mode="auto",
        contact_role="main", template="relance_courrier", lines=lines, credits=(),
        amount=sum((li.amount for li in lines), Decimal(0)), days_late=50, recipient=None,
        fallback=False, claim_penalties=claim, formal_notice=False,
    )  # fmt: skip


def test_a_call_waiting_more_than_three_days_raises_one_alert_per_step() -> None:
    history = {
        1: Done("R3", AS_OF - timedelta(days=4), 1, True),
        2: Done("R3", AS_OF - timedelta(days=4), 1, True),
        3: Done("R3", AS_OF - timedelta(days=3), 1, True),  # three days: not yet
        4: Done("R2", AS_OF - timedelta(days=20), 1, False),  # done, not pending
    }
    case = CustomerCase(customer=CUSTOMER, items=[], history=history)
    (alert,) = overdue_tasks(case, AS_OF)
    assert (alert.kind, alert.step, alert.entries) == ("task_overdue", "R3", (1, 2))


def test_a_letter_claiming_penalties_carries_the_amounts_for_its_template() -> None:
    due = AS_OF - timedelta(days=30)
    letter = action(True, ActionLine(7, Decimal("1000.00"), 30, due))
    claimed = penalty_claim(letter, CUSTOMER, AS_OF, RateTable())
    assert claimed is not None
    assert claimed["indemnities"] == Decimal("40")
    assert claimed["penalties"] > 0
    assert claimed["total"] == Decimal("1000.00") + claimed["penalties"] + Decimal("40")
    assert penalty_claim(action(False, ActionLine(7, Decimal("1000"), 30, due)),
                         CUSTOMER, AS_OF, RateTable()) is None  # fmt: skip
    no_penalty = CUSTOMER.model_copy(update={"no_penalty": True})
    assert penalty_claim(letter, no_penalty, AS_OF, RateTable())["total"] == Decimal("1000.00")  # type: ignore[index]
