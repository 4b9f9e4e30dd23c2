"""Users of a tenant and the rules that keep a workspace manageable. Pure: no I/O, no clock.

A user is a person who signs in (Cognito in AWS). Its role says what it may do (admin:
settings and users; user: acts on customers; viewer: reads). It may stand for one Sage rep
(F_COLLABORATEUR) per company, which is how portfolios follow Sage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from relance.domain.records import CompanyCode, Rep

Role = Literal["admin", "user", "viewer"]
Language = Literal["fr", "en"]

# Deliberately simple: a mailbox, one @, a domain with a dot. Deliverability is Cognito's
# and SES's business; this catches typos and keeps keys clean.
EMAIL_PATTERN = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=EMAIL_PATTERN),
]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

# What only an admin may change; a user may change its own name and language (V9).
ADMIN_FIELDS = frozenset({"role", "active", "rep_links"})
SELF_FIELDS = frozenset({"display_name", "language"})
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class RepLink(BaseModel):
    """The Sage rep (CO_No) a user stands for in one company."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    company: CompanyCode
    rep_number: int = Field(ge=1)


def _one_per_company(links: tuple[RepLink, ...]) -> tuple[RepLink, ...]:
    # A person is one rep per Sage database; two would make portfolios ambiguous.
    companies = [link.company for link in links]
    if len(set(companies)) != len(companies):
        raise ValueError("at most one rep per company")
    return links


RepLinks = Annotated[tuple[RepLink, ...], Field(max_length=10), AfterValidator(_one_per_company)]


