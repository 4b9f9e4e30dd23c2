"""Who is calling: the tenant and role of a verified user token.

In AWS, API Gateway's Cognito authorizer has verified the JWT and passes its claims in
requestContext.authorizer.claims; locally the dev server verifies the same kind of JWT
(auth/tokens.py) and passes the claims the same way. Either way the tenant comes from
the verified token only, never from the path or the body.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from relance.services.errors import Forbidden, Unauthorized

Role = Literal["admin", "user", "viewer"]
TENANT_CLAIM = "custom:tenant_id"
ROLE_CLAIM = "custom:role"
_RANK = {"viewer": 0, "user": 1, "admin": 2}


class Identity(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    role: Role
    user_id: str
    email: str = ""

    def require(self, role: Role) -> None:
        """Forbidden unless this identity has at least the given role."""
        if _RANK[self.role] < _RANK[role]:
            raise Forbidden(
                "role_too_low",
                f"This action needs the {role} role; you are {self.role}.",
                f"Cette action demande le rôle {role} ; vous êtes {self.role}.",
            )


def identity_from_claims(claims: dict[str, Any] | None) -> Identity:
    claims = claims or {}
    try:
        return Identity(
            tenant=claims.get(TENANT_CLAIM, ""),
            role=claims.get(ROLE_CLAIM, ""),
            # The Cognito sub is the Relance user id (decision 16, store/directory.py).
            user_id=claims.get("sub", ""),
            email=claims.get("email", ""),
        )
    except ValidationError:
        raise Unauthorized(
            "no_identity",
            "Sign in first: the token has no tenant or role.",
            "Connectez-vous : le jeton ne porte ni client ni rôle.",
        ) from None
