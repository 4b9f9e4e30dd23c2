"""Build the third-party dependencies Lambda layer into build/layers/deps/python.

The runtime dependencies come from pyproject.toml [project.dependencies], as wheels for
Lambda's platform (not this machine's), so the layer works whatever builds it. The work is
skipped when the stamp beside the layer holds the hash of the same inputs: the CDK app and
the infra tests call this on every synth, and a rebuild downloads ~30 MB.

Usage: .venv/bin/python infra/build_deps_layer.py [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from relance_infra.bytecode import compile_layer

REPO_ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = REPO_ROOT / "pyproject.toml"
LAYER_DIR = REPO_ROOT / "build" / "layers" / "deps"
# Outside LAYER_DIR so it is not shipped inside the layer.
STAMP = REPO_ROOT / "build" / "layers" / "deps.sha256"

# Must match the functions' architecture and runtime (relance_infra/constructs/layers.py).
# manylinux2014 (glibc 2.17) because the python3.11 runtime runs on Amazon Linux 2 (glibc
# 2.26): a newer manylinux wheel would install here and fail to import in Lambda.
PLATFORM = "manylinux2014_aarch64"
PYTHON_VERSION = "3.11"

# pyodbc needs the native unixODBC libraries, which the Lambda runtime lacks; only the relay
# (and later the SQL Azure pull function, with its own layer) uses it.
EXCLUDED = frozenset({"pyodbc"})

# Bump to force a rebuild when the way the layer is built changes.
_BUILDER_VERSION = "2"  # 2: ships unchecked-hash bytecode


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    if match is None:
        raise ValueError(f"cannot read a package name from {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def requirements() -> list[str]:
    """The runtime dependencies the layer ships, as written in pyproject.toml."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return [req for req in project["dependencies"] if _name(req) not in EXCLUDED]


def inputs_hash() -> str:
    """Hash of everything that decides the layer's content; also the CDK asset hash."""
    inputs = {
        "requirements": requirements(),
        "platform": PLATFORM,
        "python": PYTHON_VERSION,
        "builder": _BUILDER_VERSION,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def is_current() -> bool:
    return (
        STAMP.is_file()
        and STAMP.read_text(encoding="utf-8").strip() == inputs_hash()
        and (LAYER_DIR / "python").is_dir()
    )


def build(force: bool = False) -> str:
    """Build the layer unless it is current; return its inputs hash."""
    digest = inputs_hash()
    if is_current() and not force:
        return digest
    # Install into a scratch folder and swap it in, so an interrupted build never leaves a
    # half-filled layer behind a valid stamp.
    scratch = LAYER_DIR.with_name("deps.partial")
    shutil.rmtree(scratch, ignore_errors=True)
    target = scratch / "python"
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-compile",  # compiled below, for the runtime's paths (relance_infra/bytecode.py)
        "--platform",
        PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--only-binary=:all:",
        "--target",
        str(target),
        *requirements(),
    ]
    # Quiet on success (pip warns about every unreachable extra index); all of it on failure.
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"pip could not build the deps layer (exit {result.returncode})")
    # Console scripts are useless in a layer and would hold this machine's interpreter path.
    shutil.rmtree(target / "bin", ignore_errors=True)
    # Lambda's /opt is read-only: without bytecode every cold start compiles its imports.
    compile_layer(target)
    STAMP.unlink(missing_ok=True)
    shutil.rmtree(LAYER_DIR, ignore_errors=True)
    scratch.rename(LAYER_DIR)
    STAMP.write_text(digest + "\n", encoding="utf-8")
    return digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--force", action="store_true", help="rebuild even if current")
    args = parser.parse_args()
    digest = build(force=args.force)
    print(f"deps layer at {LAYER_DIR.relative_to(REPO_ROOT)} ({digest[:12]})")


if __name__ == "__main__":
    main()
