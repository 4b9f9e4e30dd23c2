"""DSO (V8) and payment-terms compliance (B2) through the API: a small ledger pushed through
the signed ingest API (DynamoDB Local, moto S3), the sync's finish recording the month's
figures, and the user API reading them. Every DSO below is computed by hand.

The ledger (company BIJOU; journals VTE = sales, BQ1 = bank):
  C1 (rep 1): settled invoice 6,000 of 10 Sept. (paid 8 Oct.); open invoice 3,100 of 5 Oct.
  C2 (rep 2): settled invoice 3,000 of 5 Aug. (paid 20 Sept.); open invoice 1,500 of
              15 Sept. due 15 Jan. 2027: the legal cap is 14 Nov., 62 days over.
November adds C1's open invoice 2,000 of 10 Nov.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from relance.domain.records import Customer, Journal, LedgerLine, SettledLine
from relance.sync.protocol import RecordsBatch, RunFinish, RunStart, encode_body
from tests.conftest import Tenant
from tests.integration.test_ingest_api import call
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
D = Decimal


def _line(no: int, customer: str, journal: str, on: date, amount: str, **kw: Any) -> dict[str, Any]:
    return {
        "company": "BIJOU", "entry_number": no, "journal": journal, "accounting_date": on,
        "general_account": "4110000", "customer": customer, "amount": D(amount), **kw,
    }  # fmt: skip


OCTOBER: dict[str, list[Any]] = {
    "customer": [
        Customer(company="BIJOU", number="C1", name="Bijouterie Martin", rep_number=1),
        Customer(company="BIJOU", number="C2", name="Orfèvrerie Durand", rep_number=2),
    ],
    "journal": [
        Journal(company="BIJOU", code="VTE", type=1),
        Journal(company="BIJOU", code="BQ1", type=2),
    ],
    "ledger_line": [
        LedgerLine(**_line(1, "C1", "VTE", date(2026, 10, 5), "3100", due_date=date(2026, 11, 30))),
        LedgerLine(**_line(2, "C2", "VTE", date(2026, 9, 15), "1500", due_date=date(2027, 1, 15))),
    ],
    "settled_line": [
        SettledLine(**_line(10, "C1", "VTE", date(2026, 9, 10), "6000", lettering="AA",
                            due_date=date(2026, 10, 10))),
        SettledLine(**_line(11, "C1", "BQ1", date(2026, 10, 8), "-6000", lettering="AA")),
        SettledLine(**_line(12, "C2", "VTE", date(2026, 8, 5), "3000", lettering="AB",
                            due_date=date(2026, 9, 5))),
        SettledLine(**_line(13, "C2", "BQ1", date(2026, 9, 20), "-3000", lettering="AB")),
    ],
}  # fmt: skip
NOVEMBER: dict[str, list[Any]] = {
    "ledger_line": [
        LedgerLine(**_line(3, "C1", "VTE", date(2026, 11, 10), "2000", due_date=date(2026, 12, 10)))
    ]
}


def sync(api_url: str, tenant: Tenant, as_of: date, records: dict[str, list[Any]]) -> None:
    """One run through the signed ingest API: start, a batch per entity, finish."""
    run_id = f"run-{secrets.token_hex(6)}"
    now = datetime.now(UTC)

    def send(path: str, message: Any) -> dict[str, Any]:
        status, answer = call(api_url, "POST", path, encode_body(message),
                              key_id=tenant.key_id, secret=tenant.secret)  # fmt: skip
        assert status == 200, answer
        return answer

    send("/relay/runs", RunStart(run_id=run_id, mode="incremental", companies=["BIJOU"],
                                 started_at=now))  # fmt: skip
    for entity, rows in records.items():
        send("/relay/batches", RecordsBatch(run_id=run_id, company="BIJOU", entity=entity,
                                            seq=0, records=rows))  # fmt: skip
    finish = {"run_id": run_id, "as_of": as_of.isoformat(), "finished_at": now.isoformat(),
              "companies": [{"company": "BIJOU"}]}  # fmt: skip
    send(f"/relay/runs/{run_id}/finish", RunFinish.model_validate(finish))


@pytest.fixture(scope="module")
def ledger(api_url: str, local_keys: Any, store: Any) -> dict[str, str]:
    """A tenant with two collectors (C1 by its rep, C2 by hand), synced on 31 Oct., then on
    20 Nov., then once more by a late relay with an older date (15 Oct.)."""
    tenant = Tenant(
        id=f"t-{secrets.token_hex(4)}",
        key_id=f"k-{secrets.token_hex(6)}",
        secret=secrets.token_urlsafe(32),
    )
    store.put_connector(tenant.id, tenant.key_id, tenant.secret, "test relay")
    ids = {"tenant": tenant.id}
    for name, rules, customers in (
        ("alice", [{"rep_number": 1}], []),
        ("bruno", [], [{"company": "BIJOU", "number": "C2"}]),
    ):
        body = {"email": f"{name}@b.fr", "display_name": name, "role": "user"}
        status, user = user_json(api_url, local_keys, tenant.id, "admin", "POST", "/users", body)
        assert status == 201, user
        ids[name] = user["user_id"]
        status, _ = user_json(api_url, local_keys, tenant.id, "admin", "PUT",
                              f"/users/{user['user_id']}/portfolio",
                              {"rules": rules, "customers": customers, "version": 0})  # fmt: skip
        assert status == 200
    sync(api_url, tenant, date(2026, 10, 31), OCTOBER)
    sync(api_url, tenant, date(2026, 11, 20), NOVEMBER)
    sync(api_url, tenant, date(2026, 10, 15), {})  # late: must not roll October back
    return ids


def get(api_url: str, keys: Any, tenant: str, path: str, role: str = "viewer",
        user_id: str | None = None) -> tuple[int, Any]:  # fmt: skip
    return user_json(api_url, keys, tenant, role, "GET", path, user_id=user_id)


def points(answer: dict[str, Any], field: str = "dso") -> dict[str, Decimal | None]:
    return {p["month"]: p[field] and D(p[field]) for p in answer["points"]}


RANGE = "/dso?from=2026-10&to=2026-12"


def test_each_months_dso_is_kept_in_both_methods_and_the_tenants_method_is_shown(
    api_url: str, local_keys: Any, ledger: dict[str, str]
) -> None:
    tenant = ledger["tenant"]
    status, answer = get(api_url, local_keys, tenant, RANGE + "&both=true")
    assert status == 200, answer
    assert answer["method"] == answer["tenant_method"] == "count_back"
    # 31 Oct.: 4,600 owed. Count-back: October's 31 days take 3,100; the 1,500 left are
    # 1,500 / 7,500 of September's 30 days: 37.0. Simple: 4,600 / 13,600 x 92 days = 31.1.
    # 20 Nov.: 6,600 owed. Count-back: 20 days take 2,000, October 3,100, then 1,500 /
    # 7,500 x 30 = 6: 57.0. Simple: 6,600 / 12,600 x (20 + 31 + 30) = 42.4.
    assert points(answer) == {"2026-10": D("37.0"), "2026-11": D("57.0")}
    assert points(answer, "simple") == {"2026-10": D("31.1"), "2026-11": D("42.4")}
    shown = {p["month"]: (p["as_of"], D(p["receivables"])) for p in answer["points"]}
    # October is frozen at its last sync of the month; the late relay changed nothing.
    assert shown == {"2026-10": ("2026-10-31", D("4600")), "2026-11": ("2026-11-20", D("6600"))}
    # The company's series is the tenant's (one company); another company has none.
    _, company = get(api_url, local_keys, tenant, RANGE + "&company=BIJOU")
    assert points(company) == points(answer)
    _, other = get(api_url, local_keys, tenant, RANGE + "&company=ATELIER")
    assert other["points"] == []


def test_switching_the_method_shows_the_whole_history_in_it_at_once(
    api_url: str, local_keys: Any, ledger: dict[str, str]
) -> None:
    tenant = ledger["tenant"]
    status, saved = user_json(api_url, local_keys, tenant, "admin", "PUT", "/settings/dso",
                              {"method": "simple", "version": 0})  # fmt: skip
    assert (status, saved) == (200, {"method": "simple", "version": 1})
    try:
        _, answer = get(api_url, local_keys, tenant, RANGE)
        assert answer["method"] == "simple"
        assert points(answer) == {"2026-10": D("31.1"), "2026-11": D("42.4")}
        # The other method on request.
        _, other = get(api_url, local_keys, tenant, RANGE + "&method=count_back")
        assert points(other) == {"2026-10": D("37.0"), "2026-11": D("57.0")}
        # Saved at a stale version: 409, nothing changed.
        status, stale = user_json(api_url, local_keys, tenant, "admin", "PUT", "/settings/dso",
                                  {"method": "count_back", "version": 0})  # fmt: skip
        assert status == 409 and stale["error"]["details"]["current_version"] == 1
        assert get(api_url, local_keys, tenant, "/settings/dso")[1]["method"] == "simple"
    finally:
        status, _ = user_json(api_url, local_keys, tenant, "admin", "PUT", "/settings/dso",
                              {"method": "count_back", "version": 1})  # fmt: skip
        assert status == 200


def test_a_collector_sees_its_own_portfolios_series_only(
    api_url: str, local_keys: Any, ledger: dict[str, str]
) -> None:
    tenant, alice, bruno = ledger["tenant"], ledger["alice"], ledger["bruno"]
    # Alice has C1 (rep 1). 31 Oct.: 3,100 owed, October's sales 3,100: 31.0 days.
    # 20 Nov.: 5,100 owed; 20 days take 2,000, 3,100 / 3,100 of October's 31: 51.0.
    status, own = get(api_url, local_keys, tenant, RANGE, "user", alice)
    assert status == 200, own
    assert own["collector"] == alice
    assert points(own) == {"2026-10": D("31.0"), "2026-11": D("51.0")}
    # Bruno has C2 by hand: 1,500 owed, no October sales (31 days), all of September's.
    _, his = get(api_url, local_keys, tenant, RANGE, "user", bruno)
    assert points(his) == {"2026-10": D("61.0"), "2026-11": D("81.0")}
    # Neither reads the other's, nor the tenant's; a viewer reads any collector's.
    status, refused = get(api_url, local_keys, tenant, f"{RANGE}&collector={bruno}", "user", alice)
    assert status == 403 and refused["error"]["code"] == "not_your_portfolio"
    _, viewed = get(api_url, local_keys, tenant, f"{RANGE}&collector={bruno}")
    assert points(viewed) == points(his)


def test_another_tenant_and_bad_parameters(
    api_url: str, local_keys: Any, ledger: dict[str, str]
) -> None:
    status, theirs = get(api_url, local_keys, f"t-{secrets.token_hex(4)}", RANGE, "admin")
    assert status == 200 and theirs["points"] == []
    tenant = ledger["tenant"]
    for query, field in (("from=2026-13", "from"), ("from=2026-11&to=2026-10", "to"),
                         ("from=2020-01&to=2026-10", ""), ("method=median", "method"),
                         ("colour=red", "colour")):  # fmt: skip
        status, answer = get(api_url, local_keys, tenant, f"/dso?{query}")
        assert status == 422, (query, answer)
        assert field in {d["where"] for d in answer["error"]["details"]}, (query, answer)
    status, answer = user_json(api_url, local_keys, tenant, "admin", "PUT", "/settings/dso",
                               {"method": "median", "version": 0})  # fmt: skip
    assert status == 422 and answer["error"]["details"][0]["where"] == "method"
    status, _ = user_json(api_url, local_keys, tenant, "viewer", "PUT", "/settings/dso",
                          {"method": "simple", "version": 1})  # fmt: skip
    assert status == 403
    assert get(api_url, local_keys, tenant, "/settings/dso")[1]["method"] == "count_back"


def test_the_admin_lists_invoices_and_customers_beyond_the_legal_terms(
    api_url: str, local_keys: Any, ledger: dict[str, str]
) -> None:
    tenant = ledger["tenant"]
    path = "/compliance/payment-terms"
    status, report = get(api_url, local_keys, tenant, path, "admin")
    assert status == 200, report
    (invoice,) = report["invoices"]
    assert (invoice["customer"], invoice["entry_number"]) == ("C2", 2)
    assert (invoice["cap"], invoice["excess_days"], invoice["term_days"]) == ("2026-11-14", 62, 122)
    assert [(c["customer"], c["invoices_over_cap"]) for c in report["customers"]] == [("C2", 1)]
    assert report["as_of"] == {"BIJOU": "2026-11-20"}  # not the late relay's 15 Oct.
    _, other = get(api_url, local_keys, tenant, path + "?company=ATELIER", "admin")
    assert other["invoices"] == [] and other["customers"] == []
    _, paged = get(api_url, local_keys, tenant, path + "?limit=1&offset=1", "admin")
    assert paged["invoices"] == [] and paged["next_offset"] is None
    for role in ("viewer", "user"):
        assert get(api_url, local_keys, tenant, path, role)[0] == 403
    status, bad = get(api_url, local_keys, tenant, path + "?limit=0", "admin")
    assert status == 422 and bad["error"]["details"][0]["where"] == "limit"


def test_the_first_sync_rebuilds_the_year_before_from_the_payment_history(
    api_url: str, local_keys: Any, ledger: dict[str, str]
) -> None:
    tenant = ledger["tenant"]
    past = "/dso?from=2026-01&to=2026-09&both=true"
    _, answer = get(api_url, local_keys, tenant, past)
    # 31 Aug.: C2's invoice of 5 Aug. was unpaid (paid 20 Sept.): 3,000 owed, August's
    # sales 3,000: 31.0 days; simple 3,000 / 3,000 x 92 = 92.0.
    # 30 Sept.: C1's 6,000 (paid 8 Oct.) and C2's 1,500 owed = September's sales: 30.0;
    # simple 7,500 / 10,500 x 92 = 65.7. No month before August: nothing owed, nothing sold.
    assert points(answer) == {"2026-08": D("31.0"), "2026-09": D("30.0")}
    assert points(answer, "simple") == {"2026-08": D("92.0"), "2026-09": D("65.7")}
    assert [p["as_of"] for p in answer["points"]] == ["2026-08-31", "2026-09-30"]
    # The collectors' shares are rebuilt too: Bruno (C2) owed 3,000 in August, 1,500 in
    # September, each month's sales.
    _, his = get(api_url, local_keys, tenant, past, "user", ledger["bruno"])
    assert points(his) == {"2026-08": D("31.0"), "2026-09": D("30.0")}
