"""The rules of users and roles: what each role may change, self lock-out, proposals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from relance.domain.records import Rep
from relance.domain.users import (
    NewUser,
    NotAllowed,
    Refused,
    RepLink,
    User,
    UserPatch,
    admin_delta,
    new_user_id,
    plan_activation,
    plan_change,
    proposals,
)

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


def user(user_id: str = "U1", role: str = "user", active: bool = True, **extra: object) -> User:
    return User.model_validate(
        {
            "user_id": user_id,
            "email": f"{user_id.lower()}@exemple.fr",
            "display_name": f"Personne {user_id}",
            "role": role,
            "active": active,
            "created_at": NOW,
            "updated_at": NOW,
            **extra,
        }
    )


def where(err: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in err.value.errors()}


# -- input ------------------------------------------------------------------------------------
def test_a_new_user_gets_a_lowercase_email_and_french_by_default() -> None:
    body = NewUser.model_validate({"email": "  Julie.Lemoine@Bijou.FR ", "display_name": " Julie "})
    made = body.build("U9", NOW)
    assert (made.email, made.display_name, made.language) == (
        "julie.lemoine@bijou.fr",
        "Julie",
        "fr",
    )
    assert (made.role, made.active, made.version, made.rep_links) == ("user", True, 1, ())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "julie@", "display_name": "J"}, "email"),
        ({"email": "julie bijou.fr", "display_name": "J"}, "email"),
        ({"email": "j@bijou.fr", "display_name": "J", "role": "owner"}, "role"),
        ({"email": "j@bijou.fr", "display_name": ""}, "display_name"),
        ({"email": "j@bijou.fr", "display_name": "J", "language": "de"}, "language"),
        ({"email": "j@bijou.fr", "display_name": "J", "tenant": "t-other"}, "tenant"),
        (
            {"email": "j@bijou.fr", "display_name": "J", "rep_links": [{"company": "B"}]},
            "rep_links.0.rep_number",
        ),
    ],
)
def test_bad_input_names_the_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        NewUser.model_validate(body)
    assert field in where(err)


def test_one_rep_per_company_only() -> None:
    links = [{"company": "BIJOU", "rep_number": 3}, {"company": "BIJOU", "rep_number": 4}]
    with pytest.raises(ValidationError) as err:
        NewUser.model_validate({"email": "j@bijou.fr", "display_name": "J", "rep_links": links})
    assert "rep_links" in where(err)
    two = [{"company": "BIJOU", "rep_number": 3}, {"company": "ATELIER", "rep_number": 3}]
    assert (
        len(
            NewUser.model_validate(
                {"email": "j@b.fr", "display_name": "J", "rep_links": two}
            ).rep_links
        )
        == 2
    )


def test_a_patch_applies_only_what_was_sent_and_refuses_nulls() -> None:
    assert UserPatch.model_validate({"version": 3, "language": "en"}).changes() == {
        "language": "en"
    }
    with pytest.raises(ValidationError) as err:
        UserPatch.model_validate({"version": 3, "role": None})
    assert "role" in where(err)
    with pytest.raises(ValidationError) as err:
        UserPatch.model_validate({"language": "en"})
    assert "version" in where(err)


# -- who may change what ----------------------------------------------------------------------
def test_an_admin_changes_anything_and_the_version_moves() -> None:
    before = user("U1")
    patch = UserPatch.model_validate({"version": 1, "role": "viewer", "display_name": "Marc"})
    after = plan_change("ADMIN", True, before, patch, LATER)
    assert (after.role, after.display_name, after.version, after.updated_at) == (
        "viewer",
        "Marc",
        2,
        LATER,
    )


def test_a_user_changes_only_its_own_name_and_language() -> None:
    me = user("U1")
    mine = plan_change(
        "U1", False, me, UserPatch.model_validate({"version": 1, "language": "en"}), LATER
    )
    assert mine.language == "en"
    with pytest.raises(NotAllowed) as err:
        plan_change(
            "U1", False, me, UserPatch.model_validate({"version": 1, "role": "admin"}), LATER
        )
    assert err.value.code == "admin_only_fields" and err.value.details == {"fields": ["role"]}
    assert err.value.message_fr.startswith("Seul un administrateur")
    with pytest.raises(NotAllowed) as err:
        plan_change(
            "U2", False, me, UserPatch.model_validate({"version": 1, "language": "en"}), LATER
        )
    assert err.value.code == "not_your_account"


def test_a_stale_version_is_refused_with_the_current_one() -> None:
    with pytest.raises(Refused) as err:
        plan_change(
            "A",
            True,
            user(version=4),
            UserPatch.model_validate({"version": 3, "language": "en"}),
            LATER,
        )
    assert err.value.code == "stale_version" and err.value.details == {"current_version": 4}


def test_a_change_that_changes_nothing_keeps_the_version() -> None:
    before = user(language="en")
    assert (
        plan_change(
            "A", True, before, UserPatch.model_validate({"version": 1, "language": "en"}), LATER
        )
        is before
    )


def test_an_admin_cannot_lock_itself_out_but_can_demote_another_admin() -> None:
    me, other = user("A1", "admin"), user("A2", "admin")
    for body in ({"version": 1, "active": False}, {"version": 1, "role": "user"}):
        with pytest.raises(Refused) as err:
            plan_change("A1", True, me, UserPatch.model_validate(body), LATER)
        assert err.value.code == "own_admin_rights"
    with pytest.raises(Refused):
        plan_activation("A1", me, False, LATER)
    assert (
        plan_change(
            "A1", True, other, UserPatch.model_validate({"version": 1, "role": "user"}), LATER
        ).role
        == "user"
    )
    assert plan_activation("A1", other, False, LATER).active is False


def test_the_active_admin_count_moves_only_when_an_active_admin_comes_or_goes() -> None:
    admin, user_, off = user(role="admin"), user(), user(role="admin", active=False)
    assert admin_delta(None, admin) == 1 and admin_delta(None, off) == 0
    assert admin_delta(admin, user_) == -1 and admin_delta(admin, off) == -1
    assert (
        admin_delta(off, admin) == 1
        and admin_delta(user_, user_) == 0
        and admin_delta(admin, admin) == 0
    )


@given(
    st.integers(0, 2**40),
    st.integers(1, 10**6),
    st.binary(min_size=10, max_size=10),
    st.binary(min_size=10, max_size=10),
)
def test_user_ids_sort_by_creation_time(ms: int, gap: int, a: bytes, b: bytes) -> None:
    first = new_user_id(datetime.fromtimestamp(ms / 1000, UTC), a)
    second = new_user_id(datetime.fromtimestamp((ms + gap) / 1000, UTC), b)
    assert len(first) == 26 and first < second
    assert set(first) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


# -- proposals from Sage reps -----------------------------------------------------------------
def rep(
    number: int,
    company: str = "BIJOU",
    *,
    seller: bool = False,
    collector: bool = False,
    email: str = "",
    last: str = "BENARD",
    first: str = "Sophie",
) -> Rep:
    return Rep(
        company=company,
        number=number,
        last_name=last,
        first_name=first,
        email=email,
        is_salesperson=seller,
        is_collector=collector,
        function="Recouvrement" if collector else "",
    )


def test_collectors_become_users_salespeople_viewers_others_nothing() -> None:
    found = proposals(
        [
            rep(1, seller=True, last="LEMOINE", first="Julie", email="julie@bijou.fr"),
            rep(3, collector=True, email="sophie@bijou.fr"),
            rep(4, seller=True, collector=True, last="Traoré", first="Ibrahim"),
            rep(8, last="WEBER", first="Anne"),  # finance only: not proposed
        ],
        [],
    )
    assert [(p.display_name, p.suggested_role) for p in found] == [
        ("Ibrahim Traoré", "user"),
        ("Sophie Benard", "user"),
        ("Julie Lemoine", "viewer"),
    ]


def test_linked_reps_are_not_proposed_and_known_emails_point_at_their_user() -> None:
    linked = user("U1", rep_links=[RepLink(company="BIJOU", rep_number=3)])
    known = user("U2", email="julie@bijou.fr")
    found = proposals(
        [
            rep(3, collector=True),
            rep(1, seller=True, email="Julie@Bijou.fr"),
            rep(3, "ATELIER", collector=True),
        ],
        [linked, known],
    )
    assert [(p.rep_links, p.existing_user_id, p.email) for p in found] == [
        ((RepLink(company="ATELIER", rep_number=3),), None, ""),
        ((RepLink(company="BIJOU", rep_number=1),), "U2", "julie@bijou.fr"),
    ]


def test_one_person_in_two_companies_is_one_proposal() -> None:
    found = proposals(
        [
            rep(3, collector=True, email="sophie@groupe.fr"),
            rep(7, "ATELIER", seller=True, email="sophie@groupe.fr"),
            rep(9, collector=True, email="not-an-email"),
        ],
        [],
    )
    assert len(found) == 2
    sophie = next(p for p in found if p.email)
    assert sophie.suggested_role == "user" and {link.company for link in sophie.rep_links} == {
        "BIJOU",
        "ATELIER",
    }
    assert next(p for p in found if not p.email).rep_links == (
        RepLink(company="BIJOU", rep_number=9),
    )
