"""CDK entry point (cdk.json runs it): build the deps layer if needed, then synthesize."""

from __future__ import annotations

import build_deps_layer

from relance_infra.stack import build_app


def main() -> None:
    # Idempotent: a stamp of the dependency list skips the pip download when current.
    deps_hash = build_deps_layer.build()
    app, _ = build_app(deps_hash=deps_hash)
    app.synth()


if __name__ == "__main__":
    main()
