"""Deterministic synthetic Sage 100 company: one SQLite file with Sage's tables and quirks.

`generate_company` writes one company (Sage: one database per company), `generate_tenant`
several. Same arguments and seed -> byte-identical file. Read it back through ODBC
(`DRIVER={SQLite3};Database=<file>`) like a real Sage base.

Data: French third parties (SIRET valid under the Luhn rule, VAT numbers, cities, phones,
emails), reps (F_COLLABORATEUR), payment methods with blank slots, currencies USD/GBP/CHF
(P_DEVISE 1..3; 0 = EUR, implicit), journals ACH (0), VTE (1), BQ1 (2), OD (3), RAN (3),
SIT (4), fiscal years = calendar years: previous and current year of `as_of` (P_DOSSIER
D_DebutExo01/D_FinExo01 = previous, ...02 = current). Ledger history over about 18 months
(never before 1 January of the previous year), with balanced pieces: invoices (411 debit,
707 and 44571 credits), bank remittances (411 credits, one 512 line per day), supplier
invoices and payments on 401 (CT_Type 1: must not be read as customers).

Awkward cases. Each is present in every company at least 3 times (2 for opening_legacy and
no_lines); `GeneratedCompany.cases[name]` lists the trimmed CT_Num of the customers
carrying it:
- padded_code: CT_Num with trailing spaces ('C00012   ', up to 17 chars), identical in
  F_COMPTET, F_CONTACTT, CT_NumPayeur and F_ECRITUREC. Also, on about 2.5% of customer
  lines (at least 3 each): CG_Num '4110000   ', JO_Num 'VTE    ', EC_Piece '26000123   '.
  F_JOURNAUX stores 'SIT    ' padded while most SIT lines say 'SIT' (some 'SIT    '):
  join journals on trimmed codes (SQL Server ignores trailing spaces, SQLite does not).
- placeholder_create: CT_DateCreate = '1753-01-01 00:00:00' (2 customers) and
  '1900-01-01 00:00:00' (2). placeholder_due: 2 open invoices per customer, one with each
  placeholder in EC_Echeance (aging must use the accounting date). EC_DateRelance holds
  1753 on most lines and 1900 on every 10th line without a reminder; payments have
  EC_Echeance 1753.
- Credits (payments, credit notes, 401 invoices) are positive EC_Montant with EC_Sens = 1.
- foreign_currency: one customer per currency (N_Devise 1, 2, 3 on F_COMPTET and on their
  lines): EC_Devise = amount in that currency, EC_Parite = EUR per unit,
  EC_Montant = round(EC_Devise * EC_Parite, 2) (within 0.01 on the last payment of a split
  settlement, which absorbs the rounding so the lettered lines balance in EUR). EUR lines:
  N_Devise 0, EC_Devise 0, EC_Parite 0.
- payer_other: CT_NumPayeur = another customer's CT_Num; everyone else has
  CT_NumPayeur = own CT_Num (= no separate payer).
- dormant (CT_Sommeil = 1, still with overdue open items, no invoice in the last 200
  days), no_reminder (CT_NotRappel = 1), no_penalty (CT_NotPenal = 1).
- partial_payment: open invoice + an unlettered partial payment.
- prelettered_open / prelettered_lettered: invoice + partial payment sharing a lowercase
  EC_Lettrage ('aab') with EC_Lettre = 0 / = 1. Both are OPEN (lowercase = provisional).
  Regular history adds more of all three.
- opening_open / opening_settled / opening_legacy: opening balances. Every third-party line
  open at the end of a fiscal year is copied to journal RAN, EC_ANType = 1, dated the first
  day of the next year (same CT_Num, CG_Num, EC_RefPiece, due date, amounts, currency),
  and the ORIGINAL stays in the base unlettered (EC_Lettre = 0, EC_Lettrage ''), even when
  the copy is later lettered with a current-year payment (opening_settled). Readers must
  ignore lines dated before the latest RAN date. opening_legacy: items from two years back
  whose originals are gone (purged year) but whose RAN copies exist on 1 January of the
  previous year (and, when still open, again on 1 January of the current year): the
  latest opening date is what counts. RAN pieces are balanced by one 8900000 line.
- unallocated_payment: EC_Sens = 1 on BQ1, no lettering, no invoice reference.
- situation_journal: open debits on 4110000 in journal SIT (JO_Type 4): exclude them.
- doubtful_416: an invoice transferred by OD to 4160000 (411 lines lettered together,
  open debit on 4160000 keeping the original due date): included by default ('411', '416').
- advance_419: open credits (advances received) on 4191000: excluded by default.
- six_decimals: open invoices of e.g. 1234.567891 (sums must be exact Decimals).
- credit_note_not_due / credit_note_overdue: open credit notes (VTE, EC_Sens = 1) with a
  due date after / before as_of.
- aging_ladder: open invoices due as_of+20, -10, -45, -75, -150 days (every bucket).
- no_lines: customers without any ledger line (one is a prospect, CT_Prospect = 1); only
  when customers >= 30.
- EC_RefPiece (invoice number 'FA2600042', credit note 'AV2600007') always differs from
  EC_Piece (journal piece number '26000123'); EC_Date (keying date) is 0-3 days after the
  accounting date JM_Date + EC_Jour - 1.
cbModification (minute precision) is the keying time, or the lettering / reminder time when
later, all between 08:00 and 18:00 on or before as_of. cbMarq follows EC_No.

`reference_aged_balance` recomputes the aged balance from a file with these rules, as an
independent oracle for the relay's totals.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import random
import re
import sqlite3
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from bench.sagegen.schema import columns, create_schema, insert_sql

PLACEHOLDER_1753 = "1753-01-01 00:00:00"
PLACEHOLDER_1900 = "1900-01-01 00:00:00"
PLACEHOLDERS = (PLACEHOLDER_1753, PLACEHOLDER_1900)

CUSTOMERS_ACCOUNT = "4110000"
DOUBTFUL_ACCOUNT = "4160000"
ADVANCES_ACCOUNT = "4191000"
SUPPLIERS_ACCOUNT = "4010000"
BANK_ACCOUNT = "5120000"
SALES_ACCOUNT = "7070000"
VAT_ACCOUNT = "4457100"
DEDUCTIBLE_VAT_ACCOUNT = "4456600"
PURCHASES_ACCOUNT = "6070000"
OPENING_ACCOUNT = "8900000"
DEFAULT_ACCOUNT_PREFIXES = ("411", "416")

MIN_CUSTOMERS = 12
CASES = (
    "padded_code",
    "placeholder_create",
    "placeholder_due",
    "foreign_currency",
    "payer_other",
    "dormant",
    "no_reminder",
    "no_penalty",
    "partial_payment",
    "prelettered_open",
    "prelettered_lettered",
    "opening_open",
    "opening_settled",
    "opening_legacy",
    "unallocated_payment",
    "situation_journal",
    "doubtful_416",
    "advance_419",
    "six_decimals",
    "credit_note_not_due",
    "credit_note_overdue",
    "aging_ladder",
    "no_lines",
)

ZERO = Decimal("0")
CENT = Decimal("0.01")
VAT_RATE = Decimal("1.20")
BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "over_90")

# --- French reference data -------------------------------------------------------------

SURNAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
    "Moreau", "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David",
    "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
    "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc",
    "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Perrin",
    "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Masson",
    "Lemaire", "Barbier", "Brun", "Dumas", "Colin", "Vidal", "Caron", "Picard",
)  # fmt: skip
FIRST_NAMES = (
    ("Jean", 0), ("Pierre", 0), ("Michel", 0), ("Philippe", 0), ("Alain", 0),
    ("Nicolas", 0), ("Christophe", 0), ("Stéphane", 0), ("Julien", 0), ("Hugo", 0),
    ("Sébastien", 0), ("Olivier", 0), ("Laurent", 0), ("Thomas", 0), ("Jérôme", 0),
    ("Marie", 1), ("Nathalie", 1), ("Isabelle", 1), ("Sylvie", 1), ("Catherine", 1),
    ("Françoise", 1), ("Sophie", 1), ("Céline", 1), ("Camille", 1), ("Léa", 1),
    ("Chloé", 1), ("Émilie", 1), ("Aurélie", 1), ("Valérie", 1), ("Sandrine", 1),
)  # fmt: skip
TRADES = (
    "Bijouterie", "Joaillerie", "Horlogerie", "Atelier", "Maison", "Comptoir", "Galerie",
    "Boutique", "Orfèvrerie", "Créations", "Librairie", "Menuiserie", "Fromagerie",
    "Boulangerie", "Garage", "Pharmacie", "Fleurs", "Optique",
)  # fmt: skip
PLACES = (
    "du Marais", "de la Gare", "du Centre", "des Halles", "du Port", "de l'Opéra",
    "des Arts", "Saint-Louis", "du Palais", "de la Place", "du Théâtre", "des Tanneurs",
)  # fmt: skip
FORMS = ("SARL", "SAS", "SA", "EURL", "SNC")
CITIES = (
    ("Paris", "75003", "Île-de-France", 1),
    ("Paris", "75008", "Île-de-France", 1),
    ("Boulogne-Billancourt", "92100", "Île-de-France", 1),
    ("Lyon", "69002", "Auvergne-Rhône-Alpes", 4),
    ("Marseille", "13001", "Provence-Alpes-Côte d'Azur", 4),
    ("Toulouse", "31000", "Occitanie", 5),
    ("Nice", "06000", "Provence-Alpes-Côte d'Azur", 4),
    ("Nantes", "44000", "Pays de la Loire", 2),
    ("Strasbourg", "67000", "Grand Est", 3),
    ("Montpellier", "34000", "Occitanie", 4),
    ("Bordeaux", "33000", "Nouvelle-Aquitaine", 5),
    ("Lille", "59000", "Hauts-de-France", 3),
    ("Rennes", "35000", "Bretagne", 2),
    ("Reims", "51100", "Grand Est", 3),
    ("Saint-Étienne", "42000", "Auvergne-Rhône-Alpes", 4),
    ("Grenoble", "38000", "Auvergne-Rhône-Alpes", 4),
    ("Dijon", "21000", "Bourgogne-Franche-Comté", 3),
    ("Angers", "49000", "Pays de la Loire", 2),
    ("Nîmes", "30000", "Occitanie", 4),
    ("Clermont-Ferrand", "63000", "Auvergne-Rhône-Alpes", 4),
    ("Aix-en-Provence", "13090", "Provence-Alpes-Côte d'Azur", 4),
    ("Brest", "29200", "Bretagne", 2),
    ("Tours", "37000", "Centre-Val de Loire", 2),
    ("Limoges", "87000", "Nouvelle-Aquitaine", 5),
    ("Annecy", "74000", "Auvergne-Rhône-Alpes", 4),
    ("Metz", "57000", "Grand Est", 3),
    ("Orléans", "45000", "Centre-Val de Loire", 2),
    ("Rouen", "76000", "Normandie", 2),
    ("Caen", "14000", "Normandie", 2),
    ("Nancy", "54000", "Grand Est", 3),
    ("Avignon", "84000", "Provence-Alpes-Côte d'Azur", 4),
    ("La Rochelle", "17000", "Nouvelle-Aquitaine", 5),
    ("Bayonne", "64100", "Nouvelle-Aquitaine", 5),
    ("Colmar", "68000", "Grand Est", 3),
)
# Customer abroad per currency index: city, postal code, country, phone prefix, VAT id.
FOREIGN = {
    1: ("New York", "10001", "États-Unis", "+1 212", "US-EIN 12-3456789"),
    2: ("London", "EC1A 1BB", "Royaume-Uni", "+44 20", "GB123456789"),
    3: ("Genève", "1204", "Suisse", "+41 22", "CHE-123.456.789 TVA"),
}
STREETS = (
    "rue de la République", "avenue Jean Jaurès", "boulevard Victor Hugo", "place du Marché",
    "rue Nationale", "chemin des Vignes", "allée des Tilleuls", "rue Pasteur",
    "rue du Général de Gaulle", "quai des Orfèvres", "rue des Écoles", "avenue Foch",
    "rue Émile Zola", "impasse des Lilas", "cours Gambetta", "rue Sainte-Catherine",
)  # fmt: skip
COMPLEMENTS = ("", "", "", "Bâtiment B", "2e étage", "ZI des Forges", "BP 42", "Centre commercial")
APE_CODES = ("4648Z", "4777Z", "3212Z", "4778C", "4771Z", "4719B", "5610A", "4520A", "6201Z")
QUALITIES = ("Détaillant", "Grossiste", "Bijoutier", "Revendeur", "Centrale", "")
FUNCTIONS = (
    "Comptable", "Responsable comptable", "Gérant", "Gérante", "Directeur financier",
    "Assistante de direction", "Acheteur", "Responsable des achats", "",
)  # fmt: skip
CURRENCIES = (
    # cbIndice, label, ISO, symbol, EUR per unit
    (1, "Dollar US", "USD", "$", Decimal("0.920000")),
    (2, "Livre sterling", "GBP", "£", Decimal("1.170000")),
    (3, "Franc suisse", "CHF", "CHF", Decimal("1.060000")),
)
PAYMENT_METHODS = (
    # cbIndice, label, code; empty label = unused slot (readers skip those)
    (1, "Chèque", "CHQ"), (2, "Virement", "VIR"), (3, "LCR directe", "LCR"), (4, "", ""),
    (5, "Prélèvement", "PRE"), (6, "Carte bancaire", "CB"), (7, "Espèces", "ESP"),
    (8, "", ""), (9, "", ""), (10, "", ""),
)  # fmt: skip
USED_METHODS = (1, 2, 2, 2, 3, 5, 6)
REPS = (
    # CO_No, last, first, function, salesperson, collector, finance
    (1, "Lemoine", "Julie", "Commerciale", 1, 0, 0),
    (2, "Carpentier", "Marc", "Commercial", 1, 0, 0),
    (3, "Benard", "Sophie", "Chargée de recouvrement", 0, 1, 0),
    (4, "Traoré", "Ibrahim", "Commercial grands comptes", 1, 1, 0),
    (5, "Nguyen", "Claire", "Comptable clients", 0, 1, 1),
    (6, "Roche", "Antoine", "Directeur commercial", 1, 0, 0),
    (7, "Da Silva", "Paulo", "Commercial export", 1, 0, 0),
    (8, "Weber", "Anne", "Directrice financière", 0, 0, 1),
)
SALES_REPS = tuple(r[0] for r in REPS if r[4])
JOURNALS = (
    # JO_Num as stored in F_JOURNAUX (SIT padded on purpose), label, account, JO_Type
    ("ACH", "Journal des achats", "", 0),
    ("VTE", "Journal des ventes", "", 1),
    ("BQ1", "Banque Crédit Agricole", BANK_ACCOUNT, 2),
    ("OD", "Opérations diverses", "", 3),
    ("RAN", "Reports à nouveaux", "", 3),
    ("SIT    ", "Situation intermédiaire", "", 4),
)
GENERAL_ACCOUNTS = (
    # CG_Num, label, N_Nature, third-party collective
    (SUPPLIERS_ACCOUNT, "Fournisseurs", 2, 1),
    (CUSTOMERS_ACCOUNT, "Clients", 1, 1),
    (DOUBTFUL_ACCOUNT, "Clients douteux ou litigieux", 1, 1),
    (ADVANCES_ACCOUNT, "Clients - avances et acomptes reçus", 1, 1),
    (DEDUCTIBLE_VAT_ACCOUNT, "TVA déductible sur biens et services", 0, 0),
    (VAT_ACCOUNT, "TVA collectée", 0, 0),
    (BANK_ACCOUNT, "Banque Crédit Agricole", 4, 0),
    (PURCHASES_ACCOUNT, "Achats de marchandises", 8, 0),
    (SALES_ACCOUNT, "Ventes de marchandises", 9, 0),
    (OPENING_ACCOUNT, "Bilan d'ouverture", 0, 0),
)
# cbCreateur (char(4)) of Sage users, with a fixed cbCreationUser GUID each.
USERS = tuple(
    (name, str(uuid.UUID(bytes=hashlib.md5(name.encode()).digest())))
    for name in ("COLS", "ERP1", "MDUB", "ADM ")
)


# --- small helpers -------------------------------------------------------------------


def sql_date(d: date) -> str:
    """A date the way SQL Server shows a datetime."""
    return f"{d.isoformat()} 00:00:00"


def sql_minute(ts: datetime) -> str:
    """A smalldatetime: Sage's cbModification has minute precision."""
    return ts.strftime("%Y-%m-%d %H:%M:00")


