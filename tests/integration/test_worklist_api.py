"""The collectors' side of the dunning run through the API, as users see it: task lists
(C4), completing a manual action, alerts (C13), the dry run (B9), mass runs by criteria
(C5), the individual reminder (C6) and the history of runs.

Routes that use "today" read the real clock in the tenant's zone (Europe/Paris by
default): data is seeded relative to it. Nightly runs go through the real handlers with
an explicit date (local.nightly.run_nightly).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from local.nightly import drain_dispatch, run_nightly
from relance.domain.dunning import DunningSettings, Scenario, Step, default_settings
from relance.domain.receivables import summarize
from relance.domain.records import Customer, Journal, LedgerLine
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
D = Decimal
CARD = "/customers/BIJOU/{}"


def paris_today() -> date:
    return datetime.now(ZoneInfo("Europe/Paris")).date()


@dataclass
class Api:
    url: str
    keys: Any
    tenant: str

    def __call__(
        self, role: str, method: str, path: str, body: Any = None, *, user_id: str | None = None
    ) -> tuple[int, Any]:
        return user_json(
            self.url, self.keys, self.tenant, role, method, path, body, user_id=user_id
        )

    def ok(self, role: str, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        status, answer = self(role, method, path, body, **kw)
        assert status in (200, 201), (status, answer)
        return answer

    def items(self, path: str, role: str = "admin", user_id: str | None = None) -> list[Any]:
        return list(self.ok(role, "GET", path, user_id=user_id)["items"])

    def card(self, number: str) -> Any:
        return self.ok("viewer", "GET", CARD.format(number))

    def reminders(self, number: str) -> list[tuple[str, str, str]]:
        """(as_of, step, status) of the reminders the card shows, oldest first."""
        shown = self.card(number)["reminders"]
        return sorted((r["as_of"], r["step"], r["status"]) for r in shown)

    def collector(self, name: str, portfolio: dict[str, Any]) -> str:
        new = {"email": f"{name}@bijou.fr", "display_name": name, "role": "user"}
        user = self.ok("admin", "POST", "/users", new)
        self.ok("admin", "PUT", f"/users/{user['user_id']}/portfolio", {**portfolio, "version": 0})
        return str(user["user_id"])


@dataclass
class Seeder:
    store: Any
    tenant: str
    customers: list[Customer]
    lines: list[LedgerLine]

    def add(self, customer: Customer, *invoices: tuple[int, date, str], as_of: date) -> None:
        """A customer and its open invoices (entry, due date, amount), and the summaries."""
        lines = [
            LedgerLine(
                company="BIJOU",
                entry_number=entry,
                journal="VTE",
                accounting_date=due - timedelta(30),
                due_date=due,
                general_account="4110000",
                customer=customer.number,
                amount=D(amount),
                invoice_number=f"FA{entry}",
            )
            for entry, due, amount in invoices
        ]
        self.customers.append(customer)
        self.lines += lines
        self.store.write_records(self.tenant, [customer, *lines])
        self.store.replace_summaries(
            self.tenant, "BIJOU", summarize("BIJOU", self.customers, self.lines, as_of)
        )


@pytest.fixture
def seeder(store: Any) -> Seeder:
    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU"])
    store.write_records(tenant, [Journal(company="BIJOU", code="VTE", label="Ventes", type=1)])
    return Seeder(store, tenant, [], [])


@pytest.fixture
def api(api_url: str, local_keys: Any, seeder: Seeder) -> Api:
    return Api(api_url, local_keys, seeder.tenant)


def customer(number: str, **fields: Any) -> Customer:
    return Customer(company="BIJOU", number=number, name=f"Client {number}", **fields)


def phone_first(api: Api) -> None:
    """The default scenario with R1 a manual phone call, and one day at least between two
    reminders (so that R2, due at +15, can follow the call the next day)."""
    base = default_settings()
    standard = base.scenarios[0]
    steps = list(standard.steps)
    steps[1] = Step(phase="reminder", days=5, channel="phone", template="appel_r1", mode="manual")
    scenario = Scenario.model_validate(
        {**standard.model_dump(), "steps": steps, "min_days_between_reminders": 1}
    )
    settings = DunningSettings.model_validate({**base.model_dump(), "scenarios": [scenario]})
    saved = api.ok("admin", "PUT", "/settings/dunning", settings.model_dump(mode="json"))
    assert saved["scenarios"][0]["steps"][1]["mode"] == "manual"


def mine(messages: list[dict[str, Any]], tenant: str) -> list[tuple[str, str]]:
    return sorted((m["customer"], m["step"]) for m in messages if m["tenant_id"] == tenant)


# -- 1. tasks (C4) -------------------------------------------------------------------------
def test_manual_steps_become_tasks_in_the_pool_or_the_collectors_list(
    api: Api, seeder: Seeder
) -> None:
    today = paris_today()
    phone_first(api)
    seeder.add(
        customer("C1", phone="01 02 03 04 05"), (1, today - timedelta(10), "1200.00"), as_of=today
    )
    assert run_nightly(seeder.tenant, today)["failed"] == []

    (task,) = api.items("/tasks")  # the admin sees the unassigned pool
    assert (task["customer"], task["step"], task["channel"]) == ("C1", "R1", "phone")
    assert (task["assignee"], task["status"], D(str(task["amount"]))) == ("_", "to_do", D(1200))
    assert task["entries"] == [1] and task["recipient"]["phone"] == "01 02 03 04 05"

    # Sophie's portfolio covers the company; tasks are assigned when made: C1's stays in
    # the pool, the task of a customer reminded after that is hers.
    sophie = api.collector("sophie", {"rules": [{"company": "BIJOU"}], "customers": []})
    seeder.add(
        customer("C2", phone="06 00 00 00 00"), (2, today - timedelta(9), "300.00"), as_of=today
    )
    assert run_nightly(seeder.tenant, today + timedelta(1))["failed"] == []
    hers = api.items("/tasks", "user", sophie)
    assert [(t["customer"], t["step"], t["assignee"]) for t in hers] == [("C2", "R1", sophie)]
    assert [t["customer"] for t in api.items("/tasks")] == ["C1"]  # admin: own + pool
    assert [t["customer"] for t in api.items(f"/tasks?assignee={sophie}")] == ["C2"]
    assert [t["customer"] for t in api.items("/tasks", "user", "marc")] == ["C1"]  # no portfolio
    assert api.items("/tasks", "viewer") == []  # its own list: nothing
    assert api.items("/tasks?status=done") == []
    status, answer = api("user", "GET", f"/tasks?assignee={sophie}", user_id="marc")
    assert status == 403 and answer["error"]["code"] == "not_your_tasks"
    assert api("viewer", "GET", f"/tasks?assignee={sophie}")[0] == 403


# -- 2. completing a manual action ---------------------------------------------------------
def test_completing_a_task_moves_the_item_on_and_only_once(api: Api, seeder: Seeder) -> None:
    today = paris_today()
    phone_first(api)
    seeder.add(
        customer("C1", phone="01 02 03 04 05", email="compta@un.fr"),
        (1, today - timedelta(40), "800.00"),
        as_of=today,
    )
    first = today - timedelta(10)
    assert run_nightly(seeder.tenant, first)["failed"] == []  # 30 days late: R1 first
    assert api.reminders("C1") == [(first.isoformat(), "R1", "to_do")]

    # While the call is pending the item waits, though R2 (+15) would be due.
    assert run_nightly(seeder.tenant, today - timedelta(2))["failed"] == []
    assert api.reminders("C1") == [(first.isoformat(), "R1", "to_do")]
    assert api.card("C1")["open_items"][0]["last_step"]["pending"] is True

    # The tenant works in UTC+14: the call is done on its date, not UTC's.
    zone = "Pacific/Kiritimati"
    run = {"hour": 21, "time_zone": zone, "enabled": True, "version": 0}
    assert api.ok("admin", "PUT", "/settings/dunning-run", run)["time_zone"] == zone
    path = f"/customers/BIJOU/C1/actions/{first.isoformat()}_R1/complete"
    assert api("user", "POST", path, {"outcome": "maybe"})[0] == 422
    assert api("viewer", "POST", path, {"outcome": "done"})[0] == 403
    done = api.ok(
        "user", "POST", path, {"outcome": "done", "note": "Paiement promis"}, user_id="marc"
    )["items"][0]
    assert (done["step"], done["status"], done["done_by"]) == ("R1", "done", "marc")
    (shown,) = api.card("C1")["reminders"]
    assert shown["action_id"] == f"{first.isoformat()}_R1"
    assert (shown["status"], shown["done_by"]) == ("done", "marc")
    called_on = datetime.now(ZoneInfo(zone)).date()
    assert api.card("C1")["open_items"][0]["last_step"] == {
        "step": "R1",
        "on": called_on.isoformat(),
        "times": 1,
        "pending": False,
    }
    assert "task_done" in [e["kind"] for e in api.card("C1")["timeline"]]
    (task,) = api.items("/tasks?status=done")
    assert (task["customer"], task["done_by"]) == ("C1", "marc")
    assert api.items("/tasks?status=to_do") == []

    status, answer = api("user", "POST", path, {"outcome": "done"}, user_id="marc")
    assert status == 409 and answer["error"]["code"] == "action_not_open"
    missing = f"/customers/BIJOU/C1/actions/{today.isoformat()}_R4/complete"
    status, answer = api("user", "POST", missing, {"outcome": "done"})
    assert status == 404 and answer["error"]["code"] == "unknown_action"

    drain_dispatch()
    next_day = (called_on + timedelta(1)).isoformat()
    assert run_nightly(seeder.tenant, called_on + timedelta(1))["failed"] == []
    assert api.reminders("C1") == [(first.isoformat(), "R1", "done"), (next_day, "R2", "queued")]
    assert mine(drain_dispatch(), seeder.tenant) == [("C1", "R2")]


# -- 3. alerts (C13) -----------------------------------------------------------------------
def test_alerts_are_raised_scoped_and_cleared_when_the_detail_is_added(
    api: Api, seeder: Seeder
) -> None:
    today = paris_today()
    seeder.add(
        customer("C1", no_reminder=True, email="a@un.fr"),
        (1, today - timedelta(20), "50.00"),
        as_of=today,
    )
    # No email, and the default notice is an email without fallback.
    seeder.add(customer("C2"), (2, today + timedelta(3), "300.00"), as_of=today)
    assert run_nightly(seeder.tenant, today)["failed"] == []

    def alerts(role: str = "admin", user_id: str | None = None, query: str = "") -> set[Any]:
        found = api.items(f"/alerts{query}", role, user_id)
        return {(a["customer"], a["kind"], a.get("step", "")) for a in found}

    both = {("C1", "no_reminder", ""), ("C2", "missing_email", "N1")}
    assert alerts() == both and alerts("viewer") == both
    assert alerts(query="?company=BIJOU") == both and alerts(query="?company=AUTRE") == set()
    (raised,) = [a for a in api.items("/alerts") if a["customer"] == "C1"]
    assert raised["detail"] == "CT_NotRappel" and raised["entries"] == []
    sophie = api.collector(
        "sophie", {"rules": [], "customers": [{"company": "BIJOU", "number": "C2"}]}
    )
    assert alerts("user", sophie) == {("C2", "missing_email", "N1")}
    assert api.reminders("C1") == [] and api.reminders("C2") == []

    # The next night, nothing changed: the alert stays.
    assert run_nightly(seeder.tenant, today + timedelta(1))["failed"] == []
    assert alerts() == both

    # A contact with an email entered on the card: the next night the notice goes to it
    # and the alert is cleared.
    details = {
        "contacts": [{"name": "Compta", "role": "comptabilité", "email": "compta@deux.fr"}],
        "version": 0,
    }
    api.ok("user", "PUT", "/customers/BIJOU/C2/details", details, user_id=sophie)
    day3 = today + timedelta(2)
    assert run_nightly(seeder.tenant, day3)["failed"] == []
    assert alerts() == {("C1", "no_reminder", "")}
    assert alerts("user", sophie) == set()
    (notice,) = api.card("C2")["reminders"]
    assert (notice["step"], notice["as_of"]) == ("N1", day3.isoformat())
    assert notice["recipient"]["email"] == "compta@deux.fr"


# -- 4. the dry run (B9) -------------------------------------------------------------------
def three_customers(seeder: Seeder, today: date) -> None:
    """C1 is reminded by email (R1), C2 given notice (N1); C3, with neither email nor
    address, becomes a task (R1)."""
    seeder.add(
        customer("C1", email="compta@un.fr"), (1, today - timedelta(10), "1000.00"), as_of=today
    )
    seeder.add(
        customer("C2", email="compta@deux.fr"), (2, today + timedelta(3), "200.00"), as_of=today
    )
    seeder.add(customer("C3"), (3, today - timedelta(8), "300.00"), as_of=today)


def test_a_preview_writes_nothing_and_the_run_then_does_exactly_that(
    api: Api, seeder: Seeder
) -> None:
    today = paris_today()
    three_customers(seeder, today)
    drain_dispatch()

    preview = api.ok("viewer", "POST", "/dunning/preview", {})
    assert (preview["dry_run"], preview["as_of"], preview["actions"]) == (
        True,
        today.isoformat(),
        3,
    )
    assert D(preview["amount"]) == D(1500)
    (company,) = preview["companies"]
    assert company["company"] == "BIJOU" and company["by_step"] == {"R1": 2, "N1": 1}
    planned = {
        (row["customer"], a["step"], a["channel"], a["mode"])
        for row in company["preview"]
        for a in row["actions"]
    }
    assert planned == {
        ("C1", "R1", "email", "auto"),
        ("C2", "N1", "email", "auto"),
        ("C3", "R1", "email", "manual"),
    }
    assert [row["actions"][0]["entries"] for row in company["preview"]] == [[1], [2], [3]]

    # Nothing written: no action on the cards, no task, no alert, nothing queued, no run.
    assert [api.reminders(n) for n in ("C1", "C2", "C3")] == [[], [], []]
    assert api.items("/tasks") == [] and api.items("/alerts") == []
    assert api.items("/dunning/runs") == []
    assert mine(drain_dispatch(), seeder.tenant) == []

    run = api.ok("admin", "POST", "/dunning/runs", {})
    assert (run["dry_run"], run["actions"], run["amount"]) == (False, 3, preview["amount"])
    assert run["companies"][0]["by_step"] == company["by_step"]
    assert "preview" not in run["companies"][0]
    made = {(n, step) for n in ("C1", "C2", "C3") for _, step, _ in api.reminders(n)}
    assert made == {("C1", "R1"), ("C2", "N1"), ("C3", "R1")}
    assert [(t["customer"], t["step"]) for t in api.items("/tasks")] == [("C3", "R1")]
    assert mine(drain_dispatch(), seeder.tenant) == [("C1", "R1"), ("C2", "N1")]

    again = api.ok("user", "POST", "/dunning/runs", {})
    assert again["actions"] == 0
    assert [len(api.reminders(n)) for n in ("C1", "C2", "C3")] == [1, 1, 1]
    assert len(api.items("/tasks")) == 1 and mine(drain_dispatch(), seeder.tenant) == []


# -- 5. mass runs by criteria (C5) and 7. the history of runs -------------------------------
def test_mass_runs_follow_their_criteria_and_the_callers_portfolio(
    api: Api, seeder: Seeder
) -> None:
    today = paris_today()
    for entry, late in enumerate((10, 25, 30, 12, 8), start=1):
        seeder.add(
            customer(f"C{entry}", email=f"c{entry}@client.fr"),
            (entry, today - timedelta(late), "100.00"),
            as_of=today,
        )

    def reminded() -> list[str]:
        return [n for n in ("C1", "C2", "C3", "C4", "C5") if api.reminders(n)]

    status, answer = api("viewer", "POST", "/dunning/runs", {})
    assert status == 403 and reminded() == []

    only_c1 = api.ok("admin", "POST", "/dunning/runs", {"customers": ["C1"]})
    assert only_c1["actions"] == 1 and reminded() == ["C1"]
    late = api.ok("admin", "POST", "/dunning/runs", {"min_days_late": 20})
    assert late["actions"] == 2 and reminded() == ["C1", "C2", "C3"]
    assert api.reminders("C2") == [(today.isoformat(), "R1", "queued")]

    # Sophie's portfolio holds C4: her run, even asked for C5, stays within it.
    sophie = api.collector(
        "sophie", {"rules": [], "customers": [{"company": "BIJOU", "number": "C4"}]}
    )
    outside = api.ok("user", "POST", "/dunning/runs", {"customers": ["C5"]}, user_id=sophie)
    assert outside["actions"] == 0 and reminded() == ["C1", "C2", "C3"]
    hers = api.ok("user", "POST", "/dunning/runs", {}, user_id=sophie)
    assert hers["actions"] == 1 and reminded() == ["C1", "C2", "C3", "C4"]
    status, answer = api("admin", "POST", "/dunning/runs", {"company": "AUTRE"})
    assert status == 404 and answer["error"]["code"] == "unknown_company"

    # 7. The night then reminds C5 only; the runs list shows it beside the mass runs.
    assert run_nightly(seeder.tenant, today)["failed"] == []
    assert reminded() == ["C1", "C2", "C3", "C4", "C5"]
    runs = api.items("/dunning/runs", "viewer")
    (night,) = [r for r in runs if r["kind"] == "nightly"]
    assert (night["as_of"], night["company"], night["dry_run"]) == (
        today.isoformat(),
        "BIJOU",
        False,
    )
    assert (night["actions"], night["by_step"], night["customers"]) == (1, {"R1": 1}, 5)
    manual = sorted(r["actions"] for r in runs if r["kind"] == "manual")
    assert manual == [0, 1, 1, 2]
    assert all(r["finished_at"] for r in runs) and len(runs) == 5


# -- 6. the individual reminder (C6) -------------------------------------------------------
def test_an_individual_reminder_goes_now_once_and_never_past_a_dispute(
    api: Api, seeder: Seeder, api_url: str, local_keys: Any
) -> None:
    today = paris_today()
    seeder.add(
        customer("C1", email="compta@un.fr"), (1, today - timedelta(2), "450.00"), as_of=today
    )
    seeder.add(
        customer("C2", email="compta@deux.fr"), (2, today - timedelta(20), "90.00"), as_of=today
    )
    api.ok("admin", "POST", "/customers/BIJOU/C2/disputes", {"reason": "price", "entries": [2]})
    # Only 2 days late: the scenario's R1 (+5) is not due yet.
    assert api.ok("admin", "POST", "/dunning/preview", {"customers": ["C1"]})["actions"] == 0

    path = "/customers/BIJOU/C1/reminders"
    assert api("viewer", "POST", path, {"step": "R1"})[0] == 403
    other = Api(api.url, api.keys, f"t-{secrets.token_hex(4)}")
    status, answer = other("admin", "POST", path, {"step": "R1"})
    assert status == 404 and answer["error"]["code"] == "unknown_customer"
    assert api("admin", "POST", path, {"step": "R9"})[0] == 422

    drain_dispatch()
    status, sent = api("user", "POST", path, {"step": "R1"})
    assert status == 201, sent
    assert (sent["actions"], sent["companies"][0]["by_step"]) == (1, {"R1": 1})
    assert api.reminders("C1") == [(today.isoformat(), "R1", "queued")]
    assert api.card("C1")["dunning"]["overrides"] == []  # spent
    assert mine(drain_dispatch(), seeder.tenant) == [("C1", "R1")]

    status, answer = api("user", "POST", path, {"step": "R1"})
    assert status == 409 and answer["error"]["code"] == "nothing_to_send", answer
    assert api.reminders("C1") == [(today.isoformat(), "R1", "queued")]
    assert api.card("C1")["dunning"]["overrides"] == []

    status, answer = api("admin", "POST", "/customers/BIJOU/C2/reminders", {"step": "R1"})
    assert status == 409 and answer["error"]["code"] == "nothing_to_send"
    assert api.reminders("C2") == [] and api.card("C2")["dunning"]["overrides"] == []
    assert mine(drain_dispatch(), seeder.tenant) == []


# -- 5b. mass runs by scenario step (C5) --------------------------------------------------


def planned(answer: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (row["customer"], action["step"])
        for company in answer["companies"]
        for row in company.get("preview", [])
        for action in row["actions"]
    }


def test_a_step_narrows_the_preview_and_the_run_to_the_customers_due_at_it(
    api: Api, seeder: Seeder
) -> None:
    today = paris_today()
    three_customers(seeder, today)  # C1 R1 email, C2 N1 email, C3 R1 task
    drain_dispatch()

    notice = api.ok("viewer", "POST", "/dunning/preview", {"step": "N1"})
    assert planned(notice) == {("C2", "N1")} and notice["actions"] == 1
    assert D(notice["amount"]) == D(200)
    first = api.ok("viewer", "POST", "/dunning/preview", {"step": "R1"})
    assert planned(first) == {("C1", "R1"), ("C3", "R1")} and first["actions"] == 2
    nobody = api.ok("viewer", "POST", "/dunning/preview", {"step": "R4"})
    assert nobody["actions"] == 0 and planned(nobody) == set()

    status, answer = api("admin", "POST", "/dunning/preview", {"step": "R9"})
    assert status == 422 and "step" in str(answer)

    # A step nobody is due at: nothing sent, no run recorded.
    none = api.ok("admin", "POST", "/dunning/runs", {"step": "R4"})
    assert (none["actions"], none["companies"]) == (0, [])
    assert api.items("/dunning/runs") == []

    # A collector whose portfolio holds C3 only: its R1 run reminds C3, not C1.
    sophie = api.collector(
        "sophie", {"rules": [], "customers": [{"company": "BIJOU", "number": "C3"}]}
    )
    hers = api.ok("user", "POST", "/dunning/runs", {"step": "R1"}, user_id=sophie)
    assert hers["actions"] == 1 and [len(api.reminders(n)) for n in ("C1", "C3")] == [0, 1]

    run = api.ok("admin", "POST", "/dunning/runs", {"step": "R1"})
    assert run["actions"] == 1 and run["companies"][0]["by_step"] == {"R1": 1}
    assert [api.reminders(n)[0][1] for n in ("C1", "C3")] == ["R1", "R1"]
    assert api.reminders("C2") == []  # its N1 was not asked for
    assert mine(drain_dispatch(), seeder.tenant) == [("C1", "R1")]
    assert api.ok("viewer", "POST", "/dunning/preview", {"step": "R1"})["actions"] == 0
