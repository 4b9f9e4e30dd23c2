"""Users and roles (K2, K8): who may see and manage whom, over domain/users.py and the store.

The tenant is always the verified identity's. A user id is looked up in the caller's tenant
before any per-user permission is decided, so another tenant's id is simply unknown (404)
and a refusal never tells whether it exists elsewhere.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

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
from relance.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from relance.store.dynamo import SyncStore
from relance.store.users import UserConflict, UserStore


class UserService:
    def __init__(self, users: UserStore, records: SyncStore) -> None:
        self.users = users
        self.records = records  # synced Sage reps and the tenant's companies

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
        return self.provision(who.tenant, body, now).public()

    def provision(
        self, tenant: str, body: NewUser, now: datetime, user_id: str | None = None
    ) -> User:
        """Store a new user without a caller (demo seed; Cognito onboarding passes the
        Cognito `sub` as `user_id`, so a token's subject finds its user)."""
        user = body.build(user_id or new_user_id(now, secrets.token_bytes(10)), now)
        try:
            self.users.create(tenant, user)
        except UserConflict as err:
            raise self._conflict(tenant, err) from None
        return user

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
        return after.public()

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
        return after.public()

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
