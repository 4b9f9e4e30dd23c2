"""Task lists (C4), completing manual actions, alerts (C13), the dry run (B9), mass runs
(C5) and the history of runs. See services/worklist.py for who may do what."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from relance.api import list_columns
from relance.api.caller import caller
from relance.api.customer import writable_customer
from relance.api.http import json_response
from relance.api.list_export import FormatQuery, ListFormat, export, list_answer
from relance.api.schemas import answers
from relance.domain.dunning.scenarios import StepId
from relance.domain.dunning_config import NewOverride
from relance.services.errors import Conflict, NotFound
from relance.services.wiring import (
    action_document_service,
    call_sheet_service,
    context_service,
    dunning_config_service,
    followup_service,
    nightly_service,
    portfolio_service,
    worklist_service,
)
from relance.services.worklist import Completion, Criteria

router = Router()


class TaskQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee: str | None = None  # a user id; "_" the unassigned pool (admins)
    status: str | None = None  # to_do, done, skipped
    format: ListFormat | None = None  # the same tasks as a file (K5)


class AlertQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company: str | None = None
    format: ListFormat | None = None


class Listing(BaseModel):
    model_config = ConfigDict(extra="allow")

    items: list[dict[str, Any]]


class RunAnswer(BaseModel):
    model_config = ConfigDict(extra="allow")

    as_of: str
    dry_run: bool
    actions: int
    amount: str
    alerts: int
    companies: list[dict[str, Any]]


# No return annotation on the lists: a file's bytes must not go through pydantic.
@router.get("/tasks", responses=list_answer(Listing, "The tasks"))
def list_tasks(query: Annotated[TaskQuery, Query()]):
    me = caller(router)
    scope = context_service().load(me).scope
    tasks = worklist_service().tasks(me, query.assignee, query.status, scope is not None)
    # Calls still to do carry their script and numbers (what the collector dials and says).
    today = nightly_service().today(me.tenant, datetime.now(UTC))
    tasks = call_sheet_service().attach(me.tenant, tasks, today)
    if query.format:
        return export(me, tasks, query.format, **list_columns.TASKS)
    return json_response(200, {"items": tasks})


@router.post(
    "/customers/<company>/<number>/actions/<action_id>/complete", responses=answers(Listing)
)
def complete_action(
    company: str, number: str, action_id: str, body: Annotated[Completion, Body()]
) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    done = worklist_service().complete_action(me, file, action_id, body, datetime.now(UTC))
    return json_response(200, {"items": [done]})


class DocumentLink(BaseModel):
    url: str
    content_type: str
    expires_at: str


@router.get(
    "/customers/<company>/<number>/actions/<action_id>/document",
    responses=answers(DocumentLink),
)
def action_document(company: str, number: str, action_id: str) -> Any:
    """The letter PDF or the email as sent of one action (`{as_of}_{step}`), as a link to
    S3 valid a few minutes; 404 when nothing was stored (a task, an action not sent yet)."""
    me = caller(router)
    scope = portfolio_service().scope(me)
    followup_service().customer_file(me, company, number, scope, write=False)  # 404 / 403
    link = action_document_service().link(me, company, number, action_id, datetime.now(UTC))
    return json_response(200, link)


@router.get("/alerts", responses=list_answer(Listing, "The alerts"))
def list_alerts(query: Annotated[AlertQuery, Query()]):
    me = caller(router)
    scope = context_service().load(me).scope
    alerts = worklist_service().alerts(me, query.company, scope)
    if query.format:
        return export(me, alerts, query.format, **list_columns.ALERTS)
    return json_response(200, {"items": alerts})


@router.get("/dunning/runs", responses=list_answer(Listing, "The dunning runs"))
def list_runs(query: Annotated[FormatQuery, Query()]):
    me = caller(router)
    runs = worklist_service().runs(me)
    if query.format:
        return export(me, runs, query.format, **list_columns.DUNNING_RUNS)
    return json_response(200, {"items": runs})


def _run(body: Criteria, *, dry_run: bool) -> Any:
    me = caller(router)
    if not dry_run:
        me.require("user")
    now = datetime.now(UTC)
    scope = context_service().load(me).scope
    as_of = nightly_service().today(me.tenant, now)
    answer = worklist_service().run(me, body, scope, as_of, now, dry_run=dry_run)
    return json_response(200, answer)


@router.post("/dunning/preview", responses=answers(RunAnswer))
def preview(body: Annotated[Criteria, Body()]) -> Any:
    """What tonight's run would do for these customers (all by default): nothing is written."""
    return _run(body, dry_run=True)


@router.post("/dunning/runs", responses=answers(RunAnswer))
def run_now(body: Annotated[Criteria, Body()]) -> Any:
    """Run today's reminders now for a selection of customers (mass reminders, C5)."""
    return _run(body, dry_run=False)


class ReminderBody(BaseModel):
    """C6: remind one customer (or one of its invoices) now, at a chosen step."""

    model_config = ConfigDict(extra="forbid")

    step: StepId
    entry: int | None = Field(default=None, ge=0)


@router.post("/customers/<company>/<number>/reminders", responses=answers(RunAnswer))
def remind_now(company: str, number: str, body: Annotated[ReminderBody, Body()]) -> Any:
    """An individual reminder: the step is forced for today (an override, C17) and the
    customer's run made now. It never goes back a level nor passes a stop, a dispute or a
    promise: then nothing is issued, the override is withdrawn, and the answer says why."""
    me = caller(router)
    me.require("user")
    now = datetime.now(UTC)
    scope = portfolio_service().scope(me)
    file = followup_service().customer_file(me, company, number, scope, write=True)
    as_of = nightly_service().today(me.tenant, now)
    override, _ = dunning_config_service().add_override(
        me, file, NewOverride(entry=body.entry, step=body.step, on=as_of), now
    )
    criteria = Criteria(company=company, customers=[number])
    answer = worklist_service().run(me, criteria, scope, as_of, now, dry_run=False)
    if answer["actions"] == 0:
        with suppress(NotFound):  # the run spent it (done today, or ignored): it is gone
            dunning_config_service().remove_override(me, file, override.override_id, now)
        alerts = worklist_service().alerts(me, company, scope)
        mine = [a for a in alerts if a["customer"] == number]
        raise Conflict(
            "nothing_to_send",
            f"No {body.step} could be issued for {number} today (a stop, a dispute, a promise, "
            "a pending task, a lower level or a minimum holds it back).",
            f"Aucune relance {body.step} ne peut partir aujourd'hui pour {number} (suspension, "
            "litige, promesse, tâche en attente, niveau inférieur ou minimum).",
            alerts=mine,
        )
    return json_response(201, answer)