class User(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    user_id: str
    email: Email
    display_name: DisplayName
    role: Role
    active: bool = True
    rep_links: RepLinks = ()
    language: Language = "fr"
    created_at: datetime
    updated_at: datetime
    version: int = Field(default=1, ge=1)

    @property
    def is_active_admin(self) -> bool:
        return self.active and self.role == "admin"

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class NewUser(BaseModel):
    """What an admin sends to create a user."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    email: Email
    display_name: DisplayName
    role: Role = "user"
    active: bool = True
    rep_links: RepLinks = ()
    language: Language = "fr"

    def build(self, user_id: str, now: datetime) -> User:
        return User(user_id=user_id, created_at=now, updated_at=now, **self.model_dump())


class UserPatch(BaseModel, defer_build=True):
    """A partial change. Only the fields sent are applied; `version` is the one last read.

    The defaults below are never applied (see `changes`): they exist so an explicit null is
    refused by the field's own type, with the field's name in the error.
    """

    model_config = ConfigDict(defer_build=True, extra="forbid")

    version: int = Field(ge=1)
    display_name: DisplayName = "-"
    role: Role = "viewer"
    active: bool = True
    rep_links: RepLinks = ()
    language: Language = "fr"

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set - {"version"}}


class UserRuleError(Exception):
    """A rule of this module refused a change; the service gives it an HTTP status."""

    def __init__(self, code: str, message: str, message_fr: str, **details: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.message_fr, self.details = code, message, message_fr, details


class NotAllowed(UserRuleError):
    """The caller's role or identity does not allow this change."""


class Refused(UserRuleError):
    """Allowed in general, but the state of the data forbids it (stale, self lock-out)."""


def plan_change(
    actor_id: str, actor_is_admin: bool, before: User, patch: UserPatch, now: datetime
) -> User:
    """The user after `patch`, or why not. Version and last-admin checks that need the
    store's state are enforced again there, atomically; these are the ones to explain."""
    changes = patch.changes()
    if not actor_is_admin:
        if before.user_id != actor_id:
            raise not_yours()
        admin_only = sorted(set(changes) & ADMIN_FIELDS)
        if admin_only:
            raise NotAllowed(
                "admin_only_fields",
                f"Only an admin can change {', '.join(admin_only)}.",
                f"Seul un administrateur peut modifier : {', '.join(admin_only)}.",
                fields=admin_only,
            )
    if patch.version != before.version:
        raise stale(before.version, patch.version)
    return _apply(actor_id, before, changes, now)


def plan_activation(actor_id: str, before: User, active: bool, now: datetime) -> User:
    """(De)activation by an admin: the version read just before is the expected one."""
    return _apply(actor_id, before, {"active": active}, now)


def _apply(actor_id: str, before: User, changes: dict[str, Any], now: datetime) -> User:
    changed = {k: v for k, v in changes.items() if getattr(before, k) != v}
    if not changed:
        return before
    after = before.model_copy(update={**changed, "updated_at": now, "version": before.version + 1})
    if before.user_id == actor_id and before.is_active_admin and not after.is_active_admin:
        # Nobody locks themselves out by mistake; another admin can still do it.
        raise Refused(
            "own_admin_rights",
            "You cannot deactivate yourself or remove your own admin role: ask another admin.",
            "Vous ne pouvez ni vous désactiver ni retirer votre propre rôle d'administrateur : "
            "demandez-le à un autre administrateur.",
        )
    return after


def admin_delta(before: User | None, after: User) -> int:
    """How the tenant's count of active admins moves with this write: -1, 0 or +1."""
    return int(after.is_active_admin) - int(before is not None and before.is_active_admin)


def not_yours() -> NotAllowed:
    return NotAllowed(
        "not_your_account",
        "Only an admin can see or change another user.",
        "Seul un administrateur peut consulter ou modifier un autre utilisateur.",
    )


def stale(current: int, sent: int) -> Refused:
    return Refused(
        "stale_version",
        f"This user was changed meanwhile (version {current}, you sent {sent}): reload it "
        "and apply your change again.",
        f"Cet utilisateur a été modifié entre-temps (version {current}, vous avez envoyé "
        f"{sent}) : rechargez-le puis refaites votre modification.",
        current_version=current,
    )


def last_admin() -> Refused:
    return Refused(
        "last_admin",
        "This is the last active admin of the workspace: make another user admin first.",
        "C'est le dernier administrateur actif de l'espace : nommez d'abord un autre "
        "administrateur.",
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def new_user_id(now: datetime, entropy: bytes) -> str:
    """A ULID: 48 bits of milliseconds then 80 random bits, in Crockford base32.

    Ids sort by creation time, so a Query of the users partition lists them in order.
    """
    if len(entropy) != 10:
        raise ValueError("a ULID takes 10 bytes of entropy")
    # Whole milliseconds counted exactly: timestamp() * 1000 in floating point can give
    # two instants a millisecond apart the same count (or the earlier one a larger one).
    millis = (now - _EPOCH) // timedelta(milliseconds=1)
    value = (millis << 80) | int.from_bytes(entropy, "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


# -- proposals from Sage's F_COLLABORATEUR --------------------------------------------------
class Proposal(BaseModel):
    """A user an admin may create (or link) for Sage reps nobody stands for yet."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    display_name: str
    email: str  # "" when Sage has none (or an unusable one): the admin types it
    suggested_role: Role
    rep_links: tuple[RepLink, ...]
    functions: tuple[str, ...] = ()
    existing_user_id: str | None = None  # a user has this email already: link, don't create


def suggested_role(rep: Rep) -> Role | None:
    """Collectors (CO_ChargeRecouvr) chase customers; salespeople follow theirs."""
    if rep.is_collector:
        return "user"
    if rep.is_salesperson:
        return "viewer"
    return None


def rep_display_name(rep: Rep) -> str:
    # Sage screens often store last names in capitals; show them as people write them.
    last = rep.last_name.title() if rep.last_name.isupper() else rep.last_name
    return " ".join(part for part in (rep.first_name, last) if part) or f"Rep {rep.number}"


def proposals(reps: Iterable[Rep], users: Iterable[User]) -> list[Proposal]:
    """Unlinked collectors and salespeople, one proposal per person (grouped by email)."""
    users = list(users)
    linked = {(link.company, link.rep_number) for u in users for link in u.rep_links}
    by_email = {u.email: u.user_id for u in users}
    groups: dict[tuple[str, ...], list[Rep]] = {}
    for rep in reps:
        if suggested_role(rep) is None or (rep.company, rep.number) in linked:
            continue
        email = _usable_email(rep.email)
        group = ("email", email) if email else ("rep", rep.company, str(rep.number))
        groups.setdefault(group, []).append(rep)
    found = [_proposal(group, by_email) for group in groups.values()]
    return sorted(found, key=lambda p: (p.suggested_role != "user", p.display_name.lower()))


def _proposal(reps: list[Rep], by_email: dict[str, str]) -> Proposal:
    first: dict[str, Rep] = {}
    for rep in reps:
        first.setdefault(rep.company, rep)  # one link per company, as a user allows
    email = _usable_email(reps[0].email)
    roles = {suggested_role(rep) for rep in reps}
    return Proposal(
        display_name=rep_display_name(reps[0]),
        email=email,
        suggested_role="user" if "user" in roles else "viewer",
        rep_links=tuple(RepLink(company=c, rep_number=r.number) for c, r in sorted(first.items())),
        functions=tuple(dict.fromkeys(r.function for r in reps if r.function)),
        existing_user_id=by_email.get(email) if email else None,
    )


def _usable_email(raw: str) -> str:
    email = raw.strip().lower()
    return email if re.fullmatch(EMAIL_PATTERN, email) and len(email) <= 254 else ""
