"""The default templates: every step and channel of the default scenario, in French and in
English (scenarios.default_scenario: prevenance, relance_1, relance_2, appel,
relance_courrier, mise_en_demeure, remerciement).

Firmness rises step by step: a courteous pre-due notice; R1 assumes an oversight; R2 gives
a date and recalls the legal penalties; R3 is a call; R4 claims the penalties (L441-10)
and the 40 € indemnity (D441-5) and announces the formal notice; R5 is the formal notice
(mise en demeure, Code civil 1344): amount broken down, deadline, consequence (injonction
de payer). R1 and R2 also exist as letters, for customers without an email address.

A tenant replaces any of them through the API (TemplateSet); these stay the fallback.
"""

from __future__ import annotations

from relance.domain.dunning.scenarios import Channel
from relance.domain.templates.model import Language, Template

# -- French ---------------------------------------------------------------------------------
PREVENANCE_FR_SUBJECT = (
    "{{ 'Échéance prochaine de vos factures' if invoice_count > 1 "
    "else 'Échéance prochaine de votre facture' }} – {{ company.name }}"
)
PREVENANCE_FR = """\
<p>Madame, Monsieur,</p>
<p>Afin de faciliter la gestion de vos règlements, nous nous permettons de vous signaler que \
{% if invoice_count > 1 %}les factures ci-dessous arrivent{% else %}la facture ci-dessous \
arrive{% endif %} prochainement à échéance :</p>
{{ invoice_table(days_late=false) }}
<p>Si votre règlement est déjà programmé, nous vous en remercions et vous prions de ne pas \
tenir compte de ce message.</p>
{% if payment.iban %}
<p>Si vous réglez par virement, merci de rappeler la référence indiquée ci-dessous : \
elle nous permettra d'affecter rapidement votre paiement.</p>
{{ bank_details() }}
{% endif %}
<p>Nous restons à votre disposition pour toute question concernant \
{{ 'ces factures' if invoice_count > 1 else 'cette facture' }}.</p>
{% if portal_url %}
<p>Consultez votre relevé et répondez en ligne (promesse de paiement, contestation, \
message) : <a href="{{ portal_url }}">votre espace client</a>.</p>
{% endif %}
<p>Nous vous remercions de votre confiance et vous adressons nos cordiales salutations.</p>
{{ signature() }}
"""

RELANCE_1_FR_SUBJECT = "Rappel de paiement – compte client {{ customer.number }}"
RELANCE_1_FR = """\
<p>Madame, Monsieur,</p>
<p>Sauf erreur ou omission de notre part, {% if invoice_count > 1 %}les factures ci-dessous, \
arrivées à échéance, restent impayées{% else %}la facture ci-dessous, arrivée à échéance, \
reste impayée{% endif %} à ce jour :</p>
{{ invoice_table() }}
<p>Il s'agit probablement d'un simple oubli. Nous vous remercions de bien vouloir procéder \
au règlement de la somme de <strong>{{ balance }}</strong> dans les meilleurs délais.</p>
{{ bank_details() }}
<p>Si votre paiement a été effectué entre-temps, nous vous prions de ne pas tenir compte de \
ce rappel. En cas de question ou de désaccord sur l'une de ces factures, n'hésitez pas à \
nous contacter : nous sommes à votre écoute.</p>
{% if portal_url %}
<p>Consultez votre relevé et répondez en ligne (promesse de paiement, contestation, \
message) : <a href="{{ portal_url }}">votre espace client</a>.</p>
{% endif %}
<p>Nous vous prions d'agréer, Madame, Monsieur, nos salutations distinguées.</p>
{{ signature() }}
"""
RELANCE_1_FR_LETTER_SUBJECT = "Rappel de paiement – compte client {{ customer.number }}"
RELANCE_1_FR_LETTER = """\
Madame, Monsieur,

Sauf erreur ou omission de notre part, {% if invoice_count > 1 %}les factures ci-dessous, \
arrivées à échéance, restent impayées{% else %}la facture ci-dessous, arrivée à échéance, \
reste impayée{% endif %} à ce jour :

{{ invoice_table() }}

Il s'agit probablement d'un simple oubli. Nous vous remercions de bien vouloir procéder au \
règlement de la somme de {{ balance }} dans les meilleurs délais.

{{ bank_details() }}

Si votre paiement a été effectué entre-temps, nous vous prions de ne pas tenir compte de ce \
rappel. En cas de question ou de désaccord sur l'une de ces factures, n'hésitez pas à nous \
contacter : nous sommes à votre écoute.

Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.

{{ signature() }}
"""

