"""What the card shows of a customer's dunning items, and the request models' checks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from relance.domain.dunning.penalties import RateTable, claim
from relance.domain.dunning.profiles import default_settings
from relance.domain.dunning_config import (
    CustomerDunning,
    DunningSettingsBody,
    NewOverride,
    PenaltyRates,
    RunSettings,
)
from relance.domain.records import Customer

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def stop(stop_id: str, until: date | None, entry: int | None = None) -> dict[str, object]:
    return {"stop_id": stop_id, "entry": entry, "until": until, "created_by": "u",
            "created_at": AT, "company": "BIJOU", "customer": "C1"}  # fmt: skip


def test_the_card_shows_stops_in_force_overrides_and_the_chosen_profile() -> None:
    found = CustomerDunning()
    found.add("stop", stop("lifted-by-date", date(2026, 3, 9)))
    found.add("stop", stop("today", date(2026, 3, 10), entry=7))
    found.add("stop", stop("open-ended", None))
    found.add("override", {"override_id": "b", "on": date(2026, 4, 1), "created_by": "u",
                           "created_at": AT})  # fmt: skip
    found.add("override", {"override_id": "a", "step": "R2", "on": date(2026, 3, 20),
                           "created_by": "u", "created_at": AT})  # fmt: skip
    found.add("profile_choice", {"profile": "vip", "version": 2, "chosen_by": "u"})
    section = found.section(date(2026, 3, 10))
    assert [s["stop_id"] for s in section["stops"]] == ["today", "open-ended"]
    assert [o["override_id"] for o in section["overrides"]] == ["a", "b"]
    assert (section["profile"]["profile"], section["profile"]["version"]) == ("vip", 2)
    assert CustomerDunning().section(date(2026, 3, 10))["profile"]["version"] == 0


def test_settings_bodies_save_at_the_next_version() -> None:
    body = DunningSettingsBody.model_validate({**default_settings().model_dump(), "version": 4})
    assert body.saved().version == 5
    with pytest.raises(ValidationError):
        DunningSettingsBody.model_validate(default_settings().model_dump(exclude={"version"}))


def test_run_settings_take_an_hour_and_an_iana_zone() -> None:
    assert RunSettings() == RunSettings(hour=21, time_zone="Europe/Paris", enabled=True)
    for bad in ({"hour": 24}, {"hour": -1}, {"time_zone": "CET+1"}, {"time_zone": "Paris"}):
        with pytest.raises(ValidationError):
            RunSettings.model_validate(bad)


def test_the_thank_you_cannot_be_forced() -> None:
    with pytest.raises(ValidationError, match="thank-you"):
        NewOverride(step="T", on=date(2026, 3, 1))
    assert NewOverride(on=date(2026, 3, 1)).step is None


def test_penalty_rates_are_a_rate_table_with_a_version() -> None:
    rates = PenaltyRates.model_validate({**RateTable().model_dump(), "version": 3})
    assert rates.table() == RateTable()
    customer = Customer(company="BIJOU", number="C1")
    late = [(10, Decimal("1000.00"), date(2025, 11, 15))]
    # The nightly run can pass the stored rates to the penalties as they are.
    assert claim(customer, late, date(2026, 2, 1), rates) == claim(
        customer, late, date(2026, 2, 1), RateTable()
    )
