"""The tenant's dunning configuration through the API (issue 4): scenarios and profiles
(C2, C3, C7, C9, C14), the nightly run's hour and its schedule, penalty rates (B1); stops
(C15), overrides (C17) and profiles chosen by hand on a customer; who may do what; what
the card and the timeline show, and what the nightly run reads back.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from relance.domain.receivables import summarize
from relance.domain.records import Customer, LedgerLine
from relance.store import schedules
from relance.store.codec import from_item
from relance.store.dunning import DunningStore
from relance.store.schedules import NightlySchedules, ScheduleError, schedule_name
from tests.conftest import TABLE
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
TODAY = datetime.now(UTC).date()
D = Decimal
C1 = "/customers/BIJOU/C1"
PLAN_ARN = "arn:aws:lambda:eu-west-3:123456789012:function:relance-nightly-plan"
ROLE_ARN = "arn:aws:iam::123456789012:role/relance-scheduler"


@dataclass
class Api:
    url: str
    keys: Any
    tenant: str

    def __call__(
        self,
        role: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        user_id: str | None = None,
        key: str | None = None,
    ) -> tuple[int, Any]:
        headers = {"Idempotency-Key": key} if key else None
        return user_json(
            self.url, self.keys, self.tenant, role, method, path, body,
            user_id=user_id, headers=headers,
        )  # fmt: skip

    def get(self, path: str) -> Any:
        status, answer = self("viewer", "GET", path)
        assert status == 200, answer
        return answer

    def ok(self, role: str, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        status, answer = self(role, method, path, body, **kw)
        assert status in (200, 201), (status, answer)
        return answer

    def dunning(self) -> Any:
        return self.get(C1)["dunning"]

    def kinds(self) -> list[str]:
        """The card's timeline, newest first, without Sage's invoices."""
        return [e["kind"] for e in self.get(C1)["timeline"] if e["actor"] != "sage"]


def seed(store: Any) -> str:
    """BIJOU's C1 owes entries 10 and 11 (overdue) and 12 (not due); C2 owes 20."""
    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU"])
    late, soon = TODAY - timedelta(days=45), TODAY + timedelta(days=20)
    customers = [
        Customer(company="BIJOU", number="C1", name="Bijouterie Dupont", rep_number=2),
        Customer(company="BIJOU", number="C2", name="Atelier Martin", rep_number=5),
    ]
    lines = [
        LedgerLine(
            company="BIJOU",
            entry_number=entry,
            journal="VTE",
            accounting_date=due,
            due_date=due,
            general_account="4110000",
            customer=customer,
            invoice_number=f"FA{entry}",
            amount=D(amount),
        )
        for entry, customer, amount, due in (
            (10, "C1", "1000.00", late),
            (11, "C1", "250.50", late),
            (12, "C1", "400.00", soon),
            (20, "C2", "300.00", late),
        )
    ]
    store.write_records(tenant, [*customers, *lines])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", customers, lines, TODAY))
    return tenant


@pytest.fixture
def api(api_url: str, local_keys: Any, store: Any) -> Api:
    return Api(api_url, local_keys, seed(store))


def settings_body(version: int) -> dict[str, Any]:
    """The French default scenario plus an account-mode one for large accounts, with a
    profile choosing it by outstanding and Sage quality."""
    return {
        "scenarios": [
            {
                "scenario_id": "standard",
                "name": "Standard",
                "steps": [
                    {"phase": "notice", "days": 5, "template": "prevenance"},
                    {"phase": "reminder", "days": 5, "template": "relance_1",
                     "fallback_channel": "letter"},
                    {"phase": "reminder", "days": 15, "template": "relance_2"},
                    {"phase": "thanks", "template": "remerciement"},
                ],
            },
            {
                "scenario_id": "grands_comptes",
                "name": "Grands comptes",
                "steps": [
                    {"phase": "reminder", "days": 10, "channel": "phone", "template": "appel",
                     "mode": "manual"},
                    {"phase": "reminder", "days": 20, "after": "previous_step",
                     "channel": "letter", "template": "courrier", "claim_penalties": True},
                ],
                "include": {"invoice_journals": ["VTE"], "credit_notes_not_yet_due": True},
                "by_company": {"ATELIER": {"exclude_journals": ["OD"]}},
                "min_item_amount": "50.00",
                "min_customer_amount": "500.00",
                "account_mode": True,
                "min_days_between_reminders": 10,
            },
        ],
        "profiles": [
            {"profile_id": "standard", "name": "Standard", "scenario_id": "standard"},
            {
                "profile_id": "vip",
                "name": "Grands comptes",
                "scenario_id": "grands_comptes",
                "rules": [{"min_outstanding": "10000"}, {"quality": "Grand compte"}],
            },
        ],
        "default_profile": "standard",
        "version": version,
    }  # fmt: skip


