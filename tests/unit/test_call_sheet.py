"""The numbers a call task lists (domain/call_sheet.py)."""

from __future__ import annotations

from relance.domain.call_sheet import phone_numbers
from relance.domain.details import ManualContact
from relance.domain.records import Contact, Customer


def test_the_card_first_then_hand_entered_then_sage_contacts_each_number_once() -> None:
    customer = Customer(company="CO", number="C1", name="Dupont SARL", phone="04 76 00 00 00",
                        contact_name="Claire Dupont")  # fmt: skip
    manual = [ManualContact(name="Léa", role="Trésorière", phone="06 12 34 56 78"),
              ManualContact(name="Sans numéro", role="DAF")]  # fmt: skip
    contacts = [
        Contact(company="CO", customer="C1", number=2, first_name="Paul", last_name="Roy",
                function="Comptable", phone="+33 4 76 00 00 00", mobile="06 11 22 33 44"),
        Contact(company="CO", customer="C1", number=1, last_name="Martin", phone="04 76 99 99 99"),
    ]  # fmt: skip
    found = [(p["name"], p["role"], p["number"], p["source"])
             for p in phone_numbers(customer, contacts, manual)]  # fmt: skip
    assert found == [
        ("Claire Dupont", "", "04 76 00 00 00", "customer"),
        ("Léa", "Trésorière", "06 12 34 56 78", "manual"),
        ("Martin", "", "04 76 99 99 99", "contact"),
        # Paul's desk phone is the switchboard, in the international form: listed once.
        ("Paul Roy", "Comptable", "06 11 22 33 44", "contact"),
    ]


def test_nothing_to_dial_without_a_customer_record_nor_numbers() -> None:
    assert phone_numbers(None, [], []) == []
