"""Users kept in step with their Cognito sign-ins (K8), against moto's cognito-idp over HTTP.

The pool is made like the CDK app's (email sign-in, custom tenant_id and role, one group per
role); the service writes users to DynamoDB Local and mirrors them through
relance.store.directory. Every assertion reads what Cognito answers (AdminGetUser,
AdminListGroupsForUser, ListUsers), never which calls were made.
"""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from relance.auth.identity import ROLE_CLAIM, TENANT_CLAIM, Identity, identity_from_claims
from relance.domain.users import NewUser, User, UserPatch
from relance.services.errors import Conflict, Unavailable
from relance.services.users import UserService
from relance.store.directory import ROLE_GROUPS, CognitoDirectory
from relance.store.users import UserStore

pytestmark = pytest.mark.integration
_emails = itertools.count()


@pytest.fixture(scope="module")
def cognito(aws: object) -> Any:
    return boto3.client("cognito-idp")  # moto, through AWS_ENDPOINT_URL


@pytest.fixture(scope="module")
def pool_id(cognito: Any) -> str:
    """A pool shaped like infra/relance_infra/constructs/auth.py's."""
    pool = cognito.create_user_pool(
        PoolName=f"relance-test-{secrets.token_hex(4)}",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        Schema=[
            {
                "Name": "tenant_id",
                "AttributeDataType": "String",
                "Mutable": False,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
            },
            {
                "Name": "role",
                "AttributeDataType": "String",
                "Mutable": True,
                "StringAttributeConstraints": {"MinLength": "4", "MaxLength": "16"},
            },
        ],
    )["UserPool"]
    for precedence, group in enumerate(ROLE_GROUPS):
        cognito.create_group(UserPoolId=pool["Id"], GroupName=group, Precedence=precedence)
    return str(pool["Id"])


class FlakyDirectory(CognitoDirectory):
    """The real adapter, whose next `failures` syncs fail as if Cognito were down."""

    failures = 0

    def sync_user(self, tenant: str, user: User) -> None:
        if self.failures:
            self.failures -= 1
            raise self.client.exceptions.TooManyRequestsException(
                {"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}},
                "AdminGetUser",
            )
        super().sync_user(tenant, user)


@pytest.fixture(scope="module")
def directory(pool_id: str) -> FlakyDirectory:
    return FlakyDirectory(pool_id)


@pytest.fixture
def service(store: Any, directory: FlakyDirectory) -> UserService:
    directory.failures = 0
    return UserService(UserStore(store.table, store.client), store, directory)


def admin_of(tenant: str) -> Identity:
    # The tenant's first admin: Cognito knows it, Relance does not store it.
    return Identity(tenant=tenant, role="admin", user_id="boot-admin")


def new_user(role: str = "user", email: str | None = None) -> NewUser:
    email = email or f"personne.{next(_emails)}.{secrets.token_hex(3)}@exemple.fr"
    return NewUser.model_validate({"email": email, "display_name": "Julie Martin", "role": role})


def now() -> datetime:
    return datetime.now(UTC)


def sign_in(cognito: Any, pool_id: str, username: str) -> dict[str, Any]:
    """What Cognito says of a user: attributes, enabled, status and role groups."""
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool_id, Username=username)
    return {
        "username": user["Username"],
        "attributes": {a["Name"]: a["Value"] for a in user["UserAttributes"]},
        "enabled": user["Enabled"],
        "status": user["UserStatus"],
        "groups": sorted(g["GroupName"] for g in groups["Groups"]),
    }


def sign_ins_with_email(cognito: Any, pool_id: str, email: str) -> int:
    found = cognito.list_users(UserPoolId=pool_id, Filter=f'email = "{email}"')["Users"]
    return len(found)