def sql_second(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S")


def money_text(amount: Decimal) -> str:
    """Decimal -> text for a NUMERIC(24,6) column (never through float)."""
    return str(amount)


def lettering_code(n: int, *, lower: bool = False) -> str:
    """n-th three-letter lettering code: 0 -> 'AAA', 1 -> 'AAB', ... (lowercase: pre-lettering)."""
    letters = []
    for _ in range(3):
        n, r = divmod(n, 26)
        letters.append(chr(ord("a" if lower else "A") + r))
    return "".join(reversed(letters))


def lettering_index(code: str) -> int:
    """Inverse of lettering_code (case-insensitive)."""
    n = 0
    for ch in code.strip().upper():
        n = n * 26 + ord(ch) - ord("A")
    return n


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _luhn_complete(digits: str) -> str:
    return next(digits + d for d in "0123456789" if _luhn_ok(digits + d))


def _siren(rng: random.Random) -> str:
    return _luhn_complete(str(rng.randint(10_000_000, 99_999_999)))


def _phone(rng: random.Random, prefix: int | str) -> str:
    pairs = " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4))
    if isinstance(prefix, str):  # abroad
        return f"{prefix} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    return f"0{prefix} {pairs}"


def random_amount(rng: random.Random, median_eur: float, spread: float = 1.0) -> Decimal:
    """Random money amount (log-normal, whole cents); floats only drive the dice."""
    cents = int(rng.lognormvariate(0, spread) * median_eur * 100)
    return Decimal(max(cents, 1500)).scaleb(-2)


def _worktime(rng: random.Random, day: date) -> datetime:
    """A moment of the working day: Sage sessions run 08:00-18:00."""
    return datetime.combine(day, time(8)) + timedelta(minutes=rng.randrange(600))


def company_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    pattern = rng.randrange(6)
    if pattern == 0:
        name = f"{rng.choice(TRADES)} {surname}"
    elif pattern == 1:
        name = f"{surname} & Fils"
    elif pattern == 2:
        name = f"{rng.choice(TRADES)} {rng.choice(PLACES)}"
    elif pattern == 3:
        name = f"{surname}-{rng.choice(SURNAMES)} {rng.choice(FORMS)}"
    elif pattern == 4:
        name = f"{rng.choice(FORMS)} {surname}"
    else:
        name = f"{rng.choice(TRADES)} {surname} {rng.choice(CITIES)[0]}"
    return name[:35]


def technical(user: int, created: datetime, modified: datetime) -> tuple[object, ...]:
    """cbProt, cbCreateur, cbModification, cbReplication, cbFlag, cbCreation, cbCreationUser."""
    name, guid = USERS[user % len(USERS)]
    return (0, name, sql_minute(modified), 0, 0, sql_second(created), guid)


def customer_fields(
    rng: random.Random, code: str, *, created: str, devise: int = 0, ct_type: int = 0
) -> dict[str, object]:
    """F_COMPTET business columns of a new French (or foreign, per currency) third party."""
    name = company_name(rng)
    domain = f"{ascii_slug(name)[:30]}{rng.choice(('.fr', '.fr', '.com'))}"
    if devise:
        city, postal, country, prefix, vat = FOREIGN[devise]
        region, siret = "", ""
        phone = _phone(rng, prefix)
    else:
        city, postal, region, area = rng.choice(CITIES)
        country, siren = "France", _siren(rng)
        siret = _luhn_complete(siren + f"{rng.randint(1, 99):04d}")
        vat = f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
        phone = _phone(rng, area)
    first, _ = rng.choice(FIRST_NAMES)
    no_email = rng.random() < 0.05  # some customers have no address to dun
    return {
        "CT_Num": code,
        "CT_Intitule": name,
        "CT_Type": ct_type,
        "CG_NumPrinc": SUPPLIERS_ACCOUNT if ct_type == 1 else CUSTOMERS_ACCOUNT,
        "CT_Qualite": rng.choice(QUALITIES),
        "CT_Classement": ascii_slug(name).replace("-", " ").upper()[:17],
        "CT_Contact": rng.choice(("", f"{first} {rng.choice(SURNAMES)}")),
        "CT_Adresse": f"{rng.randint(1, 120)} {rng.choice(STREETS)}"[:35],
        "CT_Complement": rng.choice(COMPLEMENTS),
        "CT_CodePostal": postal,
        "CT_Ville": city,
        "CT_CodeRegion": region[:25],
        "CT_Pays": country,
        "CT_Siret": siret,
        "CT_Identifiant": vat,
        "CT_Ape": "" if devise else rng.choice(APE_CODES),
        "CT_Telephone": phone,
        "CT_Telecopie": _phone(rng, 1) if rng.random() < 0.2 and not devise else "",
        "CT_EMail": ""
        if no_email
        else f"{rng.choice(('compta', 'contact', 'facturation'))}@{domain}",
        "CT_Site": f"www.{domain}" if rng.random() < 0.5 else "",
        "CT_Encours": money_text(Decimal(rng.choice((0, 5000, 10000, 20000, 50000)))),
        "CT_Assurance": money_text(Decimal(rng.choice((0, 0, 0, 15000)))),
        "CT_NumPayeur": code,
        "N_Risque": 1,
        "N_Devise": devise,
        "MR_No": rng.choice((0, 0, 1, 2)),
        "CO_No": 0 if rng.random() < 0.35 else rng.choice(SALES_REPS),
        "CT_Sommeil": 0,
        "CT_NotRappel": 0,
        "CT_NotPenal": 0,
        "CT_Lettrage": 1,
        "CT_Prospect": 0,
        "CT_DateCreate": created,
    }


def contact_fields(rng: random.Random, ct_code: str, ct_no: int, domain: str) -> dict[str, object]:
    """F_CONTACTT business columns of one contact of third party ct_code."""
    first, civility = rng.choice(FIRST_NAMES)
    last = rng.choice(SURNAMES)
    email = f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}" if rng.random() < 0.85 else ""
    return {
        "CT_Num": ct_code,
        "CT_No": ct_no,
        "CT_Nom": last,
        "CT_Prenom": first,
        "CT_Fonction": rng.choice(FUNCTIONS),
        "CT_Civilite": civility,
        "N_Service": rng.randint(0, 4),
        "N_Contact": rng.randint(0, 2),
        "CT_Telephone": _phone(rng, rng.randint(1, 5)),
        "CT_TelPortable": _phone(rng, rng.choice((6, 7))) if rng.random() < 0.6 else "",
        "CT_Telecopie": "",
        "CT_EMail": email,
    }


