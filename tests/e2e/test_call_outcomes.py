"""A call from "Mes actions" in the browser (issue 5): the numbers and script are on the
task, nobody answers (the task stays, one attempt counted), then the customer promises
to pay (the promise is on the card and the task is gone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from bench.web import World
from tests.e2e.conftest import SIZES, call, sign_in

pytestmark = pytest.mark.integration


def _call_task(world: World) -> dict[str, Any]:
    """A call of its own: the last one (the journeys take the first ones, one per size),
    whose recipient's name no other call shares."""
    _, listing = call(world, "admin", "GET", "/tasks?status=to_do")
    calls = sorted((t for t in listing["items"] if t["channel"] == "phone"), key=lambda t: t["key"])
    names = [t["recipient"]["name"] for t in calls]
    unique = [t for t in calls if names.count(t["recipient"]["name"]) == 1]
    assert len(unique) > len(SIZES), "the world plans enough calls"
    return dict(unique[-1])


@pytest.mark.parametrize("size", ["desktop"])
def test_a_call_nobody_answers_stays_then_a_promise_closes_it(
    page: Any, world: World, size: str
) -> None:
    task = _call_task(world)
    assert task["script"] and task["phones"], "the API scripts the call"
    sign_in(page, world, "admin")
    page.get_by_role("navigation").get_by_role("link", name="Mes actions").click()
    name = task["recipient"]["name"]
    card = page.locator("li.task").filter(has=page.get_by_role("link", name=name, exact=True))
    expect(card).to_have_count(1)
    expect(card.get_by_role("link", name=f"Appeler {task['phones'][0]['number']}")).to_be_visible()
    card.locator("summary", has_text="Script d’appel").click()
    expect(card).to_contain_text(task["customer"])

    card.get_by_role("button", name="Pas de réponse").click()
    expect(card).to_contain_text("Tentative enregistrée")
    expect(card).to_contain_text("Tentatives : 1")

    card.get_by_role("button", name="Promesse…").click()
    promised = (datetime.now(UTC).date() + timedelta(10)).isoformat()
    card.get_by_label("Montant (€)").fill("123.45")
    card.get_by_label("Date promise").fill(promised)
    card.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").filter(has_text="Action terminée.")).to_be_visible()
    expect(card).to_have_count(0)

    _, customer = call(world, "admin", "GET", f"/customers/{task['company']}/{task['customer']}")
    promises = [(Decimal(p["amount"]), p["promised_date"]) for p in customer["promises"]]
    assert (Decimal("123.45"), promised) in promises
    events = [e["kind"] for e in customer["timeline"]]
    assert "task_no_answer" in events and "task_promise" in events
