"""The customer card's follow-up sections, from the items one card Query returns. Pure.

The Sage side (identity, contacts, open items, aged balance) and the follow-up side
(disputes, promises, comments, details, invoice notes, events) arrive together; this puts
them side by side: each open item says whether it is disputed, its repositioned date and
its comments; the timeline merges what users did with the invoices' own dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from relance.domain.aging import days_late
from relance.domain.details import Details, ItemNote
from relance.domain.dunning_config import DUNNING_ITEM_TYPES, CustomerDunning
from relance.domain.followup import ZERO, Comment, Dispute, Promise, TimelineEvent
from relance.domain.records import LedgerLine

FOLLOWUP_TYPES = frozenset(
    {
        "dispute",
        "promise",
        "comment",
        "details",
        "item_note",
        "event",
        "action",
        "dunning_history",
        *DUNNING_ITEM_TYPES,
    }
)


class FollowUp:
    """A customer's follow-up items, sorted by kind."""

    def __init__(self, items: Iterable[dict[str, Any]]) -> None:
        self.disputes: list[Dispute] = []
        self.promises: list[Promise] = []
        self.comments: list[Comment] = []
        self.events: list[TimelineEvent] = []
        self.details = Details()
        self.notes: dict[int, ItemNote] = {}
        self.dunning = CustomerDunning()  # stops, overrides, profile chosen by hand
        self.actions: list[dict[str, Any]] = []  # reminders issued by the dunning runs
        self.last_steps: dict[int, dict[str, Any]] = {}  # entry -> last step done
        for stored in items:
            kind = stored.get("item_type")
            # Key attributes (PK, SK, GSI1PK...) are the store's, not the model's.
            item = {k: v for k, v in stored.items() if not k.isupper() and k != "item_type"}
            if kind == "dispute":
                self.disputes.append(Dispute.model_validate(item))
            elif kind == "promise":
                self.promises.append(Promise.model_validate(item))
            elif kind == "comment":
                self.comments.append(Comment.model_validate(item))
            elif kind == "event":
                self.events.append(TimelineEvent.model_validate(item))
            elif kind == "details":
                self.details = Details.model_validate(item)
            elif kind in DUNNING_ITEM_TYPES:
                self.dunning.add(kind, item)
            elif kind == "action":
                self.actions.append(item)
            elif kind == "dunning_history":
                self.last_steps = {int(e): v for e, v in item.get("entries", {}).items()}
            elif kind == "item_note":
                self.notes[int(item["entry_number"])] = ItemNote.model_validate(
                    {k: v for k, v in item.items() if k in ItemNote.model_fields}
                )

    def disputed(self, entry: int) -> bool:
        return any(d.covers(entry) for d in self.disputes)


def open_items(lines: list[LedgerLine], follow: FollowUp, today: date) -> list[dict[str, Any]]:
    comments: dict[int, int] = {}
    for c in follow.comments:
        if c.entry_number is not None:
            comments[c.entry_number] = comments.get(c.entry_number, 0) + 1
    rows = []
    for line in lines:
        note = follow.notes.get(line.entry_number, ItemNote())
        rows.append(
            {
                **line.model_dump(mode="json"),
                "days_late": days_late(line.aging_date, today),
                "disputed": follow.disputed(line.entry_number),
                "expected_date": note.expected_date.isoformat() if note.expected_date else None,
                "fields": note.fields,
                "note_version": note.version,
                "comments": comments.get(line.entry_number, 0),
                "last_step": follow.last_steps.get(line.entry_number),
            }
        )
    return rows


def to_chase(lines: list[LedgerLine], follow: FollowUp, today: date) -> Decimal:
    """Overdue and not disputed: what a reminder may ask for (V1, V4)."""
    return sum(
        (
            line.amount
            for line in lines
            if days_late(line.aging_date, today) > 0 and not follow.disputed(line.entry_number)
        ),
        ZERO,
    )


def disputed_now(lines: list[LedgerLine], follow: FollowUp) -> Decimal:
    """What is disputed of what is open today (a settled invoice is no longer disputed)."""
    return sum((line.amount for line in lines if follow.disputed(line.entry_number)), ZERO)


def timeline(lines: list[LedgerLine], follow: FollowUp, limit: int = 200) -> list[dict[str, Any]]:
    """Newest first: what users and syncs did, and when each open invoice was issued."""
    entries: list[tuple[datetime, dict[str, Any]]] = [
        (e.at.replace(tzinfo=None), e.model_dump(mode="json")) for e in follow.events
    ]
    for action in follow.actions:
        at = datetime.combine(date.fromisoformat(str(action["as_of"])), time(6))
        entries.append(
            (
                at,
                {
                    "event_id": f"action-{action['as_of']}-{action['step']}",
                    "kind": action.get("phase", "reminder"),
                    "at": at.isoformat(),
                    "actor": "relance",
                    "summary": {
                        "step": action["step"],
                        "channel": action.get("channel"),
                        "status": action.get("status"),
                        "amount": str(action.get("amount", "")),
                    },
                },
            )
        )
    for line in lines:
        at = datetime.combine(line.accounting_date, time())
        entries.append(
            (
                at,
                {
                    "event_id": f"invoice-{line.entry_number}",
                    "kind": "invoice" if line.amount > 0 else "credit",
                    "at": at.isoformat(),
                    "actor": "sage",
                    "summary": {
                        "entry_number": line.entry_number,
                        "invoice_number": line.invoice_number,
                        "amount": str(line.amount),
                    },
                },
            )
        )
    entries.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for _, entry in entries[:limit]]


def _newest(action: dict[str, Any]) -> tuple[str, str]:
    return str(action["as_of"]), str(action["step"])


def sections(lines: list[LedgerLine], follow: FollowUp, today: date) -> dict[str, Any]:
    """Everything the card adds to the Sage data."""
    return {
        "open_items": open_items(lines, follow, today),
        "to_chase": str(to_chase(lines, follow, today)),
        "disputed": str(disputed_now(lines, follow)),
        "disputes": [
            d.model_dump(mode="json")
            for d in sorted(follow.disputes, key=lambda d: (d.status != "open", d.opened_at))
        ],
        "promises": [
            p.model_dump(mode="json")
            for p in sorted(follow.promises, key=lambda p: (p.status != "open", p.promised_date))
        ],
        "comments": [
            c.model_dump(mode="json")
            for c in sorted(follow.comments, key=lambda c: c.created_at, reverse=True)
        ],
        "details": follow.details.model_dump(mode="json"),
        "flagged": follow.details.flagged,
        "timeline": timeline(lines, follow),
        "dunning": follow.dunning.section(today),
        "reminders": [
            {**a, "action_id": f"{a['as_of']}_{a['step']}"}
            for a in sorted(
                follow.actions, key=lambda a: (str(a["as_of"]), a["step"]), reverse=True
            )
        ],
    }
