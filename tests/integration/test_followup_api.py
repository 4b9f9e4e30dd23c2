"""Recording the follow-up of a customer through the API (V3-V5, V10-V13): disputes,
promises, comments, repositioned dates, details and free fields; what the card, the list
and the dashboard then show; who may write; what a sync decides and what it leaves alone.
"""

from __future__ import annotations

import random
import secrets
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from bench.sagegen.generate import generate_company
from bench.sagegen.mutate import _Mutator
from relance.auth.identity import Identity
from relance.domain.followup import NewDispute
from relance.domain.receivables import summarize
from relance.domain.records import Customer, LedgerLine
from relance.relay.config import CompanyConfig, RelayConfig
from relance.relay.runner import run_sync
from relance.sage.dialect import Dialect
from relance.services.followup import FollowUpService
from relance.store.followup import FollowUpStore
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
TODAY = datetime.now(UTC).date()  # what the API calls today for a promise's date
D = Decimal
C1 = "/customers/BIJOU/C1"
C2 = "/customers/BIJOU/C2"


@dataclass
class Api:
    """One tenant's API, called as some role (and user id)."""

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

    def card(self, path: str = C1) -> Any:
        return self.get(path)

    def board(self) -> Any:
        return self.get("/dashboard")

    def rows(self, query: str = "") -> dict[str, Any]:
        return {c["number"]: c for c in self.get(f"/customers{query}")["customers"]}


def ledger(entry: int, customer: str, amount: str, due: date) -> LedgerLine:
    return LedgerLine(
        company="BIJOU", entry_number=entry, journal="VTE", accounting_date=due,
        due_date=due, general_account="4110000", customer=customer,
        invoice_number=f"FA{entry}", amount=D(amount),
    )  # fmt: skip


def seed(store: Any) -> str:
    """A tenant with BIJOU: C1 owes 10 (1000, overdue), 11 (250.50, overdue) and 12 (400,
    not due); C2 owes 20 (300, overdue). Written straight to the store: no relay."""
    tenant = f"t-{secrets.token_hex(4)}"
    store.register_companies(tenant, ["BIJOU"])
    late, soon = TODAY - timedelta(days=45), TODAY + timedelta(days=20)
    customers = [
        Customer(company="BIJOU", number="C1", name="Bijouterie Dupont", rep_number=2),
        Customer(company="BIJOU", number="C2", name="Atelier Martin", rep_number=5),
    ]
    lines = [
        ledger(10, "C1", "1000.00", late),
        ledger(11, "C1", "250.50", late),
        ledger(12, "C1", "400.00", soon),
        ledger(20, "C2", "300.00", late),
    ]
    store.write_records(tenant, [*customers, *lines])
    store.replace_summaries(tenant, "BIJOU", summarize("BIJOU", customers, lines, TODAY))
    return tenant


@pytest.fixture
def api(api_url: str, local_keys: Any, store: Any) -> Api:
    return Api(api_url, local_keys, seed(store))


def kinds(card: dict[str, Any]) -> list[str]:
    """The timeline's kinds of event, newest first, without Sage's invoices."""
    return [e["kind"] for e in card["timeline"] if e["actor"] != "sage"]


def item(card: dict[str, Any], entry: int) -> dict[str, Any]:
    (found,) = [i for i in card["open_items"] if i["entry_number"] == entry]
    return found


def nothing_recorded(api: Api) -> None:
    """C1's card and the tenant's figures are as the sync left them."""
    card = api.card()
    assert card["disputes"] == card["promises"] == card["comments"] == []
    assert card["details"]["contacts"] == [] and not card["flagged"]
    assert kinds(card) == []
    assert [i["expected_date"] for i in card["open_items"]] == [None, None, None]
    board = api.board()
    assert (board["disputes_open"], board["promises_open"], board["flagged"]) == (0, 0, 0)


