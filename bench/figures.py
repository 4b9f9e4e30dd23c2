"""bench/results/<bench>.json files are flat objects of named figures (units in the names):
nested figures are written with their names joined by "_" (lists numbered from 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def flat(figures: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in figures.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            out.update(flat(value, f"{key}_"))
        elif isinstance(value, list):
            out.update(flat({str(i): v for i, v in enumerate(value, 1)}, f"{key}_"))
        else:
            out[key] = value
    return out


def write_results(path: Path, figures: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(flat(figures), indent=2) + "\n")