def test_creating_a_user_creates_its_sign_in_with_tenant_role_and_group(
    service: UserService, cognito: Any, pool_id: str, tenant: Any
) -> None:
    body = new_user("user")
    made = service.create(admin_of(tenant.id), body, now())
    assert made["sign_in_synced"] is True
    seen = sign_in(cognito, pool_id, made["user_id"])
    # The Relance user id is the Cognito sub (and username, in an email-username pool).
    assert seen["username"] == seen["attributes"]["sub"] == made["user_id"]
    assert seen["attributes"]["email"] == body.email
    assert seen["attributes"]["email_verified"] == "true"
    assert seen["attributes"][TENANT_CLAIM] == tenant.id
    assert seen["attributes"][ROLE_CLAIM] == "user"
    assert seen["groups"] == ["user"]
    assert seen["enabled"] is True
    assert seen["status"] == "FORCE_CHANGE_PASSWORD"  # invited, has not signed in yet
    assert sign_in(cognito, pool_id, body.email)["username"] == made["user_id"]
    # A token with these claims finds its stored user.
    me = service.me(identity_from_claims(seen["attributes"]))
    assert me["stored"] is True and me["user_id"] == made["user_id"] and me["role"] == "user"


def test_a_role_change_moves_the_group_and_the_claim(
    service: UserService, cognito: Any, pool_id: str, tenant: Any
) -> None:
    admin = admin_of(tenant.id)
    user_id = service.create(admin, new_user("viewer"), now())["user_id"]
    assert sign_in(cognito, pool_id, user_id)["groups"] == ["viewer"]
    changed = service.update(admin, user_id, UserPatch(version=1, role="admin"), now())
    assert changed["role"] == "admin" and changed["sign_in_synced"] is True
    seen = sign_in(cognito, pool_id, user_id)
    assert seen["attributes"][ROLE_CLAIM] == "admin" and seen["groups"] == ["admin"]
    service.create(admin, new_user("admin"), now())  # not the last admin any more
    service.update(admin, user_id, UserPatch(version=2, role="user"), now())
    seen = sign_in(cognito, pool_id, user_id)
    assert seen["attributes"][ROLE_CLAIM] == "user" and seen["groups"] == ["user"]


def test_deactivating_disables_the_sign_in_and_activating_enables_it(
    service: UserService, cognito: Any, pool_id: str, tenant: Any
) -> None:
    admin = admin_of(tenant.id)
    user_id = service.create(admin, new_user("user"), now())["user_id"]
    before = sign_in(cognito, pool_id, user_id)
    assert service.set_active(admin, user_id, False, now())["sign_in_synced"] is True
    off = sign_in(cognito, pool_id, user_id)
    assert off["enabled"] is False
    assert (off["attributes"], off["groups"]) == (before["attributes"], before["groups"])
    service.set_active(admin, user_id, True, now())
    assert sign_in(cognito, pool_id, user_id) == before


def test_a_user_created_inactive_gets_a_disabled_sign_in(
    service: UserService, cognito: Any, pool_id: str, tenant: Any
) -> None:
    body = NewUser.model_validate(
        {"email": new_user().email, "display_name": "Plus tard", "role": "viewer", "active": False}
    )
    user_id = service.create(admin_of(tenant.id), body, now())["user_id"]
    seen = sign_in(cognito, pool_id, user_id)
    assert seen["enabled"] is False and seen["groups"] == ["viewer"]


def test_a_retried_create_neither_fails_nor_duplicates(
    service: UserService, directory: CognitoDirectory, cognito: Any, pool_id: str, tenant: Any
) -> None:
    admin = admin_of(tenant.id)
    body = new_user("user")
    # A first attempt died after reserving the sign-in, before storing the user.
    reserved = directory.reserve(tenant.id, body.email)
    assert directory.reserve(tenant.id, body.email) == reserved
    assert sign_ins_with_email(cognito, pool_id, body.email) == 1
    # The retry finds that sign-in and stores the user under its sub.
    made = service.create(admin, body, now())
    assert made["user_id"] == reserved and made["sign_in_synced"] is True
    assert sign_in(cognito, pool_id, reserved)["groups"] == ["user"]
    # Sent once more after it all succeeded: the usual duplicate answer, still one sign-in.
    with pytest.raises(Conflict) as refused:
        service.create(admin, body, now())
    assert refused.value.code == "email_taken" and refused.value.details["user_id"] == reserved
    assert sign_ins_with_email(cognito, pool_id, body.email) == 1
    assert [u.user_id for u in service.users.list_users(tenant.id)] == [reserved]