# -- disputes (V4) -----------------------------------------------------------------------
def test_a_disputed_invoice_leaves_what_to_chase_and_comes_back_when_resolved(api: Api) -> None:
    body = {"reason": "price", "entries": [11], "note": "Prix catalogue 2025 appliqué"}
    status, opened = api("user", "POST", f"{C1}/disputes", body)
    assert status == 201, opened
    assert (opened["status"], D(opened["amount"]), opened["version"]) == ("open", D("250.50"), 1)

    card = api.card()
    assert [d["dispute_id"] for d in card["disputes"]] == [opened["dispute_id"]]
    assert item(card, 11)["disputed"] and not item(card, 10)["disputed"]
    assert D(card["to_chase"]) == D("1000.00")  # 11 is disputed, 12 is not due yet
    assert D(card["disputed"]) == D("250.50")
    assert kinds(card) == ["dispute_opened"]
    rows = api.rows()
    assert (rows["C1"]["open_disputes"], D(rows["C1"]["disputed"])) == (1, D("250.50"))
    assert (rows["C2"]["open_disputes"], D(rows["C2"]["disputed"])) == (0, D("0"))
    assert list(api.rows("?disputed=true")) == ["C1"]
    assert list(api.rows("?disputed=false")) == ["C2"]
    board = api.board()
    assert board["disputes_open"] == 1
    assert D(board["disputed"]) == D(card["disputed"]) + D(api.card(C2)["disputed"])

    dispute = f"{C1}/disputes/{opened['dispute_id']}/resolve"
    status, answer = api("user", "POST", dispute, {"version": 2, "resolution": "Avoir"})
    assert status == 409 and answer["error"]["details"]["current_version"] == 1
    assert api.card()["disputes"][0]["status"] == "open"  # the stale write changed nothing
    assert api.board()["disputes_open"] == 1

    status, resolved = api("user", "POST", dispute, {"version": 1, "resolution": "Avoir"})
    assert status == 200, resolved
    assert (resolved["status"], resolved["version"], resolved["resolved_by"]) == (
        "resolved",
        2,
        "u-user",
    )
    card = api.card()
    assert not item(card, 11)["disputed"]
    assert (D(card["to_chase"]), D(card["disputed"])) == (D("1250.50"), D("0"))
    assert kinds(card) == ["dispute_resolved", "dispute_opened"]
    assert (api.rows()["C1"]["open_disputes"], D(api.rows()["C1"]["disputed"])) == (0, D("0"))
    assert api.rows("?disputed=true") == {}
    board = api.board()
    assert (board["disputes_open"], D(board["disputed"])) == (0, D("0"))

    # Resolving again with the version read before: refused, counted once.
    status, answer = api("user", "POST", dispute, {"version": 1, "resolution": "Avoir"})
    assert status == 409 and answer["error"]["details"]["current_version"] == 2
    assert (api.board()["disputes_open"], D(api.board()["disputed"])) == (0, D("0"))


def test_a_dispute_on_the_whole_customer_holds_back_every_item(api: Api) -> None:
    status, opened = api("admin", "POST", f"{C1}/disputes", {"reason": "not_delivered"})
    assert status == 201 and D(opened["amount"]) == D("1650.50")
    card = api.card()
    assert all(i["disputed"] for i in card["open_items"])
    assert (D(card["to_chase"]), D(card["disputed"])) == (D("0"), D("1650.50"))
    assert D(api.board()["disputed"]) == D("1650.50")
    assert list(api.rows("?sort=disputed&order=desc")) == ["C1", "C2"]


def test_two_people_resolving_one_dispute_at_once_one_wins_the_other_is_told(
    api: Api,
) -> None:
    _, opened = api("user", "POST", f"{C1}/disputes", {"reason": "price", "entries": [10]})
    path = f"{C1}/disputes/{opened['dispute_id']}/resolve"

    def resolve(_: int) -> tuple[int, Any]:
        return api("user", "POST", path, {"version": 1, "resolution": "Avoir émis"})

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(resolve, range(2)), key=lambda answer: answer[0])
    assert [status for status, _ in answers] == [200, 409]
    assert answers[1][1]["error"]["details"]["current_version"] == 2
    (dispute,) = api.card()["disputes"]
    assert (dispute["status"], dispute["version"]) == ("resolved", 2)
    board = api.board()
    assert (board["disputes_open"], D(board["disputed"])) == (0, D("0"))  # not -1, not -1000
    assert kinds(api.card()) == ["dispute_resolved", "dispute_opened"]


