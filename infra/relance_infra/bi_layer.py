"""The BI export function's own dependencies layer: pyarrow and what the export imports.

pyarrow alone is ~130 MB unzipped for aarch64, and the shared deps layer is ~195 MB with
bytecode (decision 32): together with the relance layer they would pass Lambda's 250 MB
limit for a function and its layers. So the export function gets this layer instead of
the deps layer: the project's runtime requirements it imports (BI_RUNTIME, with the
versions pyproject.toml pins) plus the `bi` extra, built like the deps layer by
relance_infra/layer_build.py (wheels for Lambda's platform, bytecode for /opt/python, a
stamp of the inputs so a synth only rebuilds when they change). No other function loads
pyarrow.

Usage: .venv/bin/python infra/build_bi_layer.py [--force]
"""

from __future__ import annotations

from pathlib import Path

from relance_infra import layer_build
from relance_infra.layer_build import PLATFORM, PYTHON_VERSION, LayerBuild, package_name, project

__all__ = ["PLATFORM", "PYTHON_VERSION", "build", "size_mb"]

# What functions/bi_export imports of the project's runtime requirements (checked by
# importing the handler with every other third-party package blocked).
BI_RUNTIME = frozenset({"boto3", "aws-lambda-powertools", "pydantic", "tzdata"})


def requirements() -> list[str]:
    runtime = [r for r in project()["dependencies"] if package_name(r) in BI_RUNTIME]
    return [*runtime, *project()["optional-dependencies"]["bi"]]


LAYER = LayerBuild(
    name="bi",
    requirements=requirements,
    builder_version="1",
    # Headers and CMake files are for building against Arrow, not for running it.
    prune=("pyarrow/include", "pyarrow/src", "pyarrow/tests"),
)
LAYER_DIR = LAYER.layer_dir
build = LAYER.build


def size_mb(folder: Path = LAYER_DIR) -> float:
    """Unzipped size, what Lambda's 250 MB limit counts."""
    return layer_build.size_mb(folder)


def main() -> None:
    LAYER.main("Build the BI export function's dependencies layer into build/layers/bi/python")
