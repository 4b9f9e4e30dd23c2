"""Who a tenant's reminder emails come from (C1, C8): a tenant setting. Pure.

The dispatch reads it (services/dispatch.py, through TemplateStore.sender) and falls
back, field by field, on what is empty: the address on Relance's own verified sender, the
name on the company's legal name, the reply-to address on the company's email. SES sends
from an address only when its domain (or itself) is a verified identity of the account.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

SENDER_SETTING = "EMAIL_SENDER"  # its name among the tenant settings (T#{t}#SETTINGS)
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class EmailSender(BaseModel):
    """The sender setting; `version` counts saves (0: never saved)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str = Field(default="", max_length=254)
    name: str = Field(default="", max_length=100)
    reply_to: str = Field(default="", max_length=254)
    version: int = Field(default=0, ge=0)

    @field_validator("address", "reply_to")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(_EMAIL, value):
            raise ValueError("not an email address")
        return value

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        # It goes into the From header: a line break there would add headers of its own.
        if any(c in value for c in "\r\n\t\x00"):
            raise ValueError("the name is one line")
        return value.strip()


class EmailSenderBody(EmailSender):
    version: int = Field(ge=0)
