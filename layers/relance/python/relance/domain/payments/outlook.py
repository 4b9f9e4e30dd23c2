"""Each customer's payment outlook as a sync leaves it: score with its factors, and the
expected payment date of each open item. Computed once per company when a sync finishes,
from the synced settled lines (history) and open lines, so no read has to compute it.
Pure: as_of and the lines are parameters.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from relance.domain.aging import AgingFact
from relance.domain.payments.history import OpenItem, settled_invoices
from relance.domain.payments.peers import similar
from relance.domain.payments.predict import PaymentModel, Prediction, predict_open
from relance.domain.payments.score import FollowUpCounts, Score, score_customer
from relance.domain.records import LedgerLine


@dataclass(frozen=True)
class Outlook:
    score: Score
    predictions: tuple[Prediction, ...]

    def as_json(self) -> dict[str, object]:
        """What the card shows: the score, its factors by weight, and per open item its
        expected payment date with the 80 % range and what it rests on."""
        return {
            "score": str(self.score.score),
            "grade": self.score.grade,
            "invoices": self.score.invoices,
            "factors": self.score.explained(),
            "predictions": [
                {
                    "entry_number": p.entry_number,
                    "expected_on": p.expected_on.isoformat(),
                    "earliest": p.earliest.isoformat(),
                    "latest": p.latest.isoformat(),
                    "source": p.source,
                }
                for p in sorted(self.predictions, key=lambda p: p.entry_number)
            ],
        }

    def expected(self) -> list[tuple[date, Decimal]]:
        """Predicted cash-in: the open items' amounts summed per expected date."""
        by_day: dict[date, Decimal] = defaultdict(Decimal)
        for p in self.predictions:
            by_day[p.expected_on] += p.amount
        return sorted(by_day.items())

    def version(self) -> str:
        """A short hash of what the card shows: tells whether it must be written again."""
        body = json.dumps(self.as_json(), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(body).hexdigest()[:16]


def open_from_facts(company: str, facts: Mapping[str, AgingFact]) -> list[OpenItem]:
    """Open items from the aging facts a sync's finish reads (keyed by entry number). The
    facts carry no invoice date: the aging date stands in (only days-to-pay would read it,
    and nothing here does)."""
    return [
        OpenItem(company, f.customer, int(key), f.aging_date, f.aging_date, f.amount)
        for key, f in facts.items()
    ]


def outlooks(
    company: str,
    settled: Iterable[LedgerLine],
    open_now: list[OpenItem],
    as_of: date,
    *,
    customers: Iterable[str] = (),
    followup: Mapping[str, FollowUpCounts] | None = None,
    qualities: Mapping[str, str] | None = None,
    profiles: Mapping[str, str] | None = None,
) -> dict[str, Outlook]:
    """The outlook of every customer with history or open items (and of `customers`),
    by customer number. One payment model for the company: customers with a thin history
    borrow from similar customers (peers.py: by Sage quality, dunning profile, terms and
    size, from `qualities` and `profiles` by number), or else from the whole company.
    `followup`: per customer, the broken promises and disputes its score counts
    (score.followup_counts)."""
    followup = followup or {}
    none = FollowUpCounts()
    history = [h for h in settled_invoices(settled) if h.company == company]
    groups = similar(
        history,
        open_now,
        {(company, n): q for n, q in (qualities or {}).items()},
        {(company, n): p for n, p in (profiles or {}).items()},
    )
    model = PaymentModel(history, as_of, groups.of, open_now, groups.members)
    predictions: dict[str, list[Prediction]] = defaultdict(list)
    for p in predict_open(model, open_now):
        predictions[p.customer].append(p)
    own_history = defaultdict(list)
    for h in history:
        own_history[h.customer].append(h)
    own_open = defaultdict(list)
    for item in open_now:
        own_open[item.customer].append(item)
    numbers = set(own_history) | set(own_open) | set(customers)
    return {
        n: Outlook(
            score_customer(
                own_history.get(n, []),
                own_open.get(n, []),
                as_of,
                broken_promises=followup.get(n, none).broken_promises,
                disputes=followup.get(n, none).disputes,
            ),
            tuple(predictions.get(n, [])),
        )
        for n in sorted(numbers)
    }
