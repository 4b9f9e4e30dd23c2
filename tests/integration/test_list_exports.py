"""Every list as a file (K5): `?format=csv|csv-standard|xlsx` on the list routes gives the
very rows of the route's JSON answer, read back here with the csv module and openpyxl:
French Excel CSV (BOM, ";", decimal comma, dd/mm/yyyy), standard CSV (no BOM, ",", ISO
dates and timestamps), a typed workbook with a total row per currency. Who may read a
list may export it, no one else; another tenant's export holds nothing of ours."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from relance.domain.records import Customer, Journal
from tests.integration.test_call_tasks import Seeder, two_calls
from tests.integration.test_customer_export import download
from tests.integration.test_worklist_api import Api

pytestmark = pytest.mark.integration
PARIS = ZoneInfo("Europe/Paris")  # the users' default time zone
D = Decimal


@pytest.fixture
def worked(api_url: str, local_keys: Any, store: Any) -> tuple[Api, Seeder]:
    """C1 (1000 € late, two invoices) and C2 (300 €), each with an R1 call to make from a
    nightly run ten days ago; the admin viewed C1's card."""
    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU"])
    store.write_records(tenant, [Journal(company="BIJOU", code="VTE", label="Ventes", type=1)])
    seeder, api = Seeder(store, tenant, [], []), Api(api_url, local_keys, tenant)
    two_calls(api, seeder)
    api.ok("admin", "GET", "/customers/BIJOU/C1")
    return api, seeder


def fetch(api: Api, path: str, role: str = "admin") -> tuple[int, dict[str, str], bytes]:
    return download(api.url, api.keys, api.tenant, role, path)


