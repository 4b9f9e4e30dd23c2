"""Reminder templates (C12): defaults, context, sandboxed rendering, checks on save."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from relance.domain.display import DisplaySettings, money
from relance.domain.dunning import RateTable, default_scenario
from relance.domain.dunning.actions import Action, ActionLine
from relance.domain.dunning.contacts import Recipient, postal_address
from relance.domain.records import Customer, LedgerLine
from relance.domain.templates import (
    DEFAULT_TEMPLATES,
    VARIABLES,
    Collector,
    CompanyInfo,
    Paragraph,
    RenderError,
    Table,
    Template,
    TemplateSet,
    build_context,
    check,
    default_template,
    example_context,
    letter_parts,
    preview,
    render,
    transfer_reference,
)
from relance.domain.templates.context import (
    CHECK_KINDS,
    EXAMPLE_COMPANY,
    PREVIEW_KINDS,
    valid_reference,
)
from relance.domain.templates.text import html_to_text, text_blocks
from relance.services.nightly import action_record, penalty_claim
from relance.store.codec import from_item, to_item

NNBSP, NBSP = "\u202f", "\xa0"
FR = DisplaySettings()
EN = DisplaySettings(language="en")
AS_OF = date(2026, 11, 23)
COMPANY = EXAMPLE_COMPANY
COLLECTOR = Collector(name="Sophie Bernard", email="sophie@example.fr", phone="04 72 00 00 01")


def eur(text: str) -> str:
    """'1 234,56 €' as babel writes it in French (narrow no-break space, no-break space)."""
    whole, _, rest = text.partition(",")
    return whole.replace(" ", NNBSP) + "," + rest.replace(" ", NBSP)


def tpl(
    body: str, channel: str = "email", subject: str = "Objet", language: str = "fr"
) -> Template:
    return Template.model_validate(
        {"template_id": "custom", "language": language, "channel": channel,
         "subject": subject, "body": body}
    )  # fmt: skip


def default(template_id: str, language: str, channel: str) -> Template:
    found = default_template(template_id, language, channel)  # type: ignore[arg-type]
    assert found is not None
    return found


def customer(**fields: Any) -> Customer:
    base: dict[str, Any] = {
        "company": "LYON", "number": "C042", "name": "Garage Lefèvre", "address": "8 rue Haute",
        "postal_code": "69003", "city": "Lyon", "email": "compta@garage.fr",
    }  # fmt: skip
    return Customer.model_validate(base | fields)


def ledger_line(entry: int, amount: str, due: date, **more: Any) -> LedgerLine:
    return LedgerLine.model_validate(
        {"company": "LYON", "entry_number": entry, "journal": "VTE",
         "accounting_date": date(due.year, due.month, 1), "invoice_number": f"FA{entry}",
         "general_account": "41100000", "customer": "C042", "due_date": due,
         "amount": Decimal(amount)} | more
    )  # fmt: skip


def stored_action(
    cust: Customer,
    lines: list[tuple[int, str, date]],
    *,
    step: str = "R5",
    channel: str = "letter",
    claim: bool = True,
    template: str = "mise_en_demeure",
) -> dict[str, Any]:
    """An action as the nightly run stores it, penalties computed by the engine."""
    action_lines = tuple(
        ActionLine(entry, Decimal(amount), (AS_OF - due).days, due) for entry, amount, due in lines
    )
    level = int(step[1]) if step.startswith("R") else 0
    action = Action(
        key=f"LYON#{cust.number}#{step}#{AS_OF}", company="LYON", customer=cust.number,
        scenario="standard", step=step, phase="reminder", level=level,  # type: ignore[arg-type]
        channel=channel, mode="manual", contact_role="main",  # type: ignore[arg-type]
        template=template, lines=action_lines, credits=(),
        amount=sum((li.amount for li in action_lines), Decimal(0)),
        days_late=max(li.days_late for li in action_lines),
        recipient=Recipient(cust.name, cust.email, cust.phone, postal_address(cust), "customer",
                            True),
        fallback=False, claim_penalties=claim, formal_notice=step == "R5",
    )  # fmt: skip
    return action_record(action, AS_OF, "u1", penalty_claim(action, cust, AS_OF, RateTable()))


# -- the defaults ---------------------------------------------------------------------------
@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=lambda t: "/".join(t.key))
def test_every_default_template_passes_the_check(template: Template) -> None:
    assert check(template) == []


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=lambda t: "/".join(t.key))
@pytest.mark.parametrize("kind", PREVIEW_KINDS)
def test_every_default_template_renders_with_every_example(template: Template, kind: Any) -> None:
    out = render(template, example_context(template.language, kind))
    assert out.subject and out.text.strip() and out.html.strip()
    assert (
        "Madame, Monsieur" in out.text
        or "Dear Sir or Madam" in out.text
        or (template.channel == "phone")
    )
    if template.channel == "email":
        assert out.html.startswith("<!DOCTYPE html>") and f'lang="{template.language}"' in out.html


def test_the_defaults_cover_every_step_and_channel_of_the_default_scenario() -> None:
    for step in default_scenario().steps:
        channels = [step.channel, *([step.fallback_channel] if step.fallback_channel else [])]
        for language in ("fr", "en"):
            for channel in channels:
                assert default_template(step.template, language, channel), (step.template, channel)


def test_french_r5_states_principal_penalties_indemnity_total_and_deadline() -> None:
    cust = customer()
    action = stored_action(
        cust, [(11, "1234.56", date(2026, 9, 13)), (12, "980", date(2026, 10, 2))]
    )
    claim = action["claim"]
    # by hand: 1234.56 × 12.15 % × 71 / 365 = 29.18; 980 × 12.15 % × 52 / 365 = 16.96
    assert (claim["penalties"], claim["indemnities"]) == (Decimal("46.14"), Decimal("80.00"))
    ledger = {11: ledger_line(11, "1234.56", date(2026, 9, 13)),
              12: ledger_line(12, "980", date(2026, 10, 2))}  # fmt: skip
    ctx = build_context(action, cust, COMPANY, COLLECTOR, "fr", AS_OF, ledger=ledger)
    out = render(default("mise_en_demeure", "fr", "letter"), ctx)
    text = out.text
    assert out.subject == "Mise en demeure de payer"
    assert "LETTRE RECOMMANDÉE AVEC DEMANDE D'AVIS DE RÉCEPTION" in text
    assert f"principal : {eur('2 214,56 €')}" in text
    assert f"(article L441-10 du Code de commerce) : {eur('46,14 €')}" in text
    assert f"{eur('40,00 €')} par facture (article D441-5 du Code de commerce)" in text
    assert f"{eur('80,00 €')} ;" in text
    assert f"total : {eur('2 340,70 €')}." in text
    assert "au plus tard le 1er décembre 2026" in text
    assert "injonction de payer" in text and "article 1344 du Code civil" in text
    assert "FA11" in text and "FA12" in text
    assert "Nous vous prions d'agréer, Madame, Monsieur" in text
    # the breakdown table of the letter, for the PDF: one row per invoice, then the totals
    (table,) = [b for b in out.blocks if isinstance(b, Table)]
    assert [row[0] for row in table.rows] == ["FA11", "FA12"]
    assert table.footer[0][3:] == (eur("2 214,56 €"), eur("46,14 €"), eur("80,00 €"))
    assert table.footer[-1][-1] == eur("2 340,70 €")


def test_r5_for_a_customer_exempt_from_penalties_claims_the_principal_only() -> None:
    cust = customer(no_penalty=True)
    action = stored_action(cust, [(11, "1234.56", date(2026, 9, 13))])
    ctx = build_context(action, cust, COMPANY, None, "fr", AS_OF)
    text = render(default("mise_en_demeure", "fr", "letter"), ctx).text
    assert f"la somme de {eur('1 234,56 €')}" in text
    assert "pénalités de retard arrêtées" not in text and "D441-5" not in text


def test_an_action_read_back_from_dynamodb_renders_the_same() -> None:
    cust = customer()
    action = stored_action(
        cust, [(11, "1234.56", date(2026, 9, 13)), (12, "980", date(2026, 10, 2))]
    )
    back = from_item(to_item(action))  # dates become strings, whole amounts ints
    assert isinstance(back["lines"][0]["aging_date"], str)
    template = default("relance_courrier", "fr", "letter")
    fresh = render(template, build_context(action, cust, COMPANY, COLLECTOR, "fr", AS_OF))
    again = render(template, build_context(back, cust, COMPANY, COLLECTOR, "fr", AS_OF))
    assert fresh == again
    assert "L441-10" in again.text and "D441-5" in again.text


def test_english_r5_is_formatted_the_english_way() -> None:
    out = preview(default("mise_en_demeure", "en", "letter"))
    assert "principal: €3,714.56;" in out.text
    assert "by 1 December 2026 at the latest" in out.text
    assert "Yours faithfully," in out.text


# -- the invoice table ----------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 3, 12])
@pytest.mark.parametrize(
    ("template_id", "channel"), [("relance_1", "email"), ("relance_1", "letter")]
)
def test_the_table_has_one_row_per_invoice(n: int, template_id: str, channel: str) -> None:
    cust = customer()
    lines = [(100 + i, f"{10 * (i + 1)}.50", date(2026, 10, 1 + i)) for i in range(n)]
    action = stored_action(cust, lines, step="R1", channel=channel, claim=False)
    ledger = {e: ledger_line(e, a, d) for e, a, d in lines}
    ctx = build_context(action, cust, COMPANY, COLLECTOR, "fr", AS_OF, ledger=ledger)
    out = render(default(template_id, "fr", channel), ctx)
    (table,) = [b for b in out.blocks if isinstance(b, Table)]
    assert [row[0] for row in table.rows] == [f"FA{e}" for e, _, _ in lines]
    assert table.header == ("Facture", "Date", "Échéance", "Retard (jours)", "Montant dû")
    assert table.footer == (("Solde dû", "", "", "", ctx["balance"]),)
    assert ctx["invoice_count"] == n
    if channel == "email":
        assert out.html.count("<tr>") == n + 2  # header, rows, balance


def test_amounts_are_in_the_invoice_currency_where_it_has_one() -> None:
    cust = customer()
    action = stored_action(
        cust, [(11, "920.00", date(2026, 10, 31)), (12, "460.00", date(2026, 10, 31))],
        step="R1", channel="email", claim=False,
    )  # fmt: skip
    usd = {"currency_index": 2, "currency_amount": Decimal("1000.00")}
    ledger = {
        11: ledger_line(11, "920.00", date(2026, 10, 31), **usd),
        # paid in part: 460 € of 920 € open -> half of the dollars
        12: ledger_line(12, "920.00", date(2026, 10, 31), **usd),
    }
    ctx = build_context(action, cust, COMPANY, None, "fr", AS_OF, ledger=ledger,
                        currencies={2: "USD"})  # fmt: skip
    rows = ctx["invoices"]
    assert rows[0]["amount"] == eur("1 000,00 $US") and rows[0]["currency"] == "USD"
    assert rows[1]["amount"] == eur("500,00 $US") and rows[1]["partial"] is True
    assert rows[1]["original_amount"] == eur("1 000,00 $US")
    assert rows[1]["amount_accounting"] == eur("460,00 €")
    assert ctx["balance"] == eur("1 500,00 $US")
    text = render(default("relance_1", "fr", "email"), ctx).text
    assert eur("1 500,00 $US") in text
    en = build_context(action, cust, COMPANY, None, "en", AS_OF, ledger=ledger,
                       currencies={2: "USD"})  # fmt: skip
    assert en["balance"] == "US$1,500.00"


def test_several_currencies_give_one_total_each() -> None:
    ctx = example_context("fr", "foreign")
    assert [t["currency"] for t in ctx["totals"]] == ["EUR", "USD"]
    out = render(default("relance_1", "fr", "letter"), ctx)
    (table,) = [b for b in out.blocks if isinstance(b, Table)]
    assert [f[0] for f in table.footer] == ["Solde dû (EUR)", "Solde dû (USD)"]


# -- check: refused on save, with the line and the reason -----------------------------------
def test_a_syntax_error_is_refused_with_its_line() -> None:
    problems = check(tpl("<p>Madame, Monsieur,</p>\n<p>Bonjour</p>\n<p>{{ customer.name }</p>"))
    assert [(p.line, p.code, p.part) for p in problems] == [(3, "syntax", "body")]
    problems = check(tpl("<p>{% if invoice_count > 1 %}plusieurs</p>\n<p>fin</p>"))
    assert problems[0].code == "syntax" and "endif" in problems[0].reason


def test_a_syntax_error_in_the_subject_is_refused_too() -> None:
    (problem,) = check(tpl("<p>ok</p>", subject="Relance {{ customer.number"))
    assert (problem.part, problem.line, problem.code) == ("subject", 1, "syntax")


def test_an_unknown_variable_is_refused_naming_it() -> None:
    (problem,) = check(tpl("<p>Bonjour</p>\n<p>{{ client_name }}</p>"))
    assert (problem.line, problem.code) == (2, "unknown_variable")
    assert "client_name" in problem.reason


def test_an_unknown_attribute_is_refused_even_in_a_branch_never_taken() -> None:
    (problem,) = check(tpl("<p>\n{{ customer.nom }}</p>"))
    assert (problem.line, problem.code) == (2, "unknown_variable")
    assert "customer.nom" in problem.reason and "name" in problem.reason  # what exists
    (problem,) = check(tpl("{% if invoice_count > 999 %}\n\n{{ claim.totl }}{% endif %}"))
    assert problem.line == 3 and "claim.totl" in problem.reason
    (problem,) = check(tpl("{% for row in invoices %}\n{{ row.montant }}\n{% endfor %}"))
    assert problem.line == 2 and "row.montant" in problem.reason


def test_an_unknown_attribute_found_only_by_rendering_is_refused() -> None:
    # invoices|first is not followed statically; rendering the example finds it
    (problem,) = check(tpl("<p>x</p>\n{{ (invoices|first).montant }}"))
    assert (problem.line, problem.code) == (2, "unknown_variable")
    assert "montant" in problem.reason


def test_a_template_that_fails_on_some_example_is_refused() -> None:
    # fine with two invoices, fails with one (the minimal example): never at 2 a.m.
    problems = check(tpl("<p>{{ invoices[1].number }}</p>"))
    assert [(p.line, p.code) for p in problems] == [(1, "render")]
    assert "no element 1" in problems[0].reason and "'minimal' example" in problems[0].reason


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__ }}",
        "{{ ''['__class__'] }}",
        "{% set s = customer.name %}{{ s.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ invoices.append(1) }}",
        "{% set d = {} %}{{ d.update({'a': 1}) }}",
        "{{ customer.name.format_map({}) }}",
        "{{ 'a' * 1000000 }}",
        "{{ 10 ** 100000 }}",
        "{{ 'x'|center(1000000) }}",
        "{{ '%999999999s'|format(1) }}",
        "{% for i in range(10000000) %}{% endfor %}",
    ],
)
def test_the_sandbox_refuses_internals_mutation_and_memory_bombs(body: str) -> None:
    problems = check(tpl(body))
    assert problems and problems[0].code == "unsafe", problems


def test_the_sandbox_also_refuses_at_render_time() -> None:
    with pytest.raises(RenderError) as err:
        render(tpl("<p>ok</p>\n{{ invoices.append(1) }}"), example_context())
    assert err.value.problem.line == 2 and err.value.problem.code == "unsafe"


def test_a_runtime_error_is_a_render_error_with_its_line() -> None:
    with pytest.raises(RenderError) as err:
        render(tpl("a\nb\n{{ invoice_count / 0 }}", channel="letter"), example_context())
    assert (err.value.problem.line, err.value.problem.code) == (3, "render")


def test_huge_output_is_refused() -> None:
    body = "{% for a in range(10000) %}{% for b in range(30) %}xxxxxxxxxx{% endfor %}{% endfor %}"
    assert [p.code for p in check(tpl(body))] == ["too_large"]


def test_documented_things_pass() -> None:
    body = (
        "{{ step.id|lower }} {{ customer.name|upper }} {{ invoices|length }}\n"
        "{% for line in customer.address_lines %}{{ line }}{% endfor %}\n"
        "{% set n = invoice_count %}{{ n + 1 }} {{ range(3)|join(',') }}\n"
        "{% for t in totals %}{{ t.amount }}{% endfor %} {{ invoices[0].number }}"
    )
    assert check(tpl(body, channel="letter")) == []


# -- escaping -------------------------------------------------------------------------------
def test_customer_names_are_escaped_in_html_and_kept_in_text() -> None:
    evil = customer(name="<script>alert('x')</script> & Fils")
    action = stored_action(evil, [(11, "10", date(2026, 10, 1))], step="R1", channel="email",
                           claim=False)  # fmt: skip
    ctx = build_context(action, evil, COMPANY, COLLECTOR, "fr", AS_OF)
    out = render(tpl("<p>{{ customer.name }}</p>", subject="Relance {{ customer.name }}"), ctx)
    assert "<script>" not in out.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Fils" in out.html
    assert out.text == "<script>alert('x')</script> & Fils"  # the text part is plain text
    assert out.subject == "Relance <script>alert('x')</script> & Fils"
    assert "<script>" not in render(default("relance_1", "fr", "email"), ctx).html


def test_a_subject_is_one_line_whatever_the_data() -> None:
    ctx = example_context()
    ctx["customer"]["name"] = "A\r\nBcc: x@y.z"
    assert render(tpl("<p>x</p>", subject="R {{ customer.name }}"), ctx).subject == (
        "R A Bcc: x@y.z"
    )


# -- hypothesis -----------------------------------------------------------------------------
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)
names = st.text(min_size=1, max_size=60).map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=names,
    number=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                   max_size=20).map(str.strip).filter(bool),
    values=st.lists(amounts, min_size=1, max_size=5),
    language=st.sampled_from(["fr", "en"]),
)  # fmt: skip
def test_any_name_and_amounts_render_with_amounts_formatted(
    name: str, number: str, values: list[Decimal], language: str
) -> None:
    cust = customer(name=name)
    lines = [(i + 1, str(v), date(2026, 9, 1 + i)) for i, v in enumerate(values)]
    ledger = {e: ledger_line(e, a, d, invoice_number=f"{number}{e}") for e, a, d in lines}
    shown = FR if language == "fr" else EN
    for template_id, channel in (("relance_1", "email"), ("mise_en_demeure", "letter")):
        action = stored_action(cust, lines, step="R5", channel=channel)
        ctx = build_context(action, cust, COMPANY, COLLECTOR, language, AS_OF,  # type: ignore[arg-type]
                            ledger=ledger)  # fmt: skip
        out = render(default(template_id, language, channel), ctx)
        for v in values:
            assert money(v, "EUR", shown) in out.text
        (table,) = [b for b in out.blocks if isinstance(b, Table)]
        assert len(table.rows) == len(values)
    assert money(sum(values, Decimal(0)), "EUR", shown) in out.text


# -- context and documentation --------------------------------------------------------------
def _value(ctx: dict[str, Any], path: str) -> Any:
    value: Any = ctx
    for part in path.split("."):
        value = value[part[:-2]][0] if part.endswith("[]") else value[part]
    return value


def _paths(value: dict[str, Any], prefix: str = "") -> set[str]:
    found = set()
    for key, item in value.items():
        found.add(prefix + key)
        if isinstance(item, dict):
            found |= _paths(item, f"{prefix}{key}.")
        if isinstance(item, list) and item and isinstance(item[0], dict):
            found |= _paths(item[0], f"{prefix}{key}[].")
    return found


def test_the_documented_variables_are_exactly_the_context_with_their_examples() -> None:
    ctx = example_context("fr", "claim")
    objects = {"step", "company", "customer", "recipient", "collector", "claim", "payment"}
    assert _paths(ctx) - objects == {v.name for v in VARIABLES}
    for v in VARIABLES:
        if v.type != "list":
            assert _value(ctx, v.name) == v.example, v.name
        assert v.fr and v.en


@pytest.mark.parametrize("kind", CHECK_KINDS)
def test_every_example_has_the_documented_shape(kind: Any) -> None:
    ctx = example_context("en", kind)
    assert _paths(ctx) <= {v.name for v in VARIABLES} | {
        "step", "company", "customer", "recipient", "collector", "claim", "payment"
    }  # fmt: skip


def test_dates_read_well_in_both_languages() -> None:
    fr, en = example_context("fr"), example_context("en")
    assert (fr["today"], fr["deadline"]) == ("23 novembre 2026", "1er décembre 2026")
    assert (en["today"], en["deadline"]) == ("23 November 2026", "1 December 2026")


def test_without_collector_the_company_signs() -> None:
    cust = customer()
    action = stored_action(cust, [(11, "10", date(2026, 10, 1))], step="R1", claim=False)
    ctx = build_context(action, cust, COMPANY, None, "fr", AS_OF)
    assert ctx["collector"] == {"name": "", "title": "Service comptabilité clients",
                                "email": COMPANY.email, "phone": COMPANY.phone}  # fmt: skip


def test_without_ledger_a_row_shows_the_entry_and_its_due_date() -> None:
    cust = customer()
    action = stored_action(cust, [(77, "10", date(2026, 10, 1))], step="R1", claim=False)
    (row,) = build_context(action, cust, COMPANY, None, "fr", AS_OF)["invoices"]
    assert (row["number"], row["date"], row["due_date"]) == ("77", "", "01/10/2026")


def test_transfer_references_are_valid_stable_and_distinct() -> None:
    ref = transfer_reference("C042", AS_OF)
    assert ref == transfer_reference("C042", AS_OF) and valid_reference(ref)
    assert ref.replace(" ", "").startswith("RF") and ref.replace(" ", "").endswith("C042261123")
    assert transfer_reference("C042", date(2026, 11, 24)) != ref
    assert transfer_reference("C043", AS_OF) != ref
    long_ones = {transfer_reference(f"CLIENT-TRES-LONG-{i}", AS_OF) for i in range(50)}
    assert len(long_ones) == 50 and all(valid_reference(r) for r in long_ones)
    assert all(len(r.replace(" ", "")) <= 25 for r in long_ones)
    assert valid_reference(transfer_reference("---", AS_OF))


def test_company_bank_details_are_validated() -> None:
    assert CompanyInfo(iban="fr76 3000 6000 0112 3456 7890 189").iban == (
        "FR7630006000011234567890189"
    )
    with pytest.raises(ValidationError, match="IBAN"):
        CompanyInfo(iban="FR7630006000011234567890188")
    with pytest.raises(ValidationError, match="BIC"):
        CompanyInfo(bic="AGRI")
    with pytest.raises(ValidationError, match="SIRET"):
        CompanyInfo(siret="123")


# -- templates and sets ---------------------------------------------------------------------
def test_an_email_template_needs_a_one_line_subject() -> None:
    with pytest.raises(ValidationError, match="subject"):
        tpl("<p>x</p>", subject=" ")
    with pytest.raises(ValidationError, match="one line"):
        tpl("<p>x</p>", subject="a\nb")
    assert tpl("x", channel="letter", subject="").subject == ""


def test_a_tenant_set_falls_back_to_the_defaults_and_its_own_templates_win() -> None:
    empty = TemplateSet()
    assert empty.resolve("relance_1", "fr", "email") == default("relance_1", "fr", "email")
    mine = tpl("<p>Coucou</p>", subject="Relance").model_copy(update={"template_id": "relance_1"})
    tenant = empty.saved(mine)
    assert tenant.version == 1 and tenant.templates[0].version == 1
    assert tenant.resolve("relance_1", "fr", "email").body == "<p>Coucou</p>"  # type: ignore[union-attr]
    assert tenant.resolve("relance_1", "en", "email") == default("relance_1", "en", "email")
    again = tenant.saved(mine)
    assert len(again.templates) == 1 and again.templates[0].version == 2
    assert again.removed("relance_1", "fr", "email").resolve("relance_1", "fr", "email") == (
        default("relance_1", "fr", "email")
    )
    assert len(empty.effective()) == len(DEFAULT_TEMPLATES)
    assert len(tenant.effective()) == len(DEFAULT_TEMPLATES)


def test_resolution_falls_back_to_a_close_channel_then_the_other_language() -> None:
    tenant = TemplateSet()
    # R4 sent by email (a tenant changed the channel): the letter's text
    assert tenant.resolve("relance_courrier", "fr", "email") == default(
        "relance_courrier", "fr", "letter"
    )
    assert tenant.resolve("appel", "en", "other") == default("appel", "en", "phone")
    only_fr = TemplateSet(templates=(tpl("<p>x</p>"),))
    assert only_fr.resolve("custom", "en", "email") == only_fr.templates[0]
    assert tenant.resolve("nobody_wrote_it", "fr", "email") is None
    assert tenant.missing([("relance_1", "letter"), ("nobody_wrote_it", "email")]) == [
        ("nobody_wrote_it", "fr", "email"),
        ("nobody_wrote_it", "en", "email"),
    ]


def test_a_set_has_one_template_per_key() -> None:
    with pytest.raises(ValidationError, match="two templates"):
        TemplateSet(templates=(tpl("<p>a</p>"), tpl("<p>b</p>")))


def test_a_letter_template_sent_by_email_still_gives_html_and_text() -> None:
    out = render(default("relance_courrier", "fr", "letter"), example_context())
    assert "<table>" in out.html and "<p>Madame, Monsieur,</p>" in out.html
    assert "Madame, Monsieur," in out.text


def test_preview_of_a_custom_template_uses_the_fullest_example() -> None:
    out = preview(tpl("<p>{{ claim.total }} – {{ step.id }}</p>"))
    assert out.text == f"{eur('3 716,67 €')} – R5"


# -- text and HTML --------------------------------------------------------------------------
def test_the_text_part_of_an_email_keeps_tables_lists_and_links() -> None:
    html = (
        "<p>Bonjour <b>vous</b>,</p><ul><li>un</li><li>deux</li></ul>"
        '<p>Voir <a href="https://ex.fr/p">le portail</a> ou '
        '<a href="mailto:a@b.fr">a@b.fr</a>.</p>'
        '<table><tr><th>N°</th><th align="right">Montant</th></tr>'
        '<tr><td>F1</td><td align="right">1,00 €</td></tr>'
        '<tr><td>F22</td><td style="text-align: right">10,00 €</td></tr></table>'
        "<style>p{color:red}</style>"
    )
    assert html_to_text(html) == (
        "Bonjour vous,\n\n- un\n- deux\n\nVoir le portail <https://ex.fr/p> ou a@b.fr.\n\n"
        "N°   Montant\n---  -------\nF1    1,00 €\nF22  10,00 €"
    )


def test_letter_text_reads_paragraphs_and_pipe_tables() -> None:
    blocks = text_blocks(
        "Madame,\n\nligne 1\nligne 2\n| A | B |\n|:--|--:|\n| x | 1 |\n|--|--|\n| T | 1 |\n\nFin"
    )
    assert blocks == [
        Paragraph("Madame,"),
        Paragraph("ligne 1\nligne 2"),
        Table(("A", "B"), ("left", "right"), (("x", "1"),), (("T", "1"),)),
        Paragraph("Fin"),
    ]
    # a line starting with | is a table only when a separator follows
    assert text_blocks("| pas un tableau\nsuite") == [Paragraph("| pas un tableau\nsuite")]


def test_a_letter_cuts_into_paragraphs_tables_and_closing() -> None:
    parts = letter_parts(preview(default("mise_en_demeure", "fr", "letter")).blocks)
    assert parts.before[:2] == (
        "LETTRE RECOMMANDÉE AVEC DEMANDE D'AVIS DE RÉCEPTION",
        "Madame, Monsieur,",
    )
    assert len(parts.tables) == 1 and parts.tables[0].header[3:] == (
        "Principal",
        "Pénalités",
        "Indemnité",
    )
    assert parts.after[0].startswith("Vous restez ainsi redevable envers Ateliers Martin SAS")
    assert parts.after[-1].startswith("Sophie Bernard\nChargée de recouvrement")
