"""Scores and predicted payment dates, through the whole chain: Sage (SQLite through the
real ODBC stack) -> relay -> ingest finish -> DynamoDB Local -> user API.

The score a list sorts by and the card explains is the one the payment domain computes
from the synced history; the card predicts a payment date for each of its open items.
"""

from __future__ import annotations

import itertools
import json
import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bench.sagegen.generate import generate_company
from relance.api import schemas
from relance.domain.aging import AgingFact
from relance.domain.payments.outlook import open_from_facts, outlooks
from relance.domain.payments.trend import week_of
from relance.domain.receivables import CustomerSummary
from relance.relay.runner import run_sync
from relance.sage.dialect import Dialect
from relance.sage.extract import connect, extract
from relance.sage.settings import SyncSettings
from tests.conftest import Tenant
from tests.integration.test_sync_end_to_end import relay_config
from tests.integration.test_sync_history import sage_records
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
AS_OF = date(2026, 11, 23)
ONE_DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def synced(api_url: str, store: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("sage-scores")
    path = generate_company(
        folder / "BIJOU.db", "BIJOU", customers=40, lines=900, as_of=AS_OF, seed=21
    ).path
    tenant = Tenant(
        id=f"t-{secrets.token_hex(4)}",
        key_id=f"k-{secrets.token_hex(6)}",
        secret=secrets.token_urlsafe(32),
    )
    store.put_connector(tenant.id, tenant.key_id, tenant.secret, "test relay")
    run_sync(relay_config(api_url, tenant, {"BIJOU": path}, folder / "s"), mode="full", as_of=AS_OF)
    return tenant.id, path


def expected_scores(
    path: Path, as_of: date = AS_OF, profiles: dict[str, str] | None = None
) -> dict[str, Any]:
    """What the payment domain says of Sage's own lines, read straight from Sage (with the
    customers' qualities and, as the list shows them, their dunning profiles: peers)."""
    opened = sage_records(path, "ledger_line", as_of)
    facts = {str(x.entry_number): AgingFact(x.customer, x.aging_date, x.amount) for x in opened}
    conn = connect(f"DRIVER={{SQLite3}};Database={path}", Dialect.SQLITE)
    try:
        customers = extract(conn, Dialect.SQLITE, "BIJOU", "customer", SyncSettings(), as_of=as_of)  # type: ignore[arg-type]
        qualities = {c.number: c.quality for c in customers}
    finally:
        conn.close()
    return outlooks("BIJOU", sage_records(path, "settled_line", as_of),
                    open_from_facts("BIJOU", facts), as_of, qualities=qualities,
                    profiles=profiles)  # fmt: skip


def shown_profiles(api_url: str, local_keys: Any, tenant: str) -> dict[str, str]:
    _, page = user_json(api_url, local_keys, tenant, "admin", "GET", "/customers?limit=200")
    return {r["number"]: r["profile"] for r in page["customers"] if r["profile"]}


def test_customers_sort_by_the_score_the_synced_history_gives(
    api_url: str, local_keys: Any, synced: tuple[str, Path]
) -> None:
    tenant, path = synced
    status, page = user_json(
        api_url, local_keys, tenant, "admin", "GET", "/customers?sort=score&order=desc&limit=200"
    )
    assert status == 200, page
    schemas.CustomerPage.model_validate(page)
    rows = page["customers"]
    expected = expected_scores(path, profiles=shown_profiles(api_url, local_keys, tenant))
    assert {r["number"]: Decimal(r["score"]) for r in rows if r["score"] is not None} == {
        n: o.score.score for n, o in expected.items()
    }
    assert {r["number"]: r["grade"] for r in rows if r["score"] is not None} == {
        n: o.score.grade for n, o in expected.items()
    }
    scored = [Decimal(r["score"]) for r in rows if r["score"] is not None]
    assert scored == sorted(scored, reverse=True) and scored[0] > scored[-1]
    assert [r["score"] for r in rows[len(scored) :]] == [None] * (len(rows) - len(scored))
    assert len({r["grade"] for r in rows} - {None}) >= 3  # the behaviours spread the grades
    status, ascending = user_json(
        api_url, local_keys, tenant, "admin", "GET", "/customers?sort=score&order=asc&limit=5"
    )
    assert status == 200
    assert [Decimal(r["score"]) for r in ascending["customers"]] == sorted(
        Decimal(r["score"]) for r in rows if r["score"] is not None
    )[:5]


def test_the_card_explains_the_score_and_predicts_each_open_item(
    api_url: str, local_keys: Any, synced: tuple[str, Path]
) -> None:
    tenant, path = synced
    _, page = user_json(api_url, local_keys, tenant, "admin", "GET",
                        "/customers?sort=score&order=desc&overdue_only=true&limit=1")  # fmt: skip
    (worst,) = page["customers"]
    status, card = user_json(
        api_url, local_keys, tenant, "admin", "GET", f"/customers/BIJOU/{worst['number']}"
    )
    assert status == 200, card
    schemas.Card.model_validate(card)
    payments = card["payments"]
    assert payments["score"] == worst["score"] and payments["grade"] == worst["grade"]
    points = [Decimal(f["points"]) for f in payments["factors"]]
    assert sum(points) == Decimal(payments["score"])  # the factors add up to the score
    assert points == sorted(points, reverse=True)  # the heaviest first
    assert {f["factor"] for f in payments["factors"]} >= {"days_late", "current_overdue"}

    predicted = {p["entry_number"]: p for p in payments["predictions"]}
    assert set(predicted) == {i["entry_number"] for i in card["open_items"]}
    profiles = shown_profiles(api_url, local_keys, tenant)
    expected = expected_scores(path, profiles=profiles)[worst["number"]]
    for p in expected.predictions:
        shown = predicted[p.entry_number]
        assert shown["expected_on"] == p.expected_on.isoformat()
        assert shown["earliest"] <= shown["expected_on"] <= shown["latest"]
        assert date.fromisoformat(shown["expected_on"]) >= AS_OF


def test_another_tenant_sees_no_score(
    api_url: str, local_keys: Any, synced: tuple[str, Path], new_tenant: Any
) -> None:
    tenant, _ = synced
    _, page = user_json(api_url, local_keys, tenant, "admin", "GET", "/customers?limit=1")
    number = page["customers"][0]["number"]
    other = new_tenant()
    status, _ = user_json(
        api_url, local_keys, other.id, "admin", "GET", f"/customers/BIJOU/{number}"
    )
    assert status == 404


def test_the_dashboard_forecasts_cash_in_per_week_and_month(
    api_url: str, local_keys: Any, synced: tuple[str, Path]
) -> None:
    tenant, path = synced
    status, answer = user_json(api_url, local_keys, tenant, "admin", "GET", "/dashboard")
    assert status == 200, answer
    schemas.DashboardAnswer.model_validate(answer)
    expected = expected_scores(path, profiles=shown_profiles(api_url, local_keys, tenant))
    by_day: dict[date, Decimal] = {}
    for outlook in expected.values():
        for day, amount in outlook.expected():
            by_day[day] = by_day.get(day, Decimal(0)) + amount
    for granularity in ("week", "month"):
        forecast = answer["forecast"][granularity]
        periods = forecast["periods"]
        # Every open item is predicted somewhere: the periods and beyond make the receivables.
        in_periods = sum(Decimal(p["expected"]) for p in periods)
        assert in_periods + Decimal(forecast["beyond"]) == Decimal(forecast["open_total"])
        assert Decimal(forecast["open_total"]) == Decimal(answer["total"]) != 0
        assert in_periods > 0
        # Consecutive periods, each holding what the predictions put in it.
        for before, after in itertools.pairwise(periods):
            assert date.fromisoformat(after["start"]) == date.fromisoformat(before["end"]) + ONE_DAY
        last = periods[-1]
        for p in periods[1:]:
            start, end = date.fromisoformat(p["start"]), date.fromisoformat(p["end"])
            assert Decimal(p["expected"]) == sum(
                (a for d, a in by_day.items() if start <= d <= end), Decimal(0)
            ), (granularity, p)
        assert Decimal(forecast["beyond"]) == sum(
            (a for d, a in by_day.items() if d > date.fromisoformat(last["end"])), Decimal(0)
        )
    assert answer["forecast"]["week"]["periods"][0]["period"].count("-W") == 1


def test_an_outlook_follows_its_summary_and_goes_with_it(store: Any) -> None:
    tenant = f"t-{secrets.token_hex(4)}"
    scored = [
        CustomerSummary(company="BIJOU", number=n, as_of=AS_OF, score=Decimal("30"), grade="B")
        for n in ("C1", "C2")
    ]
    shown = {"score": "30", "grade": "B", "invoices": 4, "factors": [], "predictions": []}

    def outlook_of(number: str) -> list[dict[str, Any]]:
        items = store.customer_items(tenant, "BIJOU", number)
        return [json.loads(i["outlook"]) for i in items if i["item_type"] == "payment_outlook"]

    assert store.replace_summaries(tenant, "BIJOU", scored, {"C1": shown, "C2": shown}) == 2
    assert outlook_of("C1") == [shown] == outlook_of("C2")
    # C1 has nothing left to score; C2 left Sage: neither keeps an outlook.
    unscored = scored[0].model_copy(update={"score": None, "grade": None})
    assert store.replace_summaries(tenant, "BIJOU", [unscored], {}) == 2
    assert outlook_of("C1") == [] and outlook_of("C2") == []


# -- broken promises and the score's history (V5 -> V7) ---------------------------------
def test_a_broken_promise_and_a_dispute_raise_the_score_at_the_next_sync_and_the_trend_shows_it(
    api_url: str, local_keys: Any, store: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    today = datetime.now(UTC).date()  # what the API calls today for a promise's date
    later = today + timedelta(days=35)  # another week, and 30 days on: a delta to show
    folder = tmp_path_factory.mktemp("sage-broken")
    path = generate_company(
        folder / "BIJOU.db", "BIJOU", customers=30, lines=600, as_of=today, seed=33
    ).path
    tenant = Tenant(
        id=f"t-{secrets.token_hex(4)}",
        key_id=f"k-{secrets.token_hex(6)}",
        secret=secrets.token_urlsafe(32),
    )
    store.put_connector(tenant.id, tenant.key_id, tenant.secret, "test relay")
    config = relay_config(api_url, tenant, {"BIJOU": path}, folder / "s")
    run_sync(config, mode="full", as_of=today)

    def get(path: str) -> Any:
        status, answer = user_json(api_url, local_keys, tenant.id, "user", "GET", path)
        assert status == 200, answer
        return answer

    page = get("/customers?sort=score&order=asc&overdue_only=true&limit=200")
    customer = next(r for r in page["customers"] if r["grade"] is not None)["number"]
    card = get(f"/customers/BIJOU/{customer}")
    first = Decimal(card["payments"]["score"])
    assert card["payments"]["trend"] == {
        "points": [{"week": week_of(today).isoformat(), "score": str(first)}],
        "delta_30d": None,
    }
    promise = {"amount": card["total"], "promised_date": today.isoformat()}
    status, made = user_json(
        api_url, local_keys, tenant.id, "user", "POST", f"/customers/BIJOU/{customer}/promises",
        promise,
    )  # fmt: skip
    assert status == 201, made
    status, dispute = user_json(
        api_url, local_keys, tenant.id, "user", "POST", f"/customers/BIJOU/{customer}/disputes",
        {"reason": "price"},
    )  # fmt: skip
    assert status == 201, dispute

    # Nothing was paid by the promised date: the next sync breaks the promise, and the
    # score it computes counts it, with the dispute opened meanwhile.
    run_sync(config, mode="full", as_of=later)
    card = get(f"/customers/BIJOU/{customer}")
    assert [p["status"] for p in card["promises"]] == ["broken"]
    payments = card["payments"]
    factors = {f["factor"]: f for f in payments["factors"]}
    assert factors["broken_promises"] == {"factor": "broken_promises", "points": "3.3",
                                          "measure": 1}  # fmt: skip
    assert (factors["disputes"]["measure"], factors["disputes"]["points"]) == (1, "1.7")
    profiles = shown_profiles(api_url, local_keys, tenant.id)
    without = expected_scores(path, later, profiles)[customer]  # no follow-up counted
    assert Decimal(payments["score"]) == without.score.score + Decimal("3.3") + Decimal("1.7")
    assert sum(Decimal(f["points"]) for f in payments["factors"]) == Decimal(payments["score"])
    # Two syncs in two weeks with two scores: two points, and the change over 30 days.
    second = Decimal(payments["score"])
    assert payments["trend"] == {
        "points": [
            {"week": week_of(today).isoformat(), "score": str(first)},
            {"week": week_of(later).isoformat(), "score": str(second)},
        ],
        "delta_30d": str(second - first),
    }
    schemas.Card.model_validate(card)
    # Another tenant does not see this customer, its score or its history.
    other = Tenant(id=f"t-{secrets.token_hex(4)}", key_id="", secret="")
    status, _ = user_json(
        api_url, local_keys, other.id, "admin", "GET", f"/customers/BIJOU/{customer}"
    )
    assert status == 404
