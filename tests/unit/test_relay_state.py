"""The relay's state file: what a killed relay finds when it starts again."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from relance.domain.aging import AgedBalance, BucketAmounts
from relance.relay.runner import watermark
from relance.relay.state import STATE_FILE, CompanyProgress, EntityProgress, RunState, StateStore


def a_state() -> RunState:
    return RunState(
        run_id="run-abcdefgh",
        mode="incremental",
        as_of=date(2024, 6, 30),
        started_at=datetime(2024, 6, 30, 7, 0, tzinfo=UTC),
        companies={
            "BIJOU": CompanyProgress(
                entities={
                    "customer": EntityProgress(phase="done", records_sent=12, key_batches=1),
                    "contact": EntityProgress(phase="keys", last_key=["C001", 2], seq=0),
                    "ledger_line": EntityProgress(
                        since=datetime.fromisoformat("2024-06-29 18:42"),
                        last_key=[40_123],
                        seq=41,
                        records_sent=41_000,
                        max_modified=datetime.fromisoformat("2024-06-30 06:59"),
                    ),
                },
                previous_watermarks={"ledger_line": datetime.fromisoformat("2024-06-29 18:42")},
            )
        },
    )


def test_round_trip(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state")
    assert store.load() is None
    state = a_state()
    store.save(state)
    loaded = store.load()
    assert loaded == state
    assert loaded is not None and not loaded.done()
    assert loaded.companies["BIJOU"].entities["contact"].last_key == ["C001", 2]
    assert os.listdir(tmp_path / "state") == [STATE_FILE]  # no temp file left behind


def test_done_needs_every_entity_and_the_aged_balance(tmp_path: Path) -> None:
    state = a_state()
    for progress in state.companies["BIJOU"].entities.values():
        progress.phase = "done"
    assert not state.done()
    balance = AgedBalance(company="BIJOU", as_of=date(2024, 6, 30))
    balance.customers["C001"] = BucketAmounts(d1_30=Decimal("12.34"))
    state.companies["BIJOU"].aged_balance = balance
    assert state.done()
    store = StateStore(tmp_path)
    store.save(state)
    reloaded = store.load()
    assert reloaded is not None
    assert reloaded.companies["BIJOU"].aged_balance == balance  # Decimal survives JSON


def test_a_failed_write_keeps_the_previous_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = StateStore(tmp_path)
    first = a_state()
    store.save(first)
    second = a_state()
    second.companies["BIJOU"].entities["ledger_line"].seq = 42

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.save(second)
    monkeypatch.undo()
    assert store.load() == first
    assert os.listdir(tmp_path) == [STATE_FILE]


def test_a_corrupt_or_foreign_file_is_ignored(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.path.write_text("{not json", encoding="utf-8")
    assert store.load() is None
    store.path.write_text('{"version": 99, "run_id": "x"}', encoding="utf-8")
    assert store.load() is None
    store.clear()
    assert not store.path.exists()
    store.clear()  # clearing nothing is fine


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)  # Sage's naive local times


def test_watermark_is_the_latest_change_seen_capped_at_the_start_of_reading() -> None:
    start, end = t("2024-06-30 10:04:50"), t("2024-06-30 10:20:00")
    # Nothing seen: the previous watermark stays.
    assert watermark(None, t("2024-06-29 18:00"), start, end) == t("2024-06-29 18:00")
    assert watermark(None, None, start, end) is None
    # Changes from before the run: the latest of them.
    assert watermark(t("2024-06-30 09:12"), None, start, end) == t("2024-06-30 09:12")
    # A row changed during the run: the next run reads again from just before the start,
    # so a row changed behind the reading position is not missed.
    assert watermark(t("2024-06-30 10:15"), None, start, end) == t("2024-06-30 10:03")
    # Data ahead of the database clock (clock set back, test data): no cap.
    assert watermark(t("2031-01-02 09:30"), None, start, end) == t("2031-01-02 09:30")
    assert watermark(t("2024-06-30 10:15"), None, None, None) == t("2024-06-30 10:15")
