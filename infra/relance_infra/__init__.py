"""The Relance CDK app: one stack, one construct per concern (storage, auth, layers, api)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
LAYER_SOURCE = REPO_ROOT / "layers" / "relance"
FUNCTIONS_DIR = REPO_ROOT / "functions"
WEB_DIR = REPO_ROOT / "web"  # the browser app, with web/vendor from `make web`
DEPS_LAYER_DIR = REPO_ROOT / "build" / "layers" / "deps"
RELANCE_LAYER_DIR = REPO_ROOT / "build" / "layers" / "relance"  # LAYER_SOURCE + bytecode, by hash

# The table definition and env var names live in the relance package, so the table in AWS
# and the local stand-in come from the same constants. Importable without installing it:
# `cdk synth` may run with any interpreter that has aws-cdk-lib.
if str(LAYER_SOURCE / "python") not in sys.path:
    sys.path.insert(0, str(LAYER_SOURCE / "python"))


def cdk_context() -> dict[str, Any]:
    """The context of cdk.json, for apps built outside the CDK CLI (tests)."""
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    return context
