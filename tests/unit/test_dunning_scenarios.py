"""Scenarios an admin can save (and the messages when not), and which profile a customer gets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from relance.domain.dunning import (
    DunningSettings,
    Profile,
    ProfileBook,
    ProfileRule,
    Scenario,
    Step,
    default_scenario,
)
from relance.domain.dunning.profiles import default_settings
from relance.domain.records import Customer


def reminder(days: int, **kw: Any) -> Step:
    return Step(phase="reminder", days=days, template=f"r{days}", **kw)


def make(*steps: Step) -> Scenario:
    return Scenario(scenario_id="s", name="S", steps=list(steps))


def test_the_default_scenario_is_the_french_standard() -> None:
    sc = default_scenario()
    assert sc.step_ids() == ["N1", "R1", "R2", "R3", "R4", "R5", "T"]
    assert [s.days for s in sc.steps] == [5, 5, 15, 30, 45, 60, 0]
    assert [s.channel for s in sc.steps] == [
        "email",
        "email",
        "email",
        "phone",
        "letter",
        "letter",
        "email",
    ]
    last = sc.steps[5]
    assert last.formal_notice and last.claim_penalties and last.mode == "manual"
    assert not any(s.repeat for s in sc.steps)
    assert (
        not sc.account_mode and sc.include.credit_notes and not sc.include.credit_notes_not_yet_due
    )


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([], "at least one step"),
        ([reminder(5), Step(phase="notice", days=3, template="n")], "must be in order"),
        ([reminder(d) for d in (1, 2, 3, 4, 5, 6)], "at most 5 reminder levels"),
        ([Step(phase="notice", days=d, template="n") for d in (9, 7, 5, 3)], "at most 3"),
        (
            [
                Step(phase="notice", days=2, template="a"),
                Step(phase="notice", days=5, template="b"),
            ],
            "closer and closer",
        ),
        ([reminder(0)], "at least 1 day"),
        ([reminder(5, after="previous_step")], "R1 counts its days from the due date"),
        ([reminder(15), reminder(10)], "R2 (10 days after the due date) must come after R1"),
        ([reminder(15), reminder(10, after="previous_step"), reminder(20)], "R3 (20 days"),
        ([Step(phase="notice", days=5, after="previous_step", template="n")], "before the due"),
        ([reminder(5), Step(phase="thanks", days=2, template="t")], "days is 0"),
        ([reminder(5), Step(phase="thanks", repeat=True, template="t")], "cannot be repeated"),
        ([reminder(5, fallback_channel="email")], "fallback channel must differ"),
        (
            [reminder(5), Step(phase="thanks", template="t"), Step(phase="thanks", template="u")],
            "at most one thank-you",
        ),
    ],
)
def test_a_scenario_that_makes_no_sense_is_refused_with_a_clear_message(
    steps: list[Step], message: str
) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make(*steps)


def test_negative_days_and_empty_templates_are_refused() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        Step(phase="notice", days=-1, template="n")
    with pytest.raises(ValidationError, match="at least 1 character"):
        Step(phase="reminder", days=5, template="")
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        default_scenario().model_validate(
            dict(default_scenario()) | {"min_item_amount": Decimal("-1")}
        )


def test_reminders_chained_on_the_previous_one_are_numbered_in_order() -> None:
    sc = make(
        Step(phase="notice", days=3, template="n"),
        reminder(10),
        reminder(10, after="previous_step"),
        reminder(25),
    )
    assert sc.step_ids() == ["N1", "R1", "R2", "R3"]


# -- profiles ----------------------------------------------------------------------------
def customer(**kw: Any) -> Customer:
    return Customer(**({"company": "BIJOU", "number": "C1"} | kw))


def settings() -> DunningSettings:
    gentle = default_scenario().model_copy(update={"scenario_id": "gentle", "name": "Doux"})
    return DunningSettings(
        scenarios=[default_scenario(), gentle],
        profiles=[
            Profile(
                profile_id="big",
                name="Gros encours",
                scenario_id="standard",
                rules=[ProfileRule(min_outstanding=Decimal("50000"))],
            ),
            Profile(
                profile_id="vip",
                name="Grands comptes",
                scenario_id="gentle",
                rules=[ProfileRule(quality="vip"), ProfileRule(company="ATELIER", rep_number=3)],
            ),
            Profile(profile_id="standard", name="Standard", scenario_id="standard"),
        ],
        default_profile="standard",
    )


def test_the_first_matching_rule_wins_by_hand_first_then_the_default() -> None:
    book = ProfileBook.of(settings())
    assert book.needs_outstanding
    vip = customer(quality="VIP")
    assert book.profile_for(vip, Decimal("100")) == "vip"  # quality, case ignored
    assert book.profile_for(vip, Decimal("50000")) == "big"  # listed first
    assert book.profile_for(vip, Decimal("50000"), by_hand="vip") == "vip"
    assert book.profile_for(vip, Decimal("100"), by_hand="gone") == "vip"  # deleted: rules
    assert book.profile_for(customer(company="ATELIER", rep_number=3)) == "vip"
    assert book.profile_for(customer(company="BIJOU", rep_number=3)) == "standard"
    assert book.plans["vip"].scenario_id == "gentle"


def test_settings_must_agree_with_themselves() -> None:
    base = dict(settings())
    with pytest.raises(ValidationError, match="unknown scenario nope"):
        DunningSettings.model_validate(
            base | {"profiles": [Profile(profile_id="p", name="P", scenario_id="nope")]}
        )
    with pytest.raises(ValidationError, match="unknown default profile"):
        DunningSettings.model_validate(base | {"default_profile": "nope"})
    with pytest.raises(ValidationError, match="scenario ids must be unique"):
        DunningSettings.model_validate(base | {"scenarios": [default_scenario()] * 2})
    with pytest.raises(ValidationError, match="at least one criterion"):
        ProfileRule()
    with pytest.raises(ValidationError, match="below max_outstanding"):
        ProfileRule(min_outstanding=Decimal(10), max_outstanding=Decimal(10))


def test_a_tenant_with_no_settings_gets_the_standard_profile() -> None:
    book = ProfileBook.of(default_settings())
    assert book.profile_for(customer()) == "standard" and not book.needs_outstanding