RELANCE_2_FR_SUBJECT = (
    "Deuxième rappel – {{ 'factures impayées' if invoice_count > 1 else 'facture impayée' }}"
    " – compte client {{ customer.number }}"
)
RELANCE_2_FR = """\
<p>Madame, Monsieur,</p>
<p>Malgré notre précédent rappel, nous constatons que {% if invoice_count > 1 %}les factures \
suivantes demeurent impayées{% else %}la facture suivante demeure impayée{% endif %} :</p>
{{ invoice_table() }}
<p>Nous vous demandons de bien vouloir nous régler la somme de <strong>{{ balance }}</strong> \
au plus tard le <strong>{{ deadline }}</strong>.</p>
{% if not customer.no_penalty %}
<p>Nous vous rappelons que, conformément à l'article L441-10 du Code de commerce, tout retard \
de paiement rend exigibles de plein droit des pénalités de retard, ainsi qu'une indemnité \
forfaitaire pour frais de recouvrement de {{ claim.indemnity_per_invoice }} par facture \
(article D441-5 du même code).</p>
{% endif %}
{{ bank_details() }}
<p>Si votre règlement nous est parvenu entre-temps, nous vous prions de ne pas tenir compte \
de ce message. Si une difficulté vous empêche de régler \
{{ 'ces factures' if invoice_count > 1 else 'cette facture' }}, nous vous invitons à nous \
contacter sans attendre afin de convenir ensemble d'une solution.</p>
{% if portal_url %}
<p>Consultez votre relevé et répondez en ligne (promesse de paiement, contestation, \
message) : <a href="{{ portal_url }}">votre espace client</a>.</p>
{% endif %}
<p>Nous vous prions d'agréer, Madame, Monsieur, nos salutations distinguées.</p>
{{ signature() }}
"""
RELANCE_2_FR_LETTER_SUBJECT = "Deuxième rappel – compte client {{ customer.number }}"
RELANCE_2_FR_LETTER = """\
Madame, Monsieur,

Malgré notre précédent rappel, nous constatons que {% if invoice_count > 1 %}les factures \
suivantes demeurent impayées{% else %}la facture suivante demeure impayée{% endif %} :

{{ invoice_table() }}

Nous vous demandons de bien vouloir nous régler la somme de {{ balance }} au plus tard le \
{{ deadline }}.
{% if not customer.no_penalty %}

Nous vous rappelons que, conformément à l'article L441-10 du Code de commerce, tout retard \
de paiement rend exigibles de plein droit des pénalités de retard, ainsi qu'une indemnité \
forfaitaire pour frais de recouvrement de {{ claim.indemnity_per_invoice }} par facture \
(article D441-5 du même code).
{% endif %}

{{ bank_details() }}

Si votre règlement nous est parvenu entre-temps, nous vous prions de ne pas tenir compte de \
la présente. Si une difficulté vous empêche de régler \
{{ 'ces factures' if invoice_count > 1 else 'cette facture' }}, nous vous invitons à nous \
contacter sans attendre afin de convenir ensemble d'une solution.

Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.

{{ signature() }}
"""

