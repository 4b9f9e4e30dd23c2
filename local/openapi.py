"""`make openapi`: write the API's OpenAPI 3 document to docs/openapi.json."""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    from functions.api.handler import openapi_document

    target = ROOT / "docs" / "openapi.json"
    document = json.loads(openapi_document())
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"{target}: {len(document['paths'])} paths")


if __name__ == "__main__":
    main()
