"""DSO per scope: the figures a sync keeps (receivables, sales per month) and the DSO of
their sums; the payment-terms report built from the synced lines. Hand-computed examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relance.domain.payments.dso_backfill import figures_at, month_ends_before
from relance.domain.payments.dso_scopes import (
    Figures,
    customer_figures,
    sales_journals,
    scope_figures,
    series,
    window_start,
)
from relance.domain.payments.terms_report import terms_report
from relance.domain.records import Journal, LedgerLine, SettledLine

D = Decimal
AS_OF = date(2026, 11, 20)
JOURNALS = sales_journals(
    [
        Journal(company="BIJOU", code="VTE", type=1),
        Journal(company="BIJOU", code="BQ1", type=2),
    ]
)


def line(
    no: int,
    amount: str,
    on: date,
    *,
    customer: str = "C1",
    journal: str = "VTE",
    due: date | None = None,
    opening: bool = False,
) -> LedgerLine:
    return LedgerLine(
        company="BIJOU",
        entry_number=no,
        journal=journal,
        accounting_date=on,
        due_date=due,
        general_account="4110000",
        customer=customer,
        amount=D(amount),
        opening_balance=opening,
    )


def settled(no: int, amount: str, on: date, **kw: object) -> SettledLine:
    return SettledLine.model_validate(
        {**line(no, amount, on, **kw).model_dump(), "entity": "settled_line", "lettering": "AB"}  # type: ignore[arg-type]
    )


def test_a_scopes_dso_is_computed_from_its_summed_figures_by_both_methods() -> None:
    figures = Figures(
        AS_OF,
        D("15000"),
        {"2026-11": D("6000"), "2026-10": D("6200"), "2026-09": D("9000")},
    )
    # Count-back: November's 20 days take 6,000, October's 31 days 6,200; the 2,800 left
    # are 2,800 / 9,000 of September's 30 days: 20 + 31 + 9.33 = 60.3.
    assert figures.dso("count_back") == D("60.3")
    # Simple: 15,000 / 21,200 x (20 + 31 + 30) = 57.3.
    assert figures.dso("simple") == D("57.3")


def test_two_companies_dso_is_that_of_their_sums_not_the_mean_of_their_dsos() -> None:
    small = Figures(AS_OF, D("1000"), {"2026-11": D("1000")})  # 20 days by itself
    large = Figures(date(2026, 11, 18), D("9000"), {"2026-11": D("1000"), "2026-10": D("9300")})
    (point,) = series([("2026-11", small), ("2026-11", large)])
    # Together: 10,000 owed; November's 20 days take 2,000, the 8,000 left are 8,000 /
    # 9,300 of October's 31 days: 20 + 26.67 = 46.7 (the mean of the two would be 40.3).
    assert point.count_back == D("46.7")
    assert point.receivables == D("10000") and point.as_of == AS_OF
    # Simple: 10,000 / 11,300 x (20 + 31 + 30) = 71.7.
    assert point.simple == D("71.7")


def test_sales_are_sales_journal_debits_of_the_window_and_receivables_every_open_line() -> None:
    open_lines = [
        line(1, "1200", date(2026, 11, 3)),
        line(2, "-200", date(2026, 11, 5)),  # a credit note: owed less, not a sale
        line(3, "300", date(2026, 10, 9), journal="BQ1"),  # a bounced cheque: owed, no sale
        line(4, "500", date(2026, 1, 1), opening=True),  # opening balance copy
        line(5, "700", date(2026, 10, 1), customer="C2"),
    ]
    history = [
        settled(10, "800", date(2026, 10, 2)),
        settled(11, "-800", date(2026, 10, 30)),  # the payment
        settled(12, "400", date(2024, 11, 30)),  # before the 24-month window
    ]
    found = customer_figures(open_lines, history, JOURNALS, AS_OF)
    assert window_start(AS_OF) == date(2024, 12, 1)
    assert found["C1"].receivables == D("1800")
    assert found["C1"].sales == {"2026-11": D("1200"), "2026-10": D("800")}
    assert found["C2"].receivables == D("700") and found["C2"].sales == {"2026-10": D("700")}
    both = scope_figures(found, ["C1", "C2", "C9"], AS_OF)
    assert both.receivables == D("2500")
    assert both.sales == {"2026-11": D("1200"), "2026-10": D("1500")}
    # Without the journals synced, every debit but the opening copy is a sale.
    assert customer_figures(open_lines, [], frozenset(), AS_OF)["C1"].sales == {
        "2026-11": D("1200"),
        "2026-10": D("300"),
    }


def test_the_terms_report_lists_open_invoices_beyond_the_cap_and_their_customers() -> None:
    open_lines = [
        # 10 Sept., due 31 Dec.: the latest cap is 30 Sept. + 45 days = 14 Nov.: 47 days over.
        line(1, "1000", date(2026, 9, 10), due=date(2026, 12, 31)),
        line(2, "400", date(2026, 9, 10), due=date(2026, 11, 14)),  # on the cap: legal
        line(3, "900", date(2026, 10, 1), due=date(2027, 1, 20), customer="C2"),  # cap 15 Dec.: 36
        line(4, "-50", date(2026, 9, 1), due=date(2027, 6, 1)),  # a credit: not an invoice
    ]
    history = [settled(9, "600", date(2026, 3, 2), due=date(2026, 6, 30), customer="C2")]
    report = terms_report("BIJOU", open_lines, history, JOURNALS, AS_OF)
    rows = [(i["customer"], i["entry_number"], i["excess_days"]) for i in report["invoices"]]
    assert rows == [("C1", 1, 47), ("C2", 3, 36)]
    assert report["invoices"][0]["cap"] == "2026-11-14"
    assert report["invoices"][0]["term_days"] == 112
    assert report["invoices_total"] == 2
    # C2 also had a settled invoice over the cap this year: two, the most listed first.
    assert [(c["customer"], c["invoices_over_cap"]) for c in report["customers"]] == [
        ("C2", 2),
        ("C1", 1),
    ]
    assert report["customers"][0]["amount"] == "1500"


def test_a_past_month_end_owes_what_was_booked_and_not_yet_settled_then() -> None:
    open_lines = [line(1, "1500", date(2026, 9, 15)), line(2, "900", date(2026, 10, 2))]
    history = [
        settled(10, "6000", date(2026, 9, 10)),  # lettered with the payment of 8 Oct.
        settled(11, "-6000", date(2026, 10, 8), journal="BQ1"),
        settled(12, "3000", date(2026, 8, 5), customer="C2"),  # paid 20 Sept.
        settled(13, "-3000", date(2026, 9, 20), customer="C2", journal="BQ1"),
    ]
    assert month_ends_before(AS_OF, 3) == [date(2026, 10, 31), date(2026, 9, 30), date(2026, 8, 31)]
    september = figures_at(open_lines, history, JOURNALS, date(2026, 9, 30))
    assert september["C1"].receivables == D("7500")  # 6,000 unpaid yet + 1,500 still open
    assert september["C1"].sales == {"2026-09": D("7500")}
    assert september["C2"].receivables == D("0") and september["C2"].sales == {"2026-08": D("3000")}
    august = figures_at(open_lines, history, JOURNALS, date(2026, 8, 31))
    assert august["C2"].receivables == D("3000") and "C1" not in august
