"""The relay's TOML configuration, its schedule, and the CLI's answer to a bad one."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from relance.relay.cli import main
from relance.relay.config import ConfigError, Schedule, load_config

GOOD = """
api_url = "https://api.example.test/prod"
key_id = "conn-1"
secret_env = "RELANCE_TEST_SECRET"
state_dir = "state"
poll_interval_s = 30

[schedule]
times = ["12:30", "07:00"]
full_reconcile_day = "dimanche"

[settings]
include_accounts = ["411"]
invoice_number_column = "EC_Piece"
contacts_enabled = false

[[companies]]
code = "BIJOU"
dialect = "sqlserver"
connection_string = "DRIVER={ODBC Driver 18 for SQL Server};SERVER=sage;DATABASE=BIJOU"

[[companies]]
code = "DEMO2"
dialect = "sqlite"
connection_string = "DRIVER={SQLite3};Database=/tmp/demo2.db"
"""


def sage_time(text: str) -> datetime:
    """Sage datetimes are naive local times (SQL Server datetime has no zone)."""
    return datetime.fromisoformat(text)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "relay.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_configuration_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELANCE_TEST_SECRET", "from-env")
    config = load_config(write(tmp_path, GOOD))
    assert config.state_dir == tmp_path / "state"  # relative to the file, not the cwd
    assert config.resolved_secret() == "from-env"
    assert [c.code for c in config.companies] == ["BIJOU", "DEMO2"]
    assert config.companies[1].dialect == "sqlite"
    assert config.settings.include_accounts == ["411"]
    assert config.settings.exclude_accounts == []
    assert config.settings.invoice_number_column == "EC_Piece"
    assert not config.settings.contacts_enabled
    assert config.schedule.full_reconcile_day == "sunday"
    assert [t.isoformat() for t in config.schedule.local_times] == ["07:00:00", "12:30:00"]


def test_missing_secret_variable_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("RELANCE_TEST_SECRET", raising=False)
    config = load_config(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="RELANCE_TEST_SECRET"):
        config.resolved_secret()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("secret_env", 'secret = "x"\nsecret_env'), "exactly one"),
        (('code = "DEMO2"', 'code = "BIJOU"'), "unique"),
        (('"12:30"', '"25:00"'), "schedule.times"),
        (('dialect = "sqlite"', 'dialect = "oracle"'), "dialect"),
        (('["411"]', '["41%"]'), "include_accounts"),
        (("api_url", "api_uri"), "api_uri"),
    ],
)
def test_invalid_configurations_say_where(tmp_path: Path, change, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, GOOD.replace(*change, 1)))


def test_eleven_companies_are_too_many(tmp_path: Path) -> None:
    extra = "".join(
        f'\n[[companies]]\ncode = "C{i}"\nconnection_string = "DSN=x"\n' for i in range(9)
    )
    with pytest.raises(ConfigError, match="companies"):
        load_config(write(tmp_path, GOOD + extra))


def test_cli_exit_code_2_on_bad_configuration(tmp_path: Path, capsys) -> None:
    assert main(["sync", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "introuvable" in capsys.readouterr().err
    assert main(["check", "--config", str(write(tmp_path, "not = [toml"))]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["sync"])
    assert usage.value.code == 2


def test_schedule_slots_and_the_weekly_full_reconcile() -> None:
    schedule = Schedule(times=["07:00", "12:30"], full_reconcile_day="sunday")
    # Saturday 2024-03-02 23:00 -> Sunday 2024-03-03 13:00: three slots.
    slots = schedule.slots_between(sage_time("2024-03-02 12:30"), sage_time("2024-03-03 13:00"))
    assert slots == [sage_time("2024-03-03 07:00"), sage_time("2024-03-03 12:30")]
    last_full = date(2024, 2, 25)
    assert schedule.wants_full(slots[0], last_full)  # Sunday's first sync
    assert not schedule.wants_full(slots[1], date(2024, 3, 3))  # already done today
    assert not schedule.wants_full(sage_time("2024-03-04 07:00"), date(2024, 3, 3))  # Monday
    # The relay was off on Sunday: the first sync after a week without a full one is full.
    assert schedule.wants_full(sage_time("2024-03-12 07:00"), date(2024, 3, 3))
    assert schedule.wants_full(sage_time("2024-03-05 07:00"), None)  # never had one
