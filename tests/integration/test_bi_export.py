"""The daily BI export (K6) against DynamoDB Local and moto S3 over HTTP: the files read
back (CSV with the csv module, Parquet with pyarrow) equal what the API shows, a re-run
replaces the day (readers see the old or the new run whole, never both, never half), a
tenant's export holds nothing of another tenant, and nothing of an erased contact."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pyarrow.parquet as pq
import pytest

from local.nightly import run_bi_export
from relance.domain import bi_datasets as ds
from relance.domain.bi_files import cell
from relance.domain.records import Customer, LedgerLine, SettledLine
from relance.services.bi_export import TENANT_ZONE, BiExportService, bi_export_service
from relance.store.bi_exports import EXPORTS_BUCKET_ENV, BiExportStore, day_prefix
from tests.integration.test_personal_data import (  # the held fixture: Marie everywhere
    EMAIL,
    MARIE,
    api,
    held,  # noqa: F401
    sync,
)

pytestmark = pytest.mark.integration
BUCKET = "relance-test-bi-exports"
TODAY = datetime.now(TENANT_ZONE).date()


@pytest.fixture(scope="module")
def service(aws: object) -> BiExportService:
    os.environ[EXPORTS_BUCKET_ENV] = BUCKET
    s3 = boto3.client("s3")
    if BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
    return bi_export_service()


def line(entry: int, customer: str, late: int, amount: str) -> LedgerLine:
    due = TODAY - timedelta(days=late)
    return LedgerLine(company="BIJOU", entry_number=entry, journal="VTE",
                      accounting_date=due - timedelta(days=30), due_date=due,
                      general_account="4110000", customer=customer, amount=Decimal(amount),
                      invoice_number=f"FA{entry}")  # fmt: skip


def records(prefix: str = "") -> list[Any]:
    """Three customers of BIJOU with lines in every bucket, a credit, a settled line."""
    return [
        Customer(company="BIJOU", number="C1", name=f"{prefix}Bijouterie Lumière SARL",
                 rep_number=2),
        Customer(company="BIJOU", number="C2", name=f"{prefix}Atelier Nord"),
        Customer(company="BIJOU", number="C3", name=f"{prefix}Gamma & Fils"),
        line(1, "C1", 95, "1200.50"), line(2, "C1", 40, "310.07"), line(3, "C1", -5, "99.99"),
        line(4, "C2", 12, "0.10"), line(5, "C2", 70, "-45.00"), line(6, "C2", 70, "845.01"),
        line(7, "C3", 0, "5000.00"),
        SettledLine(company="BIJOU", entry_number=8, journal="VTE",
                    accounting_date=TODAY - timedelta(days=200), general_account="4110000",
                    customer="C1", amount=Decimal("42.42"), lettering="AA"),
    ]  # fmt: skip


def read_day(store: BiExportStore, tenant: str, dataset: str, day: date) -> tuple[dict, list]:
    """(manifest, rows) as a BI reader gets them: through the manifest only, each file
    checked against its size and checksum, the CSV and the Parquet equal cell for cell."""
    found = store.manifest(tenant, dataset, day)
    assert found is not None, dataset
    by_format: dict[str, list[dict[str, str]]] = {}
    for f in found["files"]:
        body = store.get(f["key"])
        assert body is not None, f["key"]
        assert (len(body), hashlib.sha256(body).hexdigest()) == (f["bytes"], f["sha256"])
        if f["format"] == "csv":
            rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
        else:
            table = pq.read_table(io.BytesIO(body))
            rows = [{k: cell(v) for k, v in r.items()} for r in table.to_pylist()]
        assert len(rows) == f["rows"]
        by_format[f["format"]] = rows
    assert by_format["csv"] == by_format["parquet"]
    return found, by_format["csv"]


def run_handler(tenant: str, day: date) -> dict[str, Any]:
    """The real handler, invoked by hand for one tenant and day, as `make demo` does."""
    return run_bi_export(tenant, day)


def test_the_export_reads_back_equal_to_what_the_api_shows(
    api_url: str, local_keys: Any, service: BiExportService, tenant: Any
) -> None:
    sync(api_url, tenant, records(), "run-0001")
    status, user = api(api_url, local_keys, tenant.id, "POST", "/users",
                       {"email": "lea@pme.fr", "display_name": "Léa", "role": "user"})  # fmt: skip
    assert status == 201, user
    status, _ = api(api_url, local_keys, tenant.id, "PUT", f"/users/{user['user_id']}/portfolio",
                    {"rules": [{"company": "BIJOU", "rep_number": 2}], "version": 0})  # fmt: skip
    assert status == 200
    status, promise = api(api_url, local_keys, tenant.id, "POST", "/customers/BIJOU/C2/promises",
                          {"amount": "800.01", "promised_date": (TODAY + timedelta(days=7))
                           .isoformat(), "note": "au téléphone"})  # fmt: skip
    assert status == 201, promise

    answer = run_handler(tenant.id, TODAY)
    assert answer["rows"][tenant.id] == {
        "ledger_entries": 8, "customers": 3, "users": 1, "promises": 1, "who_owes_what": 6,
        "actions_done": 0,
    }  # fmt: skip
    store = service.files

    _, customers = read_day(store, tenant.id, "customers", TODAY)
    status, listed = api(
        api_url, local_keys, tenant.id, "GET", "/customers?limit=200&sort=number&order=asc"
    )
    assert status == 200
    shown = [{"company": c["company"], "number": c["number"], "name": c["name"],
              "collector": user["user_id"] if c["number"] == "C1" else "",
              "profile": c["profile"], "balance": c["total"], "overdue": c["overdue"],
              "days_late": str(c["days_late"]), "grade": c["grade"] or ""}
             for c in listed["customers"]]  # fmt: skip
    assert [{k: row[k] for k in shown[0]} for row in customers] == [
        {**s, "balance": f"{Decimal(s['balance']):.2f}", "overdue": f"{Decimal(s['overdue']):.2f}"}
        for s in shown
    ]
    status, dashboard = api(api_url, local_keys, tenant.id, "GET", "/dashboard")
    balances = sum(Decimal(c["balance"]) for c in customers)
    assert balances == Decimal(dashboard["total"]) == Decimal("7410.67")

    _, owed = read_day(store, tenant.id, "who_owes_what", TODAY)
    for number in ("C1", "C2", "C3"):
        status, card = api(api_url, local_keys, tenant.id, "GET", f"/customers/BIJOU/{number}")
        mine = {r["bucket"]: Decimal(r["amount"]) for r in owed if r["customer"] == number}
        assert mine == {b: Decimal(v) for b, v in card["aged_balance"].items() if Decimal(v)}
        assert sum(mine.values()) == Decimal(card["total"])

    _, ledger = read_day(store, tenant.id, "ledger_entries", TODAY)
    assert sum(Decimal(r["amount"]) for r in ledger if r["status"] == "open") == balances
    assert [(r["entry_number"], r["status"]) for r in ledger][-1] == ("8", "settled")

    _, users = read_day(store, tenant.id, "users", TODAY)
    rules = '{"customers":[],"rules":[{"company":"BIJOU","rep_number":2}]}'
    assert users == [{"user_id": user["user_id"], "role": "user", "active": "true",
                      "language": "fr", "portfolio": rules}]  # fmt: skip
    _, promises = read_day(store, tenant.id, "promises", TODAY)
    assert [(p["customer"], p["promise_id"], p["amount"], p["status"]) for p in promises] == [
        ("C2", promise["promise_id"], "800.01", "open")
    ]
    manifest, _ = read_day(store, tenant.id, "actions_done", TODAY)
    assert manifest["kind"] == "day" and manifest["schema_version"] == 1
    assert manifest["columns"] == ds.ACTIONS_DONE.schema()


def test_a_rerun_replaces_the_day_and_readers_see_one_whole_run(
    api_url: str, service: BiExportService, tenant: Any
) -> None:
    sync(api_url, tenant, records(), "run-0001")
    store, day = service.files, TODAY
    first = service.export(tenant.id, day, datetime.now(UTC))
    old, old_rows = read_day(store, tenant.id, "customers", day)
    assert old["run_id"] == first.run_id

    # Sage changes (C3 paid 1,000 of its 5,000, a new customer), then the day is exported
    # again, step by step.
    changed = [r for r in records() if getattr(r, "entry_number", 0) != 7]
    changed += [line(7, "C3", 0, "4000.00"), Customer(company="BIJOU", number="C4", name="Delta")]
    sync(api_url, tenant, changed, "run-0002")
    now = datetime.now(UTC)
    run_id = service.run_id(now)
    staged = service.stage(tenant.id, day, run_id, now, service.collect(tenant.id, day))
    # New files written, manifest not yet: readers still get the old run, whole.
    assert read_day(store, tenant.id, "customers", day) == (old, old_rows)
    service.publish(tenant.id, day, staged)
    # Published, old files not yet deleted: a reader gets the new run, whole.
    new, new_rows = read_day(store, tenant.id, "customers", day)
    assert new["run_id"] == run_id and [r["number"] for r in new_rows] == ["C1", "C2", "C3", "C4"]
    assert next(r for r in new_rows if r["number"] == "C3")["balance"] == "4000.00"
    deleted = service.sweep(tenant.id, day, staged)
    assert deleted == 2 * len(ds.DATASETS)  # the first run's CSV and Parquet of each dataset

    # Even a reader that lists the folder (no manifest) now sees each row once.
    for dataset in ds.DATASETS:
        prefix = day_prefix(tenant.id, dataset.name, day)
        listed = sorted(store.keys(prefix))
        manifest = store.manifest(tenant.id, dataset.name, day)
        assert manifest is not None
        assert listed == sorted([prefix + "_manifest.json", *(f["key"] for f in manifest["files"])])
    body = store.get(next(f["key"] for f in new["files"] if f["format"] == "csv"))
    assert body is not None
    numbers = [r["number"] for r in csv.DictReader(io.StringIO(body.decode()))]
    assert len(numbers) == len(set(numbers)) == 4


def test_overlapping_runs_of_a_day_never_leave_a_manifest_without_its_files(
    api_url: str, service: BiExportService, tenant: Any
) -> None:
    """A retry beside a run by hand: the older run publishes last and sweeps last."""
    sync(api_url, tenant, records(), "run-0001")
    store, day, now = service.files, TODAY, datetime.now(UTC)
    collected = service.collect(tenant.id, day)
    older, newer = service.run_id(now), service.run_id(now + timedelta(seconds=1))
    first = service.stage(tenant.id, day, older, now, collected)
    second = service.stage(tenant.id, day, newer, now, collected)
    service.publish(tenant.id, day, second)
    service.publish(tenant.id, day, first)
    service.sweep(tenant.id, day, second)  # keeps the files the published manifest lists
    service.sweep(tenant.id, day, first)  # keeps the later run's files
    for dataset in ds.DATASETS:
        manifest, _ = read_day(store, tenant.id, dataset.name, day)  # every file is there
        assert manifest["run_id"] == older
    # The next run leaves its own files only.
    report = service.export(tenant.id, day, now + timedelta(seconds=2))
    assert report.replaced == 2 * 2 * len(ds.DATASETS)
    for dataset in ds.DATASETS:
        prefix = day_prefix(tenant.id, dataset.name, day)
        assert {k.rsplit("-", 1)[-1].split(".")[0] for k in store.keys(prefix + "part-")} == {
            report.run_id.rsplit("-", 1)[-1]
        }


def all_text(store: BiExportStore, tenant: str) -> str:
    """Every file of the tenant's exports, Parquet decoded, as one case-folded text."""
    parts = []
    for key in store.keys(f"tenant={tenant}/"):
        body = store.get(key)
        assert body is not None
        if key.endswith(".parquet"):
            parts.append(json.dumps(pq.read_table(io.BytesIO(body)).to_pylist(), default=str))
        else:
            parts.append(body.decode("utf-8"))
    return "\n".join(parts).casefold()


