"""Phone tasks as a collector works them (issue 5, "Phone and other media"): the task
list carries the call script and the customer's numbers; the call's outcome (reached, no
answer, promise, dispute) closes the task or keeps it, and records the promise (V5) or
the dispute (V4) in the same transaction. Through the real API on the stand-ins.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pytest

from local.nightly import drain_dispatch, run_nightly
from relance.domain.dunning import DunningSettings, Scenario, Step, default_settings
from relance.domain.records import Contact, Journal
from tests.integration.test_worklist_api import Api, D, Seeder, customer, paris_today

pytestmark = pytest.mark.integration


@pytest.fixture
def seeder(store: Any) -> Seeder:
    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU"])
    store.write_records(tenant, [Journal(company="BIJOU", code="VTE", label="Ventes", type=1)])
    return Seeder(store, tenant, [], [])


@pytest.fixture
def api(api_url: str, local_keys: Any, seeder: Seeder) -> Api:
    return Api(api_url, local_keys, seeder.tenant)


def call_first(api: Api) -> None:
    """The default scenario with R1 a manual phone call on the default call script."""
    base = default_settings()
    standard = base.scenarios[0]
    steps = list(standard.steps)
    steps[1] = Step(phase="reminder", days=5, channel="phone", template="appel", mode="manual")
    scenario = Scenario.model_validate(
        {**standard.model_dump(), "steps": steps, "min_days_between_reminders": 1}
    )
    settings = DunningSettings.model_validate({**base.model_dump(), "scenarios": [scenario]})
    api.ok("admin", "PUT", "/settings/dunning", settings.model_dump(mode="json"))


def two_calls(api: Api, seeder: Seeder) -> str:
    """C1 and C2, 40 days late, each with an R1 call to make (run ten days ago): its date."""
    today = paris_today()
    call_first(api)
    seeder.add(
        customer("C1", phone="01 02 03 04 05", contact_name="Claire Dupont"),
        (1, today - timedelta(40), "800.00"),
        (3, today - timedelta(35), "200.00"),
        as_of=today,
    )
    seeder.add(customer("C2", phone="06 00 00 00 00"), (2, today - timedelta(40), "300.00"),
               as_of=today)  # fmt: skip
    first = today - timedelta(10)
    assert run_nightly(seeder.tenant, first)["failed"] == []
    return first.isoformat()


def task_of(api: Api, number: str) -> dict[str, Any]:
    (task,) = [t for t in api.items("/tasks") if t["customer"] == number]
    return dict(task)


def test_a_call_task_lists_its_script_and_the_numbers_to_call(api: Api, seeder: Seeder) -> None:
    two_calls(api, seeder)
    seeder.store.write_records(seeder.tenant, [
        Contact(company="BIJOU", customer="C1", number=1, first_name="Paul", last_name="Roy",
                function="Comptable", mobile="06 11 22 33 44"),
    ])  # fmt: skip
    task = task_of(api, "C1")
    assert task["channel"] == "phone" and task["status"] == "to_do"
    script = task["script"]
    assert "Client C1" in script and "FA1" in script and "FA3" in script
    assert "01 02 03 04 05" in script  # the number to dial, in the script too
    assert {"name": "Paul Roy", "role": "Comptable", "number": "06 11 22 33 44"} in [
        {k: p[k] for k in ("name", "role", "number")} for p in task["phones"]
    ]
    assert task["phones"][0]["number"] == "01 02 03 04 05"  # the customer's card first
    assert task["phones"][0]["name"] == "Claire Dupont"


def test_a_promise_made_on_the_phone_is_on_the_card_and_closes_the_task(
    api: Api, seeder: Seeder
) -> None:
    first = two_calls(api, seeder)
    path = f"/customers/BIJOU/C1/actions/{first}_R1/complete"
    later = (paris_today() + timedelta(7)).isoformat()

    # Bad bodies are refused naming the field, and nothing is written.
    status, answer = api("user", "POST", path, {"outcome": "promise"})
    assert status == 422 and answer["error"]["details"]["field"] == "promise"
    past = {"amount": "500.00", "date": (paris_today() - timedelta(3)).isoformat()}
    status, answer = api("user", "POST", path, {"outcome": "promise", "promise": past})
    assert status == 422 and answer["error"]["details"]["field"] == "promise.date"
    unknown = {"amount": "500.00", "date": later, "entries": [99]}
    status, answer = api("user", "POST", path, {"outcome": "promise", "promise": unknown})
    assert status == 422 and answer["error"]["details"]["field"] == "promise.entries"
    status, _ = api(
        "user", "POST", path, {"outcome": "promise", "promise": {"amount": "-1", "date": later}}
    )
    assert status == 422
    status, answer = api("user", "POST", path, {"outcome": "reached", "dispute": {"reason": "x"}})
    assert status == 422 and answer["error"]["details"]["field"] == "dispute"
    assert api.card("C1")["promises"] == [] and task_of(api, "C1")["status"] == "to_do"

    # A viewer cannot; another tenant does not know the customer.
    good = {"outcome": "promise", "note": "Virement la semaine prochaine",
            "promise": {"amount": "500.00", "date": later, "entries": [1]}}  # fmt: skip
    assert api("viewer", "POST", path, good)[0] == 403
    other = Api(api.url, api.keys, "t-other-tenant")
    assert other("admin", "POST", path, good)[0] == 404
    assert api.card("C1")["promises"] == []

    done = api.ok("user", "POST", path, good, user_id="marc")["items"][0]
    assert (done["status"], done["outcome"], done["done_by"]) == ("done", "promise", "marc")
    (promise,) = api.card("C1")["promises"]
    assert (D(promise["amount"]), promise["promised_date"], promise["entries"]) == (
        D(500), later, [1])  # fmt: skip
    assert (promise["made_by"], promise["promise_id"]) == ("marc", done["promise_id"])
    task = task_of(api, "C1")
    assert (task["status"], task["outcome"], task["done_by"]) == ("done", "promise", "marc")
    kinds = {e["kind"]: e for e in api.card("C1")["timeline"]}
    assert kinds["task_promise"]["summary"]["promise_id"] == promise["promise_id"]
    assert kinds["task_promise"]["summary"]["channel"] == "phone"
    assert "promise_made" in kinds
    # Once only: the task is closed.
    status, answer = api("user", "POST", path, good, user_id="marc")
    assert status == 409 and answer["error"]["code"] == "action_not_open"
    assert len(api.card("C1")["promises"]) == 1


def test_no_answer_keeps_the_call_and_a_dispute_takes_the_item_out_of_the_next_reminder(
    api: Api, seeder: Seeder
) -> None:
    first = two_calls(api, seeder)
    c1 = f"/customers/BIJOU/C1/actions/{first}_R1/complete"
    c2 = f"/customers/BIJOU/C2/actions/{first}_R1/complete"

    kept = api.ok("user", "POST", c1, {"outcome": "no_answer"}, user_id="marc")["items"][0]
    assert (kept["status"], kept["attempts"]) == ("to_do", 1)
    task = task_of(api, "C1")
    assert (task["status"], task["attempts"], task["last_attempt_by"]) == ("to_do", 1, "marc")
    assert "task_no_answer" in [e["kind"] for e in api.card("C1")["timeline"]]
    api.ok("user", "POST", c1, {"outcome": "no_answer"})
    assert task_of(api, "C1")["attempts"] == 2
    done = api.ok("user", "POST", c1, {"outcome": "reached", "note": "Paiement en cours"})
    assert (done["items"][0]["status"], done["items"][0]["outcome"]) == ("done", "reached")

    status, answer = api("user", "POST", c2, {"outcome": "dispute", "dispute": {"reason": "nope"}})
    assert status == 422 and answer["error"]["details"]["field"] == "dispute.reason"
    assert api.card("C2")["disputes"] == []
    said = {"reason": "price", "entries": [2], "comment": "Prix non conforme au devis"}
    done = api.ok("user", "POST", c2, {"outcome": "dispute", "dispute": said})["items"][0]
    (dispute,) = api.card("C2")["disputes"]
    assert (dispute["dispute_id"], dispute["reason"], dispute["entries"]) == (
        done["dispute_id"], "price", [2])  # fmt: skip
    assert dispute["note"] == "Prix non conforme au devis" and D(dispute["amount"]) == D(300)
    assert task_of(api, "C2")["outcome"] == "dispute"

    # The next night: C1, reached, gets its R2; C2's disputed invoice is held back.
    drain_dispatch()
    called_on = paris_today()
    assert run_nightly(seeder.tenant, called_on + timedelta(1))["failed"] == []
    assert [r["step"] for r in api.card("C1")["reminders"]] == ["R2", "R1"]
    assert [r["step"] for r in api.card("C2")["reminders"]] == ["R1"]
