"""What a call's outcome records beside closing its task (issue 5, "Phone and other media").

A promise (V5) or a dispute (V4) said on the phone is checked exactly as the card's own
forms are (services/followup.py), then handed back as TransactItems for the task's
completion to write in the same transaction: either the task is closed with its promise
or dispute, or nothing is written. A body that does not fit is refused (422) naming the
field of the completion's body, before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from relance.auth.identity import Identity
from relance.domain.followup import NewDispute, NewPromise
from relance.services.errors import Invalid
from relance.services.followup import CustomerFile, FollowUpService

if TYPE_CHECKING:
    from relance.services.worklist import Completion

# The follow-up's own field names -> the completion body's.
_FIELDS = {"promised_date": "promise.date", "entries": "{kind}.entries", "reason": "dispute.reason"}


def _required(kind: str) -> Invalid:
    what = {"promise": ("amount and date", "montant et date"),
            "dispute": ("reason", "motif")}[kind]  # fmt: skip
    return Invalid(
        f"{kind}_required",
        f"The outcome {kind} needs `{kind}` ({what[0]}).",
        f"Le résultat {kind} demande `{kind}` ({what[1]}).",
        field=kind,
    )


def _renamed(err: Invalid, kind: str) -> Invalid:
    field = str(err.details.get("field", ""))
    if field in _FIELDS:
        err.details["field"] = _FIELDS[field].format(kind=kind)
    return err


def checked(body: Completion) -> None:
    """The promise or dispute an outcome needs, and nothing an outcome does not use."""
    for kind in ("promise", "dispute"):
        given = getattr(body, kind) is not None
        if body.outcome == kind and not given:
            raise _required(kind)
        if given and body.outcome != kind:
            raise Invalid(
                "unexpected_field",
                f"`{kind}` goes with the outcome {kind} only.",
                f"`{kind}` ne va qu'avec le résultat {kind}.",
                field=kind,
            )


def recorded(
    followup: FollowUpService, who: Identity, file: CustomerFile, body: Completion, now: datetime
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The TransactItems of the promise or dispute the call recorded (none for the other
    outcomes), and what the answer and the call's timeline event say of it."""
    checked(body)
    store = followup.store
    if body.promise is not None:
        wanted = NewPromise(amount=body.promise.amount, promised_date=body.promise.date,
                            entries=body.promise.entries, note=body.note)  # fmt: skip
        try:
            promise, writes, rollup = followup.promise_change(who, file, wanted, now)
        except Invalid as err:
            raise _renamed(err, "promise") from None
        items = store.transact_items(who.tenant, file.company, file.number, writes, rollup)
        return items, {"promise_id": promise.promise_id}
    if body.dispute is not None:
        said = NewDispute(reason=body.dispute.reason, entries=body.dispute.entries,
                          note=body.dispute.comment or body.note)  # fmt: skip
        try:
            dispute, writes, rollup = followup.dispute_change(who, file, said, now)
        except Invalid as err:
            raise _renamed(err, "dispute") from None
        items = store.transact_items(who.tenant, file.company, file.number, writes, rollup)
        return items, {"dispute_id": dispute.dispute_id}
    return [], {}


def announce(followup: FollowUpService, who: Identity, file: CustomerFile,
             ids: dict[str, str]) -> None:  # fmt: skip
    """Once the task's transaction committed: its promise or dispute, to integrators (B8),
    as the card's own forms announce theirs (read back: what was committed)."""
    from relance.domain.followup import Dispute, Promise
    from relance.services.integration_events import (
        announce_dispute_opened,
        announce_promise_recorded,
    )

    if "promise_id" in ids:
        stored = followup.store.get(who.tenant, file.company, file.number,
                                    f"PROMISE#{ids['promise_id']}")  # fmt: skip
        if stored:
            promise = Promise.model_validate(stored)
            announce_promise_recorded(who.tenant, file.company, file.number, promise)
    if "dispute_id" in ids:
        stored = followup.store.get(who.tenant, file.company, file.number,
                                    f"DISPUTE#{ids['dispute_id']}")  # fmt: skip
        if stored:
            dispute = Dispute.model_validate(stored)
            announce_dispute_opened(who.tenant, file.company, file.number, dispute)