def email_domain(fields: Mapping[str, object]) -> str:
    email = str(fields.get("CT_EMail") or "")
    return (
        email.split("@", 1)[1] if "@" in email else f"{ascii_slug(str(fields['CT_Intitule']))}.fr"
    )


def row(table: str, fields: Mapping[str, object], tech: tuple[object, ...]) -> tuple[object, ...]:
    """Insert parameters for schema.insert_sql(table)."""
    return tuple(fields[name] for name in columns(table)) + tech


# --- the in-memory ledger ------------------------------------------------------------


@dataclass(slots=True)
class _Money:
    """An amount in EUR, and in a foreign currency when devise != 0."""

    eur: Decimal
    devise: int = 0
    dev: Decimal = ZERO
    parite: Decimal = ZERO

    def part(self, percent: int) -> _Money:
        if not self.devise:
            return _Money((self.eur * percent / 100).quantize(CENT))
        dev = (self.dev * percent / 100).quantize(CENT)
        return _Money((dev * self.parite).quantize(CENT), self.devise, dev, self.parite)

    def minus(self, other: _Money) -> _Money:
        return _Money(self.eur - other.eur, self.devise, self.dev - other.dev, self.parite)


@dataclass(slots=True, eq=False)
class _Piece:
    """A voucher: lines sharing EC_Piece. kind 'FA'/'AV' gets an invoice number."""

    jo: str
    day: date
    keyed: date
    seq: int
    kind: str = ""
    number: str = ""
    ref: str = ""


@dataclass(slots=True, eq=False)
class _Line:
    seq: int
    jo: str
    day: date
    cg: str
    ct: str
    sens: int
    money: _Money
    piece: _Piece
    label: str
    due: date | None = None
    due_placeholder: str = PLACEHOLDER_1753
    ref_piece: _Piece | None = None
    ref_text: str = ""
    reference: str = ""
    reglement: int = 0
    cont_cg: str = ""
    cont_ct: str = ""
    is_invoice: bool = False
    group: _Group | None = None
    antype: int = 0
    superseded: bool = False
    pad_jo: bool = False
    pad_cg: bool = False
    pad_piece: bool = False

    @property
    def refpiece(self) -> str:
        return self.ref_piece.ref if self.ref_piece else self.ref_text


@dataclass(slots=True, eq=False)
class _Group:
    """Lines lettered together. kind: 'upper' (settled) or 'lower0'/'lower1' (provisional)."""

    kind: str
    members: list[_Line]
    code: str = ""
    lettered_at: datetime | None = None

    def last_day(self) -> date:
        return max(m.day for m in self.members)


