"""An action's id in a document link: `{as_of}_{step}`, a fallback letter's step included."""

from __future__ import annotations

from datetime import date

import pytest

from relance.services.action_documents import parse_action_id
from relance.services.errors import Invalid


@pytest.mark.parametrize(
    ("action_id", "expected"),
    [
        ("2026-11-23_R2", (date(2026, 11, 23), "R2")),
        ("2026-01-05_N1", (date(2026, 1, 5), "N1")),
        ("2026-11-02_R1-letter", (date(2026, 11, 2), "R1-letter")),
    ],
)
def test_a_run_date_and_a_step_are_read(action_id: str, expected: tuple[date, str]) -> None:
    assert parse_action_id(action_id) == expected


@pytest.mark.parametrize(
    "action_id",
    ["R2", "2026-11-23", "2026-11-23_R9", "2026-13-02_R1", "20261123_R1", "2026-11-23_R2-email",
     "../2026-11-23_R2"],
)  # fmt: skip
def test_anything_else_is_refused_naming_the_field(action_id: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_action_id(action_id)
    assert refused.value.details == {"field": "action_id"}
    assert "2026-11-23_R2" in refused.value.message_fr
