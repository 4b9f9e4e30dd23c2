"""The relay's configuration: one TOML file per installation.

Example::

    api_url = "https://api.relance.example/prod"
    key_id = "conn_123"
    secret_env = "RELANCE_RELAY_SECRET"   # or: secret = "..."
    state_dir = "state"                   # relative to this file
    poll_interval_s = 60

    [schedule]
    times = ["07:00", "12:30"]
    full_reconcile_day = "sunday"

    [settings]
    include_accounts = ["411", "416"]

    [[companies]]
    code = "BIJOU"
    dialect = "sqlserver"
    connection_string = "DRIVER={ODBC Driver 18 for SQL Server};SERVER=...;DATABASE=BIJOU;..."
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from relance.domain.records import CompanyCode
from relance.sage.dialect import Dialect
from relance.sage.settings import SyncSettings

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FRENCH_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

HourMinute = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class ConfigError(Exception):
    """The configuration is unusable; the message says why (for a person, not a log)."""


class CompanyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: CompanyCode
    connection_string: str = Field(min_length=1)
    dialect: Dialect = Dialect.SQLSERVER


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    times: list[HourMinute] = Field(default_factory=list)  # local times of scheduled syncs
    # The first scheduled sync of this day is a full one: cbModification is not always
    # maintained (lettering, third-party tools), only a full pass catches everything.
    full_reconcile_day: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "sunday"

    @field_validator("full_reconcile_day", mode="before")
    @classmethod
    def _weekday(cls, value: object) -> object:
        if isinstance(value, str):
            day = value.strip().lower()
            if day in _FRENCH_WEEKDAYS:
                return WEEKDAYS[_FRENCH_WEEKDAYS.index(day)]
            return day
        return value

    @property
    def local_times(self) -> list[time]:
        return sorted(time.fromisoformat(t) for t in self.times)

    @property
    def full_weekday(self) -> int:
        return WEEKDAYS.index(self.full_reconcile_day)

    def slots_between(self, start: datetime, end: datetime) -> list[datetime]:
        """Scheduled local times in (start, end], oldest first."""
        slots: list[datetime] = []
        day: date = start.date()
        while day <= end.date():
            for t in self.local_times:
                slot = datetime.combine(day, t)
                if start < slot <= end:
                    slots.append(slot)
            day += timedelta(days=1)
        return slots

    def wants_full(self, slot: datetime, last_full: date | None) -> bool:
        """A scheduled sync is full on the reconcile day (once), or when the last full one
        is more than a week old (the relay was off that day)."""
        if last_full is not None and last_full >= slot.date():
            return False
        if slot.weekday() == self.full_weekday:
            return True
        return last_full is None or (slot.date() - last_full).days > 7


class RelayConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    api_url: str = Field(pattern=r"^https?://")
    key_id: str = Field(min_length=1)
    secret: str | None = None
    secret_env: str | None = None
    state_dir: Path = Path("state")
    companies: list[CompanyConfig] = Field(min_length=1, max_length=10)
    settings: SyncSettings = Field(default_factory=SyncSettings)
    poll_interval_s: float = Field(default=60, ge=1, le=3600)
    schedule: Schedule = Field(default_factory=Schedule)

    @model_validator(mode="after")
    def _check(self) -> RelayConfig:
        if (self.secret is None) == (self.secret_env is None):
            raise ValueError("give exactly one of 'secret' and 'secret_env'")
        codes = [c.code for c in self.companies]
        if len(set(codes)) != len(codes):
            raise ValueError("company codes must be unique")
        return self

    def resolved_secret(self) -> str:
        if self.secret is not None:
            return self.secret
        value = os.environ.get(self.secret_env or "", "")
        if not value:
            raise ConfigError(
                f"la variable d'environnement {self.secret_env} (secret du connecteur) est vide"
                f" / environment variable {self.secret_env} (connector secret) is not set"
            )
        return value


def load_config(path: str | Path) -> RelayConfig:
    """Read and validate the TOML file; a relative state_dir is relative to the file."""
    file = Path(path)
    try:
        with file.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(
            f"fichier de configuration introuvable / configuration file not found: {file}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"TOML invalide / invalid TOML in {file}: {exc}") from None
    try:
        config = RelayConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(racine/root)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"configuration invalide / invalid configuration: {problems}") from None
    if not config.state_dir.is_absolute():
        config = config.model_copy(update={"state_dir": file.parent / config.state_dir})
    return config