# -- tenant settings -----------------------------------------------------------------------
def test_every_role_reads_the_defaults_until_an_admin_saves(api: Api) -> None:
    for role in ("viewer", "user", "admin"):
        status, settings = api(role, "GET", "/settings/dunning")
        assert status == 200, settings
        assert (settings["version"], settings["default_profile"]) == (0, "standard")
        (scenario,) = settings["scenarios"]
        steps = [(s["phase"], s["days"], s["channel"]) for s in scenario["steps"]]
        assert steps[:2] == [("notice", 5, "email"), ("reminder", 5, "email")]
        assert steps[-1] == ("thanks", 0, "email") and len(steps) == 7
    assert api.get("/settings/dunning-run") == {
        "hour": 21, "time_zone": "Europe/Paris", "enabled": True, "version": 0}  # fmt: skip
    rates = api.get("/settings/penalty-rates")
    assert rates["version"] == 0
    assert (D(rates["ecb"]["2024-H1"]), D(rates["legal"]["2026-H1"])) == (D("4.50"), D("2.62"))
    assert (D(rates["margin_points"]), D(rates["floor_multiple"])) == (D("10"), D("3"))


def test_an_admin_saves_scenarios_and_profiles_and_reads_them_back(api: Api) -> None:
    saved = api.ok("admin", "PUT", "/settings/dunning", settings_body(0))
    assert saved["version"] == 1
    read = api.get("/settings/dunning")
    assert read == saved
    large = read["scenarios"][1]
    assert (large["account_mode"], D(large["min_customer_amount"])) == (True, D("500.00"))
    assert large["include"]["invoice_journals"] == ["VTE"]
    assert large["by_company"]["ATELIER"]["exclude_journals"] == ["OD"]
    assert large["steps"][1]["after"] == "previous_step"
    assert large["steps"][0]["fallback_channel"] is None
    vip = read["profiles"][1]
    assert [r["quality"] for r in vip["rules"]] == [None, "Grand compte"]
    assert D(vip["rules"][0]["min_outstanding"]) == D("10000")

    # Saved again at the version read: the next version.
    body = settings_body(1)
    body["default_profile"] = "vip"
    assert api.ok("admin", "PUT", "/settings/dunning", body)["version"] == 2
    assert api.get("/settings/dunning")["default_profile"] == "vip"


def test_a_stale_version_is_refused_and_changes_nothing(api: Api) -> None:
    api.ok("admin", "PUT", "/settings/dunning", settings_body(0))
    before = api.get("/settings/dunning")
    body = settings_body(0)  # read before the save above
    body["default_profile"] = "vip"
    status, answer = api("admin", "PUT", "/settings/dunning", body)
    assert status == 409 and answer["error"]["code"] == "stale_version"
    assert answer["error"]["details"]["current_version"] == 1
    assert api.get("/settings/dunning") == before

    api.ok("admin", "PUT", "/settings/dunning-run", {"hour": 6, "time_zone": "UTC", "version": 0})
    status, answer = api(
        "admin", "PUT", "/settings/dunning-run", {"hour": 7, "time_zone": "UTC", "version": 0}
    )
    assert status == 409 and answer["error"]["details"]["current_version"] == 1
    assert api.get("/settings/dunning-run")["hour"] == 6

    api.ok("admin", "PUT", "/settings/penalty-rates", {"version": 0})
    status, answer = api("admin", "PUT", "/settings/penalty-rates", {"version": 0})
    assert status == 409 and answer["error"]["details"]["current_version"] == 1


