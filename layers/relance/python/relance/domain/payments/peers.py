"""Similar customers (B3: "learned from the customer's and similar customers' history").

A customer with a thin history (fewer than 5 settled invoices) borrows the level and
spread of its peers instead of the whole company's (predict.py). Who is similar is read
from what Sage and Relance know of every customer, not from its payments:
- its Sage quality (CT_Qualite: PME, grand compte, administration... public bodies pay
  more slowly in France) and its dunning profile (the collector's own segmentation);
- its payment terms, banded (the median of its invoices' due date minus invoice date:
  a 60-day customer is not a 30-day one);
- its size, banded (the median amount of its invoices).
Groups go from the finest (all four) to the coarsest (the quality alone): each customer
gets the finest group that holds at least MIN_INFORMED customers with a history of their
own, so a group's figures rest on several customers' habits, not on one. With no such
group the company's model is used (as before peers existed). Pure and tiny: a few dict
passes per sync, no library needed.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from relance.domain.payments.history import OpenItem, SettledInvoice

Key = tuple[str, str]  # (company, customer)
MIN_INFORMED = 5  # customers with their own history a group needs to be lent from
INFORMED_INVOICES = 5  # settled invoices that make a customer's own history
TERMS_BANDS = ((35, "30"), (50, "45"), (65, "60"))  # median days to due -> band; else "long"
SIZE_BANDS = ((Decimal(1000), "small"), (Decimal(5000), "medium"))  # median amount; else large


@dataclass(frozen=True)
class Traits:
    """What makes two customers similar, known before they have paid anything."""

    quality: str = ""
    profile: str = ""
    terms: str = ""  # band of the median days from invoice to due date
    size: str = ""  # band of the median invoice amount


def terms_band(days: float) -> str:
    return next((label for limit, label in TERMS_BANDS if days <= limit), "long")


def size_band(amount: Decimal) -> str:
    return next((label for limit, label in SIZE_BANDS if amount < limit), "large")


def traits_of(
    settled: Sequence[SettledInvoice],
    open_amounts: Sequence[Decimal] = (),
    quality: str = "",
    profile: str = "",
) -> Traits:
    """A customer's traits: terms from its settled invoices (open items synced as aging
    facts carry no invoice date), size from every invoice it has; "" when unknown."""
    amounts = [h.amount for h in settled if h.amount > 0] + [a for a in open_amounts if a > 0]
    days = [(h.due_date - h.invoice_date).days for h in settled]
    return Traits(
        quality,
        profile,
        terms_band(statistics.median(days)) if days else "",
        size_band(statistics.median(amounts)) if amounts else "",
    )


def similar(
    history: Iterable[SettledInvoice],
    open_now: Iterable[OpenItem],
    qualities: Mapping[Key, str],
    profiles: Mapping[Key, str] | None = None,
) -> PeerGroups:
    """The peer groups of every customer with history, open items or a quality."""
    profiles = profiles or {}
    settled: dict[Key, list[SettledInvoice]] = defaultdict(list)
    for h in history:
        settled[(h.company, h.customer)].append(h)
    amounts: dict[Key, list[Decimal]] = defaultdict(list)
    for item in open_now:
        amounts[(item.company, item.customer)].append(item.amount)
    customers = set(settled) | set(amounts) | set(qualities)
    traits = {
        c: traits_of(settled.get(c, []), amounts.get(c, []), qualities.get(c, ""),
                     profiles.get(c, ""))
        for c in customers
    }  # fmt: skip
    informed = [c for c, items in settled.items() if len(items) >= INFORMED_INVOICES]
    return peer_groups(traits, informed)


LEVELS: tuple[tuple[str, Callable[[Traits], tuple[str, ...]]], ...] = (
    ("quality+profile+terms+size", lambda t: (t.quality, t.profile, t.terms, t.size)),
    ("quality+profile+size", lambda t: (t.quality, t.profile, t.size)),
    ("quality+profile", lambda t: (t.quality, t.profile)),
    ("quality", lambda t: (t.quality,)),
)


@dataclass(frozen=True)
class PeerGroups:
    of: dict[Key, str]  # customer -> its group's label
    members: dict[str, set[Key]]  # label -> every customer of that group at its level


def peer_groups(traits: Mapping[Key, Traits], informed: Iterable[Key]) -> PeerGroups:
    """Each customer's peer group: the finest level whose group counts at least
    MIN_INFORMED `informed` customers (those with a history of their own), with every
    customer that shares the group at that level (the group lends their pooled history).
    Customers without such a group are left out: they fall back to the company."""
    informed = set(informed)
    counts = [Counter(key(traits[c]) for c in informed if c in traits) for _, key in LEVELS]
    of: dict[Key, str] = {}
    for customer, t in traits.items():
        for (name, key), count in zip(LEVELS, counts, strict=True):
            if count[key(t)] >= MIN_INFORMED:
                of[customer] = _label(name, key(t))
                break
    members: dict[str, set[Key]] = {label: set() for label in of.values()}
    for customer, t in traits.items():
        for name, key in LEVELS:
            label = _label(name, key(t))
            if label in members:
                members[label].add(customer)
    return PeerGroups(of, members)


def _label(level: str, group: tuple[str, ...]) -> str:
    return f"{level}:{'/'.join(group)}"