APPEL_FR_SUBJECT = "Appel de relance – {{ customer.name }} ({{ customer.number }})"
APPEL_FR = """\
Client : {{ customer.name }} (compte {{ customer.number }})
Interlocuteur : {{ recipient.name or 'la personne chargée du règlement des factures' }}
Téléphone : {{ recipient.phone or customer.phone or 'à rechercher' }}\
{% if customer.phone and customer.phone != recipient.phone %} (standard : {{ customer.phone }})\
{% endif %}


Montant échu : {{ balance }} – retard le plus ancien : {{ days_late }} jours

{{ invoice_table() }}

1. Se présenter
« Bonjour, {{ collector.name or '[votre nom]' }}, du service comptabilité clients de la société \
{{ company.name }}. Pourrais-je parler à \
{{ recipient.name or 'la personne chargée du règlement de nos factures' }}, s'il vous plaît ? »

2. Exposer l'objet de l'appel
« Je vous appelle au sujet de {{ 'nos factures' if invoice_count > 1 else 'notre facture' }} \
restée{{ 's' if invoice_count > 1 else '' }} impayée{{ 's' if invoice_count > 1 else '' }} \
malgré nos deux rappels écrits, pour un montant de {{ balance }}. Pouvez-vous me dire où en est le \
règlement ? »

3. Écouter et qualifier la réponse
- Facture non reçue : vérifier l'adresse de facturation et proposer l'envoi d'un duplicata \
par e-mail.
- Désaccord ou litige : noter le motif et les factures concernées ; les relances seront \
suspendues le temps de le traiter.
- Difficultés de trésorerie : proposer un échéancier et noter les dates et montants convenus.
- Paiement en cours : demander la date et le mode de règlement.

4. Obtenir un engagement
« Pouvez-vous me confirmer la date à laquelle le règlement sera effectué, et son montant ? »

5. Conclure
« Je vous remercie. Je vous confirme notre échange par e-mail\
{% if payment.iban %}, avec nos coordonnées bancaires et la référence à rappeler lors du \
virement{% endif %}. »

Résultat à enregistrer : joint, promesse de paiement (date et montant), litige (motif), ou \
pas de réponse (message laissé ou non).
{% if payment.iban %}

Référence de virement : {{ payment.reference }}
{% endif %}
"""

RELANCE_COURRIER_FR_SUBJECT = "Dernière relance avant mise en demeure"
RELANCE_COURRIER_FR = """\
Madame, Monsieur,

Malgré nos précédentes relances, {% if invoice_count > 1 %}les factures détaillées \
ci-dessous, échues depuis plusieurs semaines, demeurent impayées{% else %}la facture \
détaillée ci-dessous, échue depuis plusieurs semaines, demeure impayée{% endif %} à ce jour.
{% if claim.claimed %}

Conformément à l'article L441-10 du Code de commerce et à nos conditions générales de vente, \
ce retard rend exigibles de plein droit, dès le lendemain de la date d'échéance, des \
pénalités de retard calculées au taux appliqué par la Banque centrale européenne à son \
opération de refinancement la plus récente, majoré de 10 points. S'y ajoute, en application \
de l'article D441-5 du même code, une indemnité forfaitaire pour frais de recouvrement de \
{{ claim.indemnity_per_invoice }} par facture. Le décompte s'établit comme suit :

{{ claim_table() }}

Nous vous demandons en conséquence de nous régler la somme de {{ claim.total }}, soit \
{{ claim.principal }} en principal, {{ claim.penalties }} de pénalités de retard arrêtées au \
{{ today }} et {{ claim.indemnities }} d'indemnités forfaitaires\
{% if claim.has_credits %}, déduction faite de {{ claim.credits }} d'avoirs et de règlements\
{% endif %}, au plus tard le {{ deadline }}.
{% else %}

{{ invoice_table() }}

Nous vous demandons en conséquence de nous régler la somme de {{ claim.total }} au plus tard \
le {{ deadline }}.
{% endif %}

À défaut de règlement dans ce délai, nous serons contraints de vous adresser une mise en \
demeure, préalable à l'engagement d'une procédure de recouvrement judiciaire.

{{ bank_details() }}

Si votre règlement nous est parvenu entre-temps, nous vous prions de ne pas tenir compte de \
la présente.

Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.

{{ signature() }}
"""

