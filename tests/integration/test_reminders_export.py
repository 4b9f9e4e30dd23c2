"""Sent reminders (C16): the paged list and the CSV / Excel export, through the local API.

The sent log is written here as the dispatch writes it (items T#{t}#SENT#{yyyy-mm} /
{sent_at}#..., store/dispatch.py): the documented contract between the two.
"""

from __future__ import annotations

import csv
import io
import secrets
import urllib.error
import urllib.request
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from relance.api.template_schemas import SentReminderPage
from relance.store.codec import to_item
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
TABLE = "relance-test"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOVEMBER = "from=2026-11-01&to=2026-11-30"

# (sent_at UTC, company, customer, channel, amount, status): Paris is UTC+1 in winter.
SENT = [
    ("2026-10-31T22:59:00+00:00", "BIJOU", "C1", "email", "999.99", "sent"),  # 31 Oct, 23:59
    ("2026-10-31T23:30:00+00:00", "BIJOU", "C1", "email", "1234.56", "delivered"),  # 1 Nov
    ("2026-11-05T09:00:00.250000+00:00", "BIJOU", "C2", "letter", "0.10", "produced"),
    ("2026-11-12T14:00:00+00:00", "BIJOU", "C1", "email", "0.20", "bounced"),
    ("2026-11-20T08:15:00+00:00", "DECOR", "D9", "email", "2500.00", "sent"),
    ("2026-11-30T22:59:59+00:00", "BIJOU", "C2", "email", "100.01", "sent"),  # 30 Nov 23:59
    ("2026-11-30T23:00:00+00:00", "BIJOU", "C1", "email", "7.77", "sent"),  # 1 Dec, 00:00
]
IN_NOVEMBER = SENT[1:6]  # on a Paris clock


def log_item(tenant: str, sent_at: str, company: str, customer: str, channel: str,
             amount: str, status: str) -> dict[str, Any]:  # fmt: skip
    as_of = sent_at[:10]
    return {
        "PK": f"T#{tenant}#SENT#{sent_at[:7]}",
        "SK": f"{sent_at}#{company}#{customer}#R2#{as_of}",
        "item_type": "sent",
        "tenant": tenant,
        "company": company,
        "customer": customer,
        "customer_name": f"=Client {customer}" if customer == "C2" else f"Client {customer}",
        "step": "R2",
        "level": 2,
        "channel": channel,
        "recipients": ["compta@client.fr"] if channel == "email" else ["Client", "38000 Grenoble"],
        "subject": "Relance : factures échues",
        "amount": Decimal(amount),
        "currency": "EUR",
        "invoice_numbers": ["FA-1", "FA-2"],
        "document_key": f"{tenant}/docs/{customer}.pdf",
        "message_id": f"m-{secrets.token_hex(4)}",
        "status": status,
        "triggered_by": "nightly",
        "as_of": as_of,
        "sent_at": sent_at,
    }


@pytest.fixture
def tenants(store: Any) -> tuple[str, str]:
    """Ours with the reminders above; another one with one reminder of its own."""
    ours, theirs = f"t-{secrets.token_hex(4)}", f"t-{secrets.token_hex(4)}"
    items = [log_item(ours, *row) for row in SENT]
    items.append(log_item(theirs, "2026-11-10T10:00:00+00:00", "BIJOU", "C1", "email",
                          "55555.55", "sent"))  # fmt: skip
    for item in items:
        store.client.put_item(TableName=TABLE, Item=to_item(item))
    return ours, theirs


def download(api_url: str, keys: Any, tenant: str, role: str, path: str,
             user_id: str | None = None) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
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


def test_the_french_csv_holds_the_months_reminders_on_a_paris_clock_and_their_total(
    api_url: str, local_keys: Any, tenants: tuple[str, str]
) -> None:
    ours, _ = tenants
    status, headers, data = download(
        api_url, local_keys, ours, "viewer", f"/reminders/export?{NOVEMBER}&format=csv"
    )
    assert status == 200, data
    assert headers["Content-Type"].startswith("text/csv")
    assert 'filename="relances-2026-11-01-2026-11-30.csv"' in headers["Content-Disposition"]
    rows = csv_rows(data, ";")
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[:4] == ["Envoyée le", "Société", "Client", "Nom du client"]
    at = {name: header.index(name) for name in ("Envoyée le", "Montant", "Canal", "Statut")}
    assert [r[at["Envoyée le"]] for r in body] == [
        "01/11/2026 00:30", "05/11/2026 10:00", "12/11/2026 15:00", "20/11/2026 09:15",
        "30/11/2026 23:59",
    ]  # fmt: skip
    assert [r[at["Montant"]] for r in body] == ["1234,56", "0,10", "0,20", "2500,00", "100,01"]
    assert [r[at["Canal"]] for r in body][:2] == ["E-mail", "Courrier"]
    assert body[1][at["Statut"]] == "Produit"
    assert body[1][3] == "'=Client C2"  # a name that looks like a formula stays text
    assert total[0] == "Total EUR (5 relances)"
    assert total[at["Montant"]] == "3834,87"  # 1234.56 + 0.10 + 0.20 + 2500.00 + 100.01
    assert "55555" not in data.decode("utf-8-sig")  # the other tenant's


