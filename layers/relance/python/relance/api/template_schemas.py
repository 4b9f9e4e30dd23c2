"""What the template, company-info and sent-reminder routes take and answer (C12, C16).

Bodies are declared on the routes (Powertools validates them and writes the OpenAPI
document); answers are these models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from relance.domain.dunning.scenarios import Channel
from relance.domain.sent_reminders import SentReminder
from relance.domain.templates import CompanyInfo, Language, Template
from relance.domain.templates.context import ExampleKind
from relance.domain.templates.model import MAX_BODY, MAX_SUBJECT

Source = Literal["tenant", "default"]


# -- templates ------------------------------------------------------------------------------
class TemplateAnswer(Template):
    """A template in force, and whose it is: the tenant's own, or the default behind it."""

    source: Source


class TemplateList(BaseModel):
    templates: list[TemplateAnswer]


class TemplateBody(BaseModel):
    """PUT /templates/{id}/{language}/{channel}: the whole template, and the version of
    it that was read (0: the tenant has none of its own there yet)."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(default="", max_length=MAX_SUBJECT)
    body: str = Field(min_length=1, max_length=MAX_BODY)
    version: int = Field(ge=0)


class PreviewBody(BaseModel):
    """A template as it stands in the editor, not saved; `kind`: which documented example
    to render it with (the step's own by default)."""

    model_config = ConfigDict(extra="forbid")

    template_id: str = Field(default="preview", min_length=1, max_length=80)
    language: Language = "fr"
    channel: Channel = "email"
    subject: str = Field(default="", max_length=MAX_SUBJECT)
    body: str = Field(min_length=1, max_length=MAX_BODY)
    kind: ExampleKind | None = None


class PreviewAnswer(BaseModel):
    subject: str
    html: str
    text: str


class ProblemAnswer(BaseModel):
    part: Literal["subject", "body"]
    line: int | None
    reason: str
    code: str


class VariableDoc(BaseModel):
    name: str
    type: str
    description: str
    example: Any = None


class BlockDoc(BaseModel):
    call: str
    description: str


class VariablesAnswer(BaseModel):
    language: Language
    variables: list[VariableDoc]
    blocks: list[BlockDoc]


# -- company info ---------------------------------------------------------------------------
class CompanyInfoBody(CompanyInfo):
    """PUT /settings/company: every field (a PUT replaces them all) and the version read."""

    version: int = Field(ge=0)


# -- sent reminders (C16) -------------------------------------------------------------------
class SentReminderRow(SentReminder):
    display: dict[str, Any] = Field(default_factory=dict)  # amount and time, for the caller


class SentReminderPage(BaseModel):
    reminders: list[SentReminderRow]
    next_cursor: str | None = None  # give it as `cursor` for the next page; None: the last
