"""What users add to a customer and its invoices by hand (V3 flag, V10, V12, V13).

Free fields are defined by the tenant's admin (up to 10 on customers, 3 on invoices);
their values are checked against those definitions. Manual contacts are kept apart from
Sage's contacts: a sync never touches them. Pure.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_CUSTOMER_FIELDS = 10
MAX_ENTRY_FIELDS = 3
# bool first: JSON true stays a yes/no, not 1; a JSON decimal is kept exactly (no float).
FieldValue = bool | int | Decimal | str | None


class FieldDef(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    key: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    label_fr: str = Field(min_length=1, max_length=80)
    label_en: str = Field(min_length=1, max_length=80)
    type: Literal["text", "number", "date", "choice", "yes_no"] = "text"
    choices: list[str] = Field(default_factory=list, max_length=50)


def _unique(defs: list[FieldDef]) -> list[FieldDef]:
    keys = [d.key for d in defs]
    if len(set(keys)) != len(keys):
        raise ValueError("field keys must be unique")
    for d in defs:
        if d.type == "choice" and not d.choices:
            raise ValueError(f"field {d.key}: a choice field needs its choices")
    return defs


class FieldDefs(BaseModel):
    """The tenant's free fields (V12)."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    customer_fields: list[FieldDef] = Field(default_factory=list, max_length=MAX_CUSTOMER_FIELDS)
    entry_fields: list[FieldDef] = Field(default_factory=list, max_length=MAX_ENTRY_FIELDS)
    version: int = Field(default=0, ge=0)

    _check_customer = field_validator("customer_fields")(_unique)
    _check_entry = field_validator("entry_fields")(_unique)


def field_errors(defs: list[FieldDef], values: dict[str, FieldValue]) -> dict[str, str]:
    """What is wrong with some field values, by field key (empty when all is well)."""
    by_key = {d.key: d for d in defs}
    errors: dict[str, str] = {}
    for key, value in values.items():
        spec = by_key.get(key)
        if spec is None:
            errors[key] = "unknown field"
        elif value is None or value == "":
            continue
        elif spec.type == "number":
            try:
                Decimal(str(value))
            except InvalidOperation:
                errors[key] = "not a number"
        elif spec.type == "date":
            try:
                date.fromisoformat(str(value))
            except ValueError:
                errors[key] = "not a date (YYYY-MM-DD)"
        elif spec.type == "choice" and value not in spec.choices:
            errors[key] = f"not one of {', '.join(spec.choices)}"
        elif spec.type == "yes_no" and not isinstance(value, bool):
            errors[key] = "not true or false"
        elif spec.type == "text" and len(str(value)) > 500:
            errors[key] = "longer than 500 characters"
    return errors


class ManualContact(BaseModel):
    """A contact entered on the card (V13), beside Sage's own."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    name: str = Field(default="", max_length=120)
    role: str = Field(default="", max_length=80)
    email: str = Field(default="", max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str = Field(default="", max_length=40, pattern=r"^[0-9+ ().\-]*$")
    note: str = Field(default="", max_length=500)

    @field_validator("name")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()


class Details(BaseModel):
    """A customer's hand-kept details: the watch flag, manual contacts, free fields."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    flagged: bool = False
    flag_note: str = Field(default="", max_length=500)
    contacts: list[ManualContact] = Field(default_factory=list, max_length=20)
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    version: int = Field(default=0, ge=0)  # the version read; 0 when there was none


class ItemNote(BaseModel):
    """One invoice's hand-kept data: its repositioned payment date (V10), entry fields."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    expected_date: date | None = None
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    version: int = Field(default=0, ge=0)
