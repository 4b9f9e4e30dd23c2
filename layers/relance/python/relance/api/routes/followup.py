"""Recording the follow-up of a customer (V3 flag, V4, V5, V10-V13) and its settings.

Writes need the user role and, for a collector with a portfolio, a customer of it; the
tenant's lists (dispute reasons, free fields) are read by all and set by admins. The
role is checked before the body is read: a lower role learns nothing from a 422.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from relance.api.caller import caller
from relance.api.customer import IdempotencyKey, created, writable_customer
from relance.api.http import json_response
from relance.api.schemas import answers
from relance.domain.details import Details, FieldDefs, ItemNote
from relance.domain.followup import (
    Cancellation,
    Comment,
    Dispute,
    NewComment,
    NewDispute,
    NewPromise,
    Promise,
    ReasonList,
    Resolution,
)
from relance.services.errors import NotFound
from relance.services.wiring import followup_service

router = Router()
CUSTOMER = "/customers/<company>/<number>"


def _now() -> datetime:
    return datetime.now(UTC)


# -- tenant lists ------------------------------------------------------------------------
@router.get("/settings/dispute-reasons", responses=answers(ReasonList))
def get_reasons() -> Any:
    me = caller(router)
    return json_response(200, followup_service().reasons(me.tenant).model_dump(mode="json"))


@router.put("/settings/dispute-reasons", responses=answers(ReasonList))
def put_reasons(body: Annotated[ReasonList, Body()]) -> Any:
    me = caller(router)
    me.require("admin")
    saved = followup_service().put_reasons(me, body)
    return json_response(200, saved.model_dump(mode="json"))


@router.get("/settings/custom-fields", responses=answers(FieldDefs))
def get_field_defs() -> Any:
    me = caller(router)
    return json_response(200, followup_service().field_defs(me.tenant).model_dump(mode="json"))


@router.put("/settings/custom-fields", responses=answers(FieldDefs))
def put_field_defs(body: Annotated[FieldDefs, Body()]) -> Any:
    me = caller(router)
    me.require("admin")
    saved = followup_service().put_field_defs(me, body)
    return json_response(200, saved.model_dump(mode="json"))


# -- disputes (V4) -----------------------------------------------------------------------
@router.post(f"{CUSTOMER}/disputes", responses=answers(Dispute, 201, "Opened"))
def open_dispute(
    company: str,
    number: str,
    body: Annotated[NewDispute, Body()],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    dispute, is_new = followup_service().open_dispute(me, file, body, _now(), idempotency_key)
    return created(dispute, is_new)


@router.post(f"{CUSTOMER}/disputes/<dispute_id>/resolve", responses=answers(Dispute))
def resolve_dispute(
    company: str, number: str, dispute_id: str, body: Annotated[Resolution, Body()]
) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    resolved = followup_service().resolve_dispute(me, file, dispute_id, body, _now())
    return json_response(200, resolved.model_dump(mode="json"))


# -- promises (V5) -----------------------------------------------------------------------
@router.post(f"{CUSTOMER}/promises", responses=answers(Promise, 201, "Recorded"))
def make_promise(
    company: str,
    number: str,
    body: Annotated[NewPromise, Body()],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    promise, is_new = followup_service().make_promise(me, file, body, _now(), idempotency_key)
    return created(promise, is_new)


@router.post(f"{CUSTOMER}/promises/<promise_id>/cancel", responses=answers(Promise))
def cancel_promise(
    company: str, number: str, promise_id: str, body: Annotated[Cancellation, Body()]
) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    cancelled = followup_service().cancel_promise(me, file, promise_id, body, _now())
    return json_response(200, cancelled.model_dump(mode="json"))


# -- comments (V11), details (V3, V12, V13), invoice notes (V10, V12) --------------------
@router.post(f"{CUSTOMER}/comments", responses=answers(Comment, 201, "Added"))
def add_comment(
    company: str,
    number: str,
    body: Annotated[NewComment, Body()],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    comment, is_new = followup_service().add_comment(me, file, body, _now(), idempotency_key)
    return created(comment, is_new)


@router.put(f"{CUSTOMER}/details", responses=answers(Details))
def put_details(company: str, number: str, body: Annotated[Details, Body()]) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    saved = followup_service().put_details(me, file, body, _now())
    return json_response(200, saved.model_dump(mode="json"))


@router.put(f"{CUSTOMER}/items/<entry>", responses=answers(ItemNote))
def put_item_note(company: str, number: str, entry: str, body: Annotated[ItemNote, Body()]) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    saved = followup_service().put_item_note(me, file, _entry(entry), body, _now())
    return json_response(200, saved.model_dump(mode="json"))


def _entry(raw: str) -> int:
    if not raw.isdigit():
        raise NotFound(
            "unknown_item",
            f"'{raw}' is not an entry number.",
            f"« {raw} » n'est pas un numéro d'écriture.",
        )
    return int(raw)
