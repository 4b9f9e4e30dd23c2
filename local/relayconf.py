"""A relay configuration file for Sage companies held as SQLite files (demo, tests, bench).

Written as the TOML a client's administrator would write, so load_config() is exercised.
"""

from __future__ import annotations

from pathlib import Path


def write_sqlite_relay_config(
    path: Path,
    *,
    api_url: str,
    key_id: str,
    secret_env: str,
    files: dict[str, Path],
    state_dir: Path | str = "state",
    poll_interval_s: int = 60,
) -> Path:
    companies = "\n".join(
        f'[[companies]]\ncode = "{code}"\ndialect = "sqlite"\n'
        f'connection_string = "DRIVER={{SQLite3}};Database={db}"\n'
        for code, db in files.items()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'api_url = "{api_url}"\nkey_id = "{key_id}"\nsecret_env = "{secret_env}"\n'
        f'state_dir = "{state_dir}"\npoll_interval_s = {poll_interval_s}\n\n{companies}'
    )
    return path
