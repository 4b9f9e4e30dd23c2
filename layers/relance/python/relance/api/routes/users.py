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
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from relance.api.caller import caller
from relance.api.http import json_response
from relance.domain.users import NewUser, UserPatch
from relance.services.wiring import user_service

router = Router()


def _body() -> Any:
    return router.current_event.json_body or {}


@router.get("/me")
def me() -> Any:
    return json_response(200, user_service().me(caller(router)))


@router.get("/users")
def list_users() -> Any:
    return json_response(200, {"users": user_service().list_users(caller(router))})


@router.post("/users")
def create_user() -> Any:
    who = caller(router)
    who.require("admin")  # before reading the body: a viewer learns nothing from a 422
    body = NewUser.model_validate(_body())
    return json_response(201, user_service().create(who, body, datetime.now(UTC)))


# Registered before /users/<user_id>, and Powertools tries static routes first anyway.
@router.get("/users/proposals")
def user_proposals() -> Any:
    return json_response(200, {"proposals": user_service().proposals(caller(router))})


@router.get("/users/<user_id>")
def get_user(user_id: str) -> Any:
    return json_response(200, user_service().get_user(caller(router), user_id))


@router.patch("/users/<user_id>")
def update_user(user_id: str) -> Any:
    who = caller(router)
    patch = UserPatch.model_validate(_body())
    return json_response(200, user_service().update(who, user_id, patch, datetime.now(UTC)))


@router.post("/users/<user_id>/deactivate")
def deactivate_user(user_id: str) -> Any:
    who = caller(router)
    return json_response(200, user_service().set_active(who, user_id, False, datetime.now(UTC)))


@router.post("/users/<user_id>/activate")
def activate_user(user_id: str) -> Any:
    who = caller(router)
    return json_response(200, user_service().set_active(who, user_id, True, datetime.now(UTC)))
