"""A letter still to approve (a manual letter task), rendered as the dispatch renders the
letters it sends: same composition, template choice and PDF (services/dispatch.py). The
API loads this, and the dispatch's code, only when such a letter is opened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from relance.domain.templates import RenderError
from relance.services.dispatch import DispatchService, Unsendable
from relance.store.dispatch import ActionRef


def letter_draft(
    dispatch: DispatchService, tenant: str, action: dict[str, Any], now: datetime
) -> bytes:
    """The PDF; ValueError with the reason when it cannot be rendered."""
    ref = ActionRef(
        tenant, str(action["company"]), str(action["customer"]), str(action["as_of"])[:10],
        str(action["step"]),
    )  # fmt: skip
    try:
        composed = dispatch.compose(ref, action)
        rendered = dispatch.render(ref, action, composed, "letter", now)
        # The dispatch's own assembly of a letter from its rendering (no public twin).
        letter = dispatch._letter_of(action, rendered, composed)
    except (RenderError, Unsendable) as err:
        raise ValueError(str(err)) from None
    return dispatch.letters.letter_pdf(letter)
