"""Local user tokens: the dev server signs and verifies RS256 JWTs shaped like Cognito's.

In AWS this module is not used: Cognito issues the tokens and API Gateway verifies them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from relance.auth.identity import ROLE_CLAIM, TENANT_CLAIM
from relance.services.errors import Unauthorized

ISSUER = "relance-local"
AUDIENCE = "relance-web"


class LocalKeys:
    """An RSA key pair kept in a git-ignored folder, made on first use."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        private_path = folder / "jwt-private.pem"
        if not private_path.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            private_path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        self.private_pem = private_path.read_bytes()
        private = serialization.load_pem_private_key(self.private_pem, password=None)
        self.public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def issue(
        self, *, tenant: str, role: str, user_id: str, email: str, now: datetime, hours: int = 12
    ) -> str:
        claims = {
            "sub": user_id,
            "email": email,
            TENANT_CLAIM: tenant,
            ROLE_CLAIM: role,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(hours=hours)).timestamp()),
        }
        return jwt.encode(claims, self.private_pem, algorithm="RS256")

    def verify(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self.public_pem, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized(
                "token_expired", "Your session has expired.", "Votre session a expiré."
            ) from None
        except jwt.InvalidTokenError:
            raise Unauthorized(
                "bad_token", "Invalid sign-in token.", "Jeton de connexion invalide."
            ) from None
        return claims