@pytest.mark.parametrize(
    ("change", "where", "problem"),
    [
        # R2 before R1.
        (lambda b: b["scenarios"][0]["steps"][2].update(days=3), "scenarios.0",
         "R2 (3 days after the due date) must come after R1 (5 days)"),
        # A reminder before a notice.
        (lambda b: b["scenarios"][0]["steps"].reverse(), "scenarios.0",
         "steps must be in order"),
        (lambda b: b["scenarios"][0]["steps"][1].update(channel="fax"),
         "scenarios.0.steps.1.channel", "Input should be"),
        (lambda b: b["profiles"][1].update(scenario_id="nowhere"), "",
         "profile vip: unknown scenario nowhere"),
        (lambda b: b["profiles"][1]["rules"].append({}), "profiles.1.rules.2",
         "a rule needs at least one criterion"),
        (lambda b: b["scenarios"][1].update(min_item_amount="-1"),
         "scenarios.1.min_item_amount", "greater than or equal to 0"),
    ],
)  # fmt: skip
def test_invalid_settings_are_refused_naming_the_problem(
    api: Api, change: Any, where: str, problem: str
) -> None:
    body = copy.deepcopy(settings_body(0))
    change(body)
    status, answer = api("admin", "PUT", "/settings/dunning", body)
    assert status == 422, answer
    (detail,) = answer["error"]["details"]
    assert detail["where"] == where and problem in detail["problem"], detail
    assert api.get("/settings/dunning")["version"] == 0  # nothing saved


def test_other_invalid_settings_name_their_field(api: Api) -> None:
    status, answer = api(
        "admin", "PUT", "/settings/dunning-run", {"hour": 24, "time_zone": "Mars/Olympus",
                                                  "version": 0}
    )  # fmt: skip
    assert status == 422
    assert {d["where"] for d in answer["error"]["details"]} == {"hour", "time_zone"}
    status, answer = api(
        "admin", "PUT", "/settings/penalty-rates", {"ecb": {"2026-H3": "2"}, "version": 0}
    )
    assert status == 422
    (detail,) = answer["error"]["details"]
    assert detail["where"] == "ecb" and "2026-H3" in detail["problem"]
    status, answer = api("admin", "PUT", "/settings/dunning", {**settings_body(0), "extra": 1})
    assert status == 422 and answer["error"]["details"][0]["where"] == "extra"


def test_collectors_and_viewers_cannot_change_tenant_settings(api: Api) -> None:
    bodies = {
        "/settings/dunning": settings_body(0),
        "/settings/dunning-run": {"hour": 3, "time_zone": "UTC", "version": 0},
        "/settings/penalty-rates": {"version": 0},
    }
    for path, body in bodies.items():
        for role in ("viewer", "user"):
            status, answer = api(role, "PUT", path, body)
            assert status == 403 and answer["error"]["code"] == "role_too_low", (path, role)
        assert api.get(path)["version"] == 0


def test_penalty_rates_are_saved_whole(api: Api) -> None:
    rates = api.get("/settings/penalty-rates")
    rates["ecb"]["2026-H2"] = "2.40"
    rates["legal"]["2026-H2"] = "2.90"
    saved = api.ok("admin", "PUT", "/settings/penalty-rates", rates)
    assert saved["version"] == 1
    read = api.get("/settings/penalty-rates")
    assert read == saved
    assert (D(read["ecb"]["2026-H2"]), D(read["legal"]["2026-H2"])) == (D("2.40"), D("2.90"))
    assert D(read["ecb"]["2023-H1"]) == D("2.50")  # the other rows kept


