"""The relay's memory of an unfinished run, so a killed relay picks up where it stopped.

One JSON file in state_dir, rewritten atomically (temp file + os.replace) after each batch
the server acknowledged. A resumed run keeps its run id and batch numbering and restarts
after the last acknowledged key; a batch the server already holds comes back "duplicate"
and changes nothing. A finished run deletes the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from relance.domain.aging import AgedBalance
from relance.sage.queries import ResumeKey

STATE_FILE = "relay-run.json"
STATE_VERSION = 1


class EntityProgress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phase: Literal["records", "keys", "done"] = "records"
    since: datetime | None = None  # watermark this run reads from (incremental)
    last_key: ResumeKey | None = None  # last key acknowledged in the current phase
    seq: int = 0  # next batch sequence number in the current phase
    records_sent: int = 0
    key_batches: int = 0
    max_modified: datetime | None = None


class CompanyProgress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entities: dict[str, EntityProgress] = Field(default_factory=dict)
    previous_watermarks: dict[str, datetime] = Field(default_factory=dict)
    # The database's clock when the company's reading began (kept across a resume) and
    # when it ended: they bound the watermarks (see runner.watermark).
    db_started_at: datetime | None = None
    db_ended_at: datetime | None = None
    # Computed right after the company's lines were sent, kept so a resume does not
    # compare the data sent earlier with a balance taken later.
    aged_balance: AgedBalance | None = None


class RunState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = STATE_VERSION
    run_id: str
    mode: Literal["full", "incremental"]
    as_of: date
    started_at: datetime
    companies: dict[str, CompanyProgress]

    def done(self) -> bool:
        return all(
            c.aged_balance is not None and all(e.phase == "done" for e in c.entities.values())
            for c in self.companies.values()
        )


class StateStore:
    def __init__(self, state_dir: str | Path) -> None:
        self.dir = Path(state_dir)
        self.path = self.dir / STATE_FILE

    def load(self) -> RunState | None:
        """The unfinished run, or None. A corrupt or foreign file counts as none (the
        server ignores re-sent batches, so starting over loses nothing)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            state = RunState.model_validate_json(raw)
        except ValidationError:
            return None
        return state if state.version == STATE_VERSION else None

    def save(self, state: RunState) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        data = json.dumps(state.model_dump(mode="json"), indent=1)
        fd, tmp = tempfile.mkstemp(prefix=".relay-run.", suffix=".tmp", dir=self.dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)  # atomic: a crash leaves the old file or the new one
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
