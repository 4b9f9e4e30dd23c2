"""The block library every template can call: the invoice table, the penalty breakdown,
the bank details and the signature (context.BLOCKS documents them).

Two versions of each block, same names and arguments: HTML for emails, plain text for
letters and call scripts (pipe tables, see text.py), labelled in the message's language.
Each block is a small template of its own, compiled once in the same sandbox; render.py
makes each a global function that renders it with the calling template's variables, only
when it is called (cheaper than importing macros into every render).
"""

from __future__ import annotations

NBSP = "\xa0"

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "invoice": "Facture",
        "date": "Date",
        "due_date": "Échéance",
        "days_late": "Retard (jours)",
        "amount": "Montant dû",
        "balance": "Solde dû",
        "total": "Total",
        "principal": "Principal",
        "penalty": "Pénalités",
        "indemnity": "Indemnité",
        "credits": "Avoirs et règlements à déduire",
        "claim_total": "Total réclamé",
        "bank_intro": f"Coordonnées bancaires pour un règlement par virement{NBSP}:",
        "beneficiary": "Bénéficiaire",
        "bank": "Banque",
        "reference": "Référence à indiquer",
        "phone": "Tél.",
        "email": "E-mail",
        "colon": f"{NBSP}:",
        "none": "—",
    },
    "en": {
        "invoice": "Invoice",
        "date": "Date",
        "due_date": "Due date",
        "days_late": "Days late",
        "amount": "Amount due",
        "balance": "Balance due",
        "total": "Total",
        "principal": "Principal",
        "penalty": "Penalties",
        "indemnity": "Indemnity",
        "credits": "Credits deducted",
        "claim_total": "Total claimed",
        "bank_intro": "Bank details for payment by transfer:",
        "beneficiary": "Beneficiary",
        "bank": "Bank",
        "reference": "Reference to quote",
        "phone": "Tel.",
        "email": "Email",
        "colon": ":",
        "none": "—",
    },
}

NAMES = ("invoice_table", "claim_table", "bank_details", "signature")

_TH = "padding:6px 10px;border-bottom:2px solid #444;text-align:left;white-space:nowrap"
_THR = "padding:6px 10px;border-bottom:2px solid #444;text-align:right;white-space:nowrap"
_TD = "padding:6px 10px;border-bottom:1px solid #ddd"
_TDR = "padding:6px 10px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap"
_TF = "padding:6px 10px;font-weight:bold"
_TFR = "padding:6px 10px;font-weight:bold;text-align:right;white-space:nowrap"
_TABLE = "border-collapse:collapse;margin:12px 0 16px;font-size:14px"

EMAIL = (
    """\
{# block invoice_table #}
{%- set l = LABELS[language] -%}
<table style="TABLE">
<thead><tr><th align="left" style="TH">{{ l.invoice }}</th>\
<th align="left" style="TH">{{ l.date }}</th><th align="left" style="TH">{{ l.due_date }}</th>\
{% if show_days_late %}<th align="right" style="THR">{{ l.days_late }}</th>{% endif %}\
<th align="right" style="THR">{{ l.amount }}</th></tr></thead>
<tbody>
{% for row in invoices %}
<tr><td style="TD">{{ row.number }}</td><td style="TD">{{ row.date }}</td>\
<td style="TD">{{ row.due_date }}</td>\
{% if show_days_late %}<td align="right" style="TDR">\
{{ row.days_late if row.days_late > 0 else l.none }}</td>{% endif %}\
<td align="right" style="TDR">{{ row.amount }}</td></tr>
{% endfor %}
{% for row in credits %}
<tr><td style="TD">{{ row.number }}</td><td style="TD">{{ row.date }}</td>\
<td style="TD" colspan="{{ 2 if show_days_late else 1 }}">{{ row.label }}</td>\
<td align="right" style="TDR">{{ row.amount }}</td></tr>
{% endfor %}
</tbody>
<tfoot>
{% for t in totals %}
<tr><td style="TF" colspan="{{ 4 if show_days_late else 3 }}">{{ l.balance }}\
{% if totals|length > 1 %} ({{ t.currency }}){% endif %}</td>\
<td align="right" style="TFR">{{ t.amount }}</td></tr>
{% endfor %}
</tfoot>
</table>

{# block claim_table #}
{%- set l = LABELS[language] -%}
<table style="TABLE">
<thead><tr><th align="left" style="TH">{{ l.invoice }}</th>\
<th align="left" style="TH">{{ l.due_date }}</th>\
<th align="right" style="THR">{{ l.days_late }}</th>\
<th align="right" style="THR">{{ l.principal }}</th>\
<th align="right" style="THR">{{ l.penalty }}</th>\
<th align="right" style="THR">{{ l.indemnity }}</th></tr></thead>
<tbody>
{% for row in invoices if row.penalty or not claim.claimed %}
<tr><td style="TD">{{ row.number }}</td><td style="TD">{{ row.due_date }}</td>\
<td align="right" style="TDR">{{ row.days_late if row.days_late > 0 else l.none }}</td>\
<td align="right" style="TDR">{{ row.amount_accounting }}</td>\
<td align="right" style="TDR">{{ row.penalty or l.none }}</td>\
<td align="right" style="TDR">{{ row.indemnity or l.none }}</td></tr>
{% endfor %}
</tbody>
<tfoot>
<tr><td style="TF" colspan="3">{{ l.total }}</td>\
<td align="right" style="TFR">{{ claim.principal }}</td>\
<td align="right" style="TFR">{{ claim.penalties }}</td>\
<td align="right" style="TFR">{{ claim.indemnities }}</td></tr>
{% if claim.has_credits %}
<tr><td style="TF" colspan="5">{{ l.credits }}</td>\
<td align="right" style="TFR">-{{ claim.credits }}</td></tr>
{% endif %}
<tr><td style="TF" colspan="5">{{ l.claim_total }}</td>\
<td align="right" style="TFR">{{ claim.total }}</td></tr>
</tfoot>
</table>

{# block bank_details #}
{%- set l = LABELS[language] -%}
{% if payment.iban %}
<p>{{ l.bank_intro }}<br>
{{ l.beneficiary }}{{ l.colon }} <strong>{{ payment.beneficiary }}</strong><br>
{% if payment.bank_name %}{{ l.bank }}{{ l.colon }} {{ payment.bank_name }}<br>{% endif %}
IBAN{{ l.colon }} <strong>{{ payment.iban }}</strong><br>
{% if payment.bic %}BIC{{ l.colon }} {{ payment.bic }}<br>{% endif %}
{{ l.reference }}{{ l.colon }} <strong>{{ payment.reference }}</strong></p>
{% endif %}

{# block signature #}
{%- set l = LABELS[language] -%}
<p>{% if collector.name %}<strong>{{ collector.name }}</strong><br>{% endif %}\
{% if collector.title %}{{ collector.title }}<br>{% endif %}\
{{ company.name }}\
{% if collector.phone %}<br>{{ l.phone }} {{ collector.phone }}{% endif %}\
{% if collector.email %}<br><a href="mailto:{{ collector.email }}">{{ collector.email }}</a>\
{% endif %}</p>
""".replace("TABLE", _TABLE)
    .replace('"THR"', f'"{_THR}"')
    .replace('"TH"', f'"{_TH}"')
    .replace('"TDR"', f'"{_TDR}"')
    .replace('"TD"', f'"{_TD}"')
    .replace('"TFR"', f'"{_TFR}"')
    .replace('"TF"', f'"{_TF}"')
)

