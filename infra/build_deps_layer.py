"""Build the third-party dependencies Lambda layer into build/layers/deps/python.

The runtime dependencies from pyproject.toml [project.dependencies], built the way
relance_infra/layer_build.py builds a layer (wheels for Lambda's platform, bytecode, a
stamp of the inputs so a synth rebuilds only when they change).

Usage: .venv/bin/python infra/build_deps_layer.py [--force]
"""

from __future__ import annotations

from relance_infra.layer_build import PLATFORM, PYTHON_VERSION, LayerBuild, package_name, project

# The platform the layer is built for, read by the infra tests beside the functions' runtime.
__all__ = ["PLATFORM", "PYTHON_VERSION", "build", "inputs_hash", "is_current", "requirements"]

# pyodbc needs the native unixODBC libraries, which the Lambda runtime lacks; only the relay
# (and later the SQL Azure pull function, with its own layer) uses it.
EXCLUDED = frozenset({"pyodbc"})


def requirements() -> list[str]:
    """The runtime dependencies the layer ships, as written in pyproject.toml."""
    return [req for req in project()["dependencies"] if package_name(req) not in EXCLUDED]


# builder 2: ships unchecked-hash bytecode.
LAYER = LayerBuild(name="deps", requirements=requirements, builder_version="2")
LAYER_DIR = LAYER.layer_dir
build = LAYER.build
inputs_hash = LAYER.inputs_hash
is_current = LAYER.is_current


def main() -> None:
    LAYER.main(__doc__.splitlines()[0] if __doc__ else None)


if __name__ == "__main__":
    main()
