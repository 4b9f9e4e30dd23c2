"""Reminder templates (C12): one per template id, language and channel; a tenant's set.

A step of a scenario names a template id (`Step.template`: "prevenance", "relance_1"...).
The message it sends is the template with that id in the customer's language and for the
step's channel. A tenant edits its own templates; whatever it has not written comes from
the defaults (defaults.py), so a tenant with no template at all sends good French.

Channels and what a body is:
- email: HTML-ish Jinja (paragraphs, tables, strong...), autoescaped; the text part of the
  email is derived from it. `subject` is the email's subject (required).
- letter: plain paragraphs separated by blank lines; tables written as pipe tables (the
  block library writes them). `subject` is the letter's "Objet" line.
- phone, other: a call script (or instructions) for a collector's task, plain text like a
  letter; `subject` is the task's title.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from relance.domain.dunning.scenarios import Channel

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")
CHANNELS: tuple[Channel, ...] = ("email", "letter", "phone", "other")
MAX_BODY = 50_000  # characters of Jinja source
MAX_SUBJECT = 300
MAX_TEMPLATES = 300  # per tenant: 9 steps x 2 languages x 4 channels, and custom ids

# Where a step's channel has no template, the closest one that does, in this order: an
# email step may send a letter's text, a letter may print an email's; a call script may
# use the letter. Tried in the asked language first, then in the other one.
CHANNEL_FALLBACKS: dict[Channel, tuple[Channel, ...]] = {
    "email": ("email", "letter"),
    "letter": ("letter", "email"),
    "phone": ("phone", "other", "letter"),
    "other": ("other", "phone", "letter"),
}

TemplateKey = tuple[str, Language, Channel]


class Template(BaseModel):
    """One template. `version` counts saves (0: a default, never saved by the tenant)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    template_id: str = Field(min_length=1, max_length=80)  # as Step.template
    language: Language
    channel: Channel
    subject: str = Field(default="", max_length=MAX_SUBJECT)
    body: str = Field(min_length=1, max_length=MAX_BODY)
    version: int = Field(default=0, ge=0)

    @field_validator("template_id")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        if value != value.strip():
            raise ValueError("a template id has no leading or trailing space")
        return value

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value or "\r" in value:
            raise ValueError("the subject is one line")
        return value

    @model_validator(mode="after")
    def _subject_for_email(self) -> Template:
        if self.channel == "email" and not self.subject.strip():
            raise ValueError("an email template needs a subject")
        return self

    @property
    def key(self) -> TemplateKey:
        return (self.template_id, self.language, self.channel)

    @property
    def is_html(self) -> bool:
        return self.channel == "email"


class TemplateSet(BaseModel):
    """A tenant's own templates; everything else comes from the defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    templates: tuple[Template, ...] = Field(default=(), max_length=MAX_TEMPLATES)
    version: int = Field(default=0, ge=0)

    @field_validator("templates")
    @classmethod
    def _one_per_key(cls, templates: tuple[Template, ...]) -> tuple[Template, ...]:
        seen: set[TemplateKey] = set()
        for t in templates:
            if t.key in seen:
                raise ValueError(f"two templates for {'/'.join(t.key)}")
            seen.add(t.key)
        return templates

    def own(self, template_id: str, language: Language, channel: Channel) -> Template | None:
        """The tenant's template for exactly this key, if it wrote one."""
        for t in self.templates:
            if t.key == (template_id, language, channel):
                return t
        return None

    def exact(self, template_id: str, language: Language, channel: Channel) -> Template | None:
        """The tenant's template for this key, else the default one, else None."""
        from relance.domain.templates.defaults import default_template

        return self.own(template_id, language, channel) or default_template(
            template_id, language, channel
        )

    def resolve(self, template_id: str, language: Language, channel: Channel) -> Template | None:
        """The template a step sends: this language and channel, then the closest channel
        (CHANNEL_FALLBACKS), then the same in the other language. None: nothing at all
        under this id (a custom id nobody wrote): the dispatch raises an alert."""
        languages = (language, *(lang for lang in LANGUAGES if lang != language))
        for lang in languages:
            for ch in CHANNEL_FALLBACKS[channel]:
                found = self.exact(template_id, lang, ch)
                if found is not None:
                    return found
        return None

    def effective(self) -> list[Template]:
        """Every template in force: the tenant's, and the defaults it did not replace."""
        from relance.domain.templates.defaults import DEFAULT_TEMPLATES

        mine = {t.key for t in self.templates}
        return [*self.templates, *(t for t in DEFAULT_TEMPLATES if t.key not in mine)]

    def saved(self, template: Template) -> TemplateSet:
        """This set with `template` added or replacing the one with its key; the template
        gets the next version. Check it first (render.check)."""
        previous = self.own(*template.key)
        version = (previous.version if previous else 0) + 1
        stored = template.model_copy(update={"version": version})
        others = tuple(t for t in self.templates if t.key != template.key)
        return TemplateSet(templates=(*others, stored), version=self.version + 1)

    def removed(self, template_id: str, language: Language, channel: Channel) -> TemplateSet:
        """Back to the default for this key (or to nothing for a custom id)."""
        kept = tuple(t for t in self.templates if t.key != (template_id, language, channel))
        return TemplateSet(templates=kept, version=self.version + 1)

    def missing(
        self, needs: Iterable[tuple[str, Channel]], languages: Iterable[Language] = LANGUAGES
    ) -> list[TemplateKey]:
        """Of the (template id, channel) pairs a scenario uses, those with no template in
        some language even after fallbacks: check a scenario on save with it."""
        return [
            (template_id, lang, channel)
            for template_id, channel in needs
            for lang in languages
            if self.resolve(template_id, lang, channel) is None
        ]
