"""Sage 100 rows -> Relance records. Pure: a row is a mapping of Sage column names.

Amount columns arrive already as Decimal (the dialect builds them from text); dates may
arrive as datetime or as text depending on the driver and the column's declared type.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from relance.domain.records import (
    Contact,
    Currency,
    Customer,
    Journal,
    LedgerLine,
    PaymentMethod,
    Rep,
    SettledLine,
)
from relance.sage.settings import SyncSettings

Row = Mapping[str, Any]
PLACEHOLDER_DATES = frozenset({date(1753, 1, 1), date(1900, 1, 1)})
ZERO = Decimal("0")


def text(value: object) -> str:
    """Fixed-width Sage text, trimmed; NULL -> ""."""
    return "" if value is None else str(value).strip()


def timestamp(value: object) -> datetime | None:
    """A Sage datetime; the placeholder 'empty' dates become None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime.combine(value, datetime.min.time())
    else:
        raw = str(value).strip()
        if not raw:
            return None
        result = datetime.fromisoformat(raw)
    return None if result.date() in PLACEHOLDER_DATES else result


def day(value: object) -> date | None:
    stamp = timestamp(value)
    return None if stamp is None else stamp.date()


def integer(value: object) -> int | None:
    if value is None or isinstance(value, int):  # bool is an int too
        return None if value is None else int(value)
    raw = str(value).strip()
    return int(raw) if raw else None


def flag(value: object) -> bool:
    """A smallint flag: 0 / NULL false, anything else true."""
    return bool(integer(value))


def signed(amount: Decimal | None, sens: object) -> Decimal:
    """EC_Montant is always positive; EC_Sens 1 (credit) makes it negative."""
    amount = amount if amount is not None else ZERO
    return -amount if integer(sens) == 1 else amount


def customer(company: str, row: Row) -> Customer:
    number = text(row["CT_Num"])
    payer = text(row["CT_NumPayeur"])
    rep = integer(row["CO_No"])
    return Customer(
        company=company,
        number=number,
        name=text(row["CT_Intitule"]),
        collective_account=text(row["CG_NumPrinc"]),
        quality=text(row["CT_Qualite"]),
        sort_key=text(row["CT_Classement"]),
        contact_name=text(row["CT_Contact"]),
        address=text(row["CT_Adresse"]),
        address_complement=text(row["CT_Complement"]),
        postal_code=text(row["CT_CodePostal"]),
        city=text(row["CT_Ville"]),
        region=text(row["CT_CodeRegion"]),
        country=text(row["CT_Pays"]),
        siret=text(row["CT_Siret"]),
        vat_number=text(row["CT_Identifiant"]),
        ape=text(row["CT_Ape"]),
        phone=text(row["CT_Telephone"]),
        fax=text(row["CT_Telecopie"]),
        email=text(row["CT_EMail"]),
        website=text(row["CT_Site"]),
        credit_limit=row["CT_Encours"] or ZERO,
        insured_amount=row["CT_Assurance"] or ZERO,
        # A customer who pays for itself is not a payer relationship.
        payer="" if payer == number else payer,
        risk_code=integer(row["N_Risque"]),
        currency_index=integer(row["N_Devise"]) or 0,
        rep_number=rep or None,  # CO_No 0 = no rep
        dormant=flag(row["CT_Sommeil"]),
        no_reminder=flag(row["CT_NotRappel"]),
        no_penalty=flag(row["CT_NotPenal"]),
        created_on=day(row["CT_DateCreate"]),
        modified_at=timestamp(row["cbModification"]),
    )


def contact(company: str, row: Row) -> Contact:
    return Contact(
        company=company,
        customer=text(row["CT_Num"]),
        number=int(row["CT_No"]),
        last_name=text(row["CT_Nom"]),
        first_name=text(row["CT_Prenom"]),
        function=text(row["CT_Fonction"]),
        civility=integer(row["CT_Civilite"]),
        service=integer(row["N_Service"]),
        phone=text(row["CT_Telephone"]),
        mobile=text(row["CT_TelPortable"]),
        fax=text(row["CT_Telecopie"]),
        email=text(row["CT_EMail"]),
        modified_at=timestamp(row["cbModification"]),
    )


def rep(company: str, row: Row) -> Rep:
    return Rep(
        company=company,
        number=int(row["CO_No"]),
        last_name=text(row["CO_Nom"]),
        first_name=text(row["CO_Prenom"]),
        function=text(row["CO_Fonction"]),
        email=text(row["CO_EMail"]),
        phone=text(row["CO_Telephone"]),
        is_salesperson=flag(row["CO_Vendeur"]),
        is_collector=flag(row["CO_ChargeRecouvr"]),
    )


def payment_method(company: str, row: Row) -> PaymentMethod:
    return PaymentMethod(
        company=company,
        index=int(row["cbIndice"]),
        label=text(row["R_Intitule"]),
        code=text(row["R_Code"]),
    )


def currency(company: str, row: Row) -> Currency:
    return Currency(
        company=company,
        index=int(row["cbIndice"]),
        label=text(row["D_Intitule"]),
        iso_code=text(row["D_CodeISO"]),
        symbol=text(row["D_Sigle"]),
        rate=row["D_Cours"] or None,
    )


def journal(company: str, row: Row) -> Journal:
    return Journal(
        company=company,
        code=text(row["JO_Num"]),
        label=text(row["JO_Intitule"]),
        type=integer(row["JO_Type"]) or 0,
    )


def invoice_number(row: Row, settings: SyncSettings) -> str:
    piece = text(row["EC_Piece"])
    if settings.invoice_number_column == "EC_Piece":
        return piece
    return text(row["EC_RefPiece"]) or piece


def ledger_line(company: str, row: Row, settings: SyncSettings) -> LedgerLine:
    accounting_date = day(row["accounting_date"])
    if accounting_date is None:
        raise ValueError(f"line {row['EC_No']}: no accounting date")
    currency_index = integer(row["N_Devise"]) or 0
    foreign = currency_index != 0
    return LedgerLine(
        company=company,
        entry_number=int(row["EC_No"]),
        journal=text(row["JO_Num"]),
        accounting_date=accounting_date,
        piece=text(row["EC_Piece"]),
        invoice_number=invoice_number(row, settings),
        reference=text(row["EC_Reference"]),
        general_account=text(row["CG_Num"]),
        customer=text(row["CT_Num"]),
        label=text(row["EC_Intitule"]),
        payment_method_index=integer(row["N_Reglement"]) or None,  # 0 = none
        due_date=day(row["EC_Echeance"]),
        amount=signed(row["EC_Montant"], row["EC_Sens"]),
        currency_index=currency_index,
        currency_amount=signed(row["EC_Devise"], row["EC_Sens"]) if foreign else None,
        exchange_rate=(row["EC_Parite"] or None) if foreign else None,
        lettering=text(row["EC_Lettrage"]),
        opening_balance=flag(row["EC_ANType"]),
        sage_reminder_level=integer(row["EC_Rappel"]) or 0,
        modified_at=timestamp(row["cbModification"]),
    )


def settled_line(company: str, row: Row, settings: SyncSettings) -> SettledLine:
    """A lettered line kept for payment history: read exactly as an open line is."""
    line = ledger_line(company, row, settings)
    return SettledLine.model_validate({**line.model_dump(), "entity": "settled_line"})
