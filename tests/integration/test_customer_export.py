"""The customer list as a file (GET /customers?format=csv|xlsx): every row of the list's
filters and sort, not a page, with a total row; real numbers in the workbook; a viewer
exports, a collector only its portfolio, another tenant nothing of ours."""

from __future__ import annotations

import csv
import io
import secrets
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from relance.domain.receivables import summarize
from relance.domain.records import Customer, LedgerLine
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def invoice(company: str, entry: int, customer: str, late: int, amount: str) -> LedgerLine:
    due = datetime.now(UTC).date() - timedelta(late)
    return LedgerLine(
        company=company, entry_number=entry, journal="VTE", accounting_date=due - timedelta(30),
        due_date=due, general_account="4110000", customer=customer, amount=Decimal(amount),
    )  # fmt: skip


@pytest.fixture
def tenant(store: Any) -> str:
    """BIJOU: C1 (a name like a formula) 1234.56 € 40 days late, C2 0.10 € 10 days late,
    C3 500 € not due; AUTRE: C9 99.99 € 5 days late."""
    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU", "AUTRE"])
    today = datetime.now(UTC).date()
    bijou = [
        Customer(company="BIJOU", number="C1", name="=Piège SARL", city="Lyon"),
        Customer(company="BIJOU", number="C2", name="Bêta", city="Paris"),
        Customer(company="BIJOU", number="C3", name="Gamma"),
    ]
    lines = [
        invoice("BIJOU", 1, "C1", 40, "1000.00"),
        invoice("BIJOU", 2, "C1", 35, "234.56"),
        invoice("BIJOU", 3, "C2", 10, "0.10"),
        invoice("BIJOU", 4, "C3", -5, "500.00"),
    ]
    autre = [Customer(company="AUTRE", number="C9", name="Delta")]
    autre_lines = [invoice("AUTRE", 9, "C9", 5, "99.99")]
    store.write_records(tenant, [*bijou, *lines, *autre, *autre_lines])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", bijou, lines, today))
    store.replace_summaries(tenant, "AUTRE", summarize("AUTRE", autre, autre_lines, today))
    return tenant


def download(
    api_url: str, keys: Any, tenant: str, role: str, path: str, user_id: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    token = keys.issue(tenant=tenant, role=role, user_id=user_id or f"u-{role}",
                       email=f"{role}@exemple.fr", now=datetime.now(UTC))  # fmt: skip
    request = urllib.request.Request(
        api_url + path, headers={"Authorization": f"Bearer {token}", "Accept": XLSX}
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return int(answer.status), dict(answer.headers), answer.read()
    except urllib.error.HTTPError as err:
        return int(err.code), dict(err.headers), err.read()


def csv_rows(data: bytes, separator: str) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=separator))


def test_a_viewer_exports_the_whole_filtered_list_as_french_csv_with_its_total(
    api_url: str, local_keys: Any, tenant: str
) -> None:
    path = "/customers?overdue_only=true&sort=total&order=desc&limit=1&offset=1&format=csv"
    status, headers, data = download(api_url, local_keys, tenant, "viewer", path)
    assert status == 200, data
    assert headers["Content-Type"].startswith("text/csv")
    assert 'filename="clients-' in headers["Content-Disposition"]
    rows = csv_rows(data, ";")
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[:6] == ["Société", "Code", "Nom", "Ville", "Encours", "Échu"]
    # Every overdue customer, by outstanding, whatever the page asked: not C3 (not due).
    assert [(r[0], r[1]) for r in body] == [("BIJOU", "C1"), ("AUTRE", "C9"), ("BIJOU", "C2")]
    assert [r[4] for r in body] == ["1234,56", "99,99", "0,10"]
    assert body[0][2] == "'=Piège SARL"  # a name that looks like a formula stays text
    assert body[0][header.index("Retard (jours)")] == "40"
    assert total[0] == "Total (3 clients)" and total[4] == "1334,65"

    # The same list as JSON pages: the export is its rows, in its order.
    status, page = user_json(
        api_url, local_keys, tenant, "viewer", "GET",
        "/customers?overdue_only=true&sort=total&order=desc&limit=200",
    )  # fmt: skip
    assert status == 200 and [c["number"] for c in page["customers"]] == ["C1", "C9", "C2"]


def test_the_workbook_has_real_numbers_dates_and_a_frozen_header(
    api_url: str, local_keys: Any, tenant: str
) -> None:
    path = "/customers?company=BIJOU&sort=name&order=asc&format=xlsx"
    status, headers, data = download(api_url, local_keys, tenant, "admin", path)
    assert status == 200, data
    assert headers["Content-Type"] == XLSX and data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None and sheet.freeze_panes == "A2"
    values = list(sheet.iter_rows(values_only=True))
    header, body, total = values[0], values[1:-1], values[-1]
    amount_at = header.index("Encours")
    assert [r[1] for r in body] == ["C1", "C2", "C3"]  # by name: "=Piège", "Bêta", "Gamma"
    assert [Decimal(str(r[amount_at])) for r in body] == [
        Decimal("1234.56"), Decimal("0.1"), Decimal(500)
    ]  # fmt: skip
    assert Decimal(str(total[amount_at])).quantize(Decimal("0.01")) == Decimal("1734.66")
    assert total[0] == "Total (3 clients)"
    amount = sheet.cell(row=2, column=amount_at + 1)
    assert amount.data_type == "n" and "€" in amount.number_format
    name = sheet.cell(row=2, column=3)
    assert (name.value, name.data_type) == ("=Piège SARL", "s")  # text, not a formula
    oldest = header.index("Plus ancienne échéance")
    assert isinstance(body[0][oldest], datetime)  # a real date cell


def test_a_collector_exports_its_portfolio_another_tenant_nothing_bad_input_is_named(
    api_url: str, local_keys: Any, tenant: str
) -> None:
    new = {"email": "sophie@bijou.fr", "display_name": "Sophie", "role": "user"}
    _, sophie = user_json(api_url, local_keys, tenant, "admin", "POST", "/users", new)
    portfolio = {"rules": [{"company": "AUTRE"}], "customers": [], "version": 0}
    path = f"/users/{sophie['user_id']}/portfolio"
    assert user_json(api_url, local_keys, tenant, "admin", "PUT", path, portfolio)[0] == 200

    status, _, data = download(
        api_url, local_keys, tenant, "user", "/customers?format=csv", sophie["user_id"]
    )
    assert status == 200
    assert [r[:2] for r in csv_rows(data, ";")[1:-1]] == [["AUTRE", "C9"]]

    status, _, data = download(
        api_url, local_keys, f"t-{secrets.token_hex(4)}", "admin", "/customers?format=csv"
    )
    assert status == 200
    rows = csv_rows(data, ";")
    assert len(rows) == 2 and rows[-1][0] == "Total (0 client)"
    assert "Piège" not in data.decode("utf-8-sig")

    for wrong in ("format=pdf", "format=csv&colour=red"):
        status, _, data = download(api_url, local_keys, tenant, "viewer", f"/customers?{wrong}")
        assert status == 422, (wrong, data)
        assert (b"format" if "pdf" in wrong else b"colour") in data
