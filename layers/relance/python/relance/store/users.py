"""Users of a tenant in the single table (the DynamoDB adapter for domain/users.py).

Items, all in the tenant's users partition, so every read below is one partition:
- user:        T#{t}#USERS / USER#{user_id}             the user; `version` for optimistic locking
- email claim: T#{t}#USERS / EMAIL#{email}               -> user_id: an email is unique per tenant
- rep claim:   T#{t}#USERS / REP#{company}#{rep_number}  -> user_id: a Sage rep is one user's
- admin count: T#{t}#USERS / ADMINS                      active_admins, never brought below 1

Access patterns (tested through the API in tests/integration/test_users_api.py):
U1. One user (GET /users/{id}, /me, the read before each write): GetItem USER#{id}.
U2. Every user of a tenant, oldest first (admin list, proposals): Query PK=T#{t}#USERS,
    SK begins_with USER#, sorted by created_at (ids are ULIDs locally, sorted already, but
    Cognito subs in AWS: decision 16).
U3. Who has this email: GetItem EMAIL#{email}.
U4. Create: one TransactWriteItems: the user, its email claim and rep claims (each only if
    new), and +1 on the admin count for an active admin.
U5. Change: one TransactWriteItems: the user (only if its version is the one read), rep
    claims added (only if new) or removed, and the admin count moved; a decrement only
    while the count is above 1. Claims and the count live beside the users because a
    uniqueness or "last admin" rule can only hold under concurrency as a condition on an
    item written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from relance.domain.users import RepLink, User, admin_delta
from relance.store.codec import from_item, to_item
from relance.store.dynamo import dynamodb_client
from relance.store.keys import tenant_pk
from relance.store.schema import PARTITION_KEY, SORT_KEY

ADMINS_SK = "ADMINS"


def users_pk(tenant: str) -> str:
    return f"{tenant_pk(tenant)}#USERS"


def user_sk(user_id: str) -> str:
    return f"USER#{user_id}"


def email_sk(email: str) -> str:
    return f"EMAIL#{email}"


def rep_sk(link: RepLink) -> str:
    return f"REP#{link.company}#{link.rep_number}"


class UserConflict(Exception):
    """A conditional write lost. `reason`: email_taken, rep_taken, stale_version,
    last_admin, user_exists or busy (another transaction held an item)."""

    def __init__(self, reason: str, subject: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.subject = subject  # the email or rep concerned, when there is one


class UserStore:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = client or dynamodb_client()

    # -- reads ---------------------------------------------------------------------------
    def get(self, tenant: str, user_id: str) -> User | None:
        item = self._get(users_pk(tenant), user_sk(user_id))
        return _user(item) if item else None

    def list_users(self, tenant: str) -> list[User]:
        users = [_user(from_item(item)) for item in self._query(users_pk(tenant), "USER#")]
        return sorted(users, key=lambda user: user.created_at)  # stable: ULID order on ties

    def user_id_for_email(self, tenant: str, email: str) -> str | None:
        item = self._get(users_pk(tenant), email_sk(email))
        return str(item["user_id"]) if item else None

    def active_admins(self, tenant: str) -> int:
        item = self._get(users_pk(tenant), ADMINS_SK)
        return int(item.get("active_admins", 0)) if item else 0

    # -- writes --------------------------------------------------------------------------
    def create(self, tenant: str, user: User) -> None:
        pk = users_pk(tenant)
        ops: list[tuple[str, str, dict[str, Any]]] = [
            ("user_exists", "", self._put_new(_user_item(pk, user))),
            ("email_taken", user.email, self._put_new(_claim(pk, email_sk(user.email), user))),
        ]
        ops += [
            (*_rep_reason(link), self._put_new(_claim(pk, rep_sk(link), user)))
            for link in user.rep_links
        ]
        ops += self._count_ops(pk, admin_delta(None, user))
        self._transact(ops)

    def replace(self, tenant: str, before: User, after: User) -> None:
        """Write `after` if the stored user is still at `before.version`."""
        pk = users_pk(tenant)
        user_put = {
            "Put": {
                "TableName": self.table,
                "Item": to_item(_user_item(pk, after)),
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(before.version)}},
            }
        }
        ops: list[tuple[str, str, dict[str, Any]]] = [("stale_version", "", user_put)]
        old, new = set(before.rep_links), set(after.rep_links)
        for link in sorted(new - old, key=rep_sk):
            ops.append((*_rep_reason(link), self._put_new(_claim(pk, rep_sk(link), after))))
        for link in sorted(old - new, key=rep_sk):
            ops.append(
                ("", "", {"Delete": {"TableName": self.table, "Key": _key(pk, rep_sk(link))}})
            )
        ops += self._count_ops(pk, admin_delta(before, after))
        self._transact(ops)

    # -- helpers -------------------------------------------------------------------------
    def _count_ops(self, pk: str, delta: int) -> list[tuple[str, str, dict[str, Any]]]:
        if delta == 0:
            return []
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": _key(pk, ADMINS_SK),
            "UpdateExpression": "ADD active_admins :delta",
            "ExpressionAttributeValues": {":delta": {"N": str(delta)}},
        }
        if delta < 0:
            # The "last admin" rule, atomically: two admins demoting each other at once
            # cannot both win.
            update["ConditionExpression"] = "active_admins > :one"
            update["ExpressionAttributeValues"][":one"] = {"N": "1"}
        return [("last_admin", "", {"Update": update})]

    def _put_new(self, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(values),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def _transact(self, ops: list[tuple[str, str, dict[str, Any]]]) -> None:
        try:
            self.client.transact_write_items(TransactItems=[op for _, _, op in ops])
        except ClientError as err:
            if err.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code", "None") for r in err.response.get("CancellationReasons", [])]
            for (reason, subject, _), code in zip(ops, reasons, strict=False):
                if code == "ConditionalCheckFailed":
                    raise UserConflict(reason, subject) from err
            raise UserConflict("busy") from err

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        answer = self.client.get_item(TableName=self.table, Key=_key(pk, sk), ConsistentRead=True)
        return from_item(answer["Item"]) if "Item" in answer else None

    def _query(self, pk: str, sk_prefix: str) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :sk)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":sk": {"S": sk_prefix}},
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**request)
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {PARTITION_KEY: {"S": pk}, SORT_KEY: {"S": sk}}


def _user_item(pk: str, user: User) -> dict[str, Any]:
    return {
        PARTITION_KEY: pk,
        SORT_KEY: user_sk(user.user_id),
        "item_type": "user",
        **user.public(),
    }


def _claim(pk: str, sk: str, user: User) -> dict[str, Any]:
    return {PARTITION_KEY: pk, SORT_KEY: sk, "item_type": "user_claim", "user_id": user.user_id}


def _rep_reason(link: RepLink) -> tuple[str, str]:
    return "rep_taken", f"{link.company}#{link.rep_number}"


def _user(values: dict[str, Any]) -> User:
    return User.model_validate({k: v for k, v in values.items() if k in User.model_fields})
