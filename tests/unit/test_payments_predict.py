"""Payment-date prediction: what the collector recorded wins, the customer's habits
(level, trend, season) are learned, overdue invoices are never expected in the past."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from relance.domain.followup import Promise
from relance.domain.payments import OpenItem, PaymentModel, SettledInvoice, predict_open

AS_OF = date(2026, 6, 30)


def paid(customer: str, due: date, late: int, entry: int) -> SettledInvoice:
    return SettledInvoice(
        company="C1",
        customer=customer,
        entry_number=entry,
        invoice_date=due - timedelta(days=30),
        due_date=due,
        amount=Decimal("1000.00"),
        paid_on=due + timedelta(days=late),
    )


def every_two_weeks(
    customer: str, late_for: Callable[[date, int], int], start: date = date(2025, 1, 1)
) -> list[SettledInvoice]:
    """An invoice due every two weeks from `start`, paid late_for(due, n) days late."""
    out = []
    due, n = start, 0
    while due + timedelta(days=late_for(due, n)) <= AS_OF:
        out.append(paid(customer, due, late_for(due, n), n + 1))
        due += timedelta(days=14)
        n += 1
    return out


def item(customer: str, due: date, entry: int = 500, amount: str = "1200.00") -> OpenItem:
    return OpenItem("C1", customer, entry, due - timedelta(days=30), due, Decimal(amount))


def test_a_steady_payer_is_expected_at_its_usual_delay() -> None:
    model = PaymentModel(every_two_weeks("S", lambda due, n: 20 + (n % 3) - 1), AS_OF)
    estimate = model.estimate(("C1", "S"), date(2026, 8, 10))
    assert estimate.expected_on == date(2026, 8, 30)
    assert estimate.earliest <= estimate.expected_on <= estimate.latest
    assert (estimate.latest - estimate.earliest).days <= 3
    assert estimate.source == "customer"


def test_a_worsening_payer_is_expected_later_than_its_average() -> None:
    start = date(2025, 1, 1)
    history = every_two_weeks("W", lambda due, n: (due - start).days // 10)  # +3 days a month
    average = sum(h.days_late for h in history) / len(history)
    model = PaymentModel(history, AS_OF)
    due = date(2026, 9, 1)
    expected_delay = (model.estimate(("C1", "W"), due).expected_on - due).days
    truth = (due - start).days // 10
    assert expected_delay > average + 20
    assert abs(expected_delay - truth) <= 5


def test_a_customer_late_every_august_is_expected_late_in_august_only() -> None:
    history = every_two_weeks("A", lambda due, n: 35 if due.month == 8 else 1)
    model = PaymentModel(history, AS_OF)
    august = model.estimate(("C1", "A"), date(2026, 8, 12))
    october = model.estimate(("C1", "A"), date(2026, 10, 12))
    # Two Augusts seen, 34 days later than usual: half of it kept (shrunk by n / (n + 2)).
    assert (august.expected_on - date(2026, 8, 12)).days == 18
    assert abs((october.expected_on - date(2026, 10, 12)).days - 1) <= 1


def test_a_new_customer_is_expected_like_its_peers() -> None:
    history = every_two_weeks("P1", lambda due, n: 40) + every_two_weeks("Q1", lambda due, n: 0)
    peers = {("C1", "P1"): "Administration", ("C1", "NEW"): "Administration", ("C1", "Q1"): "PME"}
    model = PaymentModel(history, AS_OF, peers)
    estimate = model.estimate(("C1", "NEW"), date(2026, 8, 1))
    assert estimate.source == "peers"
    assert estimate.expected_on == date(2026, 9, 10)
    assert PaymentModel([], AS_OF).estimate(("C1", "X"), date(2026, 8, 1)).source == "due_date"


def test_repositioned_dates_then_promises_take_precedence_over_the_model() -> None:
    model = PaymentModel(every_two_weeks("S", lambda due, n: 20), AS_OF)
    promise = Promise(
        promise_id="p1",
        amount=Decimal("1200.00"),
        promised_date=date(2026, 7, 20),
        entries=[501],
        made_by="u1",
        made_at=datetime(2026, 6, 20, tzinfo=UTC),
    )
    items = [item("S", date(2026, 7, 10), 500), item("S", date(2026, 7, 10), 501)]
    plain, promised = predict_open(model, items, promises={("C1", "S"): [promise]})
    assert (plain.source, plain.expected_on) == ("customer", date(2026, 7, 30))
    assert (promised.source, promised.expected_on) == ("promise", date(2026, 7, 20))
    moved = predict_open(
        model,
        items,
        repositioned={("C1", 501): date(2026, 8, 3)},
        promises={("C1", "S"): [promise]},
    )[1]
    assert (moved.source, moved.expected_on) == ("repositioned", date(2026, 8, 3))
    kept = promise.model_copy(update={"status": "kept"})
    assert predict_open(model, items, promises={("C1", "S"): [kept]})[1].source == "customer"


def test_an_overdue_invoice_is_expected_after_today_from_what_the_customer_did_that_late() -> None:
    # Pays at 10 days usually, at 60 days one time in four.
    history = every_two_weeks("L", lambda due, n: 60 if n % 4 == 0 else 10)
    model = PaymentModel(history, AS_OF)
    [late] = predict_open(model, [item("L", AS_OF - timedelta(days=30))])
    # Already 30 days late: this customer's invoices that late were paid at 60 days.
    assert late.expected_on == AS_OF + timedelta(days=30)
    assert AS_OF <= late.earliest <= late.expected_on <= late.latest
    [credit] = predict_open(model, [item("L", AS_OF - timedelta(days=90), amount="-50.00")])
    assert credit.expected_on == AS_OF and credit.source == "due_date"