def french_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def standard_csv(data: bytes) -> list[dict[str, str]]:
    assert not data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_tasks_as_french_csv_standard_csv_and_workbook_are_the_json_list(
    worked: tuple[Api, Seeder],
) -> None:
    api, _ = worked
    tasks = api.items("/tasks")
    assert [(t["customer"], D(str(t["amount"]))) for t in tasks] == [("C1", 1000), ("C2", 300)]

    status, headers, data = fetch(api, "/tasks?format=csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert 'filename="taches-' in headers["Content-Disposition"]
    header, *body, total = french_csv(data)
    at = {name: i for i, name in enumerate(header)}
    assert [(r[at["Client"]], r[at["Montant"]]) for r in body] == [
        ("C1", "1000,00"), ("C2", "300,00"),
    ]  # fmt: skip
    run_day = date.fromisoformat(tasks[0]["as_of"])
    assert body[0][at["Date de la relance"]] == run_day.strftime("%d/%m/%Y")
    assert body[0][at["Interlocuteur"]] == "Claire Dupont"
    assert (total[0], total[at["Montant"]]) == ("Total (2 tâches)", "1300,00")

    status, _, data = fetch(api, "/tasks?format=csv-standard")
    rows = standard_csv(data)  # for programs: the JSON's field names, no total line
    assert [(r["customer"], r["amount"], r["as_of"], r["step"]) for r in rows] == [
        (t["customer"], f"{D(str(t['amount'])):.2f}", t["as_of"], "R1") for t in tasks
    ]

    status, headers, data = fetch(api, "/tasks?format=xlsx")
    assert status == 200 and data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None and sheet.freeze_panes == "A2"
    values = list(sheet.iter_rows(values_only=True))
    header_cells, body_cells, total_cells = values[0], values[1:-1], values[-1]
    amount_at = header_cells.index("Montant")
    assert [D(str(r[amount_at])) for r in body_cells] == [D(1000), D(300)]
    assert body_cells[0][0] == datetime.combine(run_day, datetime.min.time())  # a date cell
    amount = sheet.cell(row=2, column=amount_at + 1)
    assert amount.data_type == "n" and "€" in amount.number_format
    assert (total_cells[0], D(str(total_cells[amount_at]))) == ("Total (2 tâches)", D(1300))


def test_runs_access_log_and_sync_runs_carry_their_dates_and_times(
    worked: tuple[Api, Seeder],
) -> None:
    from relance.services.wiring import ingest_service
    from relance.sync.protocol import CompanyResult, RunFinish, RunStart

    api, _ = worked
    runs = api.items("/dunning/runs")
    rows = standard_csv(fetch(api, "/dunning/runs?format=csv-standard")[2])
    assert [(r["as_of"], r["company"], r["actions"], r["amount"]) for r in rows] == [
        (r["as_of"], r["company"], str(r["actions"]), f"{D(r['amount']):.2f}") for r in runs
    ]
    finished = datetime.fromisoformat(runs[0]["finished_at"]).astimezone(PARIS)
    assert rows[0]["finished_at"] == finished.isoformat()  # ISO, on the reader's clock

    status, views = api("admin", "GET", "/access-log")
    assert status == 200, views
    sheet = load_workbook(io.BytesIO(fetch(api, "/access-log?format=xlsx")[2])).active
    assert sheet is not None
    (header, *body) = list(sheet.iter_rows(values_only=True))
    assert header == ("Consultée le", "Utilisateur", "Société", "Client")
    seen = datetime.fromisoformat(views["views"][0]["viewed_at"]).astimezone(PARIS)
    ((viewed_at, *who_what),) = body
    assert who_what == ["u-admin", "BIJOU", "C1"]
    assert abs(viewed_at - seen.replace(tzinfo=None)) < timedelta(milliseconds=1)  # Paris

    now = datetime.now(UTC)
    run_id = f"run-{secrets.token_hex(4)}"
    ingest = ingest_service()
    started = RunStart(run_id=run_id, mode="full", companies=["BIJOU"], started_at=now)
    ingest.start_run(api.tenant, "k-test", started)
    finish = RunFinish(run_id=run_id, as_of=now.date(), finished_at=now,
                       companies=[CompanyResult(company="BIJOU")])  # fmt: skip
    ingest.finish_run(api.tenant, finish, now)
    header, *body = french_csv(fetch(api, "/sync-runs?format=csv")[2])
    (listed,) = api.ok("admin", "GET", "/sync-runs")["runs"]
    at = {name: i for i, name in enumerate(header)}
    shown = [(r[at["Identifiant"]], r[at["Mode"]], r[at["Statut"]], r[at["Lots"]]) for r in body]
    assert shown == [(listed["run_id"], "full", "finished", "0")]
    began = datetime.fromisoformat(listed["started_at"]).astimezone(PARIS)
    assert body[0][at["Commencée le"]] == began.strftime("%d/%m/%Y %H:%M")


def test_users_and_erasures_are_exported_to_admins_only(
    worked: tuple[Api, Seeder], store: Any
) -> None:
    api, _ = worked
    anne = {"email": "anne@exemple.fr", "display_name": "Anne Roy", "role": "user"}
    made = api.ok("admin", "POST", "/users", anne)
    rows = standard_csv(fetch(api, "/users?format=csv-standard")[2])
    listed = api.ok("admin", "GET", "/users")["users"]
    assert [(r["email"], r["role"], r["active"]) for r in rows] == [
        (u["email"], u["role"], "true") for u in listed
    ]
    assert made["email"] in [r["email"] for r in rows]

    store.write_records(api.tenant, [Customer(company="BIJOU", number="C7", name="Zeta",
                                              email="paul@zeta.fr")])  # fmt: skip
    api.ok("admin", "POST", "/personal-data/erasures", {"email": "paul@zeta.fr"})
    (erasure,) = api.ok("admin", "GET", "/personal-data/erasures")["erasures"]
    header, *body = french_csv(fetch(api, "/personal-data/erasures?format=csv")[2])
    at = {name: i for i, name in enumerate(header)}
    assert [(r[at["Identifiant"]], r[at["Par"]], r[at["Motif"]]) for r in body] == [
        (erasure["erasure_id"], "u-admin", "request")
    ]
    assert "paul@zeta.fr" not in "".join(body[0])  # a record of it, never the data

    for path in ("/users", "/personal-data/erasures", "/access-log"):
        for fmt in ("csv", "csv-standard", "xlsx"):
            assert fetch(api, f"{path}?format={fmt}", role="user")[0] == 403, path
            assert fetch(api, f"{path}?format={fmt}", role="viewer")[0] == 403, path


def test_another_tenant_exports_nothing_of_ours_and_a_bad_format_is_refused(
    worked: tuple[Api, Seeder],
) -> None:
    api, _ = worked
    other = Api(api.url, api.keys, f"t-{secrets.token_hex(4)}")
    for path in ("/tasks", "/alerts", "/dunning/runs", "/access-log", "/sync-runs"):
        status, _, data = fetch(other, f"{path}?format=csv-standard")
        assert status == 200, path
        assert standard_csv(data) == [], path  # its header line only
    status, _, data = fetch(api, "/tasks?format=pdf")
    assert status == 422 and b"format" in data