TEXT = """\
{# block invoice_table #}
{% set l = LABELS[language] %}
| {{ l.invoice }} | {{ l.date }} | {{ l.due_date }} |\
{% if show_days_late %} {{ l.days_late }} |{% endif %} \
{{ l.amount }} |
|:--|:--|:--|{% if show_days_late %}--:|{% endif %}--:|
{% for row in invoices %}
| {{ row.number|cell }} | {{ row.date }} | {{ row.due_date }} |\
{% if show_days_late %} {{ row.days_late if row.days_late > 0 else l.none }} |{% endif %} \
{{ row.amount }} |
{% endfor %}
{% for row in credits %}
| {{ row.number|cell }} | {{ row.date }} | {{ row.label|cell }} |\
{% if show_days_late %} |{% endif %} \
{{ row.amount }} |
{% endfor %}
{% if totals %}
|--|--|--|{% if show_days_late %}--|{% endif %}--|
{% endif %}
{% for t in totals %}
| {{ l.balance }}{% if totals|length > 1 %} ({{ t.currency }}){% endif %} | | |\
{% if show_days_late %} |{% endif %} {{ t.amount }} |
{% endfor %}

{# block claim_table #}
{% set l = LABELS[language] %}
| {{ l.invoice }} | {{ l.due_date }} | {{ l.days_late }} | {{ l.principal }} | {{ l.penalty }} \
| {{ l.indemnity }} |
|:--|:--|--:|--:|--:|--:|
{% for row in invoices if row.penalty or not claim.claimed %}
| {{ row.number|cell }} | {{ row.due_date }} \
| {{ row.days_late if row.days_late > 0 else l.none }} \
| {{ row.amount_accounting }} | {{ row.penalty or l.none }} | {{ row.indemnity or l.none }} |
{% endfor %}
|--|--|--|--|--|--|
| {{ l.total }} | | | {{ claim.principal }} | {{ claim.penalties }} | {{ claim.indemnities }} |
{% if claim.has_credits %}
| {{ l.credits }} | | | | | -{{ claim.credits }} |
{% endif %}
| {{ l.claim_total }} | | | | | {{ claim.total }} |

{# block bank_details #}
{% set l = LABELS[language] %}
{% if payment.iban %}
{{ l.bank_intro }}
{{ l.beneficiary }}{{ l.colon }} {{ payment.beneficiary }}
{% if payment.bank_name %}
{{ l.bank }}{{ l.colon }} {{ payment.bank_name }}
{% endif %}
IBAN{{ l.colon }} {{ payment.iban }}
{% if payment.bic %}
BIC{{ l.colon }} {{ payment.bic }}
{% endif %}
{{ l.reference }}{{ l.colon }} {{ payment.reference }}
{% endif %}

{# block signature #}
{% set l = LABELS[language] %}
{% if collector.name %}
{{ collector.name }}
{% endif %}
{% if collector.title %}
{{ collector.title }}
{% endif %}
{{ company.name }}
{% if collector.phone %}
{{ l.phone }} {{ collector.phone }}
{% endif %}
{% if collector.email %}
{{ collector.email }}
{% endif %}
"""


def sources(kind: str) -> dict[str, str]:
    """Each block's template source, for emails ("email") or text ("text")."""
    found: dict[str, str] = {}
    for chunk in (EMAIL if kind == "email" else TEXT).split("{# block ")[1:]:
        name, _, source = chunk.partition(" #}\n")
        found[name] = source.rstrip("\n")
    assert tuple(found) == NAMES
    return found