def test_two_disputes_opened_at_once_on_one_customer_both_count(api: Api) -> None:
    # The same body twice: the local API's pooled handlers share the framework's current
    # event, so two different bodies sent at once could be mixed up (see the report).
    def open_one(_: int) -> int:
        return api("user", "POST", f"{C1}/disputes", {"reason": "price", "entries": [10]})[0]

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(open_one, range(2))) == [201, 201]
    assert len(api.card()["disputes"]) == 2
    board = api.board()
    assert (board["disputes_open"], D(board["disputed"])) == (2, D("2000.00"))


class MeetsAnotherChangeOnce:
    """A DynamoDB client whose first transaction meets another one on the same item, as
    DynamoDB reports it: the transaction is cancelled with a TransactionConflict."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.conflicts = 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def transact_write_items(self, **request: Any) -> Any:
        if self.conflicts:
            self.conflicts -= 1
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}],
                },
                "TransactWriteItems",
            )
        return self.client.transact_write_items(**request)


def test_a_dispute_meeting_another_change_of_the_customer_is_retried_not_lost(
    api: Api, store: Any
) -> None:
    client = MeetsAnotherChangeOnce(store.client)
    service = FollowUpService(FollowUpStore(store.table, client), store)
    me = Identity(tenant=api.tenant, role="user", user_id="u-user")
    file = service.customer_file(me, "BIJOU", "C1", None, write=True)
    body = NewDispute(reason="price", entries=[11])

    dispute, created = service.open_dispute(me, file, body, datetime.now(UTC))

    assert created and client.conflicts == 0
    assert [d["dispute_id"] for d in api.card()["disputes"]] == [dispute.dispute_id]
    assert (api.board()["disputes_open"], D(api.board()["disputed"])) == (1, D("250.50"))


def test_a_dispute_with_an_unknown_reason_or_invoice_is_refused_and_nothing_written(
    api: Api,
) -> None:
    status, answer = api("user", "POST", f"{C1}/disputes", {"reason": "weather", "entries": [10]})
    assert status == 422 and answer["error"]["code"] == "unknown_reason"
    assert answer["error"]["details"]["field"] == "reason"
    status, answer = api(
        "user", "POST", f"{C1}/disputes", {"reason": "price", "entries": [10, 999]}
    )
    assert status == 422 and answer["error"]["code"] == "unknown_entries"
    assert answer["error"]["details"] == {"field": "entries", "entries": [999]}
    status, answer = api("user", "POST", f"{C1}/disputes", {"reason": "price", "entries": [20]})
    assert status == 422, "C2's invoice is not C1's"
    status, answer = api("user", "POST", f"{C1}/disputes", {"reason": "price", "colour": "red"})
    assert status == 422 and answer["error"]["details"][0]["where"] == "colour"
    assert api("user", "POST", "/customers/BIJOU/NOBODY/disputes", {"reason": "price"})[0] == 404
    nothing_recorded(api)


def test_a_retried_dispute_with_the_same_idempotency_key_is_recorded_once(api: Api) -> None:
    body = {"reason": "price", "entries": [11]}
    status, first = api("user", "POST", f"{C1}/disputes", body, key="click-1")
    assert status == 201
    status, again = api("user", "POST", f"{C1}/disputes", body, key="click-1")
    assert status == 200 and again["dispute_id"] == first["dispute_id"]
    assert again["opened_at"] == first["opened_at"]
    card = api.card()
    assert len(card["disputes"]) == 1 and kinds(card) == ["dispute_opened"]
    board = api.board()
    assert (board["disputes_open"], D(board["disputed"])) == (1, D("250.50"))
    # Another click (another key) is another dispute.
    status, other = api("user", "POST", f"{C1}/disputes", body, key="click-2")
    assert status == 201 and other["dispute_id"] != first["dispute_id"]
    assert api.board()["disputes_open"] == 2


def test_an_admin_sets_the_dispute_reasons_users_then_choose_from(api: Api) -> None:
    path = "/settings/dispute-reasons"
    status, listed = api("viewer", "GET", path)
    assert status == 200 and listed["version"] == 0
    assert "price" in {r["code"] for r in listed["reasons"]}
    reasons: dict[str, Any] = {
        "reasons": [
            {"code": "late_delivery", "label_fr": "Livraison en retard", "label_en": "Late"},
            {"code": "other", "label_fr": "Autre", "label_en": "Other"},
        ],
        "version": 0,
    }
    for role in ("user", "viewer"):
        assert api(role, "PUT", path, reasons)[0] == 403
    status, saved = api("admin", "PUT", path, reasons)
    assert status == 200 and saved["version"] == 1

    status, _ = api("user", "POST", f"{C1}/disputes", {"reason": "late_delivery"})
    assert status == 201
    status, answer = api("user", "POST", f"{C1}/disputes", {"reason": "price"})
    assert status == 422 and answer["error"]["details"]["field"] == "reason"
    assert api.board()["disputes_open"] == 1

    status, answer = api("admin", "PUT", path, {**reasons, "reasons": reasons["reasons"][:1]})
    assert status == 409 and answer["error"]["details"]["current_version"] == 1
    twice = {"reasons": [reasons["reasons"][0]] * 2, "version": 1}
    assert api("admin", "PUT", path, twice)[0] == 422
    assert [r["code"] for r in api.get(path)["reasons"]] == ["late_delivery", "other"]


# -- payment promises (V5) ---------------------------------------------------------------
def test_a_promise_is_made_refused_in_the_past_and_cancelled_with_its_version(api: Api) -> None:
    soon = (TODAY + timedelta(days=3)).isoformat()
    body = {"amount": "600.00", "promised_date": soon, "entries": [10], "note": "virement"}
    status, made = api("user", "POST", f"{C1}/promises", body)
    assert status == 201, made
    assert (made["status"], made["version"]) == ("open", 1)
    assert {e: D(a) for e, a in made["baseline"].items()} == {"10": D("1000.00")}
    card = api.card()
    assert [p["promise_id"] for p in card["promises"]] == [made["promise_id"]]
    assert kinds(card) == ["promise_made"]
    board = api.board()
    assert (board["promises_open"], D(board["promised"])) == (1, D("600.00"))
    assert list(api.rows("?sort=promised")) == ["C1", "C2"]

    yesterday = (TODAY - timedelta(days=1)).isoformat()
    status, answer = api("user", "POST", f"{C1}/promises", {**body, "promised_date": yesterday})
    assert status == 422 and answer["error"]["details"]["field"] == "promised_date"
    assert api("user", "POST", f"{C1}/promises", {**body, "amount": "0"})[0] == 422
    assert api("user", "POST", f"{C1}/promises", {**body, "entries": [20]})[0] == 422
    assert api.board()["promises_open"] == 1 and len(api.card()["promises"]) == 1

    cancel = f"{C1}/promises/{made['promise_id']}/cancel"
    status, answer = api("user", "POST", cancel, {"version": 2})
    assert status == 409 and answer["error"]["details"]["current_version"] == 1
    status, cancelled = api("user", "POST", cancel, {"version": 1})
    assert status == 200 and (cancelled["status"], cancelled["version"]) == ("cancelled", 2)
    board = api.board()
    assert (board["promises_open"], D(board["promised"]), board["broken_promises"]) == (
        0,
        D("0"),
        0,
    )
    assert kinds(api.card()) == ["promise_cancelled", "promise_made"]
    status, answer = api("user", "POST", cancel, {"version": 2})
    assert status == 409 and answer["error"]["code"] == "promise_closed"
    assert api("user", "POST", f"{C1}/promises/nope/cancel", {"version": 1})[0] == 404


# -- comments (V11) ----------------------------------------------------------------------
def test_comments_on_the_customer_and_its_invoices_come_newest_first(api: Api) -> None:
    said: list[dict[str, Any]] = [
        {"text": "Appelé la comptable, rappeler lundi"},
        {"text": "Facture FA10 reçue en double ?", "entry_number": 10},
        {"text": "Promet un virement fin de mois"},
    ]
    for body in said:
        status, comment = api("user", "POST", f"{C1}/comments", body)
        assert status == 201 and comment["author"] == "u-user"
    card = api.card()
    assert [c["text"] for c in card["comments"]] == [b["text"] for b in reversed(said)]
    assert [c["entry_number"] for c in card["comments"]] == [None, 10, None]
    assert (item(card, 10)["comments"], item(card, 11)["comments"]) == (1, 0)
    assert kinds(card) == ["comment", "comment", "comment"]

    status, answer = api("user", "POST", f"{C1}/comments", {"text": "?", "entry_number": 999})
    assert status == 422 and answer["error"]["details"]["field"] == "entry_number"
    status, answer = api("user", "POST", f"{C1}/comments", {"text": "x" * 4001})
    assert status == 422 and answer["error"]["details"][0]["where"] == "text"
    assert api("user", "POST", f"{C1}/comments", {"text": ""})[0] == 422
    assert api("user", "POST", f"{C1}/comments", {"text": "y" * 4000})[0] == 201
    assert len(api.card()["comments"]) == 4


# -- details: the watch flag (V3), manual contacts (V13), free fields (V12) -------------
def test_a_flagged_customer_is_found_by_the_list_and_counted_by_the_dashboard(api: Api) -> None:
    details = {
        "flagged": True,
        "flag_note": "Retards répétés",
        "contacts": [
            {"name": " Mme Roux ", "role": "Comptable", "email": "roux@dupont.fr",
             "phone": "+33 1 23 45 67 89"},
        ],
        "version": 0,
    }  # fmt: skip
    status, saved = api("user", "PUT", f"{C1}/details", details)
    assert status == 200 and saved["version"] == 1
    card = api.card()
    assert card["flagged"] and card["details"]["flag_note"] == "Retards répétés"
    assert card["details"]["contacts"][0]["name"] == "Mme Roux"
    assert sorted(kinds(card)) == ["contacts_changed", "flagged"]  # one change, same time
    assert list(api.rows("?flagged=true")) == ["C1"]
    assert list(api.rows("?flagged=false")) == ["C2"]
    assert api.board()["flagged"] == 1

    bad = {**details, "contacts": [{"name": "Roux", "email": "roux-at-dupont"}], "version": 1}
    status, answer = api("user", "PUT", f"{C1}/details", bad)
    assert status == 422 and answer["error"]["details"][0]["where"] == "contacts.0.email"
    status, answer = api("user", "PUT", f"{C1}/details", {**details, "flagged": False})
    assert status == 409 and answer["error"]["details"]["current_version"] == 1
    assert api.board()["flagged"] == 1 and api.card()["details"]["version"] == 1

    status, saved = api("user", "PUT", f"{C1}/details", {**details, "flagged": False, "version": 1})
    assert status == 200 and saved["version"] == 2
    assert api.board()["flagged"] == 0 and api.rows("?flagged=true") == {}
    assert kinds(api.card())[0] == "unflagged"
    assert api.card()["details"]["contacts"][0]["email"] == "roux@dupont.fr"


def test_free_fields_defined_by_the_admin_are_checked_and_shown(api: Api) -> None:
    defs: dict[str, Any] = {
        "customer_fields": [
            {"key": "segment", "label_fr": "Segment", "label_en": "Segment",
             "type": "choice", "choices": ["PME", "ETI"]},
            {"key": "insured", "label_fr": "Assuré", "label_en": "Insured", "type": "yes_no"},
        ],
        "entry_fields": [{"key": "po_number", "label_fr": "N° commande", "label_en": "PO"}],
        "version": 0,
    }  # fmt: skip
    assert api("user", "PUT", "/settings/custom-fields", defs)[0] == 403
    status, saved = api("admin", "PUT", "/settings/custom-fields", defs)
    assert status == 200 and saved["version"] == 1
    assert api.get("/settings/custom-fields")["customer_fields"][0]["choices"] == ["PME", "ETI"]
    status, answer = api("admin", "PUT", "/settings/custom-fields", defs)
    assert status == 409 and answer["error"]["details"]["current_version"] == 1
    four = {**defs, "entry_fields": [{**defs["entry_fields"][0], "key": f"k{i}"} for i in range(4)]}
    status, answer = api("admin", "PUT", "/settings/custom-fields", {**four, "version": 1})
    assert status == 422 and answer["error"]["details"][0]["where"] == "entry_fields"

    fields = {"segment": "ETI", "insured": True}
    status, _ = api("user", "PUT", f"{C1}/details", {"fields": fields, "version": 0})
    assert status == 200
    status, _ = api("user", "PUT", f"{C1}/items/10", {"fields": {"po_number": "PO-77"}})
    assert status == 200
    card = api.card()
    assert card["details"]["fields"] == fields
    assert item(card, 10)["fields"] == {"po_number": "PO-77"}

    wrong = {"segment": "GE", "insured": "oui", "colour": "red"}
    status, answer = api("user", "PUT", f"{C1}/details", {"fields": wrong, "version": 1})
    assert status == 422 and answer["error"]["code"] == "bad_fields"
    assert set(answer["error"]["details"]["fields"]) == {"segment", "insured", "colour"}
    body = {"fields": {"segment": "PME"}, "version": 1}
    status, answer = api("user", "PUT", f"{C1}/items/10", body)
    assert status == 422 and answer["error"]["details"]["fields"] == {"segment": "unknown field"}
    card = api.card()
    assert card["details"]["fields"] == fields and item(card, 10)["fields"] == {
        "po_number": "PO-77"
    }


# -- repositioned payment dates (V10) ----------------------------------------------------
def test_a_repositioned_payment_date_shows_on_the_invoice_and_in_the_timeline(api: Api) -> None:
    expected = (TODAY + timedelta(days=10)).isoformat()
    status, note = api("user", "PUT", f"{C1}/items/10", {"expected_date": expected, "version": 0})
    assert status == 200 and note["version"] == 1
    card = api.card()
    assert (item(card, 10)["expected_date"], item(card, 10)["note_version"]) == (expected, 1)
    assert item(card, 11)["expected_date"] is None
    (moved,) = [e for e in card["timeline"] if e["kind"] == "expected_date_changed"]
    assert moved["summary"] == {"entry_number": 10, "expected_date": expected}

    later = (TODAY + timedelta(days=30)).isoformat()
    status, answer = api("user", "PUT", f"{C1}/items/10", {"expected_date": later, "version": 0})
    assert status == 409 and answer["error"]["details"]["current_version"] == 1
    status, answer = api("user", "PUT", f"{C1}/items/999", {"expected_date": later})
    assert status == 404 and answer["error"]["code"] == "unknown_item"
    assert api("user", "PUT", f"{C1}/items/20", {"expected_date": later})[0] == 404  # C2's
    assert item(api.card(), 10)["expected_date"] == expected

    # Moved again, from the version read: the note keeps changing, the timeline tells.
    status, note = api("user", "PUT", f"{C1}/items/10", {"expected_date": later, "version": 1})
    assert status == 200 and note["version"] == 2
    card = api.card()
    assert (item(card, 10)["expected_date"], item(card, 10)["note_version"]) == (later, 2)
    assert kinds(card) == ["expected_date_changed", "expected_date_changed"]


# -- who may write -----------------------------------------------------------------------
def writes(path: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every follow-up write on one customer, with a body that would be accepted."""
    soon = (TODAY + timedelta(days=5)).isoformat()
    return [
        ("POST", f"{path}/disputes", {"reason": "price"}),
        ("POST", f"{path}/disputes/d1/resolve", {"version": 1}),
        ("POST", f"{path}/promises", {"amount": "100", "promised_date": soon}),
        ("POST", f"{path}/promises/p1/cancel", {"version": 1}),
        ("POST", f"{path}/comments", {"text": "Relancé"}),
        ("PUT", f"{path}/details", {"flagged": True, "version": 0}),
        ("PUT", f"{path}/items/10", {"expected_date": soon, "version": 0}),
    ]


