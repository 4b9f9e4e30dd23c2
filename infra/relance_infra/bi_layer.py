"""The BI export function's own dependencies layer: pyarrow and what the export imports.

pyarrow alone is ~130 MB unzipped for aarch64, and the shared deps layer is ~195 MB with
bytecode (decision 32): together with the relance layer they would pass Lambda's 250 MB
limit for a function and its layers. So the export function gets this layer instead of
the deps layer: the project's runtime requirements it imports (BI_RUNTIME, with the
versions pyproject.toml pins) plus the `bi` extra, built like build_deps_layer.py (wheels
for Lambda's platform, bytecode for /opt/python, a stamp of the inputs so a synth only
rebuilds when they change). No other function loads pyarrow.

Usage: .venv/bin/python infra/build_bi_layer.py [--force]
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from relance_infra import REPO_ROOT
from relance_infra.bytecode import compile_layer

PYPROJECT = REPO_ROOT / "pyproject.toml"
LAYER_DIR = REPO_ROOT / "build" / "layers" / "bi"
STAMP = REPO_ROOT / "build" / "layers" / "bi.sha256"  # outside the layer: not shipped
# As build_deps_layer.py (tests/infra/test_bi_export.py keeps the two in step).
PLATFORM = "manylinux2014_aarch64"
PYTHON_VERSION = "3.11"
# What functions/bi_export imports of the project's runtime requirements (checked by
# importing the handler with every other third-party package blocked).
BI_RUNTIME = frozenset({"boto3", "aws-lambda-powertools", "pydantic", "tzdata"})
_BUILDER_VERSION = "1"


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    if match is None:
        raise ValueError(f"cannot read a package name from {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def requirements() -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    runtime = [r for r in project["dependencies"] if _name(r) in BI_RUNTIME]
    return [*runtime, *project["optional-dependencies"]["bi"]]


def inputs_hash() -> str:
    inputs = {"requirements": requirements(), "platform": PLATFORM, "python": PYTHON_VERSION,
              "builder": _BUILDER_VERSION}  # fmt: skip
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def is_current() -> bool:
    return (
        STAMP.is_file()
        and STAMP.read_text(encoding="utf-8").strip() == inputs_hash()
        and (LAYER_DIR / "python").is_dir()
    )


def build(force: bool = False) -> str:
    """Build the layer unless it is current; its inputs hash (the CDK asset hash)."""
    digest = inputs_hash()
    if is_current() and not force:
        return digest
    scratch = LAYER_DIR.with_name("bi.partial")  # swapped in whole: never half a layer
    shutil.rmtree(scratch, ignore_errors=True)
    target = scratch / "python"
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check",
               "--no-compile", "--platform", PLATFORM, "--implementation", "cp",
               "--python-version", PYTHON_VERSION, "--only-binary=:all:", "--target",
               str(target), *requirements()]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"pip could not build the bi layer (exit {result.returncode})")
    shutil.rmtree(target / "bin", ignore_errors=True)
    # Headers and CMake files are for building against Arrow, not for running it.
    for extra in ("pyarrow/include", "pyarrow/src", "pyarrow/tests"):
        shutil.rmtree(target / extra, ignore_errors=True)
    compile_layer(target)
    STAMP.unlink(missing_ok=True)
    shutil.rmtree(LAYER_DIR, ignore_errors=True)
    scratch.rename(LAYER_DIR)
    STAMP.write_text(digest + "\n", encoding="utf-8")
    return digest


def size_mb(folder: Path = LAYER_DIR) -> float:
    """Unzipped size, what Lambda's 250 MB limit counts."""
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1_000_000


def main() -> None:
    force = "--force" in sys.argv[1:]
    digest = build(force=force)
    print(f"bi layer at {LAYER_DIR.relative_to(REPO_ROOT)} ({digest[:12]}, {size_mb():.0f} MB)")
