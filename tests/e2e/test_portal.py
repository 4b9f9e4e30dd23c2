"""The customer portal in a real browser: a customer opens its link, reads its statement,
promises a payment date and sees it confirmed; the collector then has it on the card."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from relance.domain.receivables import summarize
from relance.domain.records import Customer, LedgerLine
from tests.integration.userapi import user_json

TODAY = datetime.now(UTC).date()


@pytest.fixture
def site(aws: Any, store: Any, local_keys: Any) -> Iterator[tuple[str, str]]:
    """(the dev server with the web app, a tenant with one customer owing two invoices)."""
    import os

    from local import standins
    from local.devserver import LocalApi, make_server, serve_in_background
    from local.website import WebSite

    # Where a tenant's invoice PDFs would be (the dispatch tests' bucket name).
    bucket = os.environ.setdefault("RELANCE_DOCUMENTS_BUCKET", "relance-test-documents")
    standins.ensure_resources(aws, os.environ["RELANCE_TABLE"], [bucket])

    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU"])
    customer = Customer(company="BIJOU", number="C1", name="Boulangerie Dupont")
    lines = [
        LedgerLine(company="BIJOU", entry_number=entry, journal="VTE", invoice_number=number,
                   accounting_date=TODAY - timedelta(40), due_date=TODAY - timedelta(late),
                   general_account="4110000", customer="C1", amount=Decimal(amount))
        for entry, number, late, amount in ((1, "FA-0001", 10, "1234.56"),
                                            (2, "FA-0002", -5, "100.00"))
    ]  # fmt: skip
    store.write_records(tenant, [customer, *lines])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", [customer], lines, TODAY))
    server = make_server(LocalApi(local_keys), web=WebSite(local_keys, tenant))
    serve_in_background(server)
    yield f"http://127.0.0.1:{server.server_address[1]}", tenant
    server.shutdown()


def test_a_customer_reads_its_statement_and_promises_a_date(
    browser: Any, site: tuple[str, str], local_keys: Any
) -> None:
    url, tenant = site
    status, link = user_json(url, local_keys, tenant, "user", "POST",
                             "/customers/BIJOU/C1/portal-links")  # fmt: skip
    assert status == 201, link
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        page.goto(f"{url}/portal/#t={link['token']}")
        page.get_by_role("heading", name="Votre relevé de compte").wait_for()
        assert "#t=" not in page.url  # the token left the address bar
        page.get_by_text("Boulangerie Dupont").first.wait_for()
        rows = page.locator("tbody tr")
        assert rows.count() == 2
        assert (
            "FA-0001" in rows.nth(0).inner_text() and "10 j de retard" in rows.nth(0).inner_text()
        )
        total = (
            page.locator("[data-total]").inner_text().replace("\u202f", " ").replace("\xa0", " ")
        )
        assert total == "1 334,56 €"

        promised = TODAY + timedelta(days=12)
        page.get_by_label("Date de paiement").fill(promised.isoformat())
        page.get_by_role("button", name="Enregistrer ma promesse").click()
        done = page.get_by_role("status").filter(has_text="promesse de paiement")
        done.wait_for()
        assert promised.strftime("%d/%m/%Y") in done.inner_text()

        page.get_by_role("button", name="English").click()
        page.get_by_role("heading", name="Your account statement").wait_for()
    finally:
        context.close()
    assert errors == []
    card = user_json(url, local_keys, tenant, "viewer", "GET", "/customers/BIJOU/C1")[1]
    assert [(p["promised_date"], p["amount"]) for p in card["promises"]] == [
        (promised.isoformat(), "1334.56")
    ]