@dataclass(slots=True, eq=False)
class _Customer:
    key: str
    fields: dict[str, object]
    devise: int = 0
    rate: Decimal = ZERO
    terms: int = 30
    reglement: int = 2
    weight: float = 1.0
    since: date = date.min
    until: date = date.max

    @property
    def code(self) -> str:
        return str(self.fields["CT_Num"])


@dataclass(frozen=True)
class GeneratedCompany:
    """What generate_company wrote. cases: awkward case -> trimmed CT_Num of its customers."""

    company: str
    path: Path
    as_of: date
    seed: int
    customers: int
    suppliers: int
    contacts: int
    lines: int
    customer_lines: int
    opening_date: date
    fiscal_years: tuple[tuple[date, date], ...]
    cases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _open_probability(days_late: int) -> float:
    """Chance an invoice is still unpaid: recent ones mostly, a long tail of old debts."""
    if days_late <= 0:
        return 0.85
    if days_late <= 30:
        return 0.45
    if days_late <= 90:
        return 0.2
    return 0.06


# Share of the requested rows produced by the invoice loop; the rest comes from opening
# balances (RAN copies) and bank remittance lines added afterwards.
REGULAR_SHARE = 0.95


class _Builder:
    """Builds one company's rows in memory, then writes them in one transaction."""

    def __init__(self, company: str, as_of: date, target: int, rng: random.Random) -> None:
        self.company, self.as_of, self.target, self.rng = company, as_of, target, rng
        # Minimum chance an invoice is still unpaid: 0 for a realistic ledger; the sync
        # benchmark raises it to push a large open ledger through the relay.
        self.unpaid_share = 0.0
        self.cur_start = date(as_of.year, 1, 1)
        self.prev_start = date(as_of.year - 1, 1, 1)
        self.start = max(as_of - timedelta(days=545), self.prev_start)
        self.lines: list[_Line] = []
        self.customers: list[_Customer] = []
        self.suppliers: list[_Customer] = []
        self.cases: dict[str, list[str]] = defaultdict(list)
        self._line_seq = itertools.count()
        self._piece_seq = itertools.count()
        self._bank_pieces: dict[date, _Piece] = {}

    # -- dice and bookkeeping --

    def day_between(self, lo: date, hi: date) -> date:
        if hi <= lo:
            return lo
        return lo + timedelta(days=self.rng.randint(0, (hi - lo).days))

    def mark(self, case: str, c: _Customer) -> None:
        if c.key not in self.cases[case]:
            self.cases[case].append(c.key)

    def money(self, c: _Customer, median: float = 1100.0) -> _Money:
        if not c.devise:
            return _Money(random_amount(self.rng, median))
        dev = random_amount(self.rng, median)
        drift = Decimal(self.rng.randint(970_000, 1_030_000)).scaleb(-6)
        parite = (c.rate * drift).quantize(Decimal("0.000001"))
        return _Money((dev * parite).quantize(CENT), c.devise, dev, parite)

    def piece(self, jo: str, day: date, kind: str = "") -> _Piece:
        # Keyed (EC_Date) 0-3 days after the accounting date, never after as_of.
        keyed = min(day + timedelta(days=self.rng.choice((0, 0, 0, 1, 2, 3))), self.as_of)
        return _Piece(jo, day, max(keyed, day), next(self._piece_seq), kind)

    def bank_piece(self, day: date) -> _Piece:
        # One bank remittance per day: all receipts of the day share EC_Piece.
        if day not in self._bank_pieces:
            self._bank_pieces[day] = self.piece("BQ1", day)
        return self._bank_pieces[day]

    def add(self, **kw: object) -> _Line:
        line = _Line(seq=next(self._line_seq), **kw)  # type: ignore[arg-type]
        self.lines.append(line)
        return line

    @staticmethod
    def letter(kind: str, *lines: _Line) -> None:
        group = _Group(kind, list(lines))
        for line in lines:
            line.group = group

    # -- pieces --

    def invoice(
        self,
        c: _Customer,
        day: date,
        money: _Money,
        due: date | None,
        *,
        placeholder: str = PLACEHOLDER_1753,
        vat: bool = True,
    ) -> _Line:
        piece = self.piece("VTE", day, "FA")
        line = self.add(
            jo="VTE", day=day, cg=CUSTOMERS_ACCOUNT, ct=c.code, sens=0, money=money,
            piece=piece, label=f"Facture {{ref}} {c.fields['CT_Intitule']}", due=due,
            due_placeholder=placeholder, ref_piece=piece, reglement=c.reglement,
            cont_cg=SALES_ACCOUNT, is_invoice=True,
        )  # fmt: skip
        self._sales_counterparts(piece, c, money.eur, sens=1, vat=vat)
        return line

    def credit_note(self, c: _Customer, day: date, money: _Money, due: date) -> _Line:
        piece = self.piece("VTE", day, "AV")
        line = self.add(
            jo="VTE", day=day, cg=CUSTOMERS_ACCOUNT, ct=c.code, sens=1, money=money,
            piece=piece, label=f"Avoir {{ref}} {c.fields['CT_Intitule']}", due=due,
            ref_piece=piece, reglement=c.reglement, cont_cg=SALES_ACCOUNT,
        )  # fmt: skip
        self._sales_counterparts(piece, c, money.eur, sens=0, vat=True)
        return line

    def _sales_counterparts(
        self, piece: _Piece, c: _Customer, eur: Decimal, *, sens: int, vat: bool
    ) -> None:
        net = (eur / VAT_RATE).quantize(CENT) if vat else eur
        label = "Avoir {ref}" if piece.kind == "AV" else "Facture {ref}"
        for cg, amount in ((SALES_ACCOUNT, net), (VAT_ACCOUNT, eur - net)):
            if amount:
                self.add(
                    jo=piece.jo, day=piece.day, cg=cg, ct="", sens=sens, money=_Money(amount),
                    piece=piece, label=label, ref_piece=piece, cont_cg=CUSTOMERS_ACCOUNT,
                    cont_ct=c.code,
                )  # fmt: skip

    def payment(
        self,
        c: _Customer,
        day: date,
        money: _Money,
        *,
        invoice: _Line | None = None,
        cg: str = CUSTOMERS_ACCOUNT,
        label: str = "",
    ) -> _Line:
        method = {1: "CHQ", 2: "VIR SEPA", 3: "LCR", 5: "PRLV SEPA", 6: "CB"}.get(c.reglement, "")
        return self.add(
            jo="BQ1", day=day, cg=cg, ct=c.code, sens=1, money=money,
            piece=self.bank_piece(day), label=label or f"Règlement {c.fields['CT_Intitule']}",
            ref_piece=invoice.ref_piece if invoice else None, reglement=c.reglement,
            reference=f"{method} {self.rng.randint(1_000_000, 9_999_999)}", cont_cg=BANK_ACCOUNT,
        )  # fmt: skip

    # -- third parties --

    def make_customers(self, n: int) -> list[_Customer]:
        """n customers; returns them in a random order used to hand out the roles."""
        order = self.rng.sample(range(n), n)
        devises = {order[0]: 1, order[1]: 2, order[2]: 3}
        rates = {cur[0]: cur[4] for cur in CURRENCIES}
        for i in range(n):
            key = f"C{i + 1:05d}"
            created = self.day_between(date(2008, 1, 1), self.as_of - timedelta(days=30))
            devise = devises.get(i, 0)
            c = _Customer(
                key, customer_fields(self.rng, key, created=sql_date(created), devise=devise)
            )
            c.devise, c.rate = devise, rates.get(devise, ZERO)
            c.terms = self.rng.choice((30, 45, 60, 60))
            c.reglement = self.rng.choice(USED_METHODS)
            c.weight = min(self.rng.paretovariate(1.4), 25.0)
            recent = self.rng.random() < 0.15
            latest = self.as_of - timedelta(days=60)
            c.since = self.day_between(self.start, latest) if recent else self.start
            c.until = self.as_of
            self.customers.append(c)
        return [self.customers[i] for i in order]

    def make_suppliers(self, n: int) -> None:
        for i in range(n):
            key = f"F{i + 1:05d}"
            created = sql_date(self.day_between(date(2008, 1, 1), self.start))
            self.suppliers.append(
                _Customer(key, customer_fields(self.rng, key, created=created, ct_type=1))
            )

    def assign_roles(self, order: list[_Customer]) -> tuple[list[_Customer], ...]:
        """Flag customers for the attribute cases; returns (pool, foreign, dormant)."""
        foreign, dormant = order[:3], order[3:6]
        no_lines = order[-2:] if len(order) >= 30 else []
        with_lines = order[: len(order) - len(no_lines)]
        pool = with_lines[6:]
        for c in foreign:
            self.mark("foreign_currency", c)
        for c in dormant:
            c.fields["CT_Sommeil"], c.since = 1, self.start
            c.until = self.as_of - timedelta(days=200)
            self.mark("dormant", c)
        for i, c in enumerate(no_lines):
            c.weight, c.fields["CT_Prospect"] = 0.0, int(i == 0)
            self.mark("no_lines", c)
        self._flag(with_lines, "no_reminder", "CT_NotRappel", 1)
        self._flag(with_lines, "no_penalty", "CT_NotPenal", 1)
        for i, c in enumerate(self.rng.sample(with_lines, 4)):
            c.fields["CT_DateCreate"] = PLACEHOLDERS[i % 2]
            self.mark("placeholder_create", c)
        self._pad_codes(with_lines)
        self._assign_payers(pool)
        return pool, foreign, dormant

    def _flag(self, customers: list[_Customer], case: str, column: str, value: int) -> None:
        for c in self.rng.sample(customers, 3):
            c.fields[column] = value
            self.mark(case, c)

    def _pad_codes(self, customers: list[_Customer]) -> None:
        # Codes are fixed-width varchar in many bases: 'C00012   ' everywhere it appears.
        for c in self.rng.sample(customers, max(3, len(self.customers) // 10)):
            c.fields["CT_Num"] = c.key + " " * self.rng.choice((1, 3, 4, 11))
            self.mark("padded_code", c)
        for c in self.customers:
            c.fields["CT_NumPayeur"] = c.code

    def _assign_payers(self, pool: list[_Customer]) -> None:
        shuffled = self.rng.sample(pool, len(pool))
        heads = shuffled[3:6] or shuffled[:1]
        for i, c in enumerate(shuffled[:3]):
            head = heads[i % len(heads)]
            if head is not c:
                c.fields["CT_NumPayeur"] = head.code
                self.mark("payer_other", c)

    # -- the awkward cases, each on a few customers --

    def specials(
        self, pool: list[_Customer], foreign: list[_Customer], dormant: list[_Customer]
    ) -> None:
        cycle = itertools.cycle(pool)

        def take(case: str, k: int = 3) -> list[_Customer]:
            chosen = [next(cycle) for _ in range(k)]
            for c in chosen:
                self.mark(case, c)
            return chosen

        for c in take("aging_ladder"):
            self.ladder(c, (20, -10, -45, -75, -150))
        for c in foreign:
            self.ladder(c, (15, -40, -120))
        for c in dormant:
            self.ladder(c, (-100, -230))
        for c in take("placeholder_due"):
            self.placeholder_due(c)
        for case, kind in (
            ("partial_payment", ""),
            ("prelettered_open", "lower0"),
            ("prelettered_lettered", "lower1"),
        ):
            for c in take(case):
                self.partial(c, kind)
        for c in take("unallocated_payment"):
            self.unallocated(c)
        for i, c in enumerate(take("situation_journal")):
            self.situation(c, padded=i == 0)
        for c in take("doubtful_416"):
            self.doubtful(c)
        for c in take("advance_419"):
            self.advance(c)
        for c in take("six_decimals"):
            self.six_decimals(c)
        for c in take("credit_note_not_due"):
            self.open_credit_note(c, not_due=True)
        for c in take("credit_note_overdue"):
            self.open_credit_note(c, not_due=False)
        for c in take("opening_open"):
            self.opening_open(c)
        for c in take("opening_settled"):
            self.opening_settled(c)
        for c in take("opening_legacy", 2):
            self.opening_legacy(c)

    def ladder(self, c: _Customer, due_offsets: Iterable[int]) -> None:
        """Open invoices due at as_of + offset days: one per aging bucket."""
        for offset in due_offsets:
            due = self.as_of + timedelta(days=offset)
            day = min(max(due - timedelta(days=c.terms), self.start), self.as_of)
            self.invoice(c, day, self.money(c), due)

    def placeholder_due(self, c: _Customer) -> None:
        for placeholder in PLACEHOLDERS:
            lo = max(self.start, self.as_of - timedelta(days=200))
            day = self.day_between(lo, self.as_of - timedelta(days=5))
            self.invoice(c, day, self.money(c), None, placeholder=placeholder)

    def partial(self, c: _Customer, kind: str) -> None:
        """Open invoice + partial payment: unlettered, or pre-lettered (kind lower0/lower1)."""
        lo = max(self.start, self.as_of - timedelta(days=150))
        day = self.day_between(lo, self.as_of - timedelta(days=60))
        money = self.money(c)
        due = day + timedelta(days=c.terms)
        inv = self.invoice(c, day, money, due)
        pay_day = min(due + timedelta(days=self.rng.randint(0, 20)), self.as_of)
        pay = self.payment(c, pay_day, money.part(self.rng.randint(20, 70)), invoice=inv)
        if kind:
            self.letter(kind, inv, pay)

    def unallocated(self, c: _Customer) -> None:
        lo = max(self.cur_start, self.as_of - timedelta(days=120))
        money = self.money(c).part(self.rng.randint(10, 100))
        self.payment(
            c, self.day_between(lo, self.as_of), money, label="Virement reçu non identifié"
        )

    def situation(self, c: _Customer, *, padded: bool) -> None:
        lo = max(self.start, self.as_of - timedelta(days=90))
        day = self.day_between(lo, self.as_of)
        piece, money = self.piece("SIT", day), self.money(c)
        label = f"Situation {c.fields['CT_Intitule']}"
        self.add(
            jo="SIT", day=day, cg=CUSTOMERS_ACCOUNT, ct=c.code, sens=0, money=money,
            piece=piece, label=label, due=day + timedelta(days=30), cont_cg=SALES_ACCOUNT,
            pad_jo=padded,
        )  # fmt: skip
        self.add(
            jo="SIT", day=day, cg=SALES_ACCOUNT, ct="", sens=1, money=_Money(money.eur),
            piece=piece, label=label, cont_cg=CUSTOMERS_ACCOUNT, cont_ct=c.code,
        )  # fmt: skip

    def doubtful(self, c: _Customer) -> None:
        """Old invoice moved to 4160000: 411 lines lettered together, 416 line open."""
        lo = max(self.start, self.as_of - timedelta(days=420))
        day = self.day_between(lo, self.as_of - timedelta(days=250))
        money, due = self.money(c), day + timedelta(days=c.terms)
        inv = self.invoice(c, day, money, due)
        piece = self.piece("OD", min(due + timedelta(days=90), self.as_of))
        common = {"jo": "OD", "day": piece.day, "ct": c.code, "money": money, "piece": piece}
        out = self.add(
            **common, cg=CUSTOMERS_ACCOUNT, sens=1, label="Transfert en douteux {ref}",
            ref_piece=inv.ref_piece, cont_cg=DOUBTFUL_ACCOUNT,
        )  # fmt: skip
        self.add(
            **common, cg=DOUBTFUL_ACCOUNT, sens=0, label="Créance douteuse {ref}", due=due,
            ref_piece=inv.ref_piece, cont_cg=CUSTOMERS_ACCOUNT,
        )  # fmt: skip
        self.letter("upper", inv, out)

    def advance(self, c: _Customer) -> None:
        lo = max(self.cur_start, self.as_of - timedelta(days=90))
        label = f"Acompte reçu {c.fields['CT_Intitule']}"
        money = self.money(c).part(30)
        self.payment(c, self.day_between(lo, self.as_of), money, cg=ADVANCES_ACCOUNT, label=label)

    def six_decimals(self, c: _Customer) -> None:
        micros = self.rng.randint(0, 99_999) * 10 + self.rng.randint(1, 9)
        eur = Decimal(self.rng.randint(100, 99_999)) + Decimal(micros).scaleb(-6)
        lo = max(self.start, self.as_of - timedelta(days=100))
        day = self.day_between(lo, self.as_of)
        self.invoice(c, day, _Money(eur), day + timedelta(days=c.terms), vat=False)

    def open_credit_note(self, c: _Customer, *, not_due: bool) -> None:
        if not_due:
            day = self.day_between(self.as_of - timedelta(days=20), self.as_of)
            due = self.as_of + timedelta(days=self.rng.randint(10, 40))
        else:
            lo = max(self.start, self.as_of - timedelta(days=200))
            day = self.day_between(lo, self.as_of - timedelta(days=90))
            due = day + timedelta(days=30)
        self.credit_note(c, day, self.money(c).part(self.rng.randint(5, 30)), due)

    def opening_open(self, c: _Customer) -> None:
        day = self.cur_start - timedelta(days=self.rng.randint(15, 60))
        self.invoice(c, day, self.money(c), day + timedelta(days=c.terms))

    def opening_settled(self, c: _Customer) -> None:
        """Previous-year invoice paid this year: its RAN copy is lettered, not the original."""
        day = self.cur_start - timedelta(days=self.rng.randint(20, 70))
        money = self.money(c)
        inv = self.invoice(c, day, money, day + timedelta(days=c.terms))
        pay_day = min(self.cur_start + timedelta(days=self.rng.randint(3, 40)), self.as_of)
        self.letter("upper", inv, self.payment(c, pay_day, money, invoice=inv))

    def opening_legacy(self, c: _Customer) -> None:
        """Items of a purged year: only their RAN copies remain (one still open)."""
        year = self.as_of.year - 2
        day = date(year, 12, self.rng.randint(1, 20))
        self.invoice(c, day, self.money(c), day + timedelta(days=c.terms))
        day = date(year, 11, self.rng.randint(1, 25))
        money = self.money(c)
        inv = self.invoice(c, day, money, day + timedelta(days=c.terms))
        pay_day = self.prev_start + timedelta(days=self.rng.randint(10, 60))
        self.letter("upper", inv, self.payment(c, pay_day, money, invoice=inv))

    # -- ordinary business --

    def regular_history(self) -> None:
        active = [c for c in self.customers if c.weight > 0]
        weights = list(itertools.accumulate(c.weight for c in active))
        budget = int(self.target * REGULAR_SHARE)
        while len(self.lines) < budget:
            for c in self.rng.choices(active, cum_weights=weights, k=32):
                self.regular_invoice(c, self.day_between(c.since, c.until))

    def regular_invoice(self, c: _Customer, day: date) -> None:
        money, due = self.money(c), day + timedelta(days=c.terms)
        # A few invoices keyed without a due date (placeholder): aging uses their date.
        if self.rng.random() < 0.01:
            inv = self.invoice(c, day, money, None, placeholder=self.rng.choice(PLACEHOLDERS))
        else:
            inv = self.invoice(c, day, money, due)
        if self.rng.random() < max(_open_probability((self.as_of - due).days), self.unpaid_share):
            self.open_outcome(c, inv, money)
            return
        pay_day = max(due + timedelta(days=self.rng.randint(-25, 25)), day + timedelta(days=1))
        if pay_day <= self.as_of:
            self.settle(c, inv, money, pay_day)

    def open_outcome(self, c: _Customer, inv: _Line, money: _Money) -> None:
        """Unpaid invoice; sometimes with a partial payment (plain or pre-lettered)."""
        r = self.rng.random()
        if r >= 0.17:
            return
        pay_day = self.day_between(min(inv.day + timedelta(days=10), self.as_of), self.as_of)
        pay = self.payment(c, pay_day, money.part(self.rng.randint(20, 80)), invoice=inv)
        if r >= 0.10:
            self.letter("lower0" if r < 0.14 else "lower1", inv, pay)

    def settle(self, c: _Customer, inv: _Line, money: _Money, pay_day: date) -> None:
        """Fully settled invoice: one payment, two payments, or credit note + payment."""
        v = self.rng.random()
        if v < 0.84:
            self.letter("upper", inv, self.payment(c, pay_day, money, invoice=inv))
            return
        first = money.part(self.rng.randint(30, 70) if v < 0.93 else self.rng.randint(5, 25))
        first_day = self.day_between(inv.day, pay_day)
        if v < 0.93:
            head = self.payment(c, first_day, first, invoice=inv)
        else:
            head = self.credit_note(c, first_day, first, first_day)
        rest = self.payment(c, pay_day, money.minus(first), invoice=inv)
        self.letter("upper", inv, head, rest)

    def supplier_history(self) -> None:
        """Purchases on 401 (CT_Type 1): open items a customer reader must not pick up."""
        for _ in range(max(2 * len(self.suppliers), self.target // 90)):
            s = self.rng.choice(self.suppliers)
            day = self.day_between(self.start, self.as_of)
            money, due = _Money(random_amount(self.rng, 1800)), day + timedelta(days=45)
            piece, name = self.piece("ACH", day), str(s.fields["CT_Intitule"])
            inv = self.add(
                jo="ACH", day=day, cg=SUPPLIERS_ACCOUNT, ct=s.code, sens=1, money=money,
                piece=piece, label=f"Facture {name}", due=due, reglement=2,
                ref_text=f"F{self.rng.randint(10_000, 99_999)}", cont_cg=PURCHASES_ACCOUNT,
            )  # fmt: skip
            net = (money.eur / VAT_RATE).quantize(CENT)
            for cg, amount in ((PURCHASES_ACCOUNT, net), (DEDUCTIBLE_VAT_ACCOUNT, money.eur - net)):
                self.add(
                    jo="ACH", day=day, cg=cg, ct="", sens=0, money=_Money(amount), piece=piece,
                    label=f"Facture {name}", ref_text=inv.ref_text, cont_cg=SUPPLIERS_ACCOUNT,
                    cont_ct=s.code,
                )  # fmt: skip
            pay_day = due + timedelta(days=self.rng.randint(-5, 10))
            if pay_day <= self.as_of and self.rng.random() < 0.9:
                pay = self.add(
                    jo="BQ1", day=pay_day, cg=SUPPLIERS_ACCOUNT, ct=s.code, sens=0, money=money,
                    piece=self.bank_piece(pay_day), label=f"Règlement {name}",
                    ref_text=inv.ref_text, cont_cg=BANK_ACCOUNT,
                )  # fmt: skip
                self.letter("upper", inv, pay)

    # -- year-end, bank, numbering --

    def carry_forward(self) -> None:
        """Opening balances for each year start; then drop the purged year's originals."""
        for boundary in (self.prev_start, self.cur_start):
            keyed = min(boundary + timedelta(days=12), self.as_of)
            piece = _Piece("RAN", boundary, keyed, next(self._piece_seq))
            carried = [line for line in self.lines if self._carried(line, boundary)]
            copies = [self._carry(line, piece) for line in carried]
            self.lines.extend(copies)
            self._opening_balance(piece, copies)
        self.lines = [line for line in self.lines if line.day >= self.prev_start]

    @staticmethod
    def _carried(line: _Line, boundary: date) -> bool:
        """Third-party line still open at the end of the year before boundary."""
        if line.day >= boundary or not line.ct or line.jo == "SIT" or line.superseded:
            return False
        group = line.group
        return group is None or group.kind != "upper" or group.last_day() >= boundary

    def _carry(self, line: _Line, piece: _Piece) -> _Line:
        copy = dataclasses.replace(
            line, seq=next(self._line_seq), jo="RAN", day=piece.day, piece=piece, antype=1,
            cont_cg=OPENING_ACCOUNT, cont_ct="", pad_jo=False, pad_cg=False, pad_piece=False,
        )  # fmt: skip
        if line.group is not None:
            members = line.group.members
            members[members.index(line)] = copy
        # The original stays, unlettered: Sage does not letter across fiscal years.
        line.group, line.superseded = None, True
        return copy

    def _opening_balance(self, piece: _Piece, copies: list[_Line]) -> None:
        net = sum((c.money.eur if c.sens == 0 else -c.money.eur for c in copies), ZERO)
        if net:
            self.add(
                jo="RAN", day=piece.day, cg=OPENING_ACCOUNT, ct="", sens=int(net > 0),
                money=_Money(abs(net)), piece=piece, label="Bilan d'ouverture", antype=1,
            )  # fmt: skip

    def bank_counterparts(self) -> None:
        """One 512 line per remittance day and direction, balancing the bank pieces."""
        totals: dict[tuple[date, int], Decimal] = defaultdict(Decimal)
        for line in self.lines:
            if line.jo == "BQ1" and line.ct:
                totals[(line.day, line.sens)] += line.money.eur
        for (day, sens), total in sorted(totals.items()):
            self.add(
                jo="BQ1", day=day, cg=BANK_ACCOUNT, ct="", sens=1 - sens, money=_Money(total),
                piece=self.bank_piece(day),
                label="Remise en banque" if sens else "Paiements fournisseurs",
            )  # fmt: skip

    def ordered_lines(self) -> list[_Line]:
        """Lines in keying order, numbered, padded here and there, lettering codes set."""
        ordered = sorted(self.lines, key=lambda ln: (ln.piece.keyed, ln.piece.seq, ln.seq))
        counters: dict[tuple[str, int], int] = defaultdict(int)
        for line in ordered:
            for piece in (line.piece, line.ref_piece):
                if piece is not None and not piece.number:
                    _number(piece, counters)
        self._pad(ordered)
        self._lettering(ordered)
        return ordered

    def _pad(self, ordered: list[_Line]) -> None:
        customer_codes = {c.code for c in self.customers}
        lines = [ln for ln in ordered if ln.ct in customer_codes]
        for attr in ("pad_cg", "pad_jo", "pad_piece"):
            for line in self.rng.sample(lines, min(len(lines), max(3, len(lines) // 40))):
                setattr(line, attr, True)

    def _lettering(self, ordered: list[_Line]) -> None:
        """Codes per account in the order groups were completed: 'AAA', 'AAB'... / 'aaa'."""
        last: dict[_Group, int] = {}
        for pos, line in enumerate(ordered):
            if line.group is not None:
                last[line.group] = pos
        counters: dict[tuple[str, str, bool], int] = defaultdict(int)
        for group in sorted(last, key=last.__getitem__):
            first = group.members[0]
            key = (first.cg, first.ct.strip(), group.kind != "upper")
            group.code = lettering_code(counters[key], lower=key[2])
            counters[key] += 1
            keyed = max(m.piece.keyed for m in group.members)
            group.lettered_at = _worktime(self.rng, keyed)


def _number(piece: _Piece, counters: dict[tuple[str, int], int]) -> None:
    """EC_Piece per journal and year ('26000123'); invoice numbers per kind ('FA2600042')."""
    yy = piece.day.year % 100
    counters[(piece.jo, yy)] += 1
    piece.number = f"{yy:02d}{counters[(piece.jo, yy)]:06d}"
    if piece.kind:
        counters[(piece.kind, yy)] += 1
        piece.ref = f"{piece.kind}{yy:02d}{counters[(piece.kind, yy)]:05d}"


# --- rows -----------------------------------------------------------------------------


class _Writer:
    """Turns the builder's objects into insert parameters, table by table."""

    def __init__(self, b: _Builder) -> None:
        self.b, self.rng, self.as_of = b, b.rng, b.as_of

    def tables(self, ordered: list[_Line]) -> dict[str, list[tuple[object, ...]]]:
        return {
            "P_DOSSIER": [self.dossier()],
            "P_REGLEMENT": self.reference_rows("P_REGLEMENT", self.payment_methods()),
            "P_DEVISE": self.reference_rows("P_DEVISE", self.currencies()),
            "F_COLLABORATEUR": self.reference_rows("F_COLLABORATEUR", self.reps()),
            "F_JOURNAUX": self.reference_rows("F_JOURNAUX", self.journals()),
            "F_COMPTEG": self.reference_rows("F_COMPTEG", self.accounts()),
            "F_COMPTET": [self.third_party(c) for c in self.b.customers + self.b.suppliers],
            "F_CONTACTT": self.contacts(),
            "F_ECRITUREC": [self.line(ln, i + 1) for i, ln in enumerate(ordered)],
        }

    def _setup_stamp(self) -> tuple[object, ...]:
        # Reference tables were set up when the company was created, long ago.
        created = datetime.combine(date(self.b.prev_start.year - 3, 9, 1), time(10, 12, 37))
        return technical(0, created, created)

    def reference_rows(
        self, table: str, rows: Iterable[dict[str, object]]
    ) -> list[tuple[object, ...]]:
        return [row(table, fields, self._setup_stamp()) for fields in rows]

    def dossier(self) -> tuple[object, ...]:
        years = [self.b.prev_start.year, self.b.cur_start.year]
        fields: dict[str, object] = {"D_RaisonSoc": f"{self.b.company} SA"}
        for slot in range(1, 6):
            year = years[slot - 1] if slot <= len(years) else None
            fields[f"D_DebutExo{slot:02d}"] = sql_date(date(year, 1, 1)) if year else None
            fields[f"D_FinExo{slot:02d}"] = sql_date(date(year, 12, 31)) if year else None
        return row("P_DOSSIER", fields, self._setup_stamp())

    @staticmethod
    def payment_methods() -> Iterable[dict[str, object]]:
        for index, label, code in PAYMENT_METHODS:
            yield {"cbIndice": index, "R_Intitule": label, "R_Code": code}

    @staticmethod
    def currencies() -> Iterable[dict[str, object]]:
        for index, label, iso, symbol, rate in CURRENCIES:
            yield {
                "cbIndice": index, "D_Intitule": label, "D_CodeISO": iso, "D_Sigle": symbol,
                "D_Cours": money_text(rate), "D_Format": "#,##0.00", "D_Euro": 0,
            }  # fmt: skip
        for index in (4, 5):  # unused slots
            yield {
                "cbIndice": index, "D_Intitule": "", "D_CodeISO": "", "D_Sigle": "",
                "D_Cours": "0", "D_Format": "", "D_Euro": 0,
            }  # fmt: skip

    def reps(self) -> Iterable[dict[str, object]]:
        domain = f"{ascii_slug(self.b.company)}.fr"
        for number, last, first, function, seller, collector, finance in REPS:
            yield {
                "CO_No": number, "CO_Nom": last.upper(), "CO_Prenom": first,
                "CO_Fonction": function,
                "CO_EMail": f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}",
                "CO_Telephone": _phone(self.rng, 1), "CO_Vendeur": seller,
                "CO_ChargeRecouvr": collector, "CO_Financier": finance,
            }  # fmt: skip

    @staticmethod
    def journals() -> Iterable[dict[str, object]]:
        for code, label, account, kind in JOURNALS:
            yield {
                "JO_Num": code, "JO_Intitule": label, "CG_Num": account, "JO_Type": kind,
                "JO_Sommeil": 0, "JO_Reglement": int(kind == 2),
            }  # fmt: skip

    @staticmethod
    def accounts() -> Iterable[dict[str, object]]:
        for number, label, nature, collective in GENERAL_ACCOUNTS:
            yield {
                "CG_Num": number, "CG_Type": 0, "CG_Intitule": label, "N_Nature": nature,
                "CG_Lettrage": collective, "CG_Tiers": collective, "CG_Sommeil": 0,
                "CG_Echeance": collective, "N_Devise": 0,
            }  # fmt: skip

    def _stamps(self, created_text: object, seq: int) -> tuple[object, ...]:
        text = str(created_text)
        created = date(2012, 3, 5) if text in PLACEHOLDERS else date.fromisoformat(text[:10])
        lo = max(created, self.as_of - timedelta(days=365))
        modified = self.b.day_between(lo, self.as_of)
        return technical(seq, _worktime(self.rng, created), _worktime(self.rng, modified))

    def third_party(self, c: _Customer) -> tuple[object, ...]:
        stamp = self._stamps(c.fields["CT_DateCreate"], len(c.key))
        return row("F_COMPTET", c.fields, stamp)

    def contacts(self) -> list[tuple[object, ...]]:
        rows: list[tuple[object, ...]] = []
        for c in self.b.customers:
            domain = email_domain(c.fields)
            for _ in range(self.rng.choices((0, 1, 2, 3), weights=(15, 40, 30, 15))[0]):
                fields = contact_fields(self.rng, c.code, len(rows) + 1, domain)
                rows.append(row("F_CONTACTT", fields, self._stamps(c.fields["CT_DateCreate"], 1)))
        return rows

    def line(self, ln: _Line, ec_no: int) -> tuple[object, ...]:
        group = ln.group
        lettre = int(group is not None and group.kind != "lower0")
        code = group.code if group else ""
        rappel, relance, relance_at = self._reminder(ln, ec_no)
        status, settled, settled_on = self._settlement(ln)
        created = _worktime(self.rng, ln.piece.keyed)
        modified = max([created] + [t for t in (relance_at, group and group.lettered_at) if t])
        piece = ln.piece.number + ("   " if ln.pad_piece else "")
        fields: dict[str, object] = {
            "EC_No": ec_no, "EC_NoLink": 0, "JO_Num": ln.jo.ljust(7) if ln.pad_jo else ln.jo,
            "JM_Date": sql_date(ln.day.replace(day=1)), "EC_Jour": ln.day.day,
            "EC_Date": sql_date(ln.piece.keyed), "EC_Piece": piece,
            "EC_RefPiece": ln.refpiece, "EC_Reference": ln.reference, "EC_TresoPiece": "",
            "CG_Num": ln.cg + ("   " if ln.pad_cg else ""), "CG_NumCont": ln.cont_cg,
            "CT_NumCont": ln.cont_ct, "CT_Num": ln.ct,
            "EC_Intitule": ln.label.replace("{ref}", ln.refpiece)[:35],
            "N_Reglement": ln.reglement,
            "EC_Echeance": sql_date(ln.due) if ln.due else ln.due_placeholder,
            "EC_Sens": ln.sens, "EC_Montant": money_text(ln.money.eur),
            "N_Devise": ln.money.devise, "EC_Devise": money_text(ln.money.dev),
            "EC_Parite": money_text(ln.money.parite), "EC_Lettre": lettre,
            "EC_Lettrage": code, "EC_LettreQ": lettre if ln.money.devise else 0,
            "EC_LettrageQ": code if ln.money.devise else "", "EC_ANType": ln.antype,
            "EC_Norme": 0, "EC_RType": 0, "EC_CType": 0, "EC_Rappel": rappel,
            "EC_DateRelance": relance, "EC_PenalType": 0, "EC_StatusRegle": status,
            "EC_MontantRegle": money_text(settled), "EC_DateRegle": settled_on,
            "cbHash": None, "cbHashVersion": 0, "cbHashDate": None, "cbHashOrder": 0,
        }  # fmt: skip
        return row("F_ECRITUREC", fields, technical(ln.seq, created, modified))

    def _reminder(self, ln: _Line, ec_no: int) -> tuple[int, str, datetime | None]:
        """Sage's own dunning trace on some overdue open invoices; else a placeholder."""
        open_item = ln.group is None or ln.group.kind != "upper"
        overdue = ln.due is not None and (self.as_of - ln.due).days > 15
        if ln.is_invoice and ln.due and open_item and overdue and self.rng.random() < 0.35:
            level = self.rng.randint(1, 3)
            day = min(ln.due + timedelta(days=15 * level + self.rng.randint(0, 5)), self.as_of)
            return level, sql_date(day), _worktime(self.rng, day)
        return 0, PLACEHOLDER_1900 if ec_no % 10 == 0 else PLACEHOLDER_1753, None

    @staticmethod
    def _settlement(ln: _Line) -> tuple[int, Decimal, str]:
        group = ln.group
        if not ln.is_invoice or group is None:
            return 0, ZERO, PLACEHOLDER_1753
        settled_on = sql_date(group.last_day())
        if group.kind == "upper":
            return 2, ln.money.eur, settled_on
        paid = sum((m.money.eur for m in group.members if m.sens == 1), ZERO)
        return 1, min(paid, ln.money.eur), settled_on


def write_tables(path: Path, tables: Mapping[str, Sequence[tuple[object, ...]]]) -> None:
    """Create a fresh SQLite file and fill it in one transaction."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA synchronous=OFF")
        with conn:
            create_schema(conn)
            for table, rows in tables.items():
                conn.executemany(insert_sql(table), rows)
    finally:
        conn.close()


# --- public API -----------------------------------------------------------------------


def generate_company(
    path: Path,
    company: str,
    *,
    customers: int,
    lines: int,
    as_of: date,
    seed: int,
    unpaid_share: float = 0.0,
) -> GeneratedCompany:
    """Write one Sage company to `path` (replaced if it exists). Deterministic per seed.

    customers: number of CT_Type 0 third parties (>= 12). lines: target F_ECRITUREC row
    count (all journals; about 45% are customer lines); small targets are exceeded because
    every awkward case is always generated.
    """
    if customers < MIN_CUSTOMERS:
        raise ValueError(f"customers must be >= {MIN_CUSTOMERS}")
    b = _Builder(company, as_of, lines, random.Random(seed))
    b.unpaid_share = unpaid_share
    order = b.make_customers(customers)
    b.make_suppliers(max(3, customers // 10))
    pool, foreign, dormant = b.assign_roles(order)
    b.specials(pool, foreign, dormant)
    b.supplier_history()
    b.regular_history()
    b.carry_forward()
    b.bank_counterparts()
    ordered = b.ordered_lines()
    tables = _Writer(b).tables(ordered)
    write_tables(path, tables)
    customer_codes = {c.code for c in b.customers}
    return GeneratedCompany(
        company=company,
        path=path,
        as_of=as_of,
        seed=seed,
        customers=customers,
        suppliers=len(b.suppliers),
        contacts=len(tables["F_CONTACTT"]),
        lines=len(ordered),
        customer_lines=sum(1 for ln in ordered if ln.ct in customer_codes),
        opening_date=b.cur_start,
        fiscal_years=(
            (b.prev_start, date(as_of.year - 1, 12, 31)),
            (b.cur_start, date(as_of.year, 12, 31)),
        ),
        cases={case: tuple(b.cases.get(case, ())) for case in CASES},
    )


def company_seed(seed: int, company: str) -> int:
    """Per-company seed of a tenant: stable, different for each company."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{company}".encode()).digest()[:8], "big")


def generate_tenant(
    directory: Path,
    companies: Mapping[str, tuple[int, int]],
    as_of: date,
    seed: int,
    unpaid_share: float = 0.0,
) -> dict[str, Path]:
    """One file per company: {"BIJOU": (customers, lines), ...} -> {"BIJOU": DIR/BIJOU.db}."""
    paths: dict[str, Path] = {}
    for company, (customers, lines) in companies.items():
        path = directory / f"{company}.db"
        generate_company(
            path,
            company,
            customers=customers,
            lines=lines,
            as_of=as_of,
            seed=company_seed(seed, company),
            unpaid_share=unpaid_share,
        )
        paths[company] = path
    return paths


# --- oracle ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _OpenLine:
    customer: str
    account: str
    journal_type: int
    day: date
    aging_day: date
    signed: Decimal
    antype: int


def _parse_day(text: str) -> date | None:
    """SQL Server-ish datetime text -> date; the 1753/1900 placeholders -> None."""
    return None if text[:4] in ("1753", "1900") else date.fromisoformat(text[:10])


def _open_lines(conn: sqlite3.Connection) -> list[_OpenLine]:
    customers = {
        r[0] for r in conn.execute("SELECT RTRIM(CT_Num) FROM F_COMPTET WHERE CT_Type = 0")
    }
    journals = dict(conn.execute("SELECT RTRIM(JO_Num), JO_Type FROM F_JOURNAUX").fetchall())
    query = (
        "SELECT RTRIM(CT_Num), RTRIM(CG_Num), RTRIM(JO_Num), JM_Date, EC_Jour, EC_Echeance,"
        " EC_Sens, CAST(EC_Montant AS TEXT), EC_Lettre, RTRIM(EC_Lettrage), EC_ANType"
        " FROM F_ECRITUREC"
    )
    result = []
    for ct, cg, jo, jm, jour, due, sens, amount, lettre, code, antype in conn.execute(query):
        # Lowercase lettering is provisional: the line is still open whatever EC_Lettre says.
        if ct not in customers or (lettre == 1 and not code.islower()):
            continue
        day = date.fromisoformat(jm[:10]) + timedelta(days=jour - 1)
        signed = Decimal(amount) if sens == 0 else -Decimal(amount)
        aging = _parse_day(due) or day
        result.append(_OpenLine(ct, cg, journals.get(jo, 0), day, aging, signed, antype))
    return result


def _bucket(days_late: int) -> str:
    for limit, name in ((0, "not_due"), (30, "d1_30"), (60, "d31_60"), (90, "d61_90")):
        if days_late <= limit:
            return name
    return "over_90"


def reference_aged_balance(
    path: Path, as_of: date, prefixes: Sequence[str] = DEFAULT_ACCOUNT_PREFIXES
) -> dict[str, dict[str, Decimal]]:
    """Aged balance per trimmed CT_Num, computed straight from a generated file.

    Rules: CT_Type 0 customers; general account starting with one of `prefixes`; not a
    situation journal (JO_Type 4); open (EC_Lettre = 0, or lowercase EC_Lettrage); dated on
    or after the latest opening-balance date (EC_ANType <> 0); +debit -credit; aging from
    EC_Echeance, or the accounting date when it is a placeholder. Buckets: not_due,
    d1_30, d31_60, d61_90, over_90. Exact Decimals (amounts read as text).
    """
    conn = sqlite3.connect(path)
    try:
        lines = _open_lines(conn)
        opening = conn.execute(
            "SELECT MAX(date(JM_Date, '+' || (EC_Jour - 1) || ' days'))"
            " FROM F_ECRITUREC WHERE EC_ANType <> 0"
        ).fetchone()[0]
    finally:
        conn.close()
    since = date.fromisoformat(opening) if opening else date.min
    balances: dict[str, dict[str, Decimal]] = {}
    for ln in lines:
        if ln.journal_type == 4 or ln.day < since or not ln.account.startswith(tuple(prefixes)):
            continue
        buckets = balances.setdefault(ln.customer, dict.fromkeys(BUCKETS, ZERO))
        buckets[_bucket((as_of - ln.aging_day).days)] += ln.signed
    return balances
