"""How a sync run shows its progress: a live rich display on a terminal, log lines otherwise
(a Windows service or a scheduled task has no terminal, and its log must stay readable)."""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichBar
from rich.text import Text


class Progress(Protocol):
    def entity_started(self, company: str, entity: str, total: int | None) -> None: ...
    def advanced(self, rows: int) -> None: ...
    def entity_finished(
        self, company: str, entity: str, records: int, key_batches: int
    ) -> None: ...
    def note(self, message: str) -> None: ...
    def close(self) -> None: ...


class LogProgress:
    """One line every `every` batches and one at the end of each entity."""

    def __init__(self, stream: TextIO | None = None, every: int = 20) -> None:
        self.stream = stream or sys.stderr
        self.every = every
        self._label = ""
        self._total: int | None = None
        self._done = 0
        self._batches = 0
        self._t0 = time.monotonic()

    def _line(self, message: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        print(f"{stamp} {message}", file=self.stream, flush=True)

    def entity_started(self, company: str, entity: str, total: int | None) -> None:
        self._label = f"{company}/{entity}"
        self._total, self._done, self._batches = total, 0, 0
        self._t0 = time.monotonic()

    def advanced(self, rows: int) -> None:
        self._done += rows
        self._batches += 1
        if self._batches % self.every == 0:
            of = f"/{self._total}" if self._total is not None else ""
            self._line(f"{self._label}: {self._done}{of} rows, {self._rate():,.0f} rows/s")

    def entity_finished(self, company: str, entity: str, records: int, key_batches: int) -> None:
        self._line(
            f"{company}/{entity}: done, {records} records sent, {key_batches} key batches"
            f" ({self._rate():,.0f} rows/s)"
        )

    def note(self, message: str) -> None:
        self._line(message)

    def close(self) -> None:
        pass

    def _rate(self) -> float:
        elapsed = time.monotonic() - self._t0
        return self._done / elapsed if elapsed > 0 else 0.0


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        # rich's own speed needs several samples; a short entity finishes before that.
        speed = task.finished_speed or task.speed
        if not speed and task.elapsed:
            speed = task.completed / task.elapsed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")


class RichProgress:
    """rows done/total, rate and time left per entity."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self.bar = RichBar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.bar.start()
        self._task: Any = None

    def entity_started(self, company: str, entity: str, total: int | None) -> None:
        self._task = self.bar.add_task(f"{company} {entity}", total=total)

    def advanced(self, rows: int) -> None:
        if self._task is not None:
            self.bar.advance(self._task, rows)

    def entity_finished(self, company: str, entity: str, records: int, key_batches: int) -> None:
        if self._task is not None:  # the COUNT was an estimate: close the bar at what was read
            done = next(t.completed for t in self.bar.tasks if t.id == self._task)
            self.bar.update(self._task, total=done)
        self._task = None

    def note(self, message: str) -> None:
        self.bar.console.print(message)

    def close(self) -> None:
        self.bar.stop()


def make_progress(stream: TextIO | None = None) -> Progress:
    out = stream or sys.stdout
    if out.isatty():
        return RichProgress(Console(file=out))
    return LogProgress(sys.stderr if stream is None else stream)
