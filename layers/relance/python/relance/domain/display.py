"""Display settings of a user (V9) and the formats they select. Pure: no I/O, no clock.

Each user picks a language, a time zone, a date format and how currencies show. Every
formatted string comes from babel (CLDR data): amounts, dates and times are never
assembled by hand. Money stays a Decimal everywhere else; it becomes text only here, at
display, and never loses a digit on the way (no rounding to the currency's minor unit).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, get_currency_precision
from pydantic import BaseModel, ConfigDict, Field, field_validator

Language = Literal["fr", "en"]
DateFormat = Literal["short", "medium", "long"]
CurrencyDisplay = Literal["symbol", "code"]

# English is en_GB, not en_US: Relance's users work with French companies, whose papers
# read day/month/year; en_GB keeps that order ("24/11/2026", "24 Nov 2026") where en_US
# would turn 24 November into "11/24/26", a misreading waiting to happen.
LOCALES: dict[Language, str] = {"fr": "fr_FR", "en": "en_GB"}

# Names of the machine's own zone files, not IANA zones: what they mean depends on the host.
_NOT_ZONES = frozenset({"localtime", "posixrules"})


@cache
def known_time_zones() -> frozenset[str]:
    """The IANA time zone names this runtime knows (read once: it walks the tz database)."""
    return frozenset(available_timezones()) - _NOT_ZONES


@lru_cache(maxsize=256)
def is_time_zone(name: str) -> bool:
    """`name in known_time_zones()`, by opening that one zone rather than walking the whole
    database (about 130 ms: a cold start's first request validates the caller's settings).
    Like available_timezones(), leaves out the posix/ and right/ variants."""
    if name in _NOT_ZONES or name.startswith(("posix/", "right/")):
        return False
    try:
        ZoneInfo(name)
    except (ValueError, OSError, ZoneInfoNotFoundError):
        return False
    return True


class DisplaySettings(BaseModel):
    """One user's display preferences; `version` counts saves (0: never saved)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    language: Language = "fr"
    time_zone: str = "Europe/Paris"
    date_format: DateFormat = "short"
    currency_display: CurrencyDisplay = "symbol"
    version: int = Field(default=0, ge=0)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not is_time_zone(value):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name like Europe/Paris")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def locale(self) -> str:
        return LOCALES[self.language]


class DisplaySettingsBody(DisplaySettings):
    """What a user sends to save its settings: all of them, and the version it read."""

    version: int = Field(ge=0)

    def saved(self) -> DisplaySettings:
        """The settings as stored by this save: the next version."""
        return DisplaySettings.model_validate({**self.model_dump(), "version": self.version + 1})


@cache
def _code_pattern(locale: str) -> str:
    """The locale's currency pattern with the ISO code (¤¤) in place of the symbol.

    CLDR's currency spacing puts a no-break space between a code and the digits
    ("EUR 1,234.56"); babel applies the pattern but not that spacing rule, so the pattern
    carries the space where the sign touches a digit."""
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace("¤", "¤¤")
    pattern = re.sub(r"¤¤(?=[#0])", "¤¤\xa0", pattern)
    return re.sub(r"(?<=[#0])¤¤", "\xa0¤¤", pattern)


def money(amount: Decimal, currency: str, s: DisplaySettings) -> str:
    """An amount in a currency (ISO 4217 code): fr "1 234,56 €", en "€1,234.56".

    Rounded here, and only here, to the currency's minor unit, half up as on an invoice:
    Sage keeps amounts with up to six decimals (a converted or prorated line), and an
    accountant reads cents. The raw figure beside it keeps every decimal.
    A negative zero (a sum of credits and debits) shows as zero, without a sign."""
    shown = amount.quantize(_minor_unit(currency), ROUND_HALF_UP)
    shown = shown.copy_abs() if shown.is_zero() else shown
    return _formatted(str(shown), currency, s.locale, s.currency_display)


@cache
def _minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-get_currency_precision(currency))  # EUR: 0.01, JPY: 1


@lru_cache(maxsize=65_536)
def _formatted(amount: str, currency: str, locale: str, display: str) -> str:
    """babel's formatting, remembered: a list page shows hundreds of amounts, mostly the
    same from one request to the next, and each babel call costs ~0.1 ms. The key is the
    amount's exact text, so 1.5 and 1.50 are not confused."""
    return format_currency(
        Decimal(amount),
        currency,
        format=_code_pattern(locale) if display == "code" else None,
        locale=_locale(locale),
        decimal_quantization=False,
    )


@cache
def _locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


def day(d: date, s: DisplaySettings) -> str:
    """A calendar date (a due date, an as-of date): no time zone involved."""
    return _day(d, s.date_format, s.locale)


@lru_cache(maxsize=16_384)
def _day(d: date, date_format: str, locale: str) -> str:
    return format_date(d, date_format, locale=_locale(locale))


def moment(dt: datetime, s: DisplaySettings) -> str:
    """An instant, shown on the user's clock. A naive datetime is taken as UTC (what the
    store writes)."""
    aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
    return format_datetime(aware, s.date_format, tzinfo=s.zone, locale=s.locale)


def today_in(s: DisplaySettings, now: datetime) -> date:
    """The user's local date at the instant `now` (days late are counted to it)."""
    if now.tzinfo is None:
        raise ValueError("now must carry its time zone (e.g. datetime.now(UTC))")
    return now.astimezone(s.zone).date()
