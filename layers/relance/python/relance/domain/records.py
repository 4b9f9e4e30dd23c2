"""The Sage 100 records Relance keeps, cleaned: trimmed codes, real dates, signed Decimals.

These models are the contract between the relay (which builds them from ODBC rows) and
the ingest function (which validates them again and stores them). Pure: no I/O.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=69)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
CompanyCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{1,32}$")
]

EntityName = Literal[
    "customer",
    "contact",
    "rep",
    "payment_method",
    "currency",
    "journal",
    "ledger_line",
    "settled_line",
]


class _Record(BaseModel):
    """Base of every synced record: immutable, strict about unknown fields."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    company: CompanyCode

    def key(self) -> str:
        """Business key inside the company, used in DynamoDB keys and delete detection."""
        raise NotImplementedError


class Customer(_Record):
    entity: Literal["customer"] = "customer"
    number: Code  # CT_Num
    name: Text = ""  # CT_Intitule
    collective_account: Text = ""  # CG_NumPrinc
    quality: Text = ""
    sort_key: Text = ""  # CT_Classement
    contact_name: Text = ""  # CT_Contact
    address: Text = ""
    address_complement: Text = ""
    postal_code: Text = ""
    city: Text = ""
    region: Text = ""
    country: Text = ""
    siret: Text = ""
    vat_number: Text = ""
    ape: Text = ""
    phone: Text = ""
    fax: Text = ""
    email: Text = ""
    website: Text = ""
    credit_limit: Decimal = Decimal("0")  # CT_Encours
    insured_amount: Decimal = Decimal("0")  # CT_Assurance
    payer: Text = ""  # CT_NumPayeur when different from number, else ""
    risk_code: int | None = None  # N_Risque
    currency_index: int = 0  # N_Devise, 0 = accounting currency
    rep_number: int | None = None  # CO_No, None when 0
    dormant: bool = False  # CT_Sommeil
    no_reminder: bool = False  # CT_NotRappel
    no_penalty: bool = False  # CT_NotPenal
    created_on: date | None = None
    modified_at: datetime | None = None  # cbModification

    def key(self) -> str:
        return self.number


class Contact(_Record):
    entity: Literal["contact"] = "contact"
    customer: Code  # CT_Num
    number: int  # CT_No
    last_name: Text = ""
    first_name: Text = ""
    function: Text = ""
    civility: int | None = None
    service: int | None = None
    phone: Text = ""
    mobile: Text = ""
    fax: Text = ""
    email: Text = ""
    modified_at: datetime | None = None

    def key(self) -> str:
        return f"{self.customer}#{self.number}"


class Rep(_Record):
    entity: Literal["rep"] = "rep"
    number: int  # CO_No
    last_name: Text = ""
    first_name: Text = ""
    function: Text = ""
    email: Text = ""
    phone: Text = ""
    is_salesperson: bool = False  # CO_Vendeur
    is_collector: bool = False  # CO_ChargeRecouvr

    def key(self) -> str:
        return str(self.number)


class PaymentMethod(_Record):
    entity: Literal["payment_method"] = "payment_method"
    index: int  # cbIndice, what N_Reglement points at
    label: Text
    code: Text = ""

    def key(self) -> str:
        return str(self.index)


class Currency(_Record):
    entity: Literal["currency"] = "currency"
    index: int  # cbIndice, what N_Devise points at
    label: Text = ""
    iso_code: Text = ""
    symbol: Text = ""
    rate: Decimal | None = None

    def key(self) -> str:
        return str(self.index)


class Journal(_Record):
    entity: Literal["journal"] = "journal"
    code: Code  # JO_Num
    label: Text = ""
    type: int = 0  # JO_Type: 0 purchases, 1 sales, 2 treasury, 3 general, 4 situation

    def key(self) -> str:
        return self.code


class LedgerLine(_Record):
    """One open customer line of F_ECRITUREC. Amounts are signed: debit +, credit -."""

    entity: Literal["ledger_line"] = "ledger_line"
    entry_number: int = Field(ge=0)  # EC_No (key ranges in the store rely on digits only)
    journal: Code  # JO_Num
    accounting_date: date  # JM_Date + EC_Jour - 1
    piece: Text = ""  # EC_Piece
    invoice_number: Text = ""  # EC_Piece or EC_RefPiece, per the sync settings
    reference: Text = ""  # EC_Reference
    general_account: Code  # CG_Num
    customer: Code  # CT_Num
    label: Text = ""  # EC_Intitule
    payment_method_index: int | None = None  # N_Reglement
    due_date: date | None = None  # EC_Echeance, None for a placeholder date
    amount: Decimal  # accounting currency, signed from EC_Sens
    currency_index: int = 0  # N_Devise
    currency_amount: Decimal | None = None  # EC_Devise, signed; None when no foreign currency
    exchange_rate: Decimal | None = None  # EC_Parite
    lettering: Text = ""  # EC_Lettrage; lowercase = pre-lettered (partial, provisional)
    opening_balance: bool = False  # EC_ANType <> 0
    sage_reminder_level: int = 0  # EC_Rappel
    modified_at: datetime | None = None

    @property
    def pre_lettered(self) -> bool:
        return bool(self.lettering) and self.lettering.islower()

    @property
    def aging_date(self) -> date:
        """The date aging counts from: the due date, or the accounting date when none."""
        return self.due_date or self.accounting_date

    def key(self) -> str:
        return str(self.entry_number)


class SettledLine(LedgerLine):
    """A lettered (settled) customer line of the last 24 months: payment history only.

    Its own record kind so that nothing that reads open lines (aging, the control, the
    nightly run) ever sees it; the same fields, so the payment-history code reads both.
    """

    # A narrower Literal than the base's: the discriminator of its own record kind.
    entity: Literal["settled_line"] = "settled_line"  # type: ignore[assignment]


SyncRecord = Annotated[
    Customer | Contact | Rep | PaymentMethod | Currency | Journal | LedgerLine | SettledLine,
    Field(discriminator="entity"),
]

RECORD_TYPES: dict[str, type[_Record]] = {
    "customer": Customer,
    "contact": Contact,
    "rep": Rep,
    "payment_method": PaymentMethod,
    "currency": Currency,
    "journal": Journal,
    "ledger_line": LedgerLine,
    "settled_line": SettledLine,
}
