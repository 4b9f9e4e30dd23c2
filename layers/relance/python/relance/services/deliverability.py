"""SES events -> the reminder's status, suppressed addresses, alerts, fallback letters (B5).

One event at a time, in an order that makes a retried or repeated event safe: the
action's status is raised last, and only if it ranks below the news. Before it, every
write is idempotent (a suppression keeps its first reason, the alert its key, the letter
is written only if new; a letter still queued is queued again, which the dispatch's claim
makes harmless). So a crash half-way is finished by Lambda's retry, and an event that
arrives twice finds the status raised and does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from relance.domain.deliverability import (
    STATUS_RANK,
    Ignored,
    SesEvent,
    Verdict,
    decide,
    event_alert,
    fallback_letter,
    letter_step,
    parse,
)
from relance.domain.dunning.contacts import postal_address
from relance.domain.dunning.profiles import DunningSettings
from relance.store.deliverability import DeliverabilityStore

Dispatch = Callable[[str, list[dict[str, Any]]], None]


class NotSentYet(Exception):
    """The event names an action the dispatch has not recorded as sent yet (SES was
    faster than the dispatch's write): failing lets Lambda retry it a minute later."""


class DeliverabilityService:
    def __init__(
        self,
        store: DeliverabilityStore,
        settings: Callable[[str], DunningSettings],
        dispatch: Dispatch | None = None,
    ) -> None:
        self.store = store
        self.settings = settings  # the tenant's scenarios (nightly_service().settings)
        self.dispatch = dispatch  # the dispatch queue, as the nightly run sends to it

    def handle(self, raw: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """What the event did: {"result": ..., ...}, never personal data (it is logged)."""
        event = parse(raw)
        if isinstance(event, Ignored):
            return {"result": "ignored", "reason": event.reason}
        ref = event.action
        action = self.store.action(
            event.tenant, ref.company, ref.customer, ref.as_of.isoformat(), ref.step
        )
        if action is None:  # another tenant's action, or one that never was: not ours
            return {"result": "ignored", "reason": "unknown action", "tenant": event.tenant}
        if not action.get("message_id") and action.get("status") in ("queued", "sending"):
            raise NotSentYet(ref.key)
        suppressed = (
            self.store.suppressed(event.tenant)
            if event.kind in ("bounce", "complaint")
            else frozenset()
        )
        verdict = decide(event, action, suppressed)
        if isinstance(verdict, Ignored):
            return {"result": "ignored", "reason": verdict.reason, "tenant": event.tenant}
        outcome: dict[str, Any] = {"result": verdict.status, "tenant": event.tenant}
        if verdict.alert is not None:
            outcome |= self._unreachable(event, verdict, action, now)
        below = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[verdict.status]]
        news = {"event": event.kind, "at": event.at, "detail": event.detail,
                "message_id": event.message_id, "received_at": now}  # fmt: skip
        if not self.store.mark(event.tenant, action, verdict.status, below, news):
            outcome["result"] = "ignored"  # a concurrent copy of the event got there first
            outcome["reason"] = "status moved on meanwhile"
        return outcome

    def _unreachable(
        self, event: SesEvent, verdict: Verdict, action: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        """A permanent bounce or a complaint: suppress, fall back to a letter, alert."""
        why = {"reason": verdict.status, "at": event.at, "message_id": event.message_id,
               "action": event.action.key, "company": event.action.company,
               "customer": event.action.customer, "detail": event.detail}  # fmt: skip
        added = sum(self.store.suppress(event.tenant, a, why) for a in verdict.suppress)
        fallback, note = "none", "other recipients remain: no letter"
        if verdict.fallback:
            fallback, note = self._fallback(event, action, verdict.status)
        self.store.put_alert(event.tenant, event_alert(event, verdict, action, note), now)
        return {"suppressed": added, "alert": verdict.alert, "fallback": fallback}

    def _fallback(self, event: SesEvent, action: dict[str, Any], why: str) -> tuple[str, str]:
        """(what happened, the alert's note): the step's letter, when its scenario says so."""
        step = letter_step(self.settings(event.tenant), str(action.get("scenario")), action["step"])
        if step is None:
            return "none", "the scenario has no letter fallback for this step"
        ref = event.action
        customer = self.store.customer(event.tenant, ref.company, ref.customer)
        address = postal_address(customer) if customer is not None else ()
        if not address:
            return "none", "no letter: the customer has no postal address"
        letter = fallback_letter(action, step, address, why)
        task = _task(letter) if letter["mode"] == "manual" else None
        created = self.store.add_letter(event.tenant, letter, task)
        if task is not None:
            return "task", "a letter to send is in the collector's tasks"
        held = letter if created else self.store.action(
            event.tenant, ref.company, ref.customer, str(letter["as_of"]), letter["step"]
        )  # fmt: skip
        if held is not None and held.get("status") == "queued" and self.dispatch is not None:
            self.dispatch(event.tenant, [letter])  # again after a crash: the claim dedups
        return "letter", "a letter is sent instead"


def _task(action: Mapping[str, Any]) -> dict[str, Any]:
    """A task list entry, as the nightly run writes one (services/nightly.py _task)."""
    keep = ("key", "as_of", "company", "customer", "step", "phase", "level", "channel",
            "amount", "days_late", "recipient", "status")  # fmt: skip
    return {k: action[k] for k in keep} | {"entries": [line["entry"] for line in action["lines"]]}
