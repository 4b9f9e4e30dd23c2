"""Customer portal links (K7): collectors create, list and revoke them, and read who used one.

Creating and revoking need the user role and, for a collector with a portfolio, a customer
of it; reading needs a customer the caller sees. The token is in the creation's answer
only (its SHA-256 is all that is stored). The tenant's setting (how long a link lives) is
read by all and set by admins.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel

from relance.api.caller import caller
from relance.api.customer import IdempotencyKey, writable_customer
from relance.api.http import json_response
from relance.api.schemas import answers
from relance.auth.identity import Identity
from relance.domain.portal import PortalLink, PortalSettings
from relance.services.followup import CustomerFile
from relance.services.wiring import followup_service, portal_links_service, portfolio_service

router = Router()
LINKS = "/customers/<company>/<number>/portal-links"


class LinkView(PortalLink):
    state: Literal["live", "expired", "revoked"]


class IssuedLinkView(LinkView):
    token: str
    url: str


class LinkList(BaseModel, defer_build=True):
    links: list[LinkView]


class Access(BaseModel, defer_build=True):
    link_id: str
    at: datetime
    what: str
    status: int
    ip_hash: str


class AccessList(BaseModel, defer_build=True):
    accesses: list[Access]


def _now() -> datetime:
    return datetime.now(UTC)


def _readable(me: Identity, company: str, number: str) -> CustomerFile:
    scope = portfolio_service().scope(me)
    return followup_service().customer_file(me, company, number, scope, write=False)


@router.get("/settings/portal", responses=answers(PortalSettings))
def get_settings() -> Any:
    me = caller(router)
    return json_response(200, portal_links_service().settings(me.tenant).model_dump())


@router.put("/settings/portal", responses=answers(PortalSettings))
def put_settings(body: Annotated[PortalSettings, Body()]) -> Any:
    me = caller(router)
    me.require("admin")
    return json_response(200, portal_links_service().put_settings(me, body).model_dump())


@router.post(LINKS, responses=answers(IssuedLinkView, 201, "Created: the token, shown once"))
def create_link(company: str, number: str, idempotency_key: IdempotencyKey = None) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    now = _now()
    issued, is_new = portal_links_service().create(me, file, now, idempotency_key)
    return json_response(201 if is_new else 200, issued.view(now))


@router.get(LINKS, responses=answers(LinkList))
def list_links(company: str, number: str) -> Any:
    me = caller(router)
    file = _readable(me, company, number)
    return json_response(200, {"links": portal_links_service().links(me, file, _now())})


@router.delete(f"{LINKS}/<link_id>", responses=answers(LinkView, 200, "Revoked"))
def revoke_link(company: str, number: str, link_id: str) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    return json_response(200, portal_links_service().revoke(me, file, link_id, _now()))


@router.get(f"{LINKS}/<link_id>/accesses", responses=answers(AccessList))
def link_accesses(company: str, number: str, link_id: str) -> Any:
    me = caller(router)
    file = _readable(me, company, number)
    accesses = portal_links_service().accesses(me, file, link_id)
    return json_response(200, {"accesses": accesses})
