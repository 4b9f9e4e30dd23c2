"""How a layer of third-party packages is built, for the deps layer and the BI export's.

Wheels for Lambda's platform (not this machine's), so the layer works whatever builds it;
bytecode for the runtime's /opt/python paths (relance_infra/bytecode.py); and a stamp of the
inputs beside the layer, so the work is skipped when they did not change: the CDK app and
the infra tests build the layers on every synth, and a rebuild downloads tens of MB. The
inputs hash is also the CDK asset hash: hashing the files would cost more on every synth.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relance_infra import REPO_ROOT
from relance_infra.bytecode import compile_layer

PYPROJECT = REPO_ROOT / "pyproject.toml"
LAYERS_DIR = REPO_ROOT / "build" / "layers"

# Must match the functions' architecture and runtime (relance_infra/constructs/layers.py).
# manylinux2014 (glibc 2.17) because the python3.11 runtime runs on Amazon Linux 2 (glibc
# 2.26): a newer manylinux wheel would install here and fail to import in Lambda.
PLATFORM = "manylinux2014_aarch64"
PYTHON_VERSION = "3.11"


def package_name(requirement: str) -> str:
    """The normalized name of a requirement as pyproject writes it (`pydantic>=2` -> pydantic)."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    if match is None:
        raise ValueError(f"cannot read a package name from {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def project() -> dict[str, Any]:
    """pyproject.toml's [project] table: where each layer's requirements are written."""
    table: dict[str, Any] = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return table


def size_mb(folder: Path) -> float:
    """Unzipped size, what Lambda's 250 MB limit for a function and its layers counts."""
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1_000_000


@dataclass(frozen=True)
class LayerBuild:
    """One layer: build/layers/{name}/python, its stamp build/layers/{name}.sha256 (outside
    the layer, so not shipped). `builder_version`: bump it when the way the layer is built
    changes, to force a rebuild. `prune`: folders under python/ not worth shipping."""

    name: str
    requirements: Callable[[], list[str]]
    builder_version: str
    prune: tuple[str, ...] = ()

    @property
    def layer_dir(self) -> Path:
        return LAYERS_DIR / self.name

    @property
    def stamp(self) -> Path:
        return LAYERS_DIR / f"{self.name}.sha256"

    def inputs_hash(self) -> str:
        """Hash of everything that decides the layer's content; also the CDK asset hash."""
        inputs = {
            "requirements": self.requirements(),
            "platform": PLATFORM,
            "python": PYTHON_VERSION,
            "builder": self.builder_version,
        }
        return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()

    def is_current(self) -> bool:
        return (
            self.stamp.is_file()
            and self.stamp.read_text(encoding="utf-8").strip() == self.inputs_hash()
            and (self.layer_dir / "python").is_dir()
        )

    def build(self, force: bool = False) -> str:
        """Build the layer unless it is current; return its inputs hash."""
        digest = self.inputs_hash()
        if self.is_current() and not force:
            return digest
        # Install into a scratch folder and swap it in, so an interrupted build never leaves
        # a half-filled layer behind a valid stamp.
        scratch = self.layer_dir.with_name(f"{self.name}.partial")
        shutil.rmtree(scratch, ignore_errors=True)
        target = scratch / "python"
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-compile",  # compiled below, for the runtime's paths
            "--platform",
            PLATFORM,
            "--implementation",
            "cp",
            "--python-version",
            PYTHON_VERSION,
            "--only-binary=:all:",
            "--target",
            str(target),
            *self.requirements(),
        ]
        # Quiet on success (pip warns about every unreachable extra index); all of it on
        # failure.
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise RuntimeError(
                f"pip could not build the {self.name} layer (exit {result.returncode})"
            )
        # Console scripts are useless in a layer and would hold this machine's interpreter.
        for folder in ("bin", *self.prune):
            shutil.rmtree(target / folder, ignore_errors=True)
        # Lambda's /opt is read-only: without bytecode every cold start compiles its imports.
        compile_layer(target)
        self.stamp.unlink(missing_ok=True)
        shutil.rmtree(self.layer_dir, ignore_errors=True)
        scratch.rename(self.layer_dir)
        self.stamp.write_text(digest + "\n", encoding="utf-8")
        return digest

    def main(self, description: str | None) -> None:
        """The command line of a layer's build script: `[--force]`."""
        parser = argparse.ArgumentParser(description=description)
        parser.add_argument("--force", action="store_true", help="rebuild even if current")
        args = parser.parse_args()
        digest = self.build(force=args.force)
        where = self.layer_dir.relative_to(REPO_ROOT)
        print(f"{self.name} layer at {where} ({digest[:12]}, {size_mb(self.layer_dir):.0f} MB)")