MISE_EN_DEMEURE_FR_SUBJECT = "Mise en demeure de payer"
MISE_EN_DEMEURE_FR = """\
LETTRE RECOMMANDÉE AVEC DEMANDE D'AVIS DE RÉCEPTION

Madame, Monsieur,

Malgré nos relances successives, restées sans effet, {% if invoice_count > 1 %}les factures \
suivantes demeurent impayées{% else %}la facture suivante demeure impayée{% endif %} :

{% if claim.claimed %}
{{ claim_table() }}
{% else %}
{{ invoice_table() }}
{% endif %}

Vous restez ainsi redevable envers {{ company.name }} de la somme de {{ claim.total }}, qui se \
décompose comme suit :
- principal : {{ claim.principal }} ;
{% if claim.claimed %}
- pénalités de retard arrêtées au {{ today }} (article L441-10 du Code de commerce) : \
{{ claim.penalties }} ;
- indemnités forfaitaires pour frais de recouvrement, {{ claim.indemnity_per_invoice }} par \
facture (article D441-5 du Code de commerce) : {{ claim.indemnities }} ;
{% endif %}
{% if claim.has_credits %}
- avoirs et règlements à déduire : -{{ claim.credits }} ;
{% endif %}
- total : {{ claim.total }}.

Par la présente, nous vous mettons en demeure de nous régler cette somme au plus tard le \
{{ deadline }}. La présente lettre vaut mise en demeure au sens de l'article 1344 du Code \
civil.{% if claim.claimed %} Les pénalités de retard continuent de courir jusqu'au complet \
paiement.{% endif %}


À défaut de paiement intégral dans ce délai, nous engagerons sans autre avis une procédure \
de recouvrement judiciaire à votre encontre, notamment par voie d'injonction de payer \
devant le président du tribunal de commerce compétent ; les frais de procédure pourront \
alors être mis à votre charge.

{{ bank_details() }}

Si votre règlement nous est parvenu entre-temps, nous vous prions de ne pas tenir compte de \
la présente.

Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.

{{ signature() }}
"""

REMERCIEMENT_FR_SUBJECT = "Merci pour votre règlement – {{ company.name }}"
REMERCIEMENT_FR = """\
<p>Madame, Monsieur,</p>
<p>Nous avons bien reçu votre règlement {% if invoice_count > 1 %}des factures suivantes\
{% else %}de la facture suivante{% endif %} et vous en remercions :</p>
<ul>
{% for row in invoices %}
<li>facture {{ row.number }}{% if row.date %} du {{ row.date }}{% endif %} : {{ row.amount }}</li>
{% endfor %}
</ul>
<p>Nous vous remercions de votre confiance et restons à votre disposition pour toute \
question.</p>
<p>Bien cordialement,</p>
{{ signature() }}
"""

# -- English --------------------------------------------------------------------------------
PREVENANCE_EN_SUBJECT = (
    "{{ 'Invoices due soon' if invoice_count > 1 else 'Invoice due soon' }} – {{ company.name }}"
)
PREVENANCE_EN = """\
<p>Dear Sir or Madam,</p>
<p>To help you plan your payments, we would like to let you know that the following \
{{ 'invoices are' if invoice_count > 1 else 'invoice is' }} due shortly:</p>
{{ invoice_table(days_late=false) }}
<p>If payment has already been scheduled, thank you, and please disregard this message.</p>
{% if payment.iban %}
<p>If you pay by bank transfer, please quote the reference below so that we can allocate \
your payment promptly.</p>
{{ bank_details() }}
{% endif %}
<p>Should you have any question about {{ 'these invoices' if invoice_count > 1 else \
'this invoice' }}, please do not hesitate to contact us.</p>
<p>Thank you for your business.</p>
{% if portal_url %}
<p>See your statement and answer online (payment promise, dispute, message): \
<a href="{{ portal_url }}">your customer space</a>.</p>
{% endif %}
<p>Kind regards,</p>
{{ signature() }}
"""

