"""The Cognito user pool as Relance's sign-in directory: the only place cognito-idp is called.

DynamoDB (store/users.py) is the source of truth for users; the pool only mirrors what a
token must carry. The Relance user id is the Cognito `sub` (decision 16): the pool signs in
by email (email is the username attribute), so Cognito names each user by a UUID that is
also its `sub`, and identity.py reads `sub`. A user therefore gets its sign-in before it
is stored (`reserve`), and every later change is mirrored by `sync_user`, which applies
the whole stored state and may be called any number of times.

What a token carries, set here and nowhere else:
- `email` (verified: the admin typed it; the invitation goes there),
- `custom:tenant_id`, set once at `reserve` (immutable in the pool),
- `custom:role` and membership of the group of the same name (admin / user / viewer),
- enabled while the user is active, disabled otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from relance.auth.identity import ROLE_CLAIM, TENANT_CLAIM
from relance.domain.users import User

# One group per role, named as the role (infra/relance_infra/constructs/auth.py makes them).
ROLE_GROUPS = ("admin", "user", "viewer")

# Every cognito-idp action this module calls: the API function is granted exactly these,
# on its user pool only (infra/relance_infra/constructs/api.py).
IAM_ACTIONS = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminUpdateUserAttributes",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminDisableUser",
)


class DirectoryError(Exception):
    """The pool could not be brought to the wanted state. `reason`: missing (no sign-in
    with this id), other_tenant (the email or id signs in to another tenant),
    email_in_use (another sign-in has this email)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class SignIn:
    """A Cognito user as this module reads it."""

    user_id: str  # the `sub`, which is also the username in an email-username pool
    attributes: dict[str, str]
    enabled: bool
    status: str
    groups: frozenset[str] = field(default_factory=frozenset)

    @property
    def tenant(self) -> str:
        return self.attributes.get(TENANT_CLAIM, "")


def cognito_client() -> Any:
    # Short timeouts: a slow pool must not eat the API's 29 s; standard retries back off on
    # Cognito's per-category request limits. The endpoint comes from the environment
    # (AWS_ENDPOINT_URL, moto locally), never from code.
    return boto3.client(
        "cognito-idp",
        config=Config(
            retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=3, read_timeout=5
        ),
    )


class CognitoDirectory:
    def __init__(self, user_pool_id: str, client: Any | None = None) -> None:
        self.pool = user_pool_id
        self.client = client or cognito_client()

    # -- reads ---------------------------------------------------------------------------
    def get(self, username: str, *, groups: bool = False) -> SignIn | None:
        """The sign-in named by its sub or its email, or None."""
        try:
            answer = self.client.admin_get_user(UserPoolId=self.pool, Username=username)
        except ClientError as err:
            if _code(err) == "UserNotFoundException":
                return None
            raise
        attributes = {a["Name"]: a["Value"] for a in answer.get("UserAttributes", [])}
        user_id = attributes.get("sub") or answer["Username"]
        return SignIn(
            user_id=user_id,
            attributes=attributes,
            enabled=bool(answer.get("Enabled", True)),
            status=str(answer.get("UserStatus", "")),
            groups=frozenset(self._groups(user_id)) if groups else frozenset(),
        )

    # -- writes --------------------------------------------------------------------------
    def reserve(self, tenant: str, email: str) -> str:
        """The sub of the sign-in for `email` in `tenant`, created (and invited) if new.

        Done before the user is stored, as the sub becomes its Relance id. The new sign-in
        has the tenant but no role yet, so until `sync_user` runs after the store write its
        tokens are refused (identity.py needs a role): a store write that then fails leaves
        nothing usable behind. A retry finds the same sign-in and returns the same sub.
        """
        try:
            answer = self.client.admin_create_user(
                UserPoolId=self.pool,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": TENANT_CLAIM, "Value": tenant},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )
        except ClientError as err:
            if _code(err) != "UsernameExistsException":
                raise
            existing = self.get(email)
            if existing is None:  # deleted between the two calls: let the caller retry
                raise DirectoryError("missing", email) from err
            if existing.tenant != tenant:
                # One pool, email sign-in: an address signs in to one tenant only. Never
                # touch the other tenant's user.
                raise DirectoryError("other_tenant", email) from err
            return existing.user_id
        attributes = {a["Name"]: a["Value"] for a in answer["User"].get("Attributes", [])}
        return str(attributes.get("sub") or answer["User"]["Username"])

    def sync_user(self, tenant: str, user: User) -> None:
        """Make the pool say what `user` (as stored) says. Idempotent: only what differs is
        written, so a retry, a resync or the next edit repairs a half-applied change.

        A deactivation is applied first and an activation last, so a failure half-way
        never leaves an enabled sign-in with the old claims.
        """
        current = self.get(user.user_id, groups=True)
        if current is None:
            raise DirectoryError("missing", user.user_id)
        if current.tenant != tenant:
            raise DirectoryError("other_tenant", user.user_id)
        if not user.active and current.enabled:
            self._call("admin_disable_user", Username=current.user_id)
        wanted = {
            "email": user.email,
            "email_verified": "true",
            "name": user.display_name,
            ROLE_CLAIM: user.role,
        }
        changed = [
            {"Name": name, "Value": value}
            for name, value in wanted.items()
            if current.attributes.get(name) != value
        ]
        if changed:
            try:
                self._call(
                    "admin_update_user_attributes",
                    Username=current.user_id,
                    UserAttributes=changed,
                )
            except ClientError as err:
                if _code(err) == "AliasExistsException":
                    raise DirectoryError("email_in_use", user.email) from err
                raise
        # Into the new group before out of the old ones: never in no role group.
        if user.role not in current.groups:
            self._call("admin_add_user_to_group", Username=current.user_id, GroupName=user.role)
        for group in sorted(current.groups & set(ROLE_GROUPS) - {user.role}):
            self._call("admin_remove_user_from_group", Username=current.user_id, GroupName=group)
        if user.active and not current.enabled:
            self._call("admin_enable_user", Username=current.user_id)

    # -- helpers -------------------------------------------------------------------------
    def _groups(self, username: str) -> Iterator[str]:
        request: dict[str, Any] = {"UserPoolId": self.pool, "Username": username}
        while True:
            page = self.client.admin_list_groups_for_user(**request)
            yield from (group["GroupName"] for group in page.get("Groups", []))
            if not page.get("NextToken"):
                return
            request["NextToken"] = page["NextToken"]

    def _call(self, operation: str, **params: Any) -> None:
        getattr(self.client, operation)(UserPoolId=self.pool, **params)


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))