def test_a_tenant_s_export_holds_none_of_another_tenant_s_rows(
    api_url: str, service: BiExportService, new_tenant: Any
) -> None:
    ours, theirs = new_tenant(), new_tenant()
    sync(api_url, ours, records("Ours "), "run-0001")
    sync(api_url, theirs, records("Theirs "), "run-0001")
    service.export(ours.id, TODAY, datetime.now(UTC))
    text = all_text(service.files, ours.id)
    assert "ours bijouterie" in text and "theirs" not in text
    assert service.files.keys(f"tenant={theirs.id}/") == []
    _, customers = read_day(service.files, ours.id, "customers", TODAY)
    assert {c["name"].split()[0] for c in customers} == {"Ours"}


def test_after_a_contact_s_erasure_no_export_file_holds_anything_of_that_person(
    api_url: str,
    local_keys: Any,
    service: BiExportService,
    held: Any,  # noqa: F811
) -> None:
    status, promise = api(api_url, local_keys, held.id, "POST", "/customers/BIJOU/C1/promises",
                          {"amount": "100.00", "promised_date": TODAY.isoformat(),
                           "note": "Marie Dupont au 06 11 22 33 44"})  # fmt: skip
    assert status == 201, promise
    status, _ = api(api_url, local_keys, held.id, "POST", "/personal-data/erasures",
                    {"email": EMAIL})  # fmt: skip
    assert status == 201
    sent_day = datetime.now(TENANT_ZONE).date()  # the held sent-log item was sent just now
    run_handler(held.id, sent_day)
    text = all_text(service.files, held.id)
    assert "bijouterie lumière sarl" in text  # the customer (a company) is there
    _, actions = read_day(service.files, held.id, "actions_done", sent_day)
    assert [(a["kind"], a["customer"], a["amount"]) for a in actions] == [
        ("reminder", "C1", "1510.57")
    ]
    traces = [
        n for n in (*MARIE, EMAIL, "06 11 22 33 44") if re.search(rf"\b{re.escape(n)}\b", text)
    ]
    assert traces == []
