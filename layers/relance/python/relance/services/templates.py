"""The tenant's reminder templates and company info (C12), as the admin edits them.

Every role reads; admins write. A template is saved only when `check()` finds nothing
wrong with it (unknown variable, syntax, a render that fails on an example...): the admin
hears about it with the line and the reason on save, never the customer at 2 a.m.

Locking: the tenant's templates are one document (store/templates.py) but an admin edits
one template at a time, at the version of that template it read. Saving re-reads the
document, checks that template's version, and writes the document back at the version it
read; if another template of the same tenant was saved in between, it starts again (the
other save is kept), so two admins editing two different templates never see a 409.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from relance.auth.identity import Identity
from relance.domain.dunning.scenarios import Channel
from relance.domain.sender import EmailSender
from relance.domain.templates import (
    BLOCKS,
    VARIABLES,
    CompanyInfo,
    Language,
    Problem,
    Rendered,
    Template,
    TemplateSet,
    check,
    default_template,
    preview,
)
from relance.domain.templates.context import ExampleKind
from relance.domain.templates.model import CHANNELS, LANGUAGES
from relance.services.errors import Conflict, Invalid, NotFound
from relance.store.dynamo import ConflictError
from relance.store.templates import TemplateStore

# A DynamoDB item holds 400 KB; keep a margin for the attribute names and the keys.
MAX_SET_BYTES = 350_000
SAVE_ATTEMPTS = 5  # re-reads when another template of the tenant was saved meanwhile


def _stale(current: int) -> Conflict:
    return Conflict(
        "stale_version",
        "This template changed since you read it: reload and try again.",
        "Ce modèle a changé depuis votre lecture : rechargez puis recommencez.",
        current_version=current,
    )


def refused(problems: list[Problem]) -> Invalid:
    """422 listing what is wrong with a template, each with its part, line and reason."""
    first = problems[0]
    where = f"{first.part}, line {first.line}" if first.line else first.part
    where_fr = f"{'objet' if first.part == 'subject' else 'corps'}" + (
        f", ligne {first.line}" if first.line else ""
    )
    return Invalid(
        "invalid_template",
        f"The template cannot be used: {len(problems)} problem(s), first at {where}: "
        f"{first.reason}",
        f"Le modèle est inutilisable : {len(problems)} problème(s), le premier en {where_fr} "
        f": {first.reason}",
        problems=[p.public() for p in problems],
    )


def _key(language: str, channel: str) -> tuple[Language, Channel]:
    """The language and channel of a path, or a 404 naming what is unknown."""
    if language not in LANGUAGES:
        raise NotFound(
            "unknown_language",
            f"No templates in {language!r}: languages are {', '.join(LANGUAGES)}.",
            f"Aucun modèle en {language!r} : les langues sont {', '.join(LANGUAGES)}.",
            field="language",
        )
    if channel not in CHANNELS:
        raise NotFound(
            "unknown_channel",
            f"No channel {channel!r}: channels are {', '.join(CHANNELS)}.",
            f"Aucun canal {channel!r} : les canaux sont {', '.join(CHANNELS)}.",
            field="channel",
        )
    return language, channel


def answer(template: Template, own: bool) -> dict[str, Any]:
    return {**template.model_dump(mode="json"), "source": "tenant" if own else "default"}


class TemplateService:
    def __init__(self, store: TemplateStore) -> None:
        self.store = store

    # -- reads (every role) ----------------------------------------------------------------
    def in_force(
        self,
        tenant: str,
        template_id: str | None = None,
        language: str | None = None,
        channel: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every template in force (the tenant's and the defaults it did not replace),
        sorted by id, language and channel; filtered by any of them."""
        found = self.store.template_set(tenant)
        own = {t.key for t in found.templates}
        kept = [
            answer(t, t.key in own)
            for t in found.effective()
            if (template_id is None or t.template_id == template_id)
            and (language is None or t.language == language)
            and (channel is None or t.channel == channel)
        ]
        return sorted(kept, key=lambda t: (t["template_id"], t["language"], t["channel"]))

    def get(self, tenant: str, template_id: str, language: str, channel: str) -> dict[str, Any]:
        lang, ch = _key(language, channel)
        found = self.store.template_set(tenant)
        own = found.own(template_id, lang, ch)
        if own is not None:
            return answer(own, True)
        default = default_template(template_id, lang, ch)
        if default is None:
            raise NotFound(
                "unknown_template",
                f"No template {template_id}/{language}/{channel}, neither yours nor a default.",
                f"Aucun modèle {template_id}/{language}/{channel}, ni le vôtre ni par défaut.",
            )
        return answer(default, False)

    # -- writes (admins) -------------------------------------------------------------------
    def put(
        self,
        who: Identity,
        template_id: str,
        language: str,
        channel: str,
        subject: str,
        body: str,
        read_version: int,
    ) -> dict[str, Any]:
        """Check, then save the tenant's own template at `read_version` (0: it has none
        there yet). 422 with the problems (nothing saved), 409 when stale."""
        who.require("admin")
        lang, ch = _key(language, channel)
        template = Template(
            template_id=template_id, language=lang, channel=ch, subject=subject, body=body
        )
        problems = check(template)
        if problems:
            raise refused(problems)

        def change(current: TemplateSet) -> TemplateSet:
            own = current.own(*template.key)
            if (own.version if own else 0) != read_version:
                raise _stale(own.version if own else 0)
            return current.saved(template)

        saved = self._save(who.tenant, change)
        stored = saved.own(*template.key)
        assert stored is not None
        return answer(stored, True)

    def delete(
        self, who: Identity, template_id: str, language: str, channel: str
    ) -> dict[str, Any]:
        """Remove the tenant's own template: the default is in force again (answered), or
        nothing for an id without a default (answered 200 with no template)."""
        who.require("admin")
        lang, ch = _key(language, channel)

        def change(current: TemplateSet) -> TemplateSet:
            if current.own(template_id, lang, ch) is None:
                raise NotFound(
                    "no_own_template",
                    f"You have no template of your own for {template_id}/{language}/{channel}.",
                    f"Vous n'avez pas de modèle à vous pour {template_id}/{language}/{channel}.",
                )
            return current.removed(template_id, lang, ch)

        self._save(who.tenant, change)
        default = default_template(template_id, lang, ch)
        return {"removed": True, "template": answer(default, False) if default else None}

    def _save(self, tenant: str, change: Callable[[TemplateSet], TemplateSet]) -> TemplateSet:
        for _ in range(SAVE_ATTEMPTS):
            current = self.store.template_set(tenant)
            changed = change(current)
            stored = [t.model_dump(mode="json") for t in changed.templates]
            size = len(json.dumps(stored, ensure_ascii=False).encode())  # DynamoDB counts bytes
            if size > MAX_SET_BYTES:
                raise Invalid(
                    "templates_too_large",
                    "Your templates together are too large to be saved: shorten or remove some.",
                    "Vos modèles sont trop volumineux ensemble : raccourcissez-en ou supprimez-en.",
                    field="body",
                )
            try:
                self.store.save_set(tenant, changed, current.version)
                return changed
            except ConflictError:
                continue  # another template was saved meanwhile: read it and try again
        raise _stale(0)

    # -- preview and documentation ---------------------------------------------------------
    def preview(self, template: Template, kind: ExampleKind | None) -> Rendered:
        """The editor's live preview: the problems (422) or the rendered example."""
        problems = check(template)
        if problems:
            raise refused(problems)
        return preview(template, kind)

    @staticmethod
    def variables(language: Language) -> dict[str, Any]:
        return {
            "language": language,
            "variables": [
                {
                    "name": v.name,
                    "type": v.type,
                    "description": v.fr if language == "fr" else v.en,
                    "example": v.example,
                }
                for v in VARIABLES
            ],
            "blocks": [
                {"call": b.call, "description": b.fr if language == "fr" else b.en} for b in BLOCKS
            ],
        }

    # -- company info ----------------------------------------------------------------------
    def company(self, tenant: str) -> CompanyInfo:
        return self.store.company_info(tenant)

    def put_company(self, who: Identity, info: CompanyInfo, read_version: int) -> CompanyInfo:
        who.require("admin")
        if info.logo_key and not info.logo_key.startswith(f"{who.tenant}/"):
            # The dispatch prints only a tenant's own documents: say so now, not on paper.
            raise Invalid(
                "foreign_logo",
                "The logo must be one of your own documents.",
                "Le logo doit être l'un de vos propres documents.",
                field="logo_key",
            )
        try:
            self.store.save_company_info(who.tenant, info, read_version)
        except ConflictError:
            current = self.store.company_info(who.tenant).version
            raise Conflict(
                "stale_version",
                "The company details changed since you read them: reload and try again.",
                "Les informations de la société ont changé depuis votre lecture : rechargez "
                "puis recommencez.",
                current_version=current,
            ) from None
        return info.model_copy(update={"version": read_version + 1})

    # -- email sender ----------------------------------------------------------------------
    def sender(self, tenant: str) -> EmailSender:
        return self.store.sender(tenant)

    def put_sender(self, who: Identity, sender: EmailSender, read_version: int) -> EmailSender:
        who.require("admin")
        try:
            self.store.save_sender(who.tenant, sender, read_version)
        except ConflictError:
            raise Conflict(
                "stale_version",
                "The email sender changed since you read it: reload and try again.",
                "L'expéditeur des e-mails a changé depuis votre lecture : rechargez puis "
                "recommencez.",
                current_version=self.store.sender(who.tenant).version,
            ) from None
        return sender.model_copy(update={"version": read_version + 1})