def test_a_viewer_writes_nothing(api: Api) -> None:
    for method, path, body in writes(C1):
        status, answer = api("viewer", method, path, body)
        assert status == 403 and answer["error"]["code"] == "role_too_low", path
    nothing_recorded(api)


def test_a_collector_writes_only_on_the_customers_of_its_portfolio(api: Api) -> None:
    status, sophie = api(
        "admin", "POST", "/users",
        {"email": "sophie@bijou.fr", "display_name": "Sophie", "role": "user"},
    )  # fmt: skip
    assert status == 201, sophie
    portfolio = {"rules": [], "customers": [{"company": "BIJOU", "number": "C2"}], "version": 0}
    status, _ = api("admin", "PUT", f"/users/{sophie['user_id']}/portfolio", portfolio)
    assert status == 200

    for method, path, body in writes(C1):
        status, answer = api("user", method, path, body, user_id=sophie["user_id"])
        assert status == 403 and answer["error"]["code"] == "not_in_portfolio", path
    nothing_recorded(api)
    status, _ = api("user", "POST", f"{C2}/comments", {"text": "Ok"}, user_id=sophie["user_id"])
    assert status == 201
    # A user without a portfolio works on every customer.
    assert api("user", "POST", f"{C1}/comments", {"text": "Ok"}, user_id="u-other")[0] == 201