def test_the_workbook_has_real_numbers_dates_a_frozen_header_and_the_total_to_the_cent(
    api_url: str, local_keys: Any, tenants: tuple[str, str]
) -> None:
    ours, _ = tenants
    status, headers, data = download(
        api_url, local_keys, ours, "admin", f"/reminders/export?{NOVEMBER}&format=xlsx"
    )
    assert status == 200, data
    assert headers["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None and sheet.freeze_panes == "A2"
    values = list(sheet.iter_rows(values_only=True))
    header, body, total = values[0], values[1:-1], values[-1]
    amount_at, sent_at = header.index("Montant"), header.index("Envoyée le")
    assert len(body) == len(IN_NOVEMBER)
    # A date cell, on the Paris clock (a sheet's dates have no time zone).
    assert body[0][sent_at] == datetime.fromisoformat("2026-11-01T00:30")
    amounts = [Decimal(str(r[amount_at])) for r in body]
    assert amounts == [Decimal(row[4]) for row in IN_NOVEMBER]
    assert total[0] == "Total EUR (5 relances)"
    assert Decimal(str(total[amount_at])).quantize(Decimal("0.01")) == sum(amounts)
    assert sum(amounts) == Decimal("3834.87")
    amount_cell = sheet.cell(row=2, column=amount_at + 1)
    assert amount_cell.data_type == "n" and "€" in amount_cell.number_format
    assert sheet.cell(row=3, column=4).value == "=Client C2"  # text, not a formula
    assert sheet.cell(row=3, column=4).data_type == "s"
    assert sheet.column_dimensions["D"].width >= 20


def test_filters_an_english_csv_and_a_collector_limited_to_its_portfolio(
    api_url: str, local_keys: Any, tenants: tuple[str, str]
) -> None:
    ours, _ = tenants

    def as_admin(method: str, path: str, body: Any) -> Any:
        status, answer = user_json(api_url, local_keys, ours, "admin", method, path, body)
        assert status in (200, 201), answer
        return answer

    collector = as_admin("POST", "/users", {"email": "c@ours.fr", "display_name": "C",
                                            "role": "user"})["user_id"]  # fmt: skip
    only_c2 = {"rules": [], "customers": [{"company": "BIJOU", "number": "C2"}], "version": 0}
    as_admin("PUT", f"/users/{collector}/portfolio", only_c2)
    user_json(api_url, local_keys, ours, "user", "PUT", "/me/settings",
              {"language": "en", "version": 0}, user_id=collector)  # fmt: skip

    status, _, data = download(api_url, local_keys, ours, "user", f"/reminders/export?{NOVEMBER}",
                               user_id=collector)  # fmt: skip
    assert status == 200
    rows = csv_rows(data, ",")
    assert rows[0][:3] == ["Sent at", "Company", "Customer"]
    assert [r[2] for r in rows[1:-1]] == ["C2", "C2"]
    assert rows[1][0] == "2026-11-05 10:00"
    assert rows[-1][0] == "Total EUR (2 reminders)" and rows[-1][10] == "100.11"

    path = f"/reminders/export?{NOVEMBER}&channel=email&company=BIJOU&status=sent"
    status, _, data = download(api_url, local_keys, ours, "viewer", path)
    assert [r[2] for r in csv_rows(data, ";")[1:-1]] == ["C2"]


def test_the_list_pages_newest_first_without_losing_or_repeating_a_reminder(
    api_url: str, local_keys: Any, tenants: tuple[str, str]
) -> None:
    ours, _ = tenants
    seen: list[dict[str, Any]] = []
    path = f"/reminders?{NOVEMBER}&limit=2"
    pages = 0
    while True:
        status, page = user_json(api_url, local_keys, ours, "viewer", "GET", path)
        assert status == 200, page
        SentReminderPage.model_validate(page)  # the answer the OpenAPI document declares
        seen += page["reminders"]
        pages += 1
        if page["next_cursor"] is None:
            break
        path = f"/reminders?{NOVEMBER}&limit=2&cursor={page['next_cursor']}"
    assert pages == 3
    sent = [datetime.fromisoformat(r["sent_at"]) for r in seen]
    assert sent == sorted((datetime.fromisoformat(r[0]) for r in IN_NOVEMBER), reverse=True)
    assert seen[-1]["amount"] == "1234.56"
    assert seen[-1]["display"]["amount"] == "1\u202f234,56\xa0€"
    assert seen[-1]["recipients"] == ["compta@client.fr"]

    status, answer = user_json(api_url, local_keys, ours, "viewer", "GET", "/reminders?cursor=x")
    assert status == 400 and answer["error"]["code"] == "bad_cursor"


def test_a_bad_range_or_parameter_is_refused_naming_it(
    api_url: str, local_keys: Any, tenants: tuple[str, str]
) -> None:
    ours, _ = tenants
    for path, where in (
        ("/reminders/export?from=2026-11-30&to=2026-11-01", "to"),
        ("/reminders/export?from=2025-01-01&to=2026-11-30", "to"),
        ("/reminders/export?format=pdf", "format"),
        ("/reminders?from=30/11/2026", "from"),
        ("/reminders?colour=red", "colour"),
    ):
        status, answer = user_json(api_url, local_keys, ours, "viewer", "GET", path)
        assert status == 422, (path, answer)
        assert answer["error"]["details"][0]["where"] == where, (path, answer)
