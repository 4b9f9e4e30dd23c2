"""What a tenant can tune about the extraction (stored with the tenant, copied to the relay)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Account prefixes go into LIKE patterns: letters and digits only, so nothing needs escaping.
AccountPrefix = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{1,13}$")
]


class SyncSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # General accounts whose customer lines are receivables: 411 trade receivables,
    # 416 doubtful debts. 4191 (advances received) is left out on purpose.
    include_accounts: list[AccountPrefix] = Field(default=["411", "416"], min_length=1)
    exclude_accounts: list[AccountPrefix] = Field(default_factory=list)
    # Where the invoice number lives: EC_RefPiece (falling back to EC_Piece when blank),
    # or EC_Piece for companies that key the invoice number as the voucher number.
    invoice_number_column: Literal["EC_Piece", "EC_RefPiece"] = "EC_RefPiece"
    contacts_enabled: bool = True
