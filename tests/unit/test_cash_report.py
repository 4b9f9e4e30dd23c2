"""Collected cash, objectives and the daily report's composition: pure code, by hand."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

from relance.domain.cash_objectives import CashObjective, CashObjectives
from relance.domain.daily_report import Figures, compose, increases, movers, report_day
from relance.domain.display import DisplaySettings
from relance.domain.payments.collected import collected_by_customer, per_day, to_date
from relance.domain.records import LedgerLine

D = Decimal


def line(entry: int, customer: str, amount: str, on: date, code: str, journal: str = "BQ"):
    return LedgerLine(company="B", entry_number=entry, journal=journal, accounting_date=on,
                      general_account="411", customer=customer, amount=D(amount),
                      lettering=code)  # fmt: skip


def test_payments_count_on_their_date_and_credit_notes_partial_and_old_ones_do_not() -> None:
    lines = [
        line(1, "C1", "120.00", date(2026, 10, 1), "AA", "VTE"),
        line(2, "C1", "-100.00", date(2026, 11, 20), "AA"),
        line(3, "C1", "-20.00", date(2026, 11, 21), "AA", "VTE"),  # a credit note
        line(4, "C2", "50.00", date(2026, 10, 1), "ab", "VTE"),  # pre-lettered: still open
        line(5, "C2", "-30.00", date(2026, 11, 21), "ab"),
        line(6, "C3", "75.50", date(2026, 9, 1), "AC", "VTE"),
        line(7, "C3", "-75.50", date(2026, 9, 30), "AC"),  # before the window
    ]
    found = collected_by_customer(lines, date(2026, 10, 1), sales_journals={"VTE"})
    assert found == {"C1": [(date(2026, 11, 20), D("100.00"))]}
    days = per_day(found.values())
    so_far = to_date(days, date(2026, 11, 21))
    assert (so_far.yesterday, so_far.month_to_date) == (D("100.00"), D("100.00"))
    assert to_date(days, date(2026, 11, 22)).yesterday == D("0")


def test_a_weeks_objective_is_its_months_prorated_by_day_and_the_tenants_sums_companies():
    objectives = CashObjectives(objectives=[
        CashObjective(month="2026-11", amount=D("30000")),
        CashObjective(month="2026-12", company="A", amount=D("3100")),
        CashObjective(month="2026-12", company="B", amount=D("6200")),
    ])  # fmt: skip
    # Mon 30 Nov - Sun 6 Dec: 1/30 of November's, December has no tenant objective but the
    # sum of its companies' (9300), 6/31 of it.
    week = objectives.for_period(date(2026, 11, 30), date(2026, 12, 6), None)
    assert week == D("1000.00") + D("1800.00")
    assert objectives.for_period(date(2026, 11, 1), date(2026, 11, 30), None) == D("30000")
    assert objectives.for_month("2026-12", "A") == D("3100")
    assert objectives.for_month("2026-11", "A") is None


def test_due_from_7_local_and_movers_and_increases_since_the_previous_snapshot() -> None:
    paris = DisplaySettings(time_zone="Europe/Paris")
    assert report_day(datetime(2026, 11, 23, 5, 59, tzinfo=UTC), paris) is None
    assert report_day(datetime(2026, 11, 23, 6, 0, tzinfo=UTC), paris) == date(2026, 11, 23)
    before = {"B/C1": (D("100"), 0, 0), "B/C2": (D("50"), 1, 0)}
    now = {"B/C1": (D("40"), 1, 1), "B/C2": (D("55"), 0, 0), "B/C3": (D("10"), 0, 2)}
    assert [(m.number, m.change) for m in movers(before, now, {})] == [
        ("C1", D("-60")), ("C3", D("10")), ("C2", D("5"))]  # fmt: skip
    assert (increases(before, now, 1), increases(before, now, 2)) == (1, 3)
    assert movers(None, now, {}) == [] and increases(None, now, 1) == 0


def test_the_email_is_in_the_users_language_with_its_formats() -> None:
    figures = Figures(
        day=date(2026, 11, 23), scope="tenant", outstanding=D("1234.5"), overdue=D("0"),
        customers_overdue=0, collected_yesterday=D("10"), collected_month=D("750"),
        objective=D("1000"), reminders_sent=2, calls_done=1, due_today=3,
        broken_promises=0, new_disputes=1,
    )  # fmt: skip
    fr = compose(figures, "Anne", DisplaySettings(language="fr"))
    assert "Encours: 1\u202f234,50\xa0€" in fr.text and "Avancement: 75 %" in fr.text
    assert fr.subject.startswith("Relance — trésorerie du")
    en = compose(figures, "Ann", DisplaySettings(language="en"))
    assert "Outstanding: €1,234.50" in en.text and "Reminders sent yesterday: 2" in en.text
    assert 'src="cid:cash-in-chart"' in en.html


def test_the_cash_item_round_trips_and_drops_the_previous_month_rather_than_overflow() -> None:
    from relance.store.cash_collected import MAX_BYTES, decode, encode

    since = date(2026, 10, 1)
    days = [(date(2026, 10, 31), D("10.05")), (date(2026, 11, 2), D("0.10"))]
    held = decode(encode(since, {"C1": days, "C2": days[1:]}))
    assert held.customers == {"C1": days, "C2": days[1:]}
    assert held.totals == {date(2026, 10, 31): D("10.05"), date(2026, 11, 2): D("0.20")}
    # 80,000 payments of random amounts over two months: November alone is kept.
    rng = random.Random(7)
    many = {
        f"C{i:05d}": [
            (date(2026, 10, 1 + i % 30), D(rng.randrange(10**8)) / 100),
            (date(2026, 11, 1 + i % 22), D(i)),
        ]
        for i in range(40_000)
    }
    assert len(encode(since, {n: d[:1] for n, d in many.items()})) > MAX_BYTES // 2
    blob = encode(since, many)
    assert len(blob) <= MAX_BYTES
    kept = decode(blob)
    assert kept.since == date(2026, 11, 1)
    assert kept.customers["C00007"] == [(date(2026, 11, 8), D(7))]


def test_the_chart_shows_a_bar_for_a_small_day_beside_a_big_one() -> None:
    """Found by the demo: 3 € beside 40,000 € made Pillow refuse the bar (no report sent)."""
    from io import BytesIO

    from PIL import Image

    from relance.domain.cash_chart import MARGIN, cash_in_png

    days = [(date(2026, 11, 2), Decimal("40000.00")), (date(2026, 11, 3), Decimal("3.00"))]
    image = Image.open(BytesIO(cash_in_png(days))).convert("RGB")
    step = (image.width - 2 * MARGIN) / 2
    just_above_axis = image.height - MARGIN - 1
    small_bar = image.getpixel((int(MARGIN + step * 1.5), just_above_axis))
    empty = image.getpixel((int(MARGIN + step * 1.5), MARGIN + 5))
    assert small_bar != empty  # the 3 € day has its (thin) bar, not blank paper
