"""Sync routes for users: ask for a sync, see past runs, read the aged-balance control."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict

from relance.api import list_columns
from relance.api.caller import caller
from relance.api.http import json_response
from relance.api.list_export import FormatQuery, export, list_answer
from relance.api.schemas import Controls, Runs, SyncRequest, answers
from relance.services.errors import NotFound
from relance.services.wiring import ingest_service

router = Router()


class SyncRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["full", "incremental"] = "incremental"


@router.post("/sync-requests", responses=answers(SyncRequest, 202, "Accepted"))
def request_sync(body: Annotated[SyncRequestBody, Body()]) -> Any:
    me = caller(router)
    me.require("user")
    request = ingest_service().request_sync(me.tenant, body.mode, me.user_id, datetime.now(UTC))
    return json_response(202, request)


# No return annotation: a file's bytes must not go through pydantic (api/list_export.py).
@router.get("/sync-runs", responses=list_answer(Runs, "The latest sync runs"))
def list_runs(query: Annotated[FormatQuery, Query()]):
    me = caller(router)
    runs = ingest_service().store.list_runs(me.tenant)
    if query.format:
        return export(me, runs, query.format, **list_columns.SYNC_RUNS)
    return json_response(200, {"runs": runs})


@router.get("/controls/aged-balance", responses=answers(Controls))
def aged_balance_control(company: Annotated[str | None, Query()] = None) -> Any:
    """The latest aged-balance control of each company (or of ?company=CODE)."""
    me = caller(router)
    store = ingest_service().store
    companies = store.list_companies(me.tenant)
    wanted = company
    if wanted:
        companies = [c for c in companies if c == wanted]
    controls = []
    for company in companies:
        latest = store.latest_control(me.tenant, company)
        if latest is not None:
            controls.append({"run_id": latest["run_id"], **latest["report"]})
    if wanted and not controls:
        raise NotFound(
            "no_control",
            f"No aged-balance control for company {wanted} yet: run a sync first.",
            f"Aucun contrôle de balance âgée pour {wanted} : lancez d'abord une synchronisation.",
        )
    return json_response(200, {"controls": controls})
