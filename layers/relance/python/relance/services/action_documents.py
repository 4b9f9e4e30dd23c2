"""The stored document of one action (C16): the letter PDF, or the email as sent (.eml),
as a short-lived link straight to S3.

A letter still to approve (a manual letter task: nothing sent, nothing stored) is rendered
on demand, as the dispatch renders letters, and stored at the action's key: what the
collector reads, approves and prints is that PDF.

Whoever may read the customer's card may read its documents: the tenant is the caller's
(another tenant's customer is unknown: 404) and a collector with a portfolio reads its
customers only (403, like the card). The key comes from the action the dispatch recorded,
and must start with the caller's tenant: a record can never open another tenant's file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, get_args

from relance.auth.identity import Identity
from relance.domain.dunning.scenarios import StepId
from relance.services.errors import Conflict, Invalid, NotFound
from relance.store.documents import EML, PDF, DocumentStore, action_document_key
from relance.store.dunning import DunningStore

LINK_LIFETIME = timedelta(minutes=5)  # long enough to open it, short enough not to share
CONTENT_TYPES = {"pdf": PDF, "eml": EML}
STEPS = frozenset(get_args(StepId))


def parse_action_id(action_id: str) -> tuple[date, str]:
    """`{as_of}_{step}` (as the card and the task list give it) into its date and step."""
    as_of, _, step = action_id.partition("_")
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        day = None
    # A bounced email's fallback letter is its own action, step `R1-letter` (decision 29).
    if day is None or len(as_of) != 10 or step.removesuffix("-letter") not in STEPS:
        raise Invalid(
            "bad_action_id",
            f"action_id must be a run date and a step, like 2026-11-23_R2 (got {action_id!r}).",
            f"action_id doit être une date de relance et une étape, comme 2026-11-23_R2 "
            f"(reçu {action_id!r}).",
            field="action_id",
        )
    return day, step


# (tenant, action as stored, now) -> the letter's PDF; raises ValueError with the reason
# when the letter cannot be rendered (no template, a template error, no address).
LetterRenderer = Callable[[str, dict[str, Any], datetime], bytes]


def letter_to_approve(action: dict[str, Any] | None) -> bool:
    return bool(
        action
        and action.get("channel") == "letter"
        and action.get("mode") == "manual"
        and action.get("status") == "to_do"
        and not action.get("document_key")
    )


class ActionDocumentService:
    def __init__(
        self,
        dunning: DunningStore,
        documents: DocumentStore,
        render_letter: LetterRenderer | None = None,
    ) -> None:
        self.dunning = dunning
        self.documents = documents
        self.render_letter = render_letter

    def link(
        self, who: Identity, company: str, number: str, action_id: str, now: datetime
    ) -> dict[str, Any]:
        """The caller must have been allowed the customer already (the card's rules)."""
        as_of, step = parse_action_id(action_id)
        action = self.dunning.action(who.tenant, company, number, action_id)
        if action is not None and letter_to_approve(action) and self.render_letter:
            action = {**action, "document_key": self._draft(who.tenant, action, now)}
        key = str((action or {}).get("document_key") or "")
        extension = key.rsplit(".", 1)[-1]
        if not key.startswith(f"{who.tenant}/") or extension not in CONTENT_TYPES:
            raise NotFound(
                "no_document",
                f"No document was stored for action {action_id} of customer {number}.",
                f"Aucun document n'est enregistré pour l'action {action_id} du client {number}.",
            )
        filename = f"{company}_{number}_{as_of.isoformat()}_{step}.{extension}"
        seconds = int(LINK_LIFETIME.total_seconds())
        return {
            "url": self.documents.presign(key, seconds, filename),
            "content_type": CONTENT_TYPES[extension],
            "expires_at": (now + LINK_LIFETIME).isoformat(),
        }

    def _draft(self, tenant: str, action: dict[str, Any], now: datetime) -> str:
        assert self.render_letter is not None
        try:
            pdf = self.render_letter(tenant, action, now)
        except ValueError as err:
            raise Conflict(
                "letter_not_renderable",
                f"This letter cannot be produced: {err}.",
                f"Ce courrier ne peut pas être produit : {err}.",
            ) from None
        as_of = str(action["as_of"])[:10]
        key = action_document_key(
            tenant, str(action["company"]), str(action["customer"]), as_of,
            str(action["step"]), "pdf",
        )  # fmt: skip
        return self.documents.put(key, pdf, PDF)
