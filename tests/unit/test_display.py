"""Display settings (V9): babel's formats per language, the user's clock, no lost cents."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from babel.numbers import (
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
    parse_decimal,
)
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from relance.api import display as edge
from relance.domain.display import (
    DisplaySettings,
    DisplaySettingsBody,
    day,
    moment,
    money,
    today_in,
)

FR = DisplaySettings()
EN = DisplaySettings(language="en")
NNBSP, NBSP = "\u202f", "\xa0"  # CLDR's French group separator, and the space before €


def test_the_defaults_are_french() -> None:
    assert FR.model_dump() == {
        "language": "fr",
        "time_zone": "Europe/Paris",
        "date_format": "short",
        "currency_display": "symbol",
        "version": 0,
    }
    assert FR.locale == "fr_FR" and EN.locale == "en_GB"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (FR, f"1{NNBSP}234,56{NBSP}€"),
        (EN, "€1,234.56"),
        (DisplaySettings(currency_display="code"), f"1{NNBSP}234,56{NBSP}EUR"),
        (DisplaySettings(language="en", currency_display="code"), f"EUR{NBSP}1,234.56"),
    ],
)
def test_money_in_french_and_in_english(settings: DisplaySettings, expected: str) -> None:
    assert money(Decimal("1234.56"), "EUR", settings) == expected


def test_money_keeps_its_sign_and_shows_cents_rounded_half_up() -> None:
    assert money(Decimal("-1234.5"), "EUR", FR) == f"-1{NNBSP}234,50{NBSP}€"
    assert money(Decimal("-0.01"), "EUR", EN) == "-€0.01"
    assert money(Decimal("0"), "EUR", EN) == "€0.00"
    assert money(Decimal("-0.00"), "EUR", FR) == f"0,00{NBSP}€"
    assert money(Decimal("1.005"), "EUR", EN) == "€1.01"  # half up, as on an invoice
    assert (
        money(Decimal("89981.065186"), "EUR", FR) == f"89{NNBSP}981,07{NBSP}€"
    )  # Sage's 6 decimals
    assert money(Decimal("-0.004"), "EUR", FR) == f"0,00{NBSP}€"  # rounds to zero: no sign
    assert money(Decimal("1234.5"), "JPY", EN) == "JP¥1,235"  # no minor unit
    assert money(Decimal("1234.56"), "USD", EN) == "US$1,234.56"


@pytest.mark.parametrize(
    ("fmt", "french", "english"),
    [
        ("short", "24/11/2026", "24/11/2026"),
        ("medium", "24 nov. 2026", "24 Nov 2026"),
        ("long", "24 novembre 2026", "24 November 2026"),
    ],
)
def test_dates_in_each_format(fmt: str, french: str, english: str) -> None:
    d = date(2026, 11, 24)
    assert day(d, DisplaySettings.model_validate({"date_format": fmt})) == french
    english_settings = DisplaySettings.model_validate({"language": "en", "date_format": fmt})
    assert day(d, english_settings) == english


NEAR_MIDNIGHT = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
MARTINIQUE = DisplaySettings(time_zone="America/Martinique")


def test_today_is_the_users_local_date_around_midnight() -> None:
    assert today_in(FR, NEAR_MIDNIGHT) == date(2026, 11, 24)  # 00:30 in Paris (UTC+1)
    assert today_in(MARTINIQUE, NEAR_MIDNIGHT) == date(2026, 11, 23)  # 19:30 (UTC-4)
    assert today_in(DisplaySettings(time_zone="UTC"), NEAR_MIDNIGHT) == date(2026, 11, 23)
    # Summer time: 22:30 UTC on 30 June is already 1 July in Paris (UTC+2).
    assert today_in(FR, datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == date(2026, 7, 1)


def test_today_refuses_a_clock_without_a_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        today_in(FR, datetime(2026, 11, 23, 23, 30))  # noqa: DTZ001


def test_an_instant_is_shown_on_the_users_clock() -> None:
    assert moment(NEAR_MIDNIGHT, FR) == "24/11/2026 00:30"
    assert moment(NEAR_MIDNIGHT, MARTINIQUE) == "23/11/2026 19:30"
    assert moment(NEAR_MIDNIGHT, DisplaySettings(language="en", date_format="medium")) == (
        "24 Nov 2026, 00:30:00"
    )
    naive = datetime(2026, 11, 23, 23, 30)  # noqa: DTZ001 - the store writes UTC
    assert moment(naive, MARTINIQUE) == moment(NEAR_MIDNIGHT, MARTINIQUE)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus"),
        ("time_zone", "europe/paris"),
        ("time_zone", "localtime"),
        ("time_zone", "../../etc/passwd"),
        ("language", "de"),
        ("date_format", "full"),
        ("currency_display", "name"),
        ("version", -1),
        ("colour", "blue"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        DisplaySettingsBody.model_validate({"version": 0, field: value})
    assert [e["loc"] for e in refused.value.errors()] == [(field,)]


def test_a_save_needs_the_version_read_and_stores_the_next_one() -> None:
    with pytest.raises(ValidationError) as refused:
        DisplaySettingsBody.model_validate({"language": "en"})
    assert refused.value.errors()[0]["loc"] == ("version",)
    body = DisplaySettingsBody(language="en", time_zone="America/Martinique", version=3)
    saved = body.saved()
    assert type(saved) is DisplaySettings and saved.version == 4
    assert saved.time_zone == "America/Martinique"


def _parse_back(text: str, s: DisplaySettings) -> Decimal:
    """The number in a formatted amount, read back with the locale's own symbols."""
    keep = {get_decimal_symbol(s.locale), get_group_symbol(s.locale), "-"}
    keep.add(get_minus_sign_symbol(s.locale))
    number = "".join(c for c in text if c.isdigit() or c in keep)
    return parse_decimal(number, locale=s.locale)


