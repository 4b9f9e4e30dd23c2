"""Personal data (X3, B7), admins only; everything within the caller's tenant.

GET  /access-log                 who viewed which customer card, when (newest first, paged)
GET  /personal-data?email=       everything held about a person, as a JSON file; 404 if none
POST /personal-data/erasures     erase a contact's personal data ({email}); 404 if none held
GET  /personal-data/erasures     the erasure records (who, when, what kinds; never the data)
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from relance.api import list_columns
from relance.api.caller import caller
from relance.api.http import json_response
from relance.api.list_export import FormatQuery, ListFormat, export, list_answer
from relance.api.schemas import answers
from relance.domain.personal_data import ErasureRequest
from relance.services.errors import Invalid
from relance.services.wiring import personal_data_service

router = Router()
DEFAULT_DAYS = 30


class AccessLogQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    company: str | None = Field(default=None, max_length=32)
    customer: str | None = Field(default=None, max_length=69)
    user: str | None = Field(default=None, max_length=64)  # a user id
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=50, ge=1, le=200)
    format: ListFormat | None = None  # this page as a file (K5)

    @model_validator(mode="after")
    def _ordered(self) -> AccessLogQuery:
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("from must not be after to")
        return self


class PersonQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CardView(BaseModel, defer_build=True):
    viewed_at: str
    user_id: str
    company: str
    customer: str


class AccessLogPage(BaseModel, defer_build=True):
    views: list[CardView]
    next: str | None  # the cursor of the next page; None on the last


class HeldItem(BaseModel, defer_build=True):
    kind: str  # customer, contact, manual_contact, sent_log, suppression, user
    source: str  # sage, hand-entered, dispatch, deliverability, users
    company: str | None
    customer: str | None
    fields: dict[str, Any]


class PersonalDataFile(BaseModel, defer_build=True):
    email: str
    exported_at: str
    items: list[HeldItem]


class ErasureRecord(BaseModel, defer_build=True):
    erasure_id: str
    at: str
    by: str  # a user id, or "retention"
    reason: str  # request, retention
    items: dict[str, int]  # how many items of each kind were erased
    company: str | None = None  # the retention run's: the customer whose contacts went
    customer: str | None = None


class ErasureList(BaseModel, defer_build=True):
    erasures: list[ErasureRecord]


def _params() -> dict[str, str]:
    return dict(router.current_event.query_string_parameters or {})


# No return annotation on the lists: a file's bytes must not go through pydantic.
@router.get("/access-log", responses=list_answer(AccessLogPage, "A page of card views"))
def access_log(query: Annotated[AccessLogQuery, Query()]):
    me = caller(router)
    params = AccessLogQuery.model_validate(_params())
    to = params.to or datetime.now(UTC).date()
    start = datetime.combine(params.from_ or to - timedelta(days=DEFAULT_DAYS), time(), UTC)
    end = datetime.combine(to + timedelta(days=1), time(), UTC)
    try:
        page = personal_data_service().views(
            me, start, end, company=params.company, customer=params.customer,
            user_id=params.user, after=params.cursor, limit=params.limit,
        )  # fmt: skip
    except ValueError:
        raise Invalid(
            "bad_cursor", "This cursor is not valid.", "Ce curseur n'est pas valide.",
            field="cursor",
        ) from None  # fmt: skip
    if params.format:
        return export(me, page["views"], params.format, **list_columns.ACCESS_LOG)
    return json_response(200, page)


@router.get("/personal-data", responses=answers(PersonalDataFile))
def export_person(query: Annotated[PersonQuery, Query()]):
    me = caller(router)
    params = PersonQuery.model_validate(_params())
    found = personal_data_service().export(me, params.email, datetime.now(UTC))
    return Response(
        status_code=200,
        content_type="application/json",
        body=json.dumps(found, ensure_ascii=False, indent=1, default=str),
        headers={"Content-Disposition": 'attachment; filename="personal-data.json"'},
    )


@router.post("/personal-data/erasures", responses=answers(ErasureRecord, 201, "Erased"))
def erase_person(body: Annotated[ErasureRequest, Body()]) -> Any:
    me = caller(router)
    return json_response(201, personal_data_service().erase(me, body.email, datetime.now(UTC)))


@router.get("/personal-data/erasures", responses=list_answer(ErasureList, "The erasures"))
def list_erasures(query: Annotated[FormatQuery, Query()]):
    me = caller(router)
    erasures = personal_data_service().erasures(me)
    if query.format:
        return export(me, erasures, query.format, **list_columns.ERASURES)
    return json_response(200, {"erasures": erasures})