# -- the nightly run's schedule --------------------------------------------------------------
@pytest.fixture
def scheduler(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """moto's EventBridge Scheduler, with the API's environment naming a nightly function,
    a role and a fresh schedule group, as the CDK app does."""
    group = f"relance-nightly-{secrets.token_hex(3)}"
    client = boto3.client("scheduler")
    client.create_schedule_group(Name=group)
    monkeypatch.setenv(schedules.NIGHTLY_PLAN_ARN_ENV, PLAN_ARN)
    monkeypatch.setenv(schedules.SCHEDULER_ROLE_ARN_ENV, ROLE_ARN)
    monkeypatch.setenv(schedules.SCHEDULE_GROUP_ENV, group)
    return client, group


def test_the_adapter_creates_then_updates_a_tenants_schedule(scheduler: Any) -> None:
    client, group = scheduler
    nightly = NightlySchedules.from_env()
    assert nightly is not None and nightly.group == group
    tenant = f"t-{secrets.token_hex(4)}"
    nightly.apply(tenant, 21, "Europe/Paris", True)
    found = client.get_schedule(Name=schedule_name(tenant), GroupName=group)
    assert found["Name"] == f"relance-nightly-{tenant}"
    assert found["ScheduleExpression"] == "cron(0 21 * * ? *)"
    assert found["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert found["State"] == "ENABLED"
    assert found["FlexibleTimeWindow"] == {"Mode": "OFF"}
    target = found["Target"]
    assert (target["Arn"], target["RoleArn"]) == (PLAN_ARN, ROLE_ARN)
    assert target["Input"] == f'{{"tenant_id": "{tenant}"}}'

    nightly.apply(tenant, 0, "America/Martinique", False)  # exists: updated in place
    found = client.get_schedule(Name=schedule_name(tenant), GroupName=group)
    assert found["ScheduleExpression"] == "cron(0 0 * * ? *)"
    assert (found["ScheduleExpressionTimezone"], found["State"]) == (
        "America/Martinique",
        "DISABLED",
    )
    names = [s["Name"] for s in client.list_schedules(GroupName=group)["Schedules"]]
    assert names == [schedule_name(tenant)]

    lost = NightlySchedules(PLAN_ARN, ROLE_ARN, "no-such-group", nightly.client)
    with pytest.raises(ScheduleError):
        lost.apply(tenant, 21, "Europe/Paris", True)


def test_saving_the_run_hour_creates_updates_and_disables_the_schedule(
    api: Api, scheduler: Any
) -> None:
    client, group = scheduler
    name = schedule_name(api.tenant)
    saved = api.ok("admin", "PUT", "/settings/dunning-run",
                   {"hour": 20, "time_zone": "Europe/Paris", "version": 0})  # fmt: skip
    assert saved == {"hour": 20, "time_zone": "Europe/Paris", "enabled": True, "version": 1,
                     "schedule": "applied"}  # fmt: skip
    found = client.get_schedule(Name=name, GroupName=group)
    assert (found["ScheduleExpression"], found["State"]) == ("cron(0 20 * * ? *)", "ENABLED")
    assert found["Target"]["Input"] == f'{{"tenant_id": "{api.tenant}"}}'

    api.ok("admin", "PUT", "/settings/dunning-run",
           {"hour": 6, "time_zone": "Indian/Reunion", "version": 1})  # fmt: skip
    found = client.get_schedule(Name=name, GroupName=group)
    assert found["ScheduleExpression"] == "cron(0 6 * * ? *)"
    assert found["ScheduleExpressionTimezone"] == "Indian/Reunion"

    body = {"hour": 6, "time_zone": "Indian/Reunion", "enabled": False, "version": 2}
    saved = api.ok("admin", "PUT", "/settings/dunning-run", body)
    assert (saved["enabled"], saved["schedule"]) == (False, "applied")
    assert client.get_schedule(Name=name, GroupName=group)["State"] == "DISABLED"
    assert api.get("/settings/dunning-run") == {
        "hour": 6, "time_zone": "Indian/Reunion", "enabled": False, "version": 3}  # fmt: skip

    # A refused (stale) save leaves the schedule as it was.
    status, _ = api("admin", "PUT", "/settings/dunning-run", {"hour": 1, "version": 2})
    assert status == 409
    assert client.get_schedule(Name=name, GroupName=group)["ScheduleExpression"] == (
        "cron(0 6 * * ? *)"
    )


def test_a_scheduler_failure_keeps_the_settings_and_says_so(
    api: Api, scheduler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, group = scheduler
    monkeypatch.setenv(schedules.SCHEDULE_GROUP_ENV, "no-such-group")
    saved = api.ok("admin", "PUT", "/settings/dunning-run", {"hour": 4, "version": 0})
    assert (saved["version"], saved["schedule"]) == (1, "failed")
    assert api.get("/settings/dunning-run")["hour"] == 4
    # Saving again, once the scheduler works, applies it.
    monkeypatch.setenv(schedules.SCHEDULE_GROUP_ENV, group)
    saved = api.ok("admin", "PUT", "/settings/dunning-run", {"hour": 4, "version": 1})
    assert saved["schedule"] == "applied"
    found = client.get_schedule(Name=schedule_name(api.tenant), GroupName=group)
    assert found["ScheduleExpression"] == "cron(0 4 * * ? *)"


def test_without_a_scheduler_the_run_hour_is_saved_alone(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(schedules.NIGHTLY_PLAN_ARN_ENV, raising=False)
    saved = api.ok("admin", "PUT", "/settings/dunning-run", {"hour": 22, "version": 0})
    assert (saved["hour"], saved["schedule"]) == (22, "not_configured")


# -- per customer: stops, overrides, profile by hand -----------------------------------------
def test_stops_on_the_customer_and_on_an_entry_show_on_the_card_until_lifted(api: Api) -> None:
    whole = api.ok("user", "POST", f"{C1}/stops", {"reason": "Accord de la direction"})
    until = (TODAY + timedelta(days=30)).isoformat()
    one = api.ok("admin", "POST", f"{C1}/stops", {"entry": 11, "until": until})
    assert (whole["entry"], whole["until"], whole["created_by"]) == (None, None, "u-user")
    assert (one["entry"], one["until"], one["reason"]) == (11, until, "")

    dunning = api.dunning()
    assert [s["stop_id"] for s in dunning["stops"]] == [whole["stop_id"], one["stop_id"]]
    assert dunning["stops"][0]["reason"] == "Accord de la direction"
    assert api.kinds() == ["dunning_stopped", "dunning_stopped"]
    (event, _) = [e for e in api.get(C1)["timeline"] if e["actor"] != "sage"]
    # (empty values are not stored: no reason here)
    assert event["summary"] == {"stop_id": one["stop_id"], "entry_number": 11, "until": until}
    assert api.get("/customers/BIJOU/C2")["dunning"]["stops"] == []

    lifted = api.ok("user", "DELETE", f"{C1}/stops/{whole['stop_id']}")
    assert lifted["stop_id"] == whole["stop_id"]
    assert [s["stop_id"] for s in api.dunning()["stops"]] == [one["stop_id"]]
    assert api.kinds()[0] == "dunning_stop_lifted"
    status, answer = api("user", "DELETE", f"{C1}/stops/{whole['stop_id']}")
    assert status == 404 and answer["error"]["code"] == "unknown_stop"
    # A stop is the customer's: another customer's path does not reach it.
    status, _ = api("user", "DELETE", f"/customers/BIJOU/C2/stops/{one['stop_id']}")
    assert status == 404


def test_a_stop_or_override_must_name_an_open_entry_of_the_customer(api: Api) -> None:
    for path, body in (
        (f"{C1}/stops", {"entry": 20}),  # C2's
        (f"{C1}/stops", {"entry": 99}),
        (f"{C1}/overrides", {"entry": 99, "on": TODAY.isoformat()}),
    ):
        status, answer = api("user", "POST", path, body)
        assert status == 422, answer
        assert answer["error"]["code"] == "unknown_entries"
        assert answer["error"]["details"]["field"] == "entry"
    status, answer = api("user", "POST", f"{C1}/stops", {"until": "2020-01-01"})
    assert status == 422 and answer["error"]["details"]["field"] == "until"
    status, answer = api("user", "POST", f"{C1}/overrides", {"step": "T", "on": "2099-01-01"})
    assert status == 422 and "thank-you" in answer["error"]["details"][0]["problem"]
    status, answer = api("user", "POST", f"{C1}/overrides", {"step": "R9", "on": "2099-01-01"})
    assert status == 422 and answer["error"]["details"][0]["where"] == "step"
    assert api.dunning() == {"stops": [], "overrides": [],
                             "profile": {"profile": None, "version": 0, "chosen_by": "",
                                         "chosen_at": None}}  # fmt: skip
    assert api.kinds() == []


def test_a_stop_created_twice_with_the_same_key_is_created_once(api: Api) -> None:
    key = secrets.token_hex(8)
    status, first = api("user", "POST", f"{C1}/stops", {"reason": "Litige"}, key=key)
    assert status == 201
    status, again = api("user", "POST", f"{C1}/stops", {"reason": "Litige"}, key=key)
    assert status == 200 and again == first
    assert [s["stop_id"] for s in api.dunning()["stops"]] == [first["stop_id"]]
    assert api.kinds() == ["dunning_stopped"]
    # Another key, or no key, is another stop.
    assert api("user", "POST", f"{C1}/stops", {}, key=secrets.token_hex(8))[0] == 201
    assert api("user", "POST", f"{C1}/stops", {})[0] == 201
    assert len(api.dunning()["stops"]) == 3


def test_overrides_show_on_the_card_until_removed(api: Api) -> None:
    key = secrets.token_hex(8)
    body = {"entry": 10, "step": "R3", "on": TODAY.isoformat()}
    status, forced = api("user", "POST", f"{C1}/overrides", body, key=key)
    assert status == 201 and (forced["entry"], forced["step"]) == (10, "R3")
    assert api("user", "POST", f"{C1}/overrides", body, key=key) == (200, forced)
    later = (TODAY + timedelta(days=14)).isoformat()
    postponed = api.ok("admin", "POST", f"{C1}/overrides", {"on": later})
    assert (postponed["entry"], postponed["step"]) == (None, None)

    overrides = api.dunning()["overrides"]
    assert [o["override_id"] for o in overrides] == [forced["override_id"],
                                                      postponed["override_id"]]  # fmt: skip
    assert api.kinds() == ["dunning_override", "dunning_override"]
    removed = api.ok("user", "DELETE", f"{C1}/overrides/{forced['override_id']}")
    assert removed == forced
    assert [o["override_id"] for o in api.dunning()["overrides"]] == [postponed["override_id"]]
    assert api.kinds()[0] == "dunning_override_removed"
    status, answer = api("user", "DELETE", f"{C1}/overrides/{forced['override_id']}")
    assert status == 404 and answer["error"]["code"] == "unknown_override"


def test_a_profile_chosen_by_hand_must_exist_and_is_versioned(api: Api) -> None:
    status, answer = api("user", "PUT", f"{C1}/profile", {"profile": "vip", "version": 0})
    assert status == 422 and answer["error"]["code"] == "unknown_profile"
    assert answer["error"]["details"]["field"] == "profile"
    chosen = api.ok("user", "PUT", f"{C1}/profile", {"profile": "standard", "version": 0})
    assert (chosen["profile"], chosen["version"], chosen["chosen_by"]) == ("standard", 1, "u-user")
    assert api.dunning()["profile"] == chosen

    status, answer = api("admin", "PUT", f"{C1}/profile", {"profile": None, "version": 0})
    assert status == 409 and answer["error"]["details"]["current_version"] == 1
    assert api.dunning()["profile"]["profile"] == "standard"

    api.ok("admin", "PUT", "/settings/dunning", settings_body(0))  # adds "vip"
    assert api.ok("user", "PUT", f"{C1}/profile", {"profile": "vip", "version": 1})["version"] == 2
    back = api.ok("user", "PUT", f"{C1}/profile", {"profile": None, "version": 2})
    assert (back["profile"], back["version"]) == (None, 3)
    assert api.dunning()["profile"]["profile"] is None
    assert api.kinds() == ["dunning_profile_chosen"] * 3
    (latest, *_) = [e for e in api.get(C1)["timeline"] if e["actor"] != "sage"]
    assert latest["summary"] == {"previous": "vip"}  # back to the rules: no profile
    status, answer = api("user", "PUT", f"{C1}/profile", {"profile": "Pas Un Id", "version": 3})
    assert status == 422 and answer["error"]["details"][0]["where"] == "profile"


def test_collectors_keep_to_their_portfolio_and_other_tenants_see_nothing(
    api: Api, api_url: str, local_keys: Any, store: Any
) -> None:
    user = {"email": "recouv@ours.fr", "display_name": "R", "role": "user"}
    collector = api.ok("admin", "POST", "/users", user)["user_id"]
    api.ok("admin", "PUT", f"/users/{collector}/portfolio",
           {"rules": [{"rep_number": 5}], "customers": [], "version": 0})  # fmt: skip
    stop = api.ok("admin", "POST", f"{C1}/stops", {})
    override = api.ok("admin", "POST", f"{C1}/overrides", {"on": "2099-01-01"})
    writes = [
        ("POST", f"{C1}/stops", {}),
        ("POST", f"{C1}/overrides", {"on": "2099-01-01"}),
        ("PUT", f"{C1}/profile", {"profile": "standard", "version": 0}),
        ("DELETE", f"{C1}/stops/{stop['stop_id']}", None),
        ("DELETE", f"{C1}/overrides/{override['override_id']}", None),
    ]
    other = Api(api.url, api.keys, seed(store))  # has its own BIJOU C1
    stranger = Api(api.url, api.keys, f"t-{secrets.token_hex(4)}")  # has none
    for method, path, body in writes:
        status, answer = api("user", method, path, body, user_id=collector)
        assert status == 403 and answer["error"]["code"] == "not_in_portfolio", path
        assert api("viewer", method, path, body)[0] == 403
        assert stranger("admin", method, path, body)[0] == 404, path
    # Another tenant's same-named customer: its own stops, never ours.
    assert other("admin", "DELETE", f"{C1}/stops/{stop['stop_id']}")[0] == 404
    assert other.dunning()["stops"] == []
    # The collector works on its own customers.
    assert api("user", "POST", "/customers/BIJOU/C2/stops", {}, user_id=collector)[0] == 201
    dunning = api.dunning()
    assert [s["stop_id"] for s in dunning["stops"]] == [stop["stop_id"]]
    assert [o["override_id"] for o in dunning["overrides"]] == [override["override_id"]]
    assert dunning["profile"]["version"] == 0


# -- what the nightly run reads ----------------------------------------------------------------
def test_the_nightly_run_reads_what_collectors_set_from_the_companys_partition(
    api: Api, store: Any
) -> None:
    stop = api.ok("user", "POST", f"{C1}/stops", {"entry": 11, "reason": "Relancé par tél."})
    override = api.ok("user", "POST", f"{C1}/overrides", {"step": "R2", "on": "2099-01-01"})
    api.ok("user", "PUT", f"{C1}/profile", {"profile": "standard", "version": 0})

    state = DunningStore(TABLE).company_state(api.tenant, "BIJOU")
    ((read_stop,),) = state.stops.values()
    assert (read_stop.stop_id, read_stop.entry, read_stop.until) == (stop["stop_id"], 11, None)
    assert read_stop.active(date(2099, 1, 1))
    ((read_override,),) = state.overrides.values()
    assert (read_override.override_id, read_override.step) == (override["override_id"], "R2")
    assert read_override.on == date(2099, 1, 1)
    assert state.profiles == {"C1": "standard"}
    assert set(state.stops) == set(state.overrides) == {"C1"}

    # The keys are the contract of store/keys.py ("Dunning").
    raw = store.client.get_item(
        TableName=TABLE,
        Key={"PK": {"S": f"T#{api.tenant}#DUN#BIJOU"}, "SK": {"S": f"STOP#C1#{stop['stop_id']}"}},
    )["Item"]
    item = from_item(raw)
    assert (item["GSI1PK"], item["GSI1SK"]) == (
        f"T#{api.tenant}#CO#BIJOU#CUST#C1",
        f"DUNNING#STOP#{stop['stop_id']}",
    )
    assert (item["item_type"], item["company"], item["customer"]) == ("stop", "BIJOU", "C1")
    profile = from_item(
        store.client.get_item(
            TableName=TABLE,
            Key={"PK": {"S": f"T#{api.tenant}#DUN#BIJOU"}, "SK": {"S": "PROFILE#C1"}},
        )["Item"]
    )
    assert (profile["GSI1SK"], profile["item_type"], profile["version"]) == (
        "DUNNING#PROFILE",
        "profile_choice",
        1,
    )
