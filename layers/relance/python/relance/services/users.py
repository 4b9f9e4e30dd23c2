"""Users and roles (K2, K8): who may see and manage whom, over domain/users.py and the store.

The tenant is always the verified identity's. A user id is looked up in the caller's tenant
before any per-user permission is decided, so another tenant's id is simply unknown (404)
and a refusal never tells whether it exists elsewhere.

With a sign-in directory (the Cognito pool, in AWS; none locally, where the dev server signs
its own tokens), DynamoDB stays the source of truth and the pool mirrors it (decision 16):
- create: the sign-in is reserved first (its `sub` becomes the user id; it has no role yet,
  so it is useless until stored), then the user is stored, then its state is mirrored;
- every write (even one that changes nothing, e.g. the same request sent again) re-applies
  the stored user's whole state to the pool once the DynamoDB write has succeeded;
- if the pool fails after the write, the write stands: the answer carries
  `sign_in_synced: false`, the failure is logged, and the next edit, the same request again
  or `resync` repairs it.
Answers carry `sign_in_synced` only when there is a directory.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from relance.auth.identity import Identity
from relance.domain.records import Rep
from relance.domain.users import (
    NewUser,
    NotAllowed,
    RepLink,
    User,
    UserPatch,
    UserRuleError,
    last_admin,
    new_user_id,
    not_yours,
    plan_activation,
    plan_change,
    proposals,
    rep_display_name,
    stale,
)
from relance.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    ServiceError,
    Unavailable,
)
from relance.store.directory import CognitoDirectory, DirectoryError
from relance.store.dynamo import SyncStore
from relance.store.users import UserConflict, UserStore

logger = logging.getLogger(__name__)
_DIRECTORY_FAILURES = (DirectoryError, ClientError, BotoCoreError)


class UserService:
    def __init__(
        self, users: UserStore, records: SyncStore, directory: CognitoDirectory | None = None
    ) -> None:
        self.users = users
        self.records = records  # synced Sage reps and the tenant's companies
        self.directory = directory  # the sign-ins to keep in step; None locally

    # -- reads ---------------------------------------------------------------------------
    def me(self, who: Identity) -> dict[str, Any]:
        user = self.users.get(who.tenant, who.user_id)
        if user is not None:
            return {**user.public(), "tenant": who.tenant, "stored": True}
        # Signed in (Cognito knows it) but not managed in Relance yet, e.g. the first admin.
        return {
            "user_id": who.user_id,
            "email": who.email,
            "role": who.role,
            "language": "fr",
            "tenant": who.tenant,
            "stored": False,
        }

    def list_users(self, who: Identity) -> list[dict[str, Any]]:
        self._admin(who)
        return [user.public() for user in self.users.list_users(who.tenant)]

    def get_user(self, who: Identity, user_id: str) -> dict[str, Any]:
        self._active_caller(who)
        user = self._find(who.tenant, user_id)
        if who.role != "admin" and user.user_id != who.user_id:
            raise _http(not_yours())
        return user.public()

    def proposals(self, who: Identity) -> list[dict[str, Any]]:
        self._admin(who)
        found = proposals(self.reps(who.tenant), self.users.list_users(who.tenant))
        return [proposal.model_dump(mode="json") for proposal in found]

    # -- writes --------------------------------------------------------------------------
    def create(self, who: Identity, body: NewUser, now: datetime) -> dict[str, Any]:
        self._admin(who)
        self._check_rep_links(who.tenant, body.rep_links)
        user, synced = self._provision(who.tenant, body, now, None)
        return {**user.public(), **synced}

    def provision(
        self, tenant: str, body: NewUser, now: datetime, user_id: str | None = None
    ) -> User:
        """Store a new user without a caller (demo seed; Cognito onboarding passes the
        Cognito `sub` as `user_id`, so a token's subject finds its user). With a directory
        and no `user_id`, the sign-in is reserved first and its `sub` is the user id."""
        return self._provision(tenant, body, now, user_id)[0]

    def resync(self, tenant: str, user_id: str | None = None) -> list[str]:
        """Apply the stored state of a tenant's users (or of one) to the directory again;
        the ids it failed for. For an operator or a scheduled repair; a no-op without one."""
        if self.directory is None:
            return []
        users = self.users.list_users(tenant) if user_id is None else [self._find(tenant, user_id)]
        return [u.user_id for u in users if not self._sync(tenant, u.user_id)["sign_in_synced"]]

    def update(
        self, who: Identity, user_id: str, patch: UserPatch, now: datetime
    ) -> dict[str, Any]:
        self._active_caller(who)
        before = self._find(who.tenant, user_id)
        try:
            after = plan_change(who.user_id, who.role == "admin", before, patch, now)
        except UserRuleError as err:
            raise _http(err) from None
        if after.rep_links != before.rep_links:
            self._check_rep_links(who.tenant, after.rep_links)
        self._write(who.tenant, before, after)
        return {**after.public(), **self._sync(who.tenant, after.user_id)}

    def set_active(
        self, who: Identity, user_id: str, active: bool, now: datetime
    ) -> dict[str, Any]:
        self._admin(who)
        before = self._find(who.tenant, user_id)
        try:
            after = plan_activation(who.user_id, before, active, now)
        except UserRuleError as err:
            raise _http(err) from None
        self._write(who.tenant, before, after)
        return {**after.public(), **self._sync(who.tenant, after.user_id)}

    # -- the sign-in directory -----------------------------------------------------------
    def _provision(
        self, tenant: str, body: NewUser, now: datetime, user_id: str | None
    ) -> tuple[User, dict[str, Any]]:
        if user_id is None and self.directory is not None:
            user_id = self._reserve(tenant, body.email)
        user = body.build(user_id or new_user_id(now, secrets.token_bytes(10)), now)
        try:
            self.users.create(tenant, user)
        except UserConflict as err:
            raise self._conflict(tenant, err) from None
        return user, self._sync(tenant, user.user_id)

    def _reserve(self, tenant: str, email: str) -> str:
        """The sign-in's sub for a new user, or why not; nothing is stored yet."""
        assert self.directory is not None
        if self.users.user_id_for_email(tenant, email) is not None:
            # The usual duplicate: refused before the pool is even asked.
            raise self._conflict(tenant, UserConflict("email_taken", email))
        try:
            user_id = self.directory.reserve(tenant, email)
        except DirectoryError as err:
            if err.reason != "other_tenant":
                raise _unavailable() from None
            # One pool signs in every tenant by email; say no more than "not here".
            raise Conflict(
                "email_used_elsewhere",
                f"The address {email} already signs in to another Relance workspace.",
                f"L'adresse {email} sert déjà à se connecter à un autre espace Relance.",
                where="email",
            ) from None
        except (ClientError, BotoCoreError):
            logger.exception("sign-in not reserved", extra={"tenant": tenant})
            raise _unavailable() from None
        if self.users.get(tenant, user_id) is not None:
            # That address signs in as a user stored under another one (an email change
            # the pool has not taken yet): the same person, not a new user.
            raise Conflict(
                "email_taken",
                f"A user with the email {email} already exists in this workspace.",
                f"Un utilisateur avec l'adresse {email} existe déjà dans cet espace.",
                where="email",
                user_id=user_id,
            )
        return user_id

    def _sync(self, tenant: str, user_id: str) -> dict[str, Any]:
        """Mirror the stored user (read again, so that of two concurrent edits the pool ends
        with the later one) into the directory. A failure leaves the write in place."""
        if self.directory is None:
            return {}
        user = self.users.get(tenant, user_id)
        if user is None:
            return {"sign_in_synced": False}
        try:
            self.directory.sync_user(tenant, user)
        except _DIRECTORY_FAILURES:
            logger.exception("sign-in not synced", extra={"tenant": tenant, "user_id": user_id})
            return {"sign_in_synced": False}
        return {"sign_in_synced": True}

    # -- helpers -------------------------------------------------------------------------
    def _admin(self, who: Identity) -> None:
        who.require("admin")
        self._active_caller(who)

    def _active_caller(self, who: Identity) -> User | None:
        """The caller's own record; refused if an admin deactivated it.

        A Cognito token outlives a deactivation by up to an hour: the stored flag is what
        makes the deactivation immediate here.
        """
        me = self.users.get(who.tenant, who.user_id)
        if me is not None and not me.active:
            raise Forbidden(
                "account_inactive",
                "Your account has been deactivated by an admin.",
                "Votre compte a été désactivé par un administrateur.",
            )
        return me

    def _find(self, tenant: str, user_id: str) -> User:
        user = self.users.get(tenant, user_id) if 0 < len(user_id) <= 64 else None
        if user is None:
            raise NotFound(
                "unknown_user",
                f"No user {user_id} in this workspace.",
                f"Aucun utilisateur {user_id} dans cet espace.",
            )
        return user

    def _write(self, tenant: str, before: User, after: User) -> None:
        if after is before:
            return  # nothing changed: no write, no new version
        try:
            self.users.replace(tenant, before, after)
        except UserConflict as err:
            if err.reason == "stale_version":
                current = self.users.get(tenant, before.user_id)
                raise _http(stale(current.version if current else 0, before.version)) from None
            raise self._conflict(tenant, err) from None

    def _conflict(self, tenant: str, err: UserConflict) -> ServiceError:
        if err.reason == "email_taken":
            return Conflict(
                "email_taken",
                f"A user with the email {err.subject} already exists in this workspace.",
                f"Un utilisateur avec l'adresse {err.subject} existe déjà dans cet espace.",
                where="email",
                user_id=self.users.user_id_for_email(tenant, err.subject),
            )
        if err.reason == "rep_taken":
            company, number = err.subject.split("#", 1)
            return Conflict(
                "rep_taken",
                f"Sage rep {number} of {company} is already linked to another user.",
                f"Le collaborateur Sage {number} de {company} est déjà lié à un autre utilisateur.",
                where="rep_links",
            )
        if err.reason == "last_admin":
            return _http(last_admin())
        return Conflict(
            "busy",
            "This user is being changed by someone else right now: reload and try again.",
            "Cet utilisateur est en cours de modification par quelqu'un d'autre : "
            "rechargez puis réessayez.",
        )

    def reps(self, tenant: str) -> list[Rep]:
        return [
            rep
            for company in self.records.list_companies(tenant)
            for rep in self.records.records(tenant, company, "rep")
        ]

    def _check_rep_links(self, tenant: str, links: tuple[RepLink, ...]) -> None:
        """Links point at reps the sync brought in, so portfolios built from them resolve."""
        if not links:
            return
        companies = set(self.records.list_companies(tenant))
        for index, link in enumerate(links):
            if link.company not in companies:
                raise Invalid(
                    "unknown_company",
                    f"No company {link.company} in this workspace.",
                    f"Aucune société {link.company} dans cet espace.",
                    where=f"rep_links.{index}.company",
                )
            if str(link.rep_number) not in self.records.record_keys(tenant, link.company, "rep"):
                raise Invalid(
                    "unknown_rep",
                    f"No Sage rep {link.rep_number} in {link.company} (synced reps only).",
                    f"Aucun collaborateur Sage {link.rep_number} dans {link.company} "
                    "(collaborateurs synchronisés uniquement).",
                    where=f"rep_links.{index}.rep_number",
                )


def _http(err: UserRuleError) -> ServiceError:
    kind = Forbidden if isinstance(err, NotAllowed) else Conflict
    return kind(err.code, err.message, err.message_fr, **err.details)


def _unavailable() -> Unavailable:
    return Unavailable(
        "sign_in_unavailable",
        "The sign-in service did not answer; nothing was saved: try again.",
        "Le service de connexion n'a pas répondu ; rien n'a été enregistré : réessayez.",
    )


# -- demo logins -----------------------------------------------------------------------------
DEMO_DOMAIN = "relance-demo.example"
# persona, display name, role, the kind of Sage rep to stand for (if the tenant has one)
DEMO_USERS = (
    ("admin", "Hélène Garnier", "admin", None),
    ("collector", "Sophie Benard", "user", "collector"),
    ("salesperson", "Marc Carpentier", "viewer", "salesperson"),
    ("cfo", "Anne Weber", "viewer", None),
)


def seed_demo_users(service: UserService, tenant: str, now: datetime) -> list[dict[str, Any]]:
    """The demo's four logins, created once (found by email on later runs).

    Run it after the first sync: the collector and the salesperson then stand for a Sage
    collector and salesperson of the tenant, so their portfolios have customers.
    """
    users = service.users.list_users(tenant)
    taken = {(link.company, link.rep_number) for u in users for link in u.rep_links}
    reps = sorted(
        (rep for rep in service.reps(tenant) if (rep.company, rep.number) not in taken),
        key=lambda rep: (rep.company, rep.number),
    )
    seeded = []
    for persona, name, role, rep_kind in DEMO_USERS:
        email = f"{_slug(name)}@{DEMO_DOMAIN}"
        user_id = service.users.user_id_for_email(tenant, email)
        user = service.users.get(tenant, user_id) if user_id else None
        if user is None:
            rep = _pick(reps, rep_kind, name) if rep_kind else None
            links = [{"company": rep.company, "rep_number": rep.number}] if rep else []
            body = NewUser.model_validate(
                {"email": email, "display_name": name, "role": role, "rep_links": links}
            )
            user = service.provision(tenant, body, now)
        seeded.append({"persona": persona, **user.public()})
    return seeded


def _pick(reps: list[Rep], kind: str, name: str) -> Rep | None:
    """The rep of that kind with the persona's name if there is one, else the first."""
    candidates = [rep for rep in reps if _kind(rep) == kind]
    named = [rep for rep in candidates if rep_display_name(rep) == name]
    return next(iter(named or candidates), None)


def _kind(rep: Rep) -> str:
    # A rep who is both is a collector first: that is who chases the customers.
    return "collector" if rep.is_collector else "salesperson" if rep.is_salesperson else ""


def _slug(name: str) -> str:
    plain = name.lower().replace("é", "e").replace("è", "e").replace("ë", "e")
    return ".".join(plain.split())
