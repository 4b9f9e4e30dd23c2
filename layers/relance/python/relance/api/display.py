"""Display strings added at the API edge (V9): the services answer with raw figures
(Decimals as strings, ISO dates); these helpers add a `display` object beside them,
formatted by babel for the caller's settings. The raw figures stay as they were, so a
client computes on those and shows these.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from relance.domain.aging import BUCKETS
from relance.domain.display import DisplaySettings, day, money

# Sage 100 (France) keeps its books in euros: summaries, totals and a ledger line's
# `amount` are in that accounting currency. A row that names its currency is shown in it.
# A foreign-currency line's `currency_amount` is not shown: its ISO code lives in the
# company's currency records (N_Devise), one more read.
ACCOUNTING_CURRENCY = "EUR"


# Formatted amounts by (raw text, currency, locale, currency display): all that `money`
# reads. A list page shows hundreds, mostly the same from one request to the next, and
# this skips the Decimal, its rounding and babel's cache key for each (~1 ms a page).
_SHOWN_SIZE = 65_536
_shown: dict[tuple[str, str, str, str], str] = {}


def _money(value: Any, currency: str, s: DisplaySettings) -> str | None:
    if value is None:
        return None
    key = (str(value), currency, s.locale, s.currency_display)
    found = _shown.get(key)
    if found is None:
        if len(_shown) >= _SHOWN_SIZE:
            _shown.clear()
        found = _shown[key] = money(Decimal(key[0]), currency, s)
    return found


def _day(value: Any, s: DisplaySettings) -> str | None:
    return None if not value else day(date.fromisoformat(str(value)), s)


def _amounts(data: dict[str, Any], s: DisplaySettings) -> dict[str, Any]:
    """Total, overdue and buckets of a customer summary or a dashboard."""
    currency = data.get("currency") or ACCOUNTING_CURRENCY
    shown: dict[str, Any] = {
        "total": _money(data.get("total"), currency, s),
        "overdue": _money(data.get("overdue"), currency, s),
        "as_of": _day(data.get("as_of"), s),
    }
    buckets = data.get("buckets")
    if isinstance(buckets, dict):
        shown["buckets"] = {b: _money(buckets.get(b), currency, s) for b in BUCKETS}
    return shown


def customer_row(row: dict[str, Any], s: DisplaySettings) -> dict[str, Any]:
    """A customer list row (or a top debtor) with its `display`."""
    return {**row, "display": {**_amounts(row, s), "oldest_due": _day(row.get("oldest_due"), s)}}


def customer_page(page: dict[str, Any], s: DisplaySettings) -> dict[str, Any]:
    return {**page, "customers": [customer_row(r, s) for r in page.get("customers", [])]}


def dashboard(board: dict[str, Any], s: DisplaySettings) -> dict[str, Any]:
    return {
        **board,
        "display": _amounts(board, s),
        "top_debtors": [customer_row(r, s) for r in board.get("top_debtors", [])],
    }


def open_item(item: dict[str, Any], s: DisplaySettings) -> dict[str, Any]:
    currency = item.get("currency") or ACCOUNTING_CURRENCY
    shown = {
        "amount": _money(item.get("amount"), currency, s),
        "due_date": _day(item.get("due_date"), s),
        "accounting_date": _day(item.get("accounting_date"), s),
    }
    return {**item, "display": shown}


def customer_card(card: dict[str, Any], s: DisplaySettings) -> dict[str, Any]:
    currency = card.get("currency") or ACCOUNTING_CURRENCY
    shown: dict[str, Any] = {"total": _money(card.get("total"), currency, s)}
    balance = card.get("aged_balance")
    if isinstance(balance, dict):
        shown["aged_balance"] = {b: _money(balance.get(b), currency, s) for b in BUCKETS}
    return {
        **card,
        "open_items": [open_item(i, s) for i in card.get("open_items", [])],
        "display": shown,
    }
