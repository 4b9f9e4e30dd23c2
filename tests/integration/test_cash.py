"""Cash objectives, collected to date on the dashboard (V6), and the daily cash report
(K1) on the stand-ins: DynamoDB Local, moto's SES v2 read back from /moto-api/data.json."""

from __future__ import annotations

import email
import os
import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from email.policy import default as default_policy
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from relance.domain.receivables import summarize
from relance.domain.records import Customer, LedgerLine, SettledLine
from relance.store.dynamo import SyncStore
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
SENDER = "rapport@relance.test"
TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()  # the dashboard's "today"
YESTERDAY = TODAY - timedelta(days=1)
FIRST = TODAY.replace(day=1) if TODAY.day > 1 else YESTERDAY  # C2's payment
PAYMENTS = {"C1": (YESTERDAY, Decimal("250.10")), "C2": (FIRST, Decimal("100.05"))}


@pytest.fixture(scope="module", autouse=True)
def sending(aws: Any) -> None:
    from local import standins

    os.environ["RELANCE_DEFAULT_SENDER"] = SENDER
    os.environ["RELANCE_SEND_RATE"] = "200"
    standins.ensure_sending(aws, [SENDER])


def settled(entry: int, customer: str, amount: str, on: date, code: str) -> SettledLine:
    return SettledLine(
        company="BIJOU", entry_number=entry, journal="BQ" if Decimal(amount) < 0 else "VTE",
        accounting_date=on, general_account="4110000", customer=customer,
        amount=Decimal(amount), lettering=code, due_date=on,
    )  # fmt: skip


@pytest.fixture
def tenant(store: Any) -> str:
    """BIJOU: C1 (owes 1000.00, paid 250.10 yesterday), C2 (owes 500.00, paid 100.05 on
    the 1st of the month when that is not today, else yesterday)."""
    from relance.services.cash import record_collected

    tenant = f"t-{secrets.token_hex(4)}"
    customers = [
        Customer(company="BIJOU", number="C1", name="Alpha SARL"),
        Customer(company="BIJOU", number="C2", name="Bêta SA"),
    ]
    open_lines = [
        LedgerLine(company="BIJOU", entry_number=1, journal="VTE", general_account="4110000",
                   accounting_date=TODAY - timedelta(60), due_date=TODAY - timedelta(30),
                   customer="C1", amount=Decimal("1000.00")),
        LedgerLine(company="BIJOU", entry_number=2, journal="VTE", general_account="4110000",
                   accounting_date=TODAY - timedelta(10), due_date=TODAY + timedelta(20),
                   customer="C2", amount=Decimal("500.00")),
    ]  # fmt: skip
    history = [
        settled(10, "C1", "250.10", YESTERDAY - timedelta(40), "AA"),
        settled(11, "C1", "-250.10", YESTERDAY, "AA"),
        settled(12, "C2", "100.05", FIRST - timedelta(30), "AB"),
        settled(13, "C2", "-100.05", FIRST, "AB"),
    ]
    store.register_companies(tenant, ["BIJOU"])
    store.write_records(tenant, [*customers, *open_lines, *history])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", customers, open_lines, TODAY))
    record_collected(store, tenant, "BIJOU", history, TODAY)
    return tenant


def test_objectives_are_saved_at_the_version_read_and_bad_ones_refused(
    api_url: str, local_keys: Any, tenant: str
) -> None:
    def put(body: Any) -> tuple[int, Any]:
        return user_json(api_url, local_keys, tenant, "admin", "PUT",
                         "/settings/cash-objectives", body)  # fmt: skip

    month = f"{TODAY:%Y-%m}"
    status, saved = put({"objectives": [{"month": month, "amount": "3000.00"},
                                        {"month": month, "company": "BIJOU", "amount": "2000"}],
                         "version": 0})  # fmt: skip
    assert status == 200 and saved["version"] == 1
    assert saved["objectives"][0] == {"month": month, "company": None, "amount": "3000.00"}
    status, stale = put({"objectives": [], "version": 0})
    assert status == 409 and stale["error"]["details"]["current_version"] == 1
    for bad, field in (
        ({"month": "2026-13", "amount": "1"}, "month"),
        ({"month": month, "amount": "-5"}, "amount"),
        ({"month": month, "amount": "1.234"}, "amount"),
        ({"month": month, "amount": 12.5}, "amount"),
    ):
        status, refused = put({"objectives": [bad], "version": 1})
        assert status == 422, bad
        assert field in str(refused), (bad, refused)
    _, now = user_json(api_url, local_keys, tenant, "admin", "GET", "/settings/cash-objectives")
    assert now["version"] == 1 and len(now["objectives"]) == 2  # the refused changed nothing


