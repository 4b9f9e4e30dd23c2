"""What the evaluation reads besides the scenario: items, history, stops, overrides.

The hot path works on `Item` tuples, not on LedgerLine models: the store can build them
straight from its rows (like aging.AgingFact), or `items_of` converts validated lines.
Stops and overrides are pydantic models (they come from users through the API); they are
few per customer and read once per customer, never per item.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

from relance.domain.details import ManualContact
from relance.domain.dunning.scenarios import StepId
from relance.domain.followup import Dispute, Promise
from relance.domain.records import Contact, Customer, LedgerLine

INVOICE, CREDIT_NOTE, PAYMENT = 0, 1, 2  # Item.kind


class Item(NamedTuple):
    """One open ledger line, as the evaluation needs it."""

    entry: int  # EC_No
    journal: str
    kind: int  # INVOICE (debit), CREDIT_NOTE (credit of a sales journal), PAYMENT (other credit)
    aging_date: date  # due date, or accounting date when none
    amount: Decimal  # signed, accounting currency
    lettering: str = ""  # the pre-lettering code (lowercase) when partly matched, else ""


def item_of(line: LedgerLine, sales_journals: Collection[str]) -> Item:
    """`sales_journals`: the journal codes of type 1 (sales), whose credits are credit notes."""
    if line.amount > 0:
        kind = INVOICE
    else:
        kind = CREDIT_NOTE if line.journal in sales_journals else PAYMENT
    lettering = line.lettering if line.pre_lettered else ""
    return Item(line.entry_number, line.journal, kind, line.aging_date, line.amount, lettering)


def items_of(lines: Iterable[LedgerLine], sales_journals: Collection[str]) -> list[Item]:
    return [item_of(line, sales_journals) for line in lines]


class Done(NamedTuple):
    """The last step done on an item: which, when, how many times in a row, and whether it
    is a manual task still waiting for a collector (the item does not move on meanwhile;
    `complete` in evaluate.py sets the date it was really done)."""

    step: StepId
    on: date
    times: int = 1
    pending: bool = False


History = Mapping[int, Done]  # entry number -> last step done


class Stop(BaseModel):
    """C15: no reminder for a customer (entry None) or one invoice, until `until`
    (inclusive; none: until lifted)."""

    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)

    stop_id: str = Field(min_length=1, max_length=64)
    entry: int | None = Field(default=None, ge=0)
    reason: str = Field(default="", max_length=500)
    until: date | None = None

    def active(self, as_of: date) -> bool:
        return self.until is None or as_of <= self.until


class Override(BaseModel):
    """C17: the next step of a customer (entry None) or one invoice, chosen by a person.

    From `on`: do `step` at the next run instead of waiting for the scenario's delay; with
    no step, only wait until `on` (postpone). Until `on` the item waits either way. It never
    goes back a level, nor repeats a step the scenario does not repeat, nor passes a stop,
    a dispute, a promise or a minimum. Spent once done; the evaluation reports spent ones."""

    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)

    override_id: str = Field(min_length=1, max_length=64)
    entry: int | None = Field(default=None, ge=0)
    step: StepId | None = None
    on: date

    @model_validator(mode="after")
    def _not_thanks(self) -> Override:
        if self.step == "T":
            raise ValueError("the thank-you follows a payment: it cannot be forced")
        return self


@dataclass(slots=True)
class CustomerCase:
    """Everything about one customer the evaluation reads. Customers that have history but
    no open item any more must be passed too: that is how payments are thanked."""

    customer: Customer
    items: Sequence[Item]
    history: History = field(default_factory=dict)
    stops: Sequence[Stop] = ()
    disputes: Sequence[Dispute] = ()
    promises: Sequence[Promise] = ()
    overrides: Sequence[Override] = ()
    contacts: Sequence[Contact] = ()
    manual_contacts: Sequence[ManualContact] = ()
    profile: str | None = None  # a profile chosen by hand for this customer (C3)