def test_another_tenants_admin_finds_no_such_customer_and_changes_nothing(api: Api) -> None:
    theirs = Api(api.url, api.keys, f"t-{secrets.token_hex(4)}")
    for method, path, body in writes(C1):
        status, answer = theirs("admin", method, path, body)
        assert status == 404 and answer["error"]["code"] == "unknown_customer", path
    assert theirs("admin", "GET", C1)[0] == 404
    reasons = {"reasons": [{"code": "x", "label_fr": "X", "label_en": "X"}], "version": 0}
    assert theirs("admin", "PUT", "/settings/dispute-reasons", reasons)[0] == 200
    nothing_recorded(api)
    assert api.get("/settings/dispute-reasons")["version"] == 0  # their list, not ours


# -- what a sync decides (V5) and leaves alone (V13) -------------------------------------
def open_invoices_by_customer(path: Path) -> dict[str, list[tuple[int, int, Decimal]]]:
    """Unlettered 411 invoices of the Sage base: per customer, (cbMarq, EC_No, amount)."""
    conn = sqlite3.connect(path)
    try:
        mutator = _Mutator(conn, random.Random(0), datetime(2000, 1, 1))  # noqa: DTZ001
        found: dict[str, list[tuple[int, int, Decimal]]] = {}
        for inv in mutator.open_invoices(set()):
            (number,) = conn.execute(
                "SELECT EC_No FROM F_ECRITUREC WHERE cbMarq = ?", (inv.marq,)
            ).fetchone()
            found.setdefault(inv.code.rstrip(), []).append((inv.marq, number, inv.amount))
        return found
    finally:
        conn.close()