RELANCE_1_EN_SUBJECT = "Payment reminder – account {{ customer.number }}"
RELANCE_1_EN = """\
<p>Dear Sir or Madam,</p>
<p>According to our records, the following {{ 'invoices, now past due, remain' \
if invoice_count > 1 else 'invoice, now past due, remains' }} unpaid:</p>
{{ invoice_table() }}
<p>This is probably an oversight. We would be grateful if you could settle the amount of \
<strong>{{ balance }}</strong> at your earliest convenience.</p>
{{ bank_details() }}
<p>If you have already made this payment, please disregard this reminder. If you have any \
question about these invoices or disagree with any of them, please contact us: we will be \
glad to help.</p>
{% if portal_url %}
<p>See your statement and answer online (payment promise, dispute, message): \
<a href="{{ portal_url }}">your customer space</a>.</p>
{% endif %}
<p>Yours faithfully,</p>
{{ signature() }}
"""
RELANCE_1_EN_LETTER_SUBJECT = "Payment reminder – account {{ customer.number }}"
RELANCE_1_EN_LETTER = """\
Dear Sir or Madam,

According to our records, the following {{ 'invoices, now past due, remain' \
if invoice_count > 1 else 'invoice, now past due, remains' }} unpaid:

{{ invoice_table() }}

This is probably an oversight. We would be grateful if you could settle the amount of \
{{ balance }} at your earliest convenience.

{{ bank_details() }}

If you have already made this payment, please disregard this reminder. If you have any \
question about these invoices or disagree with any of them, please contact us: we will be \
glad to help.

Yours faithfully,

{{ signature() }}
"""

RELANCE_2_EN_SUBJECT = "Second reminder – overdue payment – account {{ customer.number }}"
RELANCE_2_EN = """\
<p>Dear Sir or Madam,</p>
<p>Despite our previous reminder, the following {{ 'invoices remain' if invoice_count > 1 \
else 'invoice remains' }} unpaid:</p>
{{ invoice_table() }}
<p>We ask you to pay the amount of <strong>{{ balance }}</strong> by \
<strong>{{ deadline }}</strong> at the latest.</p>
{% if not customer.no_penalty %}
<p>Please note that under Article L441-10 of the French Commercial Code (Code de commerce), \
any late payment automatically makes late-payment penalties due, together with a fixed \
recovery indemnity of {{ claim.indemnity_per_invoice }} per invoice (Article D441-5 of the \
same code).</p>
{% endif %}
{{ bank_details() }}
<p>If your payment has reached us in the meantime, please disregard this message. If \
anything prevents you from paying, please contact us without delay so that we can agree on \
a solution.</p>
{% if portal_url %}
<p>See your statement and answer online (payment promise, dispute, message): \
<a href="{{ portal_url }}">your customer space</a>.</p>
{% endif %}
<p>Yours faithfully,</p>
{{ signature() }}
"""
RELANCE_2_EN_LETTER_SUBJECT = "Second reminder – account {{ customer.number }}"
RELANCE_2_EN_LETTER = """\
Dear Sir or Madam,

Despite our previous reminder, the following {{ 'invoices remain' if invoice_count > 1 \
else 'invoice remains' }} unpaid:

{{ invoice_table() }}

We ask you to pay the amount of {{ balance }} by {{ deadline }} at the latest.
{% if not customer.no_penalty %}

Please note that under Article L441-10 of the French Commercial Code (Code de commerce), \
any late payment automatically makes late-payment penalties due, together with a fixed \
recovery indemnity of {{ claim.indemnity_per_invoice }} per invoice (Article D441-5 of the \
same code).
{% endif %}

{{ bank_details() }}

If your payment has reached us in the meantime, please disregard this letter. If anything \
prevents you from paying, please contact us without delay so that we can agree on a \
solution.

Yours faithfully,

{{ signature() }}
"""

