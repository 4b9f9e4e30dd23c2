"""Payment-date prediction (B3): when each open invoice will be paid, with an 80 % range.

What a collector recorded wins over what the model learned: a repositioned date (V10) on
the invoice first, then an open payment promise covering it (V5), then the customer's
delay model (delays.py), shrunk toward its peers when its history is thin, then its
peers' or the whole company's, and at last the due date itself.
An open invoice already past its expected date is predicted from what the customer did
with invoices that late (its payments later than that, minus the days already elapsed).
Pure: as_of, the history and the follow-up records are parameters.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from relance.domain.followup import Promise
from relance.domain.payments.delays import (
    DelayModel,
    fit_delays,
    pooled,
    quantile,
    shrunk,
)
from relance.domain.payments.history import OpenItem, SettledInvoice, by_customer

Source = Literal["repositioned", "promise", "customer", "peers", "company", "due_date"]
CustomerKey = tuple[str, str]  # (company, customer)
MIN_OWN_INVOICES = 5
LATE_FALLBACK_DAYS = 14  # an overdue invoice the history cannot say anything about


@dataclass(frozen=True)
class Estimate:
    expected_on: date
    earliest: date
    latest: date
    source: Source
    invoices: int  # settled invoices behind it


@dataclass(frozen=True)
class Prediction:
    company: str
    customer: str
    entry_number: int
    amount: Decimal
    due_date: date
    expected_on: date
    earliest: date
    latest: date
    source: Source
    invoices: int


def _days(value: float) -> timedelta:
    return timedelta(days=round(value))


class PaymentModel:
    """Every customer's delay model as of a date, with its peers' and the company's."""

    def __init__(
        self,
        history: Sequence[SettledInvoice],
        as_of: date,
        peer_of: Mapping[CustomerKey, str] | None = None,
        open_now: Sequence[OpenItem] = (),
        peer_members: Mapping[str, Collection[CustomerKey]] | None = None,
    ) -> None:
        """`peer_of`: each customer's peer group; `peer_members`: who each group pools
        (peers.py: a group at a coarse level also holds customers whose own group is
        finer); without it a group pools the customers `peer_of` puts in it.
        `open_now`: the open items at as_of; their due dates correct the fit for the
        invoices a slow payer has not paid yet (see delays.py)."""
        self.as_of = as_of
        self.peer_of = dict(peer_of or {})
        self.histories = by_customer(h for h in history if h.paid_on <= as_of)
        self.company = pooled(list(self.histories.values()), as_of)
        if peer_members is None:
            members: dict[str, list[CustomerKey]] = defaultdict(list)
            for key in self.histories:
                members[self.peer_of.get(key, "")].append(key)
            peer_members = members
        groups: dict[str, list[Sequence[SettledInvoice]]] = defaultdict(list)
        self.peer_delays: dict[str, list[int]] = defaultdict(list)
        for group, keys in peer_members.items():
            for key in keys:
                items = self.histories.get(key, [])
                if items:
                    groups[group].append(items)
                    self.peer_delays[group].extend(h.days_late for h in items)
        self.peers = {g: pooled(members, as_of) for g, members in groups.items()}
        pending: dict[CustomerKey, list[date]] = defaultdict(list)
        for item in open_now:
            if item.amount > 0:
                pending[(item.company, item.customer)].append(item.due_date)
        # A thin history cannot show what a slow new customer does: its oldest unpaid
        # invoice can (it will be at least that late), the floor of its expected delay.
        self.floors = {
            key: max((as_of - due).days for due in dues)
            for key, dues in pending.items()
            if any(due < as_of for due in dues)
        }
        self.customers: dict[CustomerKey, DelayModel] = {}
        for key, items in self.histories.items():
            own = fit_delays(items, as_of, pending.get(key, []))
            if own is not None:
                self.customers[key] = own

    def model_for(self, key: CustomerKey) -> tuple[DelayModel, Source]:
        model, source = self._model_for(key)
        floor = self.floors.get(key)
        thin = model.invoices < MIN_OWN_INVOICES or source != "customer"
        if thin and floor is not None and floor > model.level:
            return replace(model, level=float(floor), slope=0.0, season={}), source
        return model, source

    def _model_for(self, key: CustomerKey) -> tuple[DelayModel, Source]:
        own = self.customers.get(key)
        peers = self.peers.get(self.peer_of.get(key, ""))
        if own is not None and own.invoices >= MIN_OWN_INVOICES:
            return own, "customer"
        if own is not None:
            return shrunk(own, peers or self.company), "customer"
        if peers is not None and peers.invoices:
            return peers, "peers"
        if self.company.invoices:
            return self.company, "company"
        return DelayModel(level=0.0, as_of=self.as_of), "due_date"

    def estimate(self, key: CustomerKey, due: date) -> Estimate:
        """When an invoice of this customer due on `due` will be paid (not yet overdue)."""
        model, source = self.model_for(key)
        delay = model.delay(due)
        return Estimate(
            expected_on=due + _days(delay),
            earliest=due + _days(delay + model.low),
            latest=due + _days(delay + model.high),
            source=source,
            invoices=model.invoices,
        )

    def _overdue(self, key: CustomerKey, due: date) -> Estimate:
        """An invoice already later than expected: what this customer does when that late."""
        elapsed = (self.as_of - due).days
        delays = [h.days_late for h in self.histories.get(key, [])]
        source: Source = "customer"
        if not delays:
            delays = self.peer_delays.get(self.peer_of.get(key, ""), [])
            source = "peers" if delays else "due_date"
        if not delays and key not in self.peer_of:  # no group of its own: the company's
            delays = [h.days_late for items in self.histories.values() for h in items]
            source = "company" if delays else "due_date"
        later = sorted(float(d - elapsed) for d in delays if d > elapsed)
        if len(later) < 3:
            remaining, low, high = float(LATE_FALLBACK_DAYS), 0.0, 2.0 * LATE_FALLBACK_DAYS
        else:
            remaining = quantile(later, 0.5)
            low, high = quantile(later, 0.1), quantile(later, 0.9)
        return Estimate(
            expected_on=self.as_of + _days(remaining),
            earliest=self.as_of + _days(max(0.0, low)),
            latest=self.as_of + _days(max(remaining, high)),
            source=source,
            invoices=len(delays),
        )

    def predict_item(
        self,
        item: OpenItem,
        *,
        repositioned: date | None = None,
        promises: Sequence[Promise] = (),
    ) -> Prediction:
        key = (item.company, item.customer)
        estimate = self._estimate_item(item, key, repositioned, promises)
        return Prediction(
            company=item.company,
            customer=item.customer,
            entry_number=item.entry_number,
            amount=item.amount,
            due_date=item.due_date,
            expected_on=estimate.expected_on,
            earliest=min(estimate.earliest, estimate.expected_on),
            latest=max(estimate.latest, estimate.expected_on),
            source=estimate.source,
            invoices=estimate.invoices,
        )

    def _estimate_item(
        self,
        item: OpenItem,
        key: CustomerKey,
        repositioned: date | None,
        promises: Sequence[Promise],
    ) -> Estimate:
        if repositioned is not None:
            day = max(repositioned, self.as_of)
            return Estimate(day, day, day, "repositioned", 0)
        promised = [
            p.promised_date
            for p in promises
            if p.status == "open" and (not p.entries or item.entry_number in p.entries)
        ]
        if promised:
            day = max(min(promised), self.as_of)
            return Estimate(day, day, day, "promise", 0)
        if item.amount <= 0:  # a credit note or an unallocated payment: used, not paid
            day = max(item.due_date, self.as_of)
            return Estimate(day, day, day, "due_date", 0)
        estimate = self.estimate(key, item.due_date)
        if estimate.expected_on >= self.as_of:
            if estimate.earliest < self.as_of:
                return Estimate(
                    estimate.expected_on,
                    self.as_of,
                    estimate.latest,
                    estimate.source,
                    estimate.invoices,
                )
            return estimate
        return self._overdue(key, item.due_date)


def predict_open(
    model: PaymentModel,
    items: Sequence[OpenItem],
    *,
    repositioned: Mapping[tuple[str, int], date] | None = None,
    promises: Mapping[CustomerKey, Sequence[Promise]] | None = None,
) -> list[Prediction]:
    """Every open item's prediction. `repositioned` is keyed (company, entry number)."""
    repositioned = repositioned or {}
    promises = promises or {}
    return [
        model.predict_item(
            item,
            repositioned=repositioned.get((item.company, item.entry_number)),
            promises=promises.get((item.company, item.customer), ()),
        )
        for item in items
    ]


def mean_abs_error(pairs: Sequence[tuple[date, date]]) -> float:
    """Mean absolute error in days between predicted and actual dates."""
    if not pairs:
        return math.nan
    return sum(abs((p - a).days) for p, a in pairs) / len(pairs)
