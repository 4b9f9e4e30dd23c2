"""The two Lambda layers every function uses: the relance package and third-party deps."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from relance_infra.bytecode import compiled_copy

# Graviton: cheaper per GB-second, and every dependency ships aarch64 wheels. The deps
# and BI layers are built for this (layer_build.PLATFORM); keep the two in step.
RUNTIME = lambda_.Runtime.PYTHON_3_11
ARCHITECTURE = lambda_.Architecture.ARM_64


class Layers(Construct):
    """`relance` (our code, from layers/relance) and `deps` (built by build_deps_layer.py)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        relance_source: Path,
        relance_builds: Path,
        deps_dir: Path,
        deps_hash: str,
    ) -> None:
        super().__init__(scope, construct_id)
        if not (deps_dir / "python").is_dir():
            raise FileNotFoundError(
                f"{deps_dir} is missing: run .venv/bin/python infra/build_deps_layer.py"
            )
        self.relance = lambda_.LayerVersion(
            self,
            "Relance",
            description="relance package: domain, store, sync, rendering",
            # A copy of the sources with bytecode for the runtime (relance_infra/bytecode.py).
            code=lambda_.Code.from_asset(str(compiled_copy(relance_source, relance_builds))),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
        self.deps = lambda_.LayerVersion(
            self,
            "Deps",
            description="third-party runtime dependencies from pyproject.toml",
            # The builder's input hash names the content: cheaper than hashing ~70 MB of
            # files on every synth, and stable across machines.
            code=lambda_.Code.from_asset(
                str(deps_dir),
                asset_hash=deps_hash,
                asset_hash_type=cdk.AssetHashType.CUSTOM,
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.deps, self.relance]
