"""Display settings (V9): language, time zone, date and currency formats of the caller.

GET /me/settings   anyone signed in: its own settings (defaults, version 0, until saved)
PUT /me/settings   anyone signed in, viewers too (their own preferences): every setting
                   and the version read; 409 when it changed meanwhile
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from relance.api.caller import caller
from relance.api.http import json_response
from relance.api.schemas import answers
from relance.domain.display import DisplaySettings, DisplaySettingsBody
from relance.services.wiring import settings_service

router = Router()


@router.get("/me/settings", responses=answers(DisplaySettings))
def get_settings() -> Any:
    me = caller(router)
    return json_response(200, settings_service().get(me).model_dump(mode="json"))


@router.put("/me/settings", responses=answers(DisplaySettings))
def put_settings(body: Annotated[DisplaySettingsBody, Body()]) -> Any:
    me = caller(router)
    return json_response(200, settings_service().put(me, body).model_dump(mode="json"))
