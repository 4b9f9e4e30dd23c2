"""python -m bench.sagegen --out DIR --companies BIJOU:150:5000,ATELIER:150:5000
[--as-of 2026-11-23] [--seed 7]: one SQLite Sage base per company, and a summary."""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.sagegen.generate import company_seed, generate_company


def parse_companies(text: str) -> dict[str, tuple[int, int]]:
    """'BIJOU:150:5000,ATELIER:150:5000' -> {'BIJOU': (150, 5000), ...}."""
    companies: dict[str, tuple[int, int]] = {}
    for item in text.split(","):
        try:
            code, customers, lines = item.strip().split(":")
            companies[code] = (int(customers), int(lines))
        except ValueError as error:
            message = f"expected CODE:CUSTOMERS:LINES, got {item!r}"
            raise argparse.ArgumentTypeError(message) from error
    return companies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sagegen", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory for CODE.db files")
    parser.add_argument("--companies", type=parse_companies, required=True)
    # Default: today in Paris, where the Sage bases live (their dates are local).
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    parser.add_argument("--as-of", type=date.fromisoformat, default=today)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for code, (customers, lines) in args.companies.items():
        started = time.perf_counter()
        result = generate_company(
            args.out / f"{code}.db",
            code,
            customers=customers,
            lines=lines,
            as_of=args.as_of,
            seed=company_seed(args.seed, code),
        )
        print(
            f"{code}: {result.path} customers={result.customers} suppliers={result.suppliers}"
            f" contacts={result.contacts} lines={result.lines}"
            f" customer_lines={result.customer_lines} opening={result.opening_date}"
            f" in {time.perf_counter() - started:.1f}s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
