"""A tenant's dunning configuration as the API takes and answers it (issue 4). Pure.

Tenant settings, saved by admins, each one versioned document:
- `DunningSettingsBody`: the scenarios (C2, C7, C9, C14) and profiles (C3), as
  domain/dunning/profiles.py `DunningSettings` with the version the admin read;
- `RunSettings`: at what hour, in which time zone, the nightly run goes (and whether);
- `PenaltyRates`: the ECB and legal rates (B1); a `RateTable` with a version, so the
  nightly run can use it as it is.
Per customer, set by its collectors:
- `StopRecord` (C15) and `OverrideRecord` (C17): the domain's `Stop` and `Override` plus
  who made them and when (the evaluation ignores the extra fields);
- `ChosenProfile` (C3): a profile chosen by hand, versioned as it is edited in place.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from relance.domain.display import is_time_zone
from relance.domain.dunning.inputs import Override, Stop
from relance.domain.dunning.penalties import RateTable
from relance.domain.dunning.profiles import DunningSettings
from relance.domain.dunning.scenarios import StepId

PROFILE_PATTERN = r"^[a-z0-9_-]+$"  # as Profile.profile_id


class DunningSettingsBody(DunningSettings):
    """What an admin sends: every scenario and profile, and the version it read."""

    version: int = Field(ge=0)

    def saved(self) -> DunningSettings:
        return DunningSettings.model_validate({**self.model_dump(), "version": self.version + 1})


class PenaltyRates(RateTable):
    """The tenant's rate table (B1) with its version (0: the defaults, never saved)."""

    version: int = Field(default=0, ge=0)

    def table(self) -> RateTable:
        return RateTable.model_validate(self.model_dump(exclude={"version"}))


class PenaltyRatesBody(PenaltyRates):
    version: int = Field(ge=0)


class RunSettings(BaseModel):
    """When the nightly run goes: every day at `hour` o'clock in `time_zone`."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    hour: int = Field(default=21, ge=0, le=23)
    time_zone: str = "Europe/Paris"
    enabled: bool = True
    version: int = Field(default=0, ge=0)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not is_time_zone(value):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name like Europe/Paris")
        return value


class RunSettingsBody(RunSettings):
    version: int = Field(ge=0)


ScheduleState = Literal["applied", "failed", "not_configured"]


class RunSettingsAnswer(RunSettings):
    """The saved settings, and what became of the tenant's schedule: `applied`, `failed`
    (the settings are saved; saving them again re-applies it) or `not_configured` (no
    scheduler here: the local runner starts the nightly run itself)."""

    schedule: ScheduleState


# -- per customer ------------------------------------------------------------------------
class NewStop(BaseModel):
    """C15: stop reminding the customer (no entry) or one of its open invoices."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    entry: int | None = Field(default=None, ge=0)
    reason: str = Field(default="", max_length=500)
    until: date | None = None  # inclusive; none: until lifted


class StopRecord(Stop):
    created_by: str
    created_at: datetime


class NewOverride(BaseModel):
    """C17: do `step` from `on` (or, with no step, wait until `on`) for the customer or
    one of its open invoices."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    entry: int | None = Field(default=None, ge=0)
    step: StepId | None = None
    on: date

    @model_validator(mode="after")
    def _not_thanks(self) -> NewOverride:
        if self.step == "T":
            raise ValueError("the thank-you follows a payment: it cannot be forced")
        return self


class OverrideRecord(Override):
    created_by: str
    created_at: datetime


class ProfileChoiceBody(BaseModel):
    """The profile chosen by hand for a customer (None: back to the profiles' rules)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    profile: str | None = Field(default=None, min_length=1, max_length=40, pattern=PROFILE_PATTERN)
    version: int = Field(ge=0)


class ChosenProfile(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)

    profile: str | None = None
    version: int = Field(default=0, ge=0)  # 0: never chosen
    chosen_by: str = ""
    chosen_at: datetime | None = None


DUNNING_ITEM_TYPES = frozenset({"stop", "override", "profile_choice"})


class CustomerDunning:
    """A customer's stops, overrides and chosen profile, from the card's items."""

    def __init__(self) -> None:
        self.stops: list[StopRecord] = []
        self.overrides: list[OverrideRecord] = []
        self.profile = ChosenProfile()

    def add(self, kind: str, fields: dict[str, Any]) -> None:
        if kind == "stop":
            self.stops.append(StopRecord.model_validate(fields))
        elif kind == "override":
            self.overrides.append(OverrideRecord.model_validate(fields))
        elif kind == "profile_choice":
            self.profile = ChosenProfile.model_validate(fields)

    def section(self, today: date) -> dict[str, Any]:
        """What the card shows: the stops still in force, the overrides not yet spent
        (the nightly run deletes those it used), the profile chosen by hand."""
        return {
            "stops": [
                s.model_dump(mode="json")
                for s in sorted(self.stops, key=lambda s: s.created_at)
                if s.active(today)
            ],
            "overrides": [
                o.model_dump(mode="json") for o in sorted(self.overrides, key=lambda o: o.on)
            ],
            "profile": self.profile.model_dump(mode="json"),
        }
