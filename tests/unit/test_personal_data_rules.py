"""The retention rule and what erasure does to an item (domain/personal_data.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relance.domain.details import ManualContact
from relance.domain.personal_data import (
    ERASED,
    CustomerActivity,
    due_for_erasure,
    email_digest,
    is_erased,
    retention_cutoff,
    scrubbed,
)
from relance.domain.records import Contact

TODAY = date(2026, 11, 23)


def customer(number: str, owed: str, last: date | None) -> CustomerActivity:
    return CustomerActivity("BIJOU", number, Decimal(owed), last)


def test_only_customers_with_nothing_open_and_no_activity_for_three_years_are_due() -> None:
    found = due_for_erasure(
        [
            customer("OLD", "0", date(2023, 11, 22)),  # the day before the cut-off
            customer("EDGE", "0", date(2023, 11, 23)),  # exactly three years: kept
            customer("OWES", "12.30", date(2019, 1, 1)),  # old but still owes
            customer("CREDIT", "-5", date(2019, 1, 1)),  # a credit is still open
            customer("UNKNOWN", "0", None),  # nothing proves it old
        ],
        TODAY,
    )
    assert [c.number for c in found] == ["OLD"]
    assert [
        c.number for c in due_for_erasure([customer("X", "0", date(2025, 1, 1))], TODAY, 1)
    ] == ["X"]


def test_the_cutoff_of_a_29_february_falls_on_the_28th() -> None:
    assert retention_cutoff(date(2028, 2, 29), 3) == date(2025, 2, 28)


def test_a_scrubbed_contact_still_passes_the_models_and_keeps_its_keys() -> None:
    sage = Contact(company="BIJOU", customer="C1", number=1, last_name="Dupont",
                   first_name="Marie", phone="01 44 55 66 77", email="m@d.fr")  # fmt: skip
    erased = sage.model_copy(update=scrubbed("contact", sage.model_dump()))
    assert (erased.last_name, erased.first_name, erased.phone, erased.email) == (
        ERASED, ERASED, "", "")  # fmt: skip
    assert (erased.customer, erased.number) == ("C1", 1)
    assert is_erased("contact", erased.model_dump())
    manual = {"name": "Marie", "email": "m@d.fr", "phone": "06", "note": "appeler le matin"}
    # The erased manual contact must still be saved back through the card's model.
    assert ManualContact.model_validate({**manual, **scrubbed("manual_contact", manual)})


def test_the_erasure_list_keeps_a_digest_per_tenant_not_the_address() -> None:
    digest = email_digest("t1", " Marie.Dupont@Client.fr ")
    assert digest == email_digest("t1", "marie.dupont@client.fr")
    assert digest != email_digest("t2", "marie.dupont@client.fr")
    assert "marie" not in digest