def letter(path: Path, marq: int, now: datetime) -> None:
    """Sage records a payment that settles invoice `marq` (both lines lettered), as
    bench/sagegen/mutate.py does for a day of accounting."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            mutator = _Mutator(conn, random.Random(1), now)
            (inv,) = [i for i in mutator.open_invoices(set()) if i.marq == marq]
            mutator.letter_with_payment(inv)
    finally:
        conn.close()


def test_the_sync_keeps_or_breaks_promises_and_leaves_manual_details_alone(
    api_url: str, local_keys: Any, new_tenant: Any, tmp_path: Path
) -> None:
    sage = generate_company(
        tmp_path / "BIJOU.db", "BIJOU", customers=12, lines=150, as_of=TODAY, seed=7
    ).path
    tenant = new_tenant()
    config = RelayConfig(
        api_url=api_url, key_id=tenant.key_id, secret=tenant.secret, state_dir=tmp_path / "st",
        companies=[CompanyConfig(code="BIJOU", dialect=Dialect.SQLITE,
                                 connection_string=f"DRIVER={{SQLite3}};Database={sage}")],
    )  # fmt: skip
    run_sync(config, mode="full", as_of=TODAY)
    api = Api(api_url, local_keys, tenant.id)

    customer, invoices = next(
        (c, i) for c, i in sorted(open_invoices_by_customer(sage).items()) if len(i) >= 2
    )
    (paid_marq, paid_entry, paid_amount), (_, unpaid_entry, unpaid_amount) = invoices[:2]
    card_path = f"/customers/BIJOU/{customer}"
    entries = {i["entry_number"] for i in api.card(card_path)["open_items"]}
    assert {paid_entry, unpaid_entry} <= entries
    to_be_paid = {
        "amount": str(paid_amount),
        "promised_date": (TODAY + timedelta(days=7)).isoformat(),
        "entries": [paid_entry],
    }
    status, kept = api("user", "POST", f"{card_path}/promises", to_be_paid)
    assert status == 201, kept
    not_paid = {"amount": str(unpaid_amount), "promised_date": TODAY.isoformat(),
                "entries": [unpaid_entry]}  # fmt: skip
    status, broken = api("user", "POST", f"{card_path}/promises", not_paid)
    assert status == 201, broken
    manual = {
        "flagged": True,
        "contacts": [{"name": "M. Leroy", "email": "leroy@client.fr", "role": "DAF"}],
        "version": 0,
    }
    assert api("user", "PUT", f"{card_path}/details", manual)[0] == 200
    assert api.board()["promises_open"] == 2

    # The customer pays the first invoice; the next sync sees it lettered.
    letter(sage, paid_marq, datetime.combine(TODAY + timedelta(days=1), time(7, 30)))
    run_sync(config, mode="incremental", as_of=TODAY)

    card = api.card(card_path)
    assert paid_entry not in {i["entry_number"] for i in card["open_items"]}
    status_of = {p["promise_id"]: p for p in card["promises"]}
    decided = status_of[kept["promise_id"]]
    assert (decided["status"], D(decided["paid"]), decided["version"]) == ("kept", paid_amount, 2)
    assert status_of[broken["promise_id"]]["status"] == "open"  # due today: not yet broken
    (event,) = [e for e in card["timeline"] if e["kind"] == "promise_kept"]
    assert event["actor"] == "sync" and event["summary"]["promise_id"] == kept["promise_id"]
    row = api.rows(f"?q={customer}")[customer]
    assert (row["open_promises"], D(row["promised"])) == (1, unpaid_amount)

    # The day after the promised date, a full sync: nothing was paid on the second one.
    run_sync(config, mode="full", as_of=TODAY + timedelta(days=1))
    card = api.card(card_path)
    status_of = {p["promise_id"]: p for p in card["promises"]}
    assert status_of[broken["promise_id"]]["status"] == "broken"
    assert D(status_of[broken["promise_id"]]["paid"]) == 0
    assert status_of[kept["promise_id"]]["status"] == "kept"
    assert [e["actor"] for e in card["timeline"] if e["kind"].startswith("promise_")] == [
        "sync",
        "sync",
        "u-user",
        "u-user",
    ]  # broken, kept (once), made, made
    board = api.board()
    assert (board["broken_promises"], board["promises_open"], D(board["promised"])) == (1, 0, 0)
    assert list(api.rows("?broken_promise=true")) == [customer]
    # A full sync rewrote the customer's Sage data, not what users entered by hand.
    assert card["flagged"] and card["details"]["contacts"] == [
        {"name": "M. Leroy", "role": "DAF", "email": "leroy@client.fr", "phone": "", "note": ""}
    ]
    assert board["flagged"] == 1 and list(api.rows("?flagged=true")) == [customer]