def test_the_dashboard_shows_objective_and_collected_to_the_cent(
    api_url: str, local_keys: Any, tenant: str
) -> None:
    month = f"{TODAY:%Y-%m}"
    status, _ = user_json(
        api_url,
        local_keys,
        tenant,
        "admin",
        "PUT",
        "/settings/cash-objectives",
        {"objectives": [{"month": month, "amount": "3000.00"}], "version": 0},
    )
    assert status == 200
    calls = count_dynamodb_calls()
    status, board = user_json(api_url, local_keys, tenant, "admin", "GET", "/dashboard")
    assert status == 200
    # Still two requests: the caller's BatchGetItem (now with the objectives) and the
    # summaries' Query (now with the cash collected).
    assert calls == ["BatchGetItem", "Query"]
    this_month = board["forecast"]["month"]["periods"][0]
    in_month = sum(a for d, a in PAYMENTS.values() if d.month == TODAY.month)
    assert Decimal(this_month["collected"]) == in_month
    assert Decimal(this_month["objective"]) == Decimal("3000.00")
    assert Decimal(this_month["outlook"]) == in_month + Decimal(this_month["expected"])
    yesterday = sum(a for d, a in PAYMENTS.values() if d == YESTERDAY)
    assert Decimal(board["forecast"]["month"]["collected"]["yesterday"]) == yesterday
    # A collector whose portfolio is C2 only: C2's payment, and no tenant objective.
    _, collector = user_json(
        api_url,
        local_keys,
        tenant,
        "admin",
        "POST",
        "/users",
        {"email": "c2@ours.fr", "display_name": "C2", "role": "user"},
    )
    user_json(
        api_url,
        local_keys,
        tenant,
        "admin",
        "PUT",
        f"/users/{collector['user_id']}/portfolio",
        {"rules": [], "customers": [{"company": "BIJOU", "number": "C2"}], "version": 0},
    )
    _, mine = user_json(api_url, local_keys, tenant, "user", "GET", "/dashboard",
                        user_id=collector["user_id"])  # fmt: skip
    mine_month = mine["forecast"]["month"]["periods"][0]
    assert mine_month["objective"] is None
    c2_in_month = Decimal("100.05") if FIRST.month == TODAY.month else Decimal(0)
    assert Decimal(mine_month["collected"]) == c2_in_month
    assert Decimal(mine["forecast"]["month"]["collected"]["month_to_date"]) == c2_in_month


def count_dynamodb_calls() -> list[str]:
    """The DynamoDB operations the API's dashboard clients make from now on (the local API
    serves in this process)."""
    from relance.services.wiring import context_service, receivables_service

    calls: list[str] = []
    for client in {id(c): c for c in (context_service().store.client,
                                      receivables_service().store.client)}.values():  # fmt: skip
        client.meta.events.register(
            "before-call.dynamodb", lambda model, **_: calls.append(model.name)
        )
    return calls


def _received(aws: Any, to: str) -> list[Any]:
    from local.standins import sent_emails

    return [
        email.message_from_string(str(m["raw_data"]), policy=default_policy)
        for m in sent_emails(aws)
        if to in [str(d) for d in m["destinations"]]  # type: ignore[attr-defined]
    ]