ANY_SETTINGS = st.builds(
    DisplaySettings,
    language=st.sampled_from(["fr", "en"]),
    currency_display=st.sampled_from(["symbol", "code"]),
)
AMOUNTS = st.decimals(min_value=Decimal("-10000000000"), max_value=Decimal("10000000000"), places=2)


@given(amount=AMOUNTS, settings=ANY_SETTINGS, currency=st.sampled_from(["EUR", "USD", "GBP"]))
def test_formatting_never_loses_a_cent(
    amount: Decimal, settings: DisplaySettings, currency: str
) -> None:
    text = money(amount, currency, settings)
    assert _parse_back(text, settings) == amount
    digits = "".join(c for c in text if c.isdigit())
    assert digits == str(abs(amount)).replace(".", "")  # every digit, cents included
    assert ("-" in text) == (amount < 0)


@given(
    amount=st.decimals(min_value=-1000, max_value=1000, places=4),
    settings=ANY_SETTINGS,
)
def test_formatting_shows_the_amount_to_the_cent_rounded_half_up(
    amount: Decimal, settings: DisplaySettings
) -> None:
    shown = _parse_back(money(amount, "EUR", settings), settings)
    assert shown == amount.quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert abs(shown - amount) <= Decimal("0.005")


def test_the_api_edge_adds_display_strings_and_keeps_the_raw_figures() -> None:
    row = {
        "number": "C1",
        "total": "1234.56",
        "overdue": "-30.00",
        "as_of": "2026-11-23",
        "oldest_due": None,
        "buckets": {"not_due": "1264.56", "d1_30": "-30.00"},
    }
    page = edge.customer_page({"total_count": 1, "customers": [row]}, EN)
    shown = page["customers"][0]
    assert {k: shown[k] for k in row} == row
    assert shown["display"]["total"] == "€1,234.56"
    assert shown["display"]["overdue"] == "-€30.00"
    assert shown["display"]["as_of"] == "23/11/2026"
    assert shown["display"]["oldest_due"] is None
    assert shown["display"]["buckets"]["not_due"] == "€1,264.56"
    assert shown["display"]["buckets"]["over_90"] is None  # not in the data: not invented

    card = edge.customer_card(
        {
            "total": "100.00",
            "open_items": [{"amount": "100.00", "due_date": "2026-12-31", "accounting_date":
                            "2026-11-01"}],
        },
        DisplaySettings(date_format="long"),
    )  # fmt: skip
    assert card["display"]["total"] == f"100,00{NBSP}€"
    assert card["open_items"][0]["display"] == {
        "amount": f"100,00{NBSP}€",
        "due_date": "31 décembre 2026",
        "accounting_date": "1 novembre 2026",
    }
    usd = edge.customer_row({"total": "5", "currency": "USD"}, EN)
    assert usd["display"]["total"] == "US$5.00"