def test_another_tenants_user_is_untouched(
    service: UserService, cognito: Any, pool_id: str, new_tenant: Any
) -> None:
    ours, theirs = new_tenant().id, new_tenant().id
    body = new_user("admin")
    their_user = service.create(admin_of(theirs), body, now())["user_id"]
    our_user = service.create(admin_of(ours), new_user("user"), now())["user_id"]
    before = sign_in(cognito, pool_id, their_user)
    # Our admin edits our users, and tries to create one with their user's email.
    service.update(admin_of(ours), our_user, UserPatch(version=1, role="viewer"), now())
    service.set_active(admin_of(ours), our_user, False, now())
    with pytest.raises(Conflict) as refused:
        service.create(admin_of(ours), new_user("viewer", body.email), now())
    assert refused.value.code == "email_used_elsewhere"
    assert [u.user_id for u in service.users.list_users(ours)] == [our_user]
    assert sign_in(cognito, pool_id, their_user) == before
    assert before["attributes"][TENANT_CLAIM] == theirs
    # Another tenant's id is unknown here, so nothing of theirs can be resynced from ours.
    assert service.resync(ours) == []
    assert sign_in(cognito, pool_id, their_user) == before


def test_a_failed_sync_keeps_the_write_and_is_repaired(
    service: UserService, directory: FlakyDirectory, cognito: Any, pool_id: str, tenant: Any
) -> None:
    admin = admin_of(tenant.id)
    user_id = service.create(admin, new_user("viewer"), now())["user_id"]
    directory.failures = 1
    changed = service.update(admin, user_id, UserPatch(version=1, role="user"), now())
    # DynamoDB is the source of truth: the change stands, the answer says the sign-in lags.
    assert changed["role"] == "user" and changed["sign_in_synced"] is False
    stored = service.users.get(tenant.id, user_id)
    assert stored is not None and stored.role == "user"
    assert sign_in(cognito, pool_id, user_id)["attributes"][ROLE_CLAIM] == "viewer"
    # An operator's (or a scheduled) resync applies the stored state.
    assert service.resync(tenant.id) == []
    seen = sign_in(cognito, pool_id, user_id)
    assert seen["attributes"][ROLE_CLAIM] == "user" and seen["groups"] == ["user"]
    # The same request sent again repairs too, even though it changes nothing in DynamoDB.
    directory.failures = 1
    assert service.set_active(admin, user_id, False, now())["sign_in_synced"] is False
    assert sign_in(cognito, pool_id, user_id)["enabled"] is True
    again = service.set_active(admin, user_id, False, now())
    assert again["sign_in_synced"] is True and again["version"] == 3
    assert sign_in(cognito, pool_id, user_id)["enabled"] is False


def test_an_email_change_follows_to_the_sign_in(
    service: UserService, directory: CognitoDirectory, cognito: Any, pool_id: str, tenant: Any
) -> None:
    made = service.create(admin_of(tenant.id), new_user("user"), now())
    stored = service.users.get(tenant.id, made["user_id"])
    assert stored is not None
    moved = stored.model_copy(update={"email": new_user().email})
    directory.sync_user(tenant.id, moved)
    directory.sync_user(tenant.id, moved)  # idempotent
    seen = sign_in(cognito, pool_id, moved.email)
    assert seen["username"] == made["user_id"]
    assert seen["attributes"]["email"] == moved.email
    assert sign_ins_with_email(cognito, pool_id, made["email"]) == 0


def test_no_sign_in_service_means_nothing_is_stored(store: Any, tenant: Any) -> None:
    broken = CognitoDirectory("eu-west-3_doesnotexist")
    service = UserService(UserStore(store.table, store.client), store, broken)
    with pytest.raises(Unavailable):
        service.create(admin_of(tenant.id), new_user(), now())
    assert service.users.list_users(tenant.id) == []
