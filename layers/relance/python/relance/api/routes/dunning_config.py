"""The tenant's dunning configuration (issue 4) and what collectors set per customer.

Tenant settings (scenarios and profiles, the nightly run's hour, penalty rates) are read by
every role and saved by admins at the version they read. Stops, overrides and the profile
chosen by hand for a customer need the user role and, for a collector with a portfolio, a
customer of it (as the follow-up writes: routes/followup.py).
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
from relance.domain.dunning.profiles import DunningSettings
from relance.domain.dunning_config import (
    ChosenProfile,
    DunningSettingsBody,
    NewOverride,
    NewStop,
    OverrideRecord,
    PenaltyRates,
    PenaltyRatesBody,
    ProfileChoiceBody,
    RunSettings,
    RunSettingsAnswer,
    RunSettingsBody,
    StopRecord,
)
from relance.services.wiring import dunning_config_service

router = Router()
CUSTOMER = "/customers/<company>/<number>"


def _now() -> datetime:
    return datetime.now(UTC)


# -- tenant settings ---------------------------------------------------------------------
@router.get("/settings/dunning", responses=answers(DunningSettings))
def get_dunning_settings() -> Any:
    me = caller(router)
    settings = dunning_config_service().settings(me.tenant)
    return json_response(200, settings.model_dump(mode="json"))


@router.put("/settings/dunning", responses=answers(DunningSettings))
def put_dunning_settings(body: Annotated[DunningSettingsBody, Body()]) -> Any:
    me = caller(router)
    me.require("admin")
    saved = dunning_config_service().put_settings(me, body)
    return json_response(200, saved.model_dump(mode="json"))


@router.get("/settings/dunning-run", responses=answers(RunSettings))
def get_run_settings() -> Any:
    me = caller(router)
    run = dunning_config_service().run_settings(me.tenant)
    return json_response(200, run.model_dump(mode="json"))


@router.put("/settings/dunning-run", responses=answers(RunSettingsAnswer))
def put_run_settings(body: Annotated[RunSettingsBody, Body()]) -> Any:
    me = caller(router)
    me.require("admin")
    saved = dunning_config_service().put_run_settings(me, body)
    return json_response(200, saved.model_dump(mode="json"))


@router.get("/settings/penalty-rates", responses=answers(PenaltyRates))
def get_rates() -> Any:
    me = caller(router)
    return json_response(200, dunning_config_service().rates(me.tenant).model_dump(mode="json"))


@router.put("/settings/penalty-rates", responses=answers(PenaltyRates))
def put_rates(body: Annotated[PenaltyRatesBody, Body()]) -> Any:
    me = caller(router)
    me.require("admin")
    saved = dunning_config_service().put_rates(me, body)
    return json_response(200, saved.model_dump(mode="json"))


# -- per customer: stops (C15), overrides (C17), profile by hand (C3) ---------------------
@router.post(f"{CUSTOMER}/stops", responses=answers(StopRecord, 201, "Stopped"))
def add_stop(
    company: str,
    number: str,
    body: Annotated[NewStop, Body()],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    stop, is_new = dunning_config_service().add_stop(me, file, body, _now(), idempotency_key)
    return created(stop, is_new)


@router.delete(f"{CUSTOMER}/stops/<stop_id>", responses=answers(StopRecord, 200, "Lifted"))
def lift_stop(company: str, number: str, stop_id: str) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    lifted = dunning_config_service().lift_stop(me, file, stop_id, _now())
    return json_response(200, lifted.model_dump(mode="json"))


@router.post(f"{CUSTOMER}/overrides", responses=answers(OverrideRecord, 201, "Recorded"))
def add_override(
    company: str,
    number: str,
    body: Annotated[NewOverride, Body()],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    override, is_new = dunning_config_service().add_override(
        me, file, body, _now(), idempotency_key
    )
    return created(override, is_new)


@router.delete(
    f"{CUSTOMER}/overrides/<override_id>", responses=answers(OverrideRecord, 200, "Removed")
)
def remove_override(company: str, number: str, override_id: str) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    removed = dunning_config_service().remove_override(me, file, override_id, _now())
    return json_response(200, removed.model_dump(mode="json"))


@router.put(f"{CUSTOMER}/profile", responses=answers(ChosenProfile))
def choose_profile(company: str, number: str, body: Annotated[ProfileChoiceBody, Body()]) -> Any:
    me = caller(router)
    file = writable_customer(me, company, number)
    chosen = dunning_config_service().choose_profile(me, file, body, _now())
    return json_response(200, chosen.model_dump(mode="json"))
