"""Reminder templates and company info (C12): stored per tenant, checked on save, through
the API with roles, versions and the defaults behind."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from relance.api.template_schemas import TemplateList, VariablesAnswer
from relance.domain.templates import CompanyInfo, Template, TemplateSet, default_template
from relance.store.dynamo import ConflictError
from relance.store.templates import TemplateStore
from tests.integration.userapi import user_json

pytestmark = pytest.mark.integration
TABLE = "relance-test"
IBAN = "FR7630006000011234567890189"


def new_tenant_id() -> str:
    return f"t-{secrets.token_hex(4)}"


@pytest.fixture
def templates(store: Any) -> TemplateStore:
    return TemplateStore(TABLE, store.client)


def own_r1(body: str = "<p>Bonjour {{ customer.name }},</p>") -> Template:
    return Template(
        template_id="relance_1", language="fr", channel="email",
        subject="Relance {{ customer.name }}", body=body,
    )  # fmt: skip


# -- the store: what the dispatch reads --------------------------------------------------
def test_a_tenant_with_nothing_saved_reads_the_defaults_and_an_empty_company(
    templates: TemplateStore,
) -> None:
    tenant = new_tenant_id()
    assert templates.template_set(tenant) == TemplateSet()
    assert templates.template_set(tenant).resolve("relance_1", "fr", "email") == default_template(
        "relance_1", "fr", "email"
    )
    assert templates.company_info(tenant) == CompanyInfo()


def test_saved_templates_and_company_info_are_read_back_per_tenant(
    templates: TemplateStore,
) -> None:
    tenant, other = new_tenant_id(), new_tenant_id()
    letter = Template(template_id="relance_2", language="en", channel="letter",
                      body="Dear {{ customer.name }}")  # fmt: skip
    saved = TemplateSet().saved(own_r1()).saved(letter)
    templates.save_set(tenant, saved, 0)
    read = templates.template_set(tenant)
    assert read == saved.model_copy(update={"version": 1})
    assert read.resolve("relance_1", "fr", "email") == own_r1().model_copy(update={"version": 1})
    assert read.own("relance_2", "en", "letter").subject == ""  # type: ignore[union-attr]
    assert templates.template_set(other) == TemplateSet()

    info = CompanyInfo(legal_name="Ateliers Martin SAS", city="Lyon", iban=IBAN)
    templates.save_company_info(tenant, info, 0)
    assert templates.company_info(tenant) == info.model_copy(update={"version": 1})
    assert templates.company_info(other) == CompanyInfo()


def test_a_stale_version_is_refused_and_keeps_what_was_stored(templates: TemplateStore) -> None:
    tenant = new_tenant_id()
    first = TemplateSet().saved(own_r1())
    templates.save_set(tenant, first, 0)
    with pytest.raises(ConflictError):
        templates.save_set(tenant, first.saved(own_r1("<p>Autre</p>")), 0)
    assert templates.template_set(tenant).own("relance_1", "fr", "email").body == own_r1().body  # type: ignore[union-attr]

    templates.save_company_info(tenant, CompanyInfo(legal_name="A"), 0)
    with pytest.raises(ConflictError):
        templates.save_company_info(tenant, CompanyInfo(legal_name="B"), 0)
    templates.save_company_info(tenant, CompanyInfo(legal_name="C"), 1)
    assert templates.company_info(tenant).legal_name == "C"
    assert templates.company_info(tenant).version == 2


# -- the API ------------------------------------------------------------------------------
def call(
    api_url: str, keys: Any, tenant: str, method: str, path: str, body: Any = None,
    role: str = "admin",
) -> tuple[int, Any]:  # fmt: skip
    return user_json(api_url, keys, tenant, role, method, path, body)


R1 = "/templates/relance_1/fr/email"
UNKNOWN_VARIABLE = {
    "subject": "Relance {{ customer.name }}",
    "body": "<p>Bonjour,</p>\n<p>Vous nous devez {{ customer.balance_due }}.</p>",
    "version": 0,
}
GOOD = {
    "subject": "Facture en retard – {{ customer.name }}",
    "body": "<p>Bonjour {{ recipient.name }},</p>\n<p>Solde dû : {{ balance }}.</p>\n"
    "{{ invoice_table() }}",
    "version": 0,
}


def test_a_template_with_an_unknown_variable_is_refused_with_line_and_reason_and_nothing_saved(
    api_url: str, local_keys: Any
) -> None:
    tenant = new_tenant_id()
    status, answer = call(api_url, local_keys, tenant, "PUT", R1, UNKNOWN_VARIABLE)
    assert status == 422, answer
    problems = answer["error"]["details"]["problems"]
    assert problems[0]["part"] == "body" and problems[0]["line"] == 2
    assert problems[0]["code"] == "unknown_variable"
    assert "customer.balance_due" in problems[0]["reason"]
    assert "ligne 2" in answer["error"]["message_fr"]
    status, shown = call(api_url, local_keys, tenant, "GET", R1)
    assert status == 200 and shown["source"] == "default" and shown["version"] == 0

    bad_syntax = {**GOOD, "subject": "Relance {{ customer.name "}
    status, answer = call(api_url, local_keys, tenant, "PUT", R1, bad_syntax)
    assert status == 422
    assert answer["error"]["details"]["problems"][0]["part"] == "subject"
    assert answer["error"]["details"]["problems"][0]["code"] == "syntax"


def test_a_valid_template_is_saved_read_back_previewed_and_deleted_back_to_the_default(
    api_url: str, local_keys: Any
) -> None:
    tenant = new_tenant_id()
    default = call(api_url, local_keys, tenant, "GET", R1)[1]
    status, saved = call(api_url, local_keys, tenant, "PUT", R1, GOOD)
    assert status == 200, saved
    assert (saved["source"], saved["version"], saved["body"]) == ("tenant", 1, GOOD["body"])
    assert call(api_url, local_keys, tenant, "GET", R1) == (200, saved)
    # Viewers read too, and the list marks it as the tenant's, the others as defaults.
    status, listed = call(
        api_url, local_keys, tenant, "GET", "/templates?template_id=relance_1", role="viewer"
    )
    assert status == 200
    TemplateList.model_validate(listed)  # the answer the OpenAPI document declares
    sources = {(t["language"], t["channel"]): t["source"] for t in listed["templates"]}
    assert sources[("fr", "email")] == "tenant"
    assert sources[("en", "email")] == "default"
    assert {t["template_id"] for t in listed["templates"]} == {"relance_1"}

    # The web app previews the same text before saving: the example customer is in it.
    preview = {"language": "fr", "channel": "email", "subject": GOOD["subject"],
               "body": GOOD["body"], "template_id": "relance_1"}  # fmt: skip
    status, shown = call(api_url, local_keys, tenant, "POST", "/templates/preview", preview)
    assert status == 200, shown
    assert shown["subject"] == "Facture en retard – Boulangerie Dupont SARL"
    assert "Claire Dupont" in shown["html"] and "FA-2026-0815" in shown["text"]
    status, bad = call(
        api_url, local_keys, tenant, "POST", "/templates/preview", {**preview, "body": "{{ nope }}"}
    )
    assert status == 422 and bad["error"]["details"]["problems"][0]["line"] == 1

    # A second save needs the version read; a stale one is refused and changes nothing.
    again = {**GOOD, "body": "<p>Deuxième version</p>", "version": 1}
    assert call(api_url, local_keys, tenant, "PUT", R1, again)[1]["version"] == 2
    status, stale = call(api_url, local_keys, tenant, "PUT", R1, {**again, "body": "<p>X</p>"})
    assert status == 409 and stale["error"]["details"]["current_version"] == 2
    assert call(api_url, local_keys, tenant, "GET", R1)[1]["body"] == "<p>Deuxième version</p>"

    status, removed = call(api_url, local_keys, tenant, "DELETE", R1)
    assert status == 200 and removed["template"] == default
    assert call(api_url, local_keys, tenant, "GET", R1) == (200, default)
    assert call(api_url, local_keys, tenant, "DELETE", R1)[0] == 404


def test_another_tenant_sees_its_own_defaults_and_lower_roles_cannot_write(
    api_url: str, local_keys: Any
) -> None:
    tenant, other = new_tenant_id(), new_tenant_id()
    assert call(api_url, local_keys, tenant, "PUT", R1, GOOD)[0] == 200
    status, theirs = call(api_url, local_keys, other, "GET", R1)
    assert status == 200 and theirs["source"] == "default" and theirs["body"] != GOOD["body"]
    listed = call(api_url, local_keys, other, "GET", "/templates")[1]["templates"]
    assert listed and {t["source"] for t in listed} == {"default"}

    for role in ("viewer", "user"):
        pirate = {**GOOD, "body": "<p>Pirate</p>", "version": 1}
        status, refused = call(api_url, local_keys, tenant, "PUT", R1, pirate, role=role)
        assert status == 403, refused
        assert call(api_url, local_keys, tenant, "DELETE", R1, role=role)[0] == 403
    assert call(api_url, local_keys, tenant, "GET", R1)[1]["body"] == GOOD["body"]


def test_two_admins_saving_different_templates_keep_both(api_url: str, local_keys: Any) -> None:
    tenant = new_tenant_id()
    letter = {"subject": "", "body": "Madame, Monsieur,\n\n{{ invoice_table() }}", "version": 0}
    assert call(api_url, local_keys, tenant, "PUT", R1, GOOD)[0] == 200
    assert (
        call(api_url, local_keys, tenant, "PUT", "/templates/relance_2/fr/letter", letter)[0] == 200
    )
    own = [t for t in call(api_url, local_keys, tenant, "GET", "/templates")[1]["templates"]
           if t["source"] == "tenant"]  # fmt: skip
    assert {(t["template_id"], t["channel"]) for t in own} == {
        ("relance_1", "email"),
        ("relance_2", "letter"),
    }


def test_unknown_language_filter_or_template_answers_a_clear_4xx(
    api_url: str, local_keys: Any
) -> None:
    tenant = new_tenant_id()
    assert call(api_url, local_keys, tenant, "GET", "/templates/relance_1/de/email")[0] == 404
    assert call(api_url, local_keys, tenant, "GET", "/templates/inconnu/fr/email")[0] == 404
    status, answer = call(api_url, local_keys, tenant, "GET", "/templates?langue=fr")
    assert status == 422 and answer["error"]["details"][0]["where"] == "langue"


def test_the_variables_are_documented_in_the_callers_language(
    api_url: str, local_keys: Any
) -> None:
    tenant = new_tenant_id()
    status, doc = call(api_url, local_keys, tenant, "GET", "/templates/variables", role="viewer")
    assert status == 200 and doc["language"] == "fr"
    VariablesAnswer.model_validate(doc)
    names = {v["name"]: v for v in doc["variables"]}
    assert names["customer.name"]["description"] == "Nom du client"
    assert names["customer.name"]["example"] == "Boulangerie Dupont SARL"
    assert "invoice_table(days_late=true)" in {b["call"] for b in doc["blocks"]}
    user_json(api_url, local_keys, tenant, "viewer", "PUT", "/me/settings",
              {"language": "en", "version": 0}, user_id="u-viewer")  # fmt: skip
    doc = call(api_url, local_keys, tenant, "GET", "/templates/variables", role="viewer")[1]
    assert doc["language"] == "en"
    assert {v["name"]: v for v in doc["variables"]}["customer.name"]["description"] == (
        "Customer name"
    )


# -- company details -----------------------------------------------------------------------
def test_company_details_are_saved_by_admins_and_bad_bank_details_name_the_field(
    api_url: str, local_keys: Any
) -> None:
    tenant = new_tenant_id()
    status, empty = call(api_url, local_keys, tenant, "GET", "/settings/company", role="viewer")
    assert status == 200 and empty == CompanyInfo().model_dump(mode="json")
    details = {"legal_name": "Ateliers Martin SAS", "city": "Lyon",
               "siret": "12345678900012", "iban": "fr76 3000 6000 0112 3456 7890 189",
               "bic": "agrifrpp", "version": 0}  # fmt: skip
    status, saved = call(api_url, local_keys, tenant, "PUT", "/settings/company", details)
    assert status == 200, saved
    assert (saved["iban"], saved["bic"], saved["version"]) == (IBAN, "AGRIFRPP", 1)
    assert call(api_url, local_keys, tenant, "GET", "/settings/company") == (200, saved)

    for field, value in (("iban", "FR7630006000011234567890180"), ("siret", "1234")):
        status, refused = call(api_url, local_keys, tenant, "PUT", "/settings/company",
                               {**details, field: value, "version": 1})  # fmt: skip
        assert status == 422, refused
        assert refused["error"]["details"][0]["where"] == field
    assert call(api_url, local_keys, tenant, "PUT", "/settings/company",
                {**details, "version": 1}, role="user")[0] == 403  # fmt: skip
    status, refused = call(api_url, local_keys, tenant, "PUT", "/settings/company",
                           {**details, "logo_key": "t-autre/logo.png", "version": 1})  # fmt: skip
    assert status == 422 and refused["error"]["details"]["field"] == "logo_key"
    status, stale = call(api_url, local_keys, tenant, "PUT", "/settings/company",
                         {**details, "legal_name": "Autre", "version": 0})  # fmt: skip
    assert status == 409 and stale["error"]["details"]["current_version"] == 1
    assert call(api_url, local_keys, tenant, "GET", "/settings/company") == (200, saved)


# -- the sender of emails ----------------------------------------------------------------
def test_the_email_sender_is_the_setting_the_dispatch_reads(
    api_url: str, local_keys: Any, templates: TemplateStore
) -> None:
    tenant = new_tenant_id()
    status, empty = call(api_url, local_keys, tenant, "GET", "/settings/email-sender")
    assert status == 200 and empty == {"address": "", "name": "", "reply_to": "", "version": 0}
    sender = {"address": "relances@ateliers-martin.fr", "name": "Ateliers Martin – Compta",
              "reply_to": "compta@ateliers-martin.fr", "version": 0}  # fmt: skip
    status, saved = call(api_url, local_keys, tenant, "PUT", "/settings/email-sender", sender)
    assert status == 200 and saved == {**sender, "version": 1}
    # What the dispatch reads (services/dispatch.py: TemplateStore.sender).
    assert templates.sender(tenant).model_dump() == saved

    for field, value in (("address", "pas-une-adresse"), ("name", "X\r\nBcc: a@b.fr")):
        status, refused = call(api_url, local_keys, tenant, "PUT", "/settings/email-sender",
                               {**sender, field: value, "version": 1})  # fmt: skip
        assert status == 422 and refused["error"]["details"][0]["where"] == field
    assert call(api_url, local_keys, tenant, "PUT", "/settings/email-sender",
                {**sender, "version": 1}, role="viewer")[0] == 403  # fmt: skip
    assert call(api_url, local_keys, tenant, "PUT", "/settings/email-sender", sender)[0] == 409
    assert call(api_url, local_keys, tenant, "GET", "/settings/email-sender") == (200, saved)
