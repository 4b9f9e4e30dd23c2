"""Users and roles (K2, K8): the caller, the tenant's users, proposals from Sage reps.

Who may do what (the tenant is always the token's):
  GET  /me                          anyone signed in: its own record
  GET  /users                       admin
  POST /users                       admin
  GET  /users/proposals             admin
  GET  /users/{id}                  admin, or the user itself
  PATCH /users/{id}                 admin (any field), or the user itself (name, language)
  POST /users/{id}/deactivate       admin, never itself, never the last active admin
  POST /users/{id}/activate         admin
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from relance.api import list_columns
from relance.api.caller import caller
from relance.api.http import json_response
from relance.api.list_export import FormatQuery, export, list_answer
from relance.api.schemas import Me, Proposals, Users, answers
from relance.domain.users import NewUser, User, UserPatch
from relance.services.wiring import user_service

router = Router()


@router.get("/me", responses=answers(Me))
def me() -> Any:
    return json_response(200, user_service().me(caller(router)))


# No return annotation: a file's bytes must not go through pydantic (api/list_export.py).
@router.get("/users", responses=list_answer(Users, "The workspace's users"))
def list_users(query: Annotated[FormatQuery, Query()]):
    me = caller(router)
    users = user_service().list_users(me)
    if query.format:
        return export(me, users, query.format, **list_columns.USERS)
    return json_response(200, {"users": users})


@router.post("/users", responses=answers(User, 201, "Created"))
def create_user(body: Annotated[NewUser, Body()]) -> Any:
    who = caller(router)
    who.require("admin")
    return json_response(201, user_service().create(who, body, datetime.now(UTC)))


# Registered before /users/<user_id>, and Powertools tries static routes first anyway.
@router.get("/users/proposals", responses=answers(Proposals))
def user_proposals() -> Any:
    return json_response(200, {"proposals": user_service().proposals(caller(router))})


@router.get("/users/<user_id>", responses=answers(User))
def get_user(user_id: str) -> Any:
    return json_response(200, user_service().get_user(caller(router), user_id))


@router.patch("/users/<user_id>", responses=answers(User))
def update_user(user_id: str, patch: Annotated[UserPatch, Body()]) -> Any:
    who = caller(router)
    return json_response(200, user_service().update(who, user_id, patch, datetime.now(UTC)))


@router.post("/users/<user_id>/deactivate", responses=answers(User))
def deactivate_user(user_id: str) -> Any:
    who = caller(router)
    return json_response(200, user_service().set_active(who, user_id, False, datetime.now(UTC)))


@router.post("/users/<user_id>/activate", responses=answers(User))
def activate_user(user_id: str) -> Any:
    who = caller(router)
    return json_response(200, user_service().set_active(who, user_id, True, datetime.now(UTC)))
