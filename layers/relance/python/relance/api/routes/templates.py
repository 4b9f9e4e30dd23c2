"""Reminder templates (C12) and the company details messages print.

Every role reads; admins write, at the version they read (409 when stale). A template is
checked before it is saved: any problem answers 422 with its part, line and reason, and
nothing is saved. The editor previews a template it has not saved with the documented
example values, and shows the variables and blocks in the caller's language.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from relance.api.caller import caller
from relance.api.http import json_response
from relance.api.schemas import answers
from relance.api.template_schemas import (
    CompanyInfoBody,
    PreviewAnswer,
    PreviewBody,
    TemplateAnswer,
    TemplateBody,
    TemplateList,
    VariablesAnswer,
)
from relance.domain.dunning.scenarios import Channel
from relance.domain.sender import EmailSender, EmailSenderBody
from relance.domain.templates import CompanyInfo, Language, Template
from relance.services.wiring import context_service, template_service

router = Router()
ONE = "/templates/<template_id>/<language>/<channel>"


class TemplateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: str | None = Field(default=None, min_length=1, max_length=80)
    language: Language | None = None
    channel: Channel | None = None


class Removed(BaseModel):
    removed: bool
    template: TemplateAnswer | None  # the default now in force, if there is one


@router.get("/templates", responses=answers(TemplateList))
def list_templates(query: Annotated[TemplateQuery, Query()]) -> Any:
    me = caller(router)
    # Unknown filters are refused, not ignored: a typo must not show every template.
    params = TemplateQuery.model_validate(dict(router.current_event.query_string_parameters or {}))
    found = template_service().in_force(
        me.tenant, params.template_id, params.language, params.channel
    )
    return json_response(200, {"templates": found})


@router.get("/templates/variables", responses=answers(VariablesAnswer))
def template_variables() -> Any:
    me = caller(router)
    language = context_service().load(me).settings.language
    return json_response(200, template_service().variables(language))


@router.post("/templates/preview", responses=answers(PreviewAnswer))
def preview_template(body: Annotated[PreviewBody, Body()]) -> Any:
    caller(router)  # any signed-in role: nothing is read nor written
    template = Template(
        template_id=body.template_id, language=body.language, channel=body.channel,
        subject=body.subject, body=body.body,
    )  # fmt: skip
    shown = template_service().preview(template, body.kind)
    return json_response(200, {"subject": shown.subject, "html": shown.html, "text": shown.text})


@router.get(ONE, responses=answers(TemplateAnswer))
def get_template(template_id: str, language: str, channel: str) -> Any:
    me = caller(router)
    return json_response(200, template_service().get(me.tenant, template_id, language, channel))


@router.put(ONE, responses=answers(TemplateAnswer))
def put_template(
    template_id: str, language: str, channel: str, body: Annotated[TemplateBody, Body()]
) -> Any:
    me = caller(router)
    me.require("admin")
    saved = template_service().put(
        me, template_id, language, channel, body.subject, body.body, body.version
    )
    return json_response(200, saved)


@router.delete(ONE, responses=answers(Removed))
def delete_template(template_id: str, language: str, channel: str) -> Any:
    me = caller(router)
    me.require("admin")
    return json_response(200, template_service().delete(me, template_id, language, channel))


# -- company details -------------------------------------------------------------------------
@router.get("/settings/company", responses=answers(CompanyInfo))
def get_company() -> Any:
    me = caller(router)
    return json_response(200, template_service().company(me.tenant).model_dump(mode="json"))


@router.put("/settings/company", responses=answers(CompanyInfo))
def put_company(body: Annotated[CompanyInfoBody, Body()]) -> Any:
    me = caller(router)
    me.require("admin")
    info = CompanyInfo.model_validate(body.model_dump(exclude={"version"}))
    saved = template_service().put_company(me, info, body.version)
    return json_response(200, saved.model_dump(mode="json"))


# -- the sender of emails -----------------------------------------------------------------------
@router.get("/settings/email-sender", responses=answers(EmailSender))
def get_email_sender() -> Any:
    me = caller(router)
    return json_response(200, template_service().sender(me.tenant).model_dump(mode="json"))


@router.put("/settings/email-sender", responses=answers(EmailSender))
def put_email_sender(body: Annotated[EmailSenderBody, Body()]) -> Any:
    me = caller(router)
    me.require("admin")
    sender = EmailSender.model_validate(body.model_dump(exclude={"version"}))
    saved = template_service().put_sender(me, sender, body.version)
    return json_response(200, saved.model_dump(mode="json"))
