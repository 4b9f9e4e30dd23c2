"""The daily evaluation, case by case, against the default French scenario:
N1 5 days before the due date; R1 +5 and R2 +15 by email (letter when no email); R3 +30
phone (manual); R4 +45 letter with penalties; R5 +60 formal notice (manual); thank-you.
Two reminders of an item are at least 7 days apart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from relance.domain.details import ManualContact
from relance.domain.dunning import (
    CustomerCase,
    Done,
    DunningSettings,
    Item,
    Outcome,
    Override,
    Profile,
    ProfileBook,
    ProfileRule,
    Scenario,
    Step,
    Stop,
    compile_scenario,
    complete,
    default_scenario,
    evaluate,
    evaluate_customer,
    record,
)
from relance.domain.dunning.inputs import CREDIT_NOTE, INVOICE, PAYMENT, item_of
from relance.domain.dunning.scenarios import Inclusion, StepId
from relance.domain.followup import Dispute, Promise
from relance.domain.records import Contact, Customer, LedgerLine

AS_OF = date(2026, 11, 23)
OPENED = datetime(2026, 11, 1, tzinfo=UTC)


def customer(**changes: Any) -> Customer:
    fields: dict[str, Any] = {
        "company": "BIJOU",
        "number": "C1",
        "name": "Dupont SA",
        "email": "compta@dupont.fr",
        "phone": "01 02 03 04 05",
        "address": "1 rue de la Paix",
        "postal_code": "75002",
        "city": "Paris",
    }
    return Customer(**(fields | changes))


def inv(
    entry: int, late: int, amount: str = "1000", journal: str = "VTE", lettering: str = ""
) -> Item:
    return Item(entry, journal, INVOICE, AS_OF - timedelta(days=late), Decimal(amount), lettering)


def credit(
    entry: int, late: int, amount: str, kind: int = CREDIT_NOTE, lettering: str = ""
) -> Item:
    return Item(
        entry,
        "VTE" if kind == CREDIT_NOTE else "BQ",
        kind,
        AS_OF - timedelta(days=late),
        Decimal(amount),
        lettering,
    )


def done(step: StepId, days_ago: int, pending: bool = False, times: int = 1) -> Done:
    return Done(step, AS_OF - timedelta(days=days_ago), times, pending)


def run(
    items: list[Item],
    history: dict[int, Done] | None = None,
    scenario: Scenario | None = None,
    as_of: date = AS_OF,
    **case: Any,
) -> Outcome:
    case.setdefault("customer", customer())
    plan = compile_scenario(scenario or default_scenario())
    return evaluate_customer(CustomerCase(items=items, history=history or {}, **case), plan, as_of)


def steps(outcome: Outcome) -> list[tuple[str, tuple[int, ...]]]:
    return [(a.step, a.entries) for a in outcome.actions]


def scenario(**changes: Any) -> Scenario:
    """The default scenario with some changes, validated again."""
    return Scenario.model_validate(dict(default_scenario()) | changes)


# -- pre-due notices ---------------------------------------------------------------------
def test_a_notice_goes_5_days_before_the_due_date_and_until_it_not_before() -> None:
    assert steps(run([inv(1, -6)])) == []
    assert steps(run([inv(1, -5)])) == [("N1", (1,))]
    assert steps(run([inv(1, 0)])) == [("N1", (1,))]  # missed days: still in its window
    assert steps(run([inv(1, -3)], {1: done("N1", 2)})) == []  # never twice
    action = run([inv(1, -5)]).actions[0]
    assert (action.phase, action.level, action.channel, action.mode) == (
        "notice",
        0,
        "email",
        "auto",
    )
    assert action.days_late == -5


def test_with_two_notices_the_latest_open_window_wins_and_missed_ones_are_skipped() -> None:
    two = scenario(
        steps=[
            Step(phase="notice", days=10, template="n10"),
            Step(phase="notice", days=2, template="n2"),
            *default_scenario().steps[1:],
        ]
    )
    assert steps(run([inv(1, -10)], scenario=two)) == [("N1", (1,))]
    assert steps(run([inv(1, -2)], scenario=two)) == [("N2", (1,))]
    assert steps(run([inv(1, -2)], {1: done("N1", 8)}, scenario=two)) == [("N2", (1,))]
    assert steps(run([inv(1, -1)], {1: done("N2", 1)}, scenario=two)) == []


# -- reminders ---------------------------------------------------------------------------
def test_r1_goes_5_days_after_the_due_date() -> None:
    assert steps(run([inv(1, 4)])) == []
    out = run([inv(1, 5)])
    assert steps(out) == [("R1", (1,))]
    action = out.actions[0]
    assert (action.phase, action.level, action.channel, action.mode) == (
        "reminder",
        1,
        "email",
        "auto",
    )
    assert (action.amount, action.days_late, action.template) == (Decimal("1000"), 5, "relance_1")
    assert action.recipient is not None and action.recipient.email == "compta@dupont.fr"
    assert action.key == "BIJOU#C1#R1#2026-11-23"


def test_levels_move_one_at_a_time_so_a_backlog_starts_at_r1() -> None:
    assert steps(run([inv(1, 90)])) == [("R1", (1,))]  # not straight to the formal notice
    assert steps(run([inv(1, 90)], {1: done("R1", 10)})) == [("R2", (1,))]


def test_the_next_level_waits_for_its_delay_and_for_7_days_after_the_previous() -> None:
    assert steps(run([inv(1, 14)], {1: done("R1", 9)})) == []  # R2 is at +15
    assert steps(run([inv(1, 20)], {1: done("R1", 6)})) == []  # R1 only 6 days ago
    assert steps(run([inv(1, 20)], {1: done("R1", 7)})) == [("R2", (1,))]


def test_each_level_has_its_channel_mode_and_legal_weight() -> None:
    r3 = run([inv(1, 30)], {1: done("R2", 10)}).actions[0]
    assert (r3.step, r3.channel, r3.mode, r3.level) == ("R3", "phone", "manual", 3)
    r4 = run([inv(1, 45)], {1: done("R3", 10)}).actions[0]
    assert (r4.step, r4.channel, r4.claim_penalties, r4.formal_notice) == (
        "R4",
        "letter",
        True,
        False,
    )
    r5 = run([inv(1, 60)], {1: done("R4", 15)}).actions[0]
    assert (r5.step, r5.mode, r5.claim_penalties, r5.formal_notice) == ("R5", "manual", True, True)


def test_a_step_is_never_repeated_unless_the_scenario_says_so() -> None:
    assert steps(run([inv(1, 200)], {1: done("R5", 100)})) == []
    sc = default_scenario()
    last = sc.steps[5].model_copy(update={"repeat": True, "repeat_every_days": 15})
    repeating = scenario(steps=[*sc.steps[:5], last, sc.steps[6]])
    assert steps(run([inv(1, 200)], {1: done("R5", 14)}, scenario=repeating)) == []
    assert steps(run([inv(1, 200)], {1: done("R5", 15)}, scenario=repeating)) == [("R5", (1,))]
    out = run([inv(1, 200)], {1: done("R5", 15, times=2)}, scenario=repeating)
    after = record({1: done("R5", 15, times=2)}, out.actions, AS_OF)
    assert after[1] == Done("R5", AS_OF, 3, pending=True)  # a manual step: a collector's task


def test_a_reminder_can_count_from_the_previous_one() -> None:
    sc = default_scenario()
    r2 = sc.steps[2].model_copy(update={"after": "previous_step", "days": 12})
    chained = scenario(steps=[sc.steps[0], sc.steps[1], r2])
    assert steps(run([inv(1, 40)], {1: done("R1", 11)}, scenario=chained)) == []
    assert steps(run([inv(1, 40)], {1: done("R1", 12)}, scenario=chained)) == [("R2", (1,))]


def test_levels_never_go_back_when_a_due_date_moves_later() -> None:
    assert steps(run([inv(1, -3)], {1: done("R2", 3)})) == []


def test_invoices_at_the_same_step_share_one_action_others_get_theirs() -> None:
    out = run([inv(1, 5, "100"), inv(2, 9, "250.50"), inv(3, 20)], {3: done("R1", 10)})
    assert steps(out) == [("R1", (2, 1)), ("R2", (3,))]  # oldest first
    r1 = out.actions[0]
    assert (r1.amount, r1.days_late) == (Decimal("350.50"), 9)


def test_a_pending_manual_task_holds_the_item_until_it_is_done() -> None:
    history = {1: done("R3", 20, pending=True)}
    assert steps(run([inv(1, 60)], history)) == []
    history = complete(history, [1], AS_OF - timedelta(days=2))
    assert history[1] == Done("R3", AS_OF - timedelta(days=2), 1, False)
    assert steps(run([inv(1, 60)], history)) == []  # R4 waits 7 days after the call
    assert steps(run([inv(1, 60)], history, as_of=AS_OF + timedelta(days=5))) == [("R4", (1,))]


# -- thank-you ---------------------------------------------------------------------------
def test_a_reminded_invoice_that_left_the_ledger_is_thanked_once() -> None:
    history = {7: done("R2", 10), 8: done("N1", 3), 9: done("R3", 2, pending=True)}
    out = run([inv(1, -30)], history)
    assert steps(out) == [("T", (7,))]
    assert out.actions[0].phase == "thanks" and out.actions[0].amount == 0
    assert out.forget == {("BIJOU", "C1"): [8, 9]}  # only a notice; a call never made
    after = record(history, out.actions, AS_OF, out.forget[("BIJOU", "C1")])
    assert after == {}
    assert steps(run([inv(1, -30)], after)) == []


def test_no_thank_you_step_means_the_history_is_just_forgotten() -> None:
    sc = default_scenario()
    no_thanks = scenario(steps=sc.steps[:6])
    out = run([], {7: done("R2", 10)}, scenario=no_thanks)
    assert out.actions == [] and out.forget == {("BIJOU", "C1"): [7]}


# -- stops, disputes, promises, CT_NotRappel ----------------------------------------------
def test_a_stopped_invoice_waits_until_the_day_after_its_end_date() -> None:
    stop = Stop(stop_id="s1", entry=1, reason="accord", until=AS_OF)
    assert steps(run([inv(1, 10), inv(2, 10)], stops=[stop])) == [("R1", (2,))]
    assert steps(run([inv(1, 10)], stops=[stop], as_of=AS_OF + timedelta(days=1))) == [("R1", (1,))]
    forever = Stop(stop_id="s2", entry=1, reason="litige")
    assert steps(run([inv(1, 10)], stops=[forever], as_of=AS_OF + timedelta(days=300))) == []


def test_a_stopped_customer_gets_nothing_not_even_a_thank_you() -> None:
    stop = Stop(stop_id="s1", reason="redressement judiciaire")
    out = run([inv(1, 10), inv(2, -3)], {7: done("R1", 9)}, stops=[stop])
    assert out.actions == [] and out.alerts == []
    assert out.forget == {("BIJOU", "C1"): [7]}


def test_a_customer_flagged_not_to_be_reminded_in_sage_raises_an_alert_instead() -> None:
    out = run([inv(1, 10)], customer=customer(no_reminder=True))
    assert out.actions == []
    assert [(a.kind, a.detail) for a in out.alerts] == [("no_reminder", "CT_NotRappel")]
    assert run([inv(1, -10)], customer=customer(no_reminder=True)).alerts == []  # nothing late


def test_disputed_invoices_are_not_reminded_until_the_dispute_is_resolved() -> None:
    dispute = Dispute(dispute_id="d", reason="price", entries=[1], opened_by="u", opened_at=OPENED)
    assert steps(run([inv(1, 10), inv(2, 10)], disputes=[dispute])) == [("R1", (2,))]
    resolved = dispute.model_copy(update={"status": "resolved"})
    assert steps(run([inv(1, 10)], disputes=[resolved])) == [("R1", (1,))]


def test_a_dispute_on_the_whole_customer_stops_reminders_but_still_thanks() -> None:
    dispute = Dispute(dispute_id="d", reason="other", opened_by="u", opened_at=OPENED)
    out = run([inv(1, 10), inv(2, -5)], {7: done("R1", 9)}, disputes=[dispute])
    assert steps(out) == [("T", (7,))]


def test_an_invoice_under_a_live_promise_waits_for_the_promised_date() -> None:
    promise = Promise(
        promise_id="p",
        amount=Decimal(500),
        promised_date=AS_OF,
        entries=[1],
        made_by="u",
        made_at=OPENED,
    )
    assert steps(run([inv(1, 10), inv(2, 10)], promises=[promise])) == [("R1", (2,))]
    later = AS_OF + timedelta(days=1)  # promised date passed: broken, reminders resume
    assert steps(run([inv(1, 10)], promises=[promise], as_of=later)) == [("R1", (1,))]
    kept = promise.model_copy(update={"status": "kept"})
    assert steps(run([inv(1, 10)], promises=[kept])) == [("R1", (1,))]
    whole = promise.model_copy(update={"entries": []})
    assert steps(run([inv(1, 10), inv(2, 10)], promises=[whole])) == []


# -- what a scenario includes, minimums ---------------------------------------------------
def test_minimum_per_item() -> None:
    sc = scenario(min_item_amount=Decimal("100"))
    assert steps(run([inv(1, 10, "99.99"), inv(2, 10, "100")], scenario=sc)) == [("R1", (2,))]


def test_minimum_per_customer_on_the_net_overdue_amount() -> None:
    sc = scenario(min_customer_amount=Decimal("500"))
    assert steps(run([inv(1, 10, "300"), inv(2, 10, "300")], scenario=sc)) == [("R1", (1, 2))]
    with_credit = [inv(1, 10, "300"), inv(2, 10, "300"), credit(3, 5, "-200")]
    assert steps(run(with_credit, scenario=sc)) == []  # 400 < 500
    not_yet_due = [inv(1, 10, "300"), inv(2, 10, "300"), credit(3, -5, "-200")]
    assert steps(run(not_yet_due, scenario=sc)) == [("R1", (1, 2))]  # C19: not deducted
    payment = [inv(1, 10, "300"), inv(2, 10, "300"), credit(3, 5, "-200", PAYMENT)]
    assert steps(run(payment, scenario=sc)) == []
    ignored = scenario(
        min_customer_amount=Decimal("500"),
        include=Inclusion(credit_notes=False, unallocated_payments=False),
    )
    assert steps(run(payment, scenario=ignored)) == [("R1", (1, 2))]


def test_a_customer_whose_credits_cover_its_overdue_invoices_is_not_reminded() -> None:
    assert steps(run([inv(1, 10, "300"), credit(2, 30, "-300", PAYMENT)])) == []
    assert steps(run([inv(1, 10, "300"), credit(2, 30, "-299", PAYMENT)])) == [("R1", (1,))]


def test_notices_only_need_the_notice_total_over_the_customer_minimum() -> None:
    sc = scenario(min_customer_amount=Decimal("500"))
    assert steps(run([inv(1, -5, "400")], scenario=sc)) == []
    out = run([inv(1, -5, "400"), inv(2, -4, "100")], scenario=sc)
    assert steps(out) == [("N1", (2, 1))]  # the one due first, first


def test_journals_and_per_company_rules() -> None:
    sc = scenario(
        include=Inclusion(invoice_journals=["VTE"]),
        by_company={"ATELIER": Inclusion(exclude_journals=["VTE"])},
    )
    assert steps(run([inv(1, 10), inv(2, 10, journal="OD")], scenario=sc)) == [("R1", (1,))]
    atelier = customer(company="ATELIER")
    out = run([inv(1, 10), inv(2, 10, journal="OD")], scenario=sc, customer=atelier)
    assert steps(out) == [("R1", (2,))]


def test_a_pre_lettered_payment_reduces_the_invoice_it_partly_pays() -> None:
    items = [inv(1, 10, "1000", lettering="ab"), credit(2, 3, "-900", PAYMENT, lettering="ab")]
    out = run(items)
    assert steps(out) == [("R1", (1,))] and out.actions[0].amount == Decimal("100")
    assert steps(run(items, scenario=scenario(min_item_amount=Decimal("150")))) == []
    paid = [inv(1, 10, "1000", lettering="ab"), credit(2, 3, "-1000", PAYMENT, lettering="ab")]
    assert steps(run(paid, scenario=scenario(account_mode=True))) == []
    over = [*paid, inv(3, 20, "500"), credit(4, 3, "-50", PAYMENT, lettering="ab")]
    out = run(over, scenario=scenario(account_mode=True))  # 50 paid too much: a credit
    assert steps(out) == [("R1", (3,))]
    assert [(c.entry, c.amount) for c in out.actions[0].credits] == [(2, Decimal("-50"))]
    assert out.actions[0].amount == Decimal("450")


def test_items_from_ledger_lines_know_credit_notes_from_payments() -> None:
    def line(no: int, amount: str, journal: str, lettering: str = "") -> LedgerLine:
        return LedgerLine(
            company="BIJOU",
            entry_number=no,
            journal=journal,
            accounting_date=AS_OF,
            general_account="4110000",
            customer="C1",
            amount=Decimal(amount),
            lettering=lettering,
        )

    sales = {"VTE"}
    assert item_of(line(1, "10", "VTE"), sales).kind == INVOICE
    assert item_of(line(2, "-10", "VTE"), sales).kind == CREDIT_NOTE
    assert item_of(line(3, "-10", "BQ", "AB"), sales) == Item(3, "BQ", PAYMENT, AS_OF, Decimal(-10))
    assert item_of(line(4, "-10", "BQ", "ab"), sales).lettering == "ab"


# -- account mode (C7) -------------------------------------------------------------------
def test_account_mode_sends_one_reminder_at_the_highest_level_listing_every_late_invoice() -> None:
    sc = scenario(account_mode=True)
    items = [inv(1, 40), inv(2, 12, "500"), inv(3, 3, "200"), inv(4, -5), credit(5, 2, "-100")]
    history = {1: done("R2", 10), 2: done("R1", 7)}
    out = run(items, history, scenario=sc)
    assert steps(out) == [("R3", (1, 2, 3))]  # one message; the notice for 4 waits
    action = out.actions[0]
    assert [c.entry for c in action.credits] == [5]
    assert action.amount == Decimal("1600")  # 1000 + 500 + 200 - 100
    assert (action.days_late, action.level) == (40, 3)
    after = record(history, out.actions, AS_OF)
    assert {e: d.step for e, d in after.items()} == {1: "R3", 2: "R3", 3: "R3"}


def test_account_mode_notice_goes_when_no_reminder_does_and_a_fresh_account_starts_at_r1() -> None:
    sc = scenario(account_mode=True)
    assert steps(run([inv(1, 3), inv(2, -5), inv(3, -1)], scenario=sc)) == [("N1", (3, 2))]
    assert steps(run([inv(1, 90), inv(2, 6)], scenario=sc)) == [("R1", (1, 2))]


def test_account_mode_thanks_wait_for_a_day_without_another_message() -> None:
    sc = scenario(account_mode=True)
    history = {1: done("R1", 10), 9: done("R1", 10)}
    out = run([inv(1, 20)], history, scenario=sc)
    assert steps(out) == [("R2", (1,))]
    history = record(history, out.actions, AS_OF)
    assert steps(run([inv(1, 20)], history, scenario=sc)) == []  # same day: nothing more
    tomorrow = AS_OF + timedelta(days=1)
    assert steps(run([inv(1, 21)], history, scenario=sc, as_of=tomorrow)) == [("T", (9,))]


# -- overrides (C17) ---------------------------------------------------------------------
def test_an_override_forces_the_next_step_once_then_is_spent() -> None:
    ov = Override(override_id="o1", entry=1, step="R3", on=AS_OF)
    history = {1: done("R1", 2)}
    out = run([inv(1, 10)], history, overrides=[ov])
    assert steps(out) == [("R3", (1,))] and out.spent_overrides == ["o1"]
    history = record(history, out.actions, AS_OF)
    again = run([inv(1, 10)], history, overrides=[ov])
    assert steps(again) == [] and again.spent_overrides == ["o1"]


def test_an_override_waits_for_its_date_and_can_only_postpone() -> None:
    later = AS_OF + timedelta(days=3)
    ov = Override(override_id="o1", entry=1, step="R2", on=later)
    out = run([inv(1, 10), inv(2, 10)], overrides=[ov])
    assert steps(out) == [("R1", (2,))] and out.spent_overrides == []
    postpone = Override(override_id="o2", on=later)  # the whole customer
    assert steps(run([inv(1, 10)], overrides=[postpone])) == []
    out = run([inv(1, 10)], overrides=[postpone], as_of=later)
    assert steps(out) == [("R1", (1,))] and out.spent_overrides == ["o2"]


def test_an_override_never_goes_back_nor_passes_a_dispute() -> None:
    back = Override(override_id="o1", entry=1, step="R1", on=AS_OF)
    out = run([inv(1, 30)], {1: done("R2", 3)}, overrides=[back])
    assert steps(out) == [] and [a.kind for a in out.alerts] == ["override_ignored"]
    assert out.spent_overrides == ["o1"]
    dispute = Dispute(dispute_id="d", reason="price", entries=[1], opened_by="u", opened_at=OPENED)
    forward = Override(override_id="o2", entry=1, step="R4", on=AS_OF)
    out = run([inv(1, 30)], overrides=[forward], disputes=[dispute])
    assert steps(out) == [] and out.spent_overrides == []  # kept for when it is resolved


def test_a_customer_override_moves_the_account_in_account_mode() -> None:
    sc = scenario(account_mode=True)
    ov = Override(override_id="o1", step="R5", on=AS_OF)
    out = run([inv(1, 10), inv(2, 20)], {1: done("R1", 2)}, scenario=sc, overrides=[ov])
    assert steps(out) == [("R5", (2, 1))] and out.actions[0].formal_notice


# -- contacts and alerts (C10, C13) -------------------------------------------------------
def test_no_email_falls_back_to_a_letter_and_says_so() -> None:
    out = run([inv(1, 5)], customer=customer(email=""))
    action = out.actions[0]
    assert (action.channel, action.fallback, action.mode) == ("letter", True, "auto")
    assert action.recipient is not None and action.recipient.address[-1] == "75002 Paris"
    assert [(a.kind, a.step) for a in out.alerts] == [("missing_email", "R1")]


def test_no_way_to_reach_the_customer_makes_the_reminder_a_task_and_drops_the_notice() -> None:
    nowhere = customer(email="", address="")
    out = run([inv(1, 5), inv(2, -5)], customer=nowhere)
    assert steps(out) == [("R1", (1,))]
    assert (out.actions[0].mode, out.actions[0].recipient) == ("manual", None)
    assert sorted((a.kind, a.step) for a in out.alerts) == [
        ("missing_address", "R1"),
        ("missing_email", "N1"),
        ("missing_email", "R1"),
    ]


def test_the_step_role_picks_the_contact_with_that_function() -> None:
    sc = default_scenario()
    r1 = sc.steps[1].model_copy(update={"contact_role": "comptabilité"})
    to_accounts = scenario(steps=[sc.steps[0], r1])
    sage = Contact(
        company="BIJOU",
        customer="C1",
        number=1,
        first_name="Anne",
        last_name="Roy",
        function="Service Comptabilite",
        email="anne@dupont.fr",
    )
    out = run([inv(1, 5)], scenario=to_accounts, contacts=[sage])
    person = out.actions[0].recipient
    assert person is not None and (person.email, person.role_matched) == ("anne@dupont.fr", True)
    hand = ManualContact(name="Paul", role="Comptabilité", email="paul@dupont.fr")
    out = run([inv(1, 5)], scenario=to_accounts, contacts=[sage], manual_contacts=[hand])
    assert out.actions[0].recipient is not None
    assert out.actions[0].recipient.email == "paul@dupont.fr"
    out = run([inv(1, 5)], scenario=to_accounts)  # nobody with the role: the customer's card
    assert out.actions[0].recipient is not None
    assert (out.actions[0].recipient.source, out.actions[0].recipient.role_matched) == (
        "customer",
        False,
    )


def test_a_customer_flagged_no_penalty_gets_letters_without_penalties() -> None:
    out = run([inv(1, 45)], {1: done("R3", 10)}, customer=customer(no_penalty=True))
    assert out.actions[0].step == "R4" and not out.actions[0].claim_penalties


# -- a whole run -------------------------------------------------------------------------
def test_a_run_gives_each_customer_its_profiles_scenario() -> None:
    grouped = scenario(scenario_id="grouped", account_mode=True)
    book = ProfileBook.of(
        DunningSettings(
            scenarios=[default_scenario(), grouped],
            profiles=[
                Profile(
                    profile_id="groups",
                    name="Groupes",
                    scenario_id="grouped",
                    rules=[ProfileRule(quality="GROUPE")],
                ),
                Profile(profile_id="standard", name="Standard", scenario_id="standard"),
            ],
            default_profile="standard",
        )
    )
    cases = [
        CustomerCase(customer=customer(number="C1"), items=[inv(1, 10), inv(2, 6)]),
        CustomerCase(
            customer=customer(number="C2", quality="GROUPE"), items=[inv(3, 10), inv(4, 6)]
        ),
        CustomerCase(customer=customer(number="C3"), items=[], history={9: done("R1", 3)}),
        CustomerCase(customer=customer(number="C4"), items=[inv(5, 10)], profile="groups"),
    ]
    out = evaluate(cases, book, AS_OF)
    assert [(a.customer, a.scenario, a.step, a.entries) for a in out.actions] == [
        ("C1", "standard", "R1", (1, 2)),
        ("C2", "grouped", "R1", (3, 4)),
        ("C3", "standard", "T", (9,)),
        ("C4", "grouped", "R1", (5,)),
    ]
    assert out.items == 5