def test_the_daily_report_goes_once_after_7_local_with_each_scope_and_language(
    api_url: str, local_keys: Any, tenant: str, aws: Any
) -> None:
    from relance.services.daily_report import DailyReportService
    from relance.store.mail import Mailer

    def as_admin(method: str, path: str, body: Any = None) -> Any:
        status, answer = user_json(api_url, local_keys, tenant, "admin", method, path, body)
        assert status in (200, 201), answer
        return answer

    tag = secrets.token_hex(3)
    boss = as_admin("POST", "/users", {"email": f"boss{tag}@ours.fr", "display_name": "Boss",
                                       "role": "admin"})["user_id"]  # fmt: skip
    collector = as_admin(
        "POST", "/users", {"email": f"col{tag}@ours.fr", "display_name": "Col", "role": "user"}
    )["user_id"]
    as_admin(
        "PUT",
        f"/users/{collector}/portfolio",
        {"rules": [], "customers": [{"company": "BIJOU", "number": "C2"}], "version": 0},
    )
    status, _ = user_json(api_url, local_keys, tenant, "user", "PUT", "/me/settings",
                          {"language": "en", "time_zone": "America/New_York", "version": 0},
                          user_id=collector)  # fmt: skip
    assert status == 200
    status, refused = user_json(
        api_url,
        local_keys,
        tenant,
        "admin",
        "PUT",
        "/settings/daily-report",
        {"recipients": ["nobody"], "version": 0},
    )
    assert status == 422 and "recipients[0]" in str(refused)
    as_admin("PUT", "/settings/daily-report", {"recipients": [boss, collector], "version": 0})
    month = [{"month": f"{TODAY:%Y-%m}", "amount": "3000.00"}]
    as_admin("PUT", "/settings/cash-objectives", {"objectives": month, "version": 0})
    service = DailyReportService(os.environ["RELANCE_TABLE"], Mailer(None), SENDER)

    def at(hour: int, minute: int, zone: str, day: date = TODAY) -> datetime:
        return datetime.combine(day, time(hour, minute), ZoneInfo(zone)).astimezone(UTC)

    # 06:30 in Paris (00:30 or 01:30 in New York): nobody's report is due yet.
    assert service.run_tenant(tenant, at(6, 30, "Europe/Paris")) == []
    # 08:00 in Paris, still night in New York: the admin's only, and once.
    assert service.run_tenant(tenant, at(8, 0, "Europe/Paris")) == [boss]
    assert service.run_tenant(tenant, at(8, 5, "Europe/Paris")) == []  # a re-run: nothing
    # 07:10 in New York: the collector's; the admin already had its report today.
    assert service.run_tenant(tenant, at(7, 10, "America/New_York")) == [collector]

    (mine,) = _received(aws, f"boss{tag}@ours.fr")
    text = mine.get_body(("plain",)).get_content()
    assert "Encours: 1\u202f500,00\xa0€" in text  # the whole tenant, in French
    yesterday = sum(a for d, a in PAYMENTS.values() if d == YESTERDAY)
    assert f"Encaissé hier: {str(yesterday).replace('.', ',')}\xa0€" in text
    assert "Objectif du mois: 3\u202f000,00\xa0€" in text
    assert "Plus fortes variations\n  Aucune variation" in text  # the first report
    assert mine.get_content_type() == "multipart/related"
    image = next(p for p in mine.iter_parts() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<cash-in-chart>"
    assert image.get_content().startswith(b"\x89PNG")
    html = mine.get_body(("html",)).get_content()
    assert 'src="cid:cash-in-chart"' in html
    (theirs,) = _received(aws, f"col{tag}@ours.fr")
    text = theirs.get_body(("plain",)).get_content()
    assert "Outstanding: €500.00" in text  # C2 only, in English
    assert "€1,000.00" not in text and "Alpha" not in text

    # The next morning: C1 paid 600.00 of its invoice and C2 opened a dispute meanwhile.
    c1 = Customer(company="BIJOU", number="C1", name="Alpha SARL")
    c2 = Customer(company="BIJOU", number="C2", name="Bêta SA")
    store = SyncStore(os.environ["RELANCE_TABLE"])
    lines = [
        LedgerLine(company="BIJOU", entry_number=1, journal="VTE", general_account="4110000",
                   accounting_date=TODAY - timedelta(60), due_date=TODAY - timedelta(30),
                   customer="C1", amount=Decimal("400.00")),
        LedgerLine(company="BIJOU", entry_number=2, journal="VTE", general_account="4110000",
                   accounting_date=TODAY - timedelta(10), due_date=TODAY + timedelta(20),
                   customer="C2", amount=Decimal("500.00")),
    ]  # fmt: skip
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", [c1, c2], lines, TODAY))
    as_admin("POST", "/customers/BIJOU/C2/disputes", {"reason": "price"})
    tomorrow = TODAY + timedelta(days=1)
    assert service.run_tenant(tenant, at(8, 0, "Europe/Paris", tomorrow)) == [boss]
    first_one, second = _received(aws, f"boss{tag}@ours.fr")  # in the order SES took them
    assert first_one["Subject"] == mine["Subject"] != second["Subject"]
    text = second.get_body(("plain",)).get_content()
    assert "Nouveaux litiges: 1" in text
    assert "Alpha SARL (BIJOU C1): 1\u202f000,00\xa0€ → 400,00\xa0€" in text
    assert "Bêta" not in text.partition("Plus fortes variations")[2]  # C2's balance held


def test_a_sync_records_what_was_collected_and_the_dashboard_shows_it(
    api_url: str, local_keys: Any, new_tenant: Any, tmp_path: Any
) -> None:
    """Through the relay: the payments of Sage's settled groups (bank credits, not the
    credit notes of the sales journal VTE) collected this month, to the cent."""
    from bench.sagegen.generate import generate_company
    from relance.relay.runner import run_sync
    from tests.integration.test_sync_end_to_end import relay_config
    from tests.integration.test_sync_history import sage_records

    path = generate_company(
        tmp_path / "BIJOU.db", "BIJOU", customers=30, lines=700, as_of=TODAY, seed=5
    ).path
    tenant = new_tenant()
    run_sync(relay_config(api_url, tenant, {"BIJOU": path}, tmp_path / "s"), mode="full",
             as_of=TODAY)  # fmt: skip
    groups: dict[tuple[str, str], list[Any]] = {}
    for line in sage_records(path, "settled_line", TODAY):
        groups.setdefault((line.customer, line.lettering), []).append(line)
    this_month = sum(
        -line.amount
        for group in groups.values()
        if any(g.amount > 0 for g in group)
        for line in group
        if line.amount < 0 and line.journal != "VTE" and not line.opening_balance
        and TODAY.replace(day=1) <= line.accounting_date <= TODAY
    )  # fmt: skip
    assert this_month > 0  # the generator settles invoices every month
    status, board = user_json(api_url, local_keys, tenant.id, "admin", "GET", "/dashboard")
    assert status == 200
    month = board["forecast"]["month"]
    assert Decimal(month["collected"]["month_to_date"]) == this_month
    assert Decimal(month["periods"][0]["collected"]) == this_month


def test_the_hourly_handler_sends_the_due_reports_of_a_tenant_once(
    api_url: str, local_keys: Any, tenant: str, aws: Any
) -> None:
    """The Lambda handler as EventBridge invokes it ({}: every tenant with recipients, found
    through the index): at this instant, an admin in Paris is due once it is past 07:00
    there; a second run sends none."""
    from functions.daily_report import handler
    from local.devserver import LambdaContextStandIn

    tag = secrets.token_hex(3)
    body = {"email": f"h{tag}@ours.fr", "display_name": "H", "role": "admin"}
    _, boss = user_json(api_url, local_keys, tenant, "admin", "POST", "/users", body)
    status, _ = user_json(api_url, local_keys, tenant, "admin", "PUT", "/settings/daily-report",
                          {"recipients": [boss["user_id"]], "version": 0})  # fmt: skip
    assert status == 200
    due = datetime.now(ZoneInfo("Europe/Paris")).time() >= time(7, 0)
    context = LambdaContextStandIn("daily-report")
    first = handler.handler({}, context)  # type: ignore[arg-type]
    again = handler.handler({"tenant_id": tenant}, context)  # type: ignore[arg-type]
    assert first["sent"][tenant] == (1 if due else 0)
    assert again == {"sent": {tenant: 0}}
    assert len(_received(aws, f"h{tag}@ours.fr")) == (1 if due else 0)
