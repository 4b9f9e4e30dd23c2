"""Build the BI export function's dependencies layer into build/layers/bi/python
(relance_infra/bi_layer.py says what it holds and why it is its own layer).

Usage: .venv/bin/python infra/build_bi_layer.py [--force]
"""

from __future__ import annotations

from relance_infra.bi_layer import main

if __name__ == "__main__":
    main()