APPEL_EN_SUBJECT = "Reminder call – {{ customer.name }} ({{ customer.number }})"
APPEL_EN = """\
Customer: {{ customer.name }} (account {{ customer.number }})
Contact: {{ recipient.name or 'the person in charge of paying invoices' }}
Phone: {{ recipient.phone or customer.phone or 'to be found' }}\
{% if customer.phone and customer.phone != recipient.phone %} (switchboard: {{ customer.phone }})\
{% endif %}


Amount overdue: {{ balance }} – oldest invoice {{ days_late }} days late

{{ invoice_table() }}

1. Introduce yourself
"Good morning, this is {{ collector.name or '[your name]' }} from the accounts department of \
{{ company.name }}. May I speak to {{ recipient.name or 'the person in charge of paying our \
invoices' }}, please?"

2. State the purpose of the call
"I am calling about {{ 'our invoices' if invoice_count > 1 else 'our invoice' }}, still unpaid \
despite our two written reminders, for a total of {{ balance }}. Could you tell me where the \
payment stands?"

3. Listen and qualify the answer
- Invoice not received: check the billing address and offer to email a copy.
- Disagreement or dispute: note the reason and the invoices concerned; reminders will be \
suspended while it is dealt with.
- Cash-flow difficulties: offer a payment plan and note the agreed dates and amounts.
- Payment under way: ask for the date and the means of payment.

4. Get a commitment
"Could you confirm the date on which the payment will be made, and its amount?"

5. Close
"Thank you. I will confirm our conversation by email\
{% if payment.iban %}, with our bank details and the reference to quote on the transfer\
{% endif %}."

Outcome to record: reached, payment promise (date and amount), dispute (reason), or no \
answer (message left or not).
{% if payment.iban %}

Transfer reference: {{ payment.reference }}
{% endif %}
"""

RELANCE_COURRIER_EN_SUBJECT = "Final reminder before formal notice"
RELANCE_COURRIER_EN = """\
Dear Sir or Madam,

Despite our previous reminders, the {{ 'invoices detailed below, overdue for several weeks, \
remain' if invoice_count > 1 else 'invoice detailed below, overdue for several weeks, \
remains' }} unpaid.
{% if claim.claimed %}

Under Article L441-10 of the French Commercial Code (Code de commerce) and our general terms \
of sale, this delay automatically makes late-payment penalties due from the day after the \
due date, at the rate applied by the European Central Bank to its most recent refinancing \
operation plus 10 percentage points. In addition, under Article D441-5 of the same code, a \
fixed recovery indemnity of {{ claim.indemnity_per_invoice }} is due per invoice. The amounts \
due are as follows:

{{ claim_table() }}

We therefore ask you to pay the amount of {{ claim.total }}, being {{ claim.principal }} in \
principal, {{ claim.penalties }} in late-payment penalties calculated to {{ today }} and \
{{ claim.indemnities }} in fixed indemnities{% if claim.has_credits %}, less \
{{ claim.credits }} of credits{% endif %}, by {{ deadline }} at the latest.
{% else %}

{{ invoice_table() }}

We therefore ask you to pay the amount of {{ claim.total }} by {{ deadline }} at the latest.
{% endif %}

Failing payment within this time, we will have no choice but to send you a formal notice \
before taking legal action to recover the debt.

{{ bank_details() }}

If your payment has reached us in the meantime, please disregard this letter.

Yours faithfully,

{{ signature() }}
"""

MISE_EN_DEMEURE_EN_SUBJECT = "Formal notice to pay"
MISE_EN_DEMEURE_EN = """\
BY REGISTERED LETTER WITH ACKNOWLEDGEMENT OF RECEIPT

Dear Sir or Madam,

Despite our successive reminders, which have remained unanswered, the following \
{{ 'invoices remain' if invoice_count > 1 else 'invoice remains' }} unpaid:

{% if claim.claimed %}
{{ claim_table() }}
{% else %}
{{ invoice_table() }}
{% endif %}

You therefore owe {{ company.name }} the sum of {{ claim.total }}, broken down as follows:
- principal: {{ claim.principal }};
{% if claim.claimed %}
- late-payment penalties calculated to {{ today }} (Article L441-10 of the French Commercial \
Code): {{ claim.penalties }};
- fixed recovery indemnities, {{ claim.indemnity_per_invoice }} per invoice (Article D441-5 \
of the French Commercial Code): {{ claim.indemnities }};
{% endif %}
{% if claim.has_credits %}
- credits deducted: -{{ claim.credits }};
{% endif %}
- total: {{ claim.total }}.

We hereby give you formal notice to pay this sum by {{ deadline }} at the latest. This letter \
constitutes a formal notice within the meaning of Article 1344 of the French Civil Code.\
{% if claim.claimed %} Late-payment penalties continue to accrue until payment in full.\
{% endif %}


Failing payment in full within this time, we will, without further notice, take legal \
action against you to recover the debt, in particular by applying for an order for payment \
(injonction de payer) to the president of the competent commercial court; the costs of the \
proceedings may then be charged to you.

{{ bank_details() }}

If your payment has reached us in the meantime, please disregard this letter.

Yours faithfully,

{{ signature() }}
"""

