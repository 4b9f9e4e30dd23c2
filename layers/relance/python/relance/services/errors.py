"""Errors a caller can act on, in English and French, with the HTTP status they map to."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400

    def __init__(self, code: str, message: str, message_fr: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_fr = message_fr
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "message_fr": self.message_fr,
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


class BadRequest(ServiceError):
    status = 400


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    status = 422


class Unavailable(ServiceError):
    """A service we depend on did not answer; nothing was written, the same request may be
    sent again."""

    status = 503
