"""Writes docs/events/<detail-type>.v<version>.json from the event models
(relance/domain/integration_events.py): `python -m local.event_schemas`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from relance.domain.integration_events import EVENT_TYPES, SCHEMA_VERSION, event_schema

FOLDER = Path(__file__).resolve().parent.parent / "docs" / "events"


def schema_text(kind: type) -> str:
    return json.dumps(event_schema(kind), indent=2, ensure_ascii=False) + "\n"


def schema_path(folder: Path, detail_type: str) -> Path:
    return folder / f"{detail_type}.v{SCHEMA_VERSION}.json"


def write_schemas(folder: Path = FOLDER) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in EVENT_TYPES:
        path = schema_path(folder, kind.detail_type)
        path.write_text(schema_text(kind))
        written.append(path)
    return written


if __name__ == "__main__":
    for out in write_schemas(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER):
        print(out)