REMERCIEMENT_EN_SUBJECT = "Thank you for your payment – {{ company.name }}"
REMERCIEMENT_EN = """\
<p>Dear Sir or Madam,</p>
<p>We have received your payment of the following {{ 'invoices' if invoice_count > 1 \
else 'invoice' }} and thank you for it:</p>
<ul>
{% for row in invoices %}
<li>invoice {{ row.number }}{% if row.date %} of {{ row.date }}{% endif %}: {{ row.amount }}</li>
{% endfor %}
</ul>
<p>Thank you for your business; please do not hesitate to contact us should you have any \
question.</p>
<p>Kind regards,</p>
{{ signature() }}
"""

_SOURCES: tuple[tuple[str, Language, Channel, str, str], ...] = (
    ("prevenance", "fr", "email", PREVENANCE_FR_SUBJECT, PREVENANCE_FR),
    ("relance_1", "fr", "email", RELANCE_1_FR_SUBJECT, RELANCE_1_FR),
    ("relance_1", "fr", "letter", RELANCE_1_FR_LETTER_SUBJECT, RELANCE_1_FR_LETTER),
    ("relance_2", "fr", "email", RELANCE_2_FR_SUBJECT, RELANCE_2_FR),
    ("relance_2", "fr", "letter", RELANCE_2_FR_LETTER_SUBJECT, RELANCE_2_FR_LETTER),
    ("appel", "fr", "phone", APPEL_FR_SUBJECT, APPEL_FR),
    ("relance_courrier", "fr", "letter", RELANCE_COURRIER_FR_SUBJECT, RELANCE_COURRIER_FR),
    ("mise_en_demeure", "fr", "letter", MISE_EN_DEMEURE_FR_SUBJECT, MISE_EN_DEMEURE_FR),
    ("remerciement", "fr", "email", REMERCIEMENT_FR_SUBJECT, REMERCIEMENT_FR),
    ("prevenance", "en", "email", PREVENANCE_EN_SUBJECT, PREVENANCE_EN),
    ("relance_1", "en", "email", RELANCE_1_EN_SUBJECT, RELANCE_1_EN),
    ("relance_1", "en", "letter", RELANCE_1_EN_LETTER_SUBJECT, RELANCE_1_EN_LETTER),
    ("relance_2", "en", "email", RELANCE_2_EN_SUBJECT, RELANCE_2_EN),
    ("relance_2", "en", "letter", RELANCE_2_EN_LETTER_SUBJECT, RELANCE_2_EN_LETTER),
    ("appel", "en", "phone", APPEL_EN_SUBJECT, APPEL_EN),
    ("relance_courrier", "en", "letter", RELANCE_COURRIER_EN_SUBJECT, RELANCE_COURRIER_EN),
    ("mise_en_demeure", "en", "letter", MISE_EN_DEMEURE_EN_SUBJECT, MISE_EN_DEMEURE_EN),
    ("remerciement", "en", "email", REMERCIEMENT_EN_SUBJECT, REMERCIEMENT_EN),
)

DEFAULT_TEMPLATES: tuple[Template, ...] = tuple(
    Template(template_id=tid, language=lang, channel=channel, subject=subject, body=body)
    for tid, lang, channel, subject, body in _SOURCES
)
_BY_KEY = {t.key: t for t in DEFAULT_TEMPLATES}


def default_template(template_id: str, language: Language, channel: Channel) -> Template | None:
    return _BY_KEY.get((template_id, language, channel))
