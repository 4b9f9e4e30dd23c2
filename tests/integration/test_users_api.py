"""Users and roles over HTTP (local API Gateway -> api function -> DynamoDB Local).

Tokens are the local JWTs the dev server verifies like API Gateway's Cognito authorizer.
Each test has its own tenants; "foreign" is an admin of another tenant.
"""

from __future__ import annotations

import itertools
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from relance.domain.records import Rep
from relance.services.users import UserService, seed_demo_users
from relance.store.users import UserStore

pytestmark = pytest.mark.integration
_emails = itertools.count()


@dataclass
class Client:
    """One signed-in person: a tenant, a role, a Cognito-like `sub`."""

    api_url: str
    token: str

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.api_url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return int(answer.status), json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as err:
            return int(err.code), json.loads(err.read() or b"null")

    def get(self, path: str) -> tuple[int, Any]:
        return self.call("GET", path)

    def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.call("POST", path, {} if body is None else body)

    def patch(self, path: str, body: Any) -> tuple[int, Any]:
        return self.call("PATCH", path, body)


@dataclass
class Workspace:
    tenant: str
    boot: Client  # an admin Cognito knows but Relance does not store (the first admin)
    admin: Client
    user: Client
    viewer: Client
    foreign: Client
    ids: dict[str, str]
    login: Callable[[str, str, str], Client]


def new_email(name: str = "personne") -> str:
    return f"{name}.{next(_emails)}@exemple.fr"


@pytest.fixture
def workspace(api_url: str, local_keys: Any, new_tenant: Any) -> Workspace:
    tenant, other = new_tenant().id, new_tenant().id

    def login(tenant_id: str, role: str, sub: str) -> Client:
        token = local_keys.issue(
            tenant=tenant_id, role=role, user_id=sub, email=f"{sub}@x.fr", now=datetime.now(UTC)
        )
        return Client(api_url, token)

    boot = login(tenant, "admin", "boot-admin")
    ids = {}
    for role, name in (
        ("admin", "Hélène Garnier"),
        ("user", "Sophie Benard"),
        ("viewer", "Anne Weber"),
        ("user", "Marc Cible"),
    ):
        status, made = boot.post(
            "/users", {"email": new_email(), "display_name": name, "role": role}
        )
        assert status == 201, made
        ids[name] = made["user_id"]
    return Workspace(
        tenant=tenant,
        boot=boot,
        admin=login(tenant, "admin", ids["Hélène Garnier"]),
        user=login(tenant, "user", ids["Sophie Benard"]),
        viewer=login(tenant, "viewer", ids["Anne Weber"]),
        foreign=login(other, "admin", "foreign-admin"),
        ids={
            "admin": ids["Hélène Garnier"],
            "user": ids["Sophie Benard"],
            "viewer": ids["Anne Weber"],
            "target": ids["Marc Cible"],
        },
        login=login,
    )


def listed(ws: Workspace) -> list[dict[str, Any]]:
    status, body = ws.boot.get("/users")
    assert status == 200
    return list(body["users"])


def version_of(ws: Workspace, user_id: str) -> int:
    return int(ws.boot.get(f"/users/{user_id}")[1]["version"])


# -- the role matrix --------------------------------------------------------------------------
def test_every_route_answers_each_role_as_the_matrix_says(workspace: Workspace) -> None:
    ws = workspace
    target = ws.ids["target"]
    # route -> body (built at call time) -> expected status per caller; admin goes last so
    # the refused calls before it find the data as it was.
    matrix: list[tuple[str, str, Callable[[], Any], dict[str, int]]] = [
        ("GET", "/me", lambda: None, {"user": 200, "viewer": 200, "foreign": 200, "admin": 200}),
        ("GET", "/users", lambda: None, {"user": 403, "viewer": 403, "foreign": 200, "admin": 200}),
        (
            "POST",
            "/users",
            lambda: {"email": new_email(), "display_name": "Nouveau"},
            {"user": 403, "viewer": 403, "foreign": 201, "admin": 201},
        ),
        (
            "GET",
            "/users/proposals",
            lambda: None,
            {"user": 403, "viewer": 403, "foreign": 200, "admin": 200},
        ),
        (
            "GET",
            f"/users/{target}",
            lambda: None,
            {"user": 403, "viewer": 403, "foreign": 404, "admin": 200},
        ),
        (
            "PATCH",
            f"/users/{target}",
            lambda: {"version": version_of(ws, target), "display_name": "Marc C."},
            {"user": 403, "viewer": 403, "foreign": 404, "admin": 200},
        ),
        (
            "POST",
            f"/users/{target}/deactivate",
            lambda: {},
            {"user": 403, "viewer": 403, "foreign": 404, "admin": 200},
        ),
        (
            "POST",
            f"/users/{target}/activate",
            lambda: {},
            {"user": 403, "viewer": 403, "foreign": 404, "admin": 200},
        ),
    ]
    for method, path, body, expected in matrix:
        for who in ("user", "viewer", "foreign", "admin"):
            client: Client = getattr(ws, who)
            ours = listed(ws)
            status, answer = client.call(method, path, body())
            assert status == expected[who], (method, path, who, answer)
            if status == 403:
                assert answer["error"]["message"] and answer["error"]["message_fr"]
            if who != "admin":
                assert listed(ws) == ours  # refused, or another tenant's: nothing of ours moved
            if who == "foreign":
                # Never the data: not the target's name, not our users, not our tenant.
                text = json.dumps(answer, ensure_ascii=False)
                assert "Marc" not in text and ws.tenant not in text
                theirs = {u["user_id"] for u in (answer or {}).get("users", [])}
                assert not theirs & {u["user_id"] for u in ours}


def test_a_user_sees_and_changes_only_itself_and_only_its_name_and_language(
    workspace: Workspace,
) -> None:
    ws = workspace
    me = ws.ids["user"]
    status, mine = ws.user.get(f"/users/{me}")
    assert status == 200 and mine["role"] == "user"
    status, changed = ws.user.patch(
        f"/users/{me}", {"version": mine["version"], "display_name": "Sophie B.", "language": "en"}
    )
    assert status == 200 and (changed["display_name"], changed["language"], changed["version"]) == (
        "Sophie B.",
        "en",
        2,
    )
    status, refused = ws.user.patch(f"/users/{me}", {"version": 2, "role": "admin"})
    assert status == 403 and refused["error"]["code"] == "admin_only_fields"
    assert refused["error"]["message_fr"].startswith("Seul un administrateur")
    assert ws.user.get(f"/users/{ws.ids['admin']}")[0] == 403
    assert ws.user.patch(f"/users/{ws.ids['viewer']}", {"version": 1, "language": "en"})[0] == 403
    # A viewer reads business data only, but its own display settings are its own (V9).
    assert ws.viewer.patch(f"/users/{ws.ids['viewer']}", {"version": 1, "language": "en"})[0] == 200
    status, me_now = ws.user.get("/me")
    assert status == 200 and me_now["stored"] and me_now["display_name"] == "Sophie B."


def test_me_without_a_stored_user_is_the_token_identity(workspace: Workspace) -> None:
    status, me = workspace.boot.get("/me")
    assert status == 200
    assert me == {
        "user_id": "boot-admin",
        "email": "boot-admin@x.fr",
        "role": "admin",
        "language": "fr",
        "tenant": workspace.tenant,
        "stored": False,
    }


def test_unknown_ids_are_404_for_everyone(workspace: Workspace) -> None:
    for client in (workspace.admin, workspace.user, workspace.viewer):
        assert client.get("/users/01JUNKNOWNUSER0000000000000")[0] == 404
    assert workspace.admin.post("/users/nope/deactivate")[0] == 404


def test_a_deactivated_user_is_refused_at_once_and_an_admin_brings_it_back(
    workspace: Workspace,
) -> None:
    ws = workspace
    me = ws.ids["user"]
    status, off = ws.admin.post(f"/users/{me}/deactivate")
    assert status == 200 and off["active"] is False and off["version"] == 2
    status, refused = ws.user.get(f"/users/{me}")
    assert status == 403 and refused["error"]["code"] == "account_inactive"
    assert ws.user.get("/me")[1]["active"] is False  # it can still learn why
    assert ws.admin.post(f"/users/{me}/deactivate")[1]["version"] == 2  # no change, no write
    assert ws.admin.post(f"/users/{me}/activate")[0] == 200
    assert ws.user.get(f"/users/{me}")[0] == 200


# -- conflicts --------------------------------------------------------------------------------
def test_a_duplicate_email_is_409_whatever_its_case(workspace: Workspace) -> None:
    ws = workspace
    email = new_email("julie.lemoine")
    status, first = ws.admin.post("/users", {"email": email, "display_name": "Julie"})
    assert status == 201
    count = len(listed(ws))
    status, again = ws.admin.post("/users", {"email": email.upper(), "display_name": "Julie bis"})
    assert status == 409
    error = again["error"]
    assert (
        error["code"] == "email_taken"
        and email in error["message"]
        and "existe déjà" in error["message_fr"]
    )
    assert error["details"] == {"where": "email", "user_id": first["user_id"]}
    assert len(listed(ws)) == count
    # The same email in another tenant is another person.
    assert ws.foreign.post("/users", {"email": email, "display_name": "Julie"})[0] == 201


def test_a_stale_version_is_409_and_changes_nothing(workspace: Workspace) -> None:
    ws = workspace
    target = ws.ids["target"]
    assert ws.admin.patch(f"/users/{target}", {"version": 1, "display_name": "Premier"})[0] == 200
    status, stale = ws.boot.patch(f"/users/{target}", {"version": 1, "display_name": "Second"})
    assert status == 409 and stale["error"]["code"] == "stale_version"
    assert stale["error"]["details"] == {"current_version": 2}
    _, now = ws.admin.get(f"/users/{target}")
    assert (now["display_name"], now["version"]) == ("Premier", 2)


def test_concurrent_edits_of_one_version_let_exactly_one_win(workspace: Workspace) -> None:
    ws = workspace
    target = ws.ids["target"]
    statuses: list[int] = []

    def edit(client: Client, name: str) -> None:
        statuses.append(client.patch(f"/users/{target}", {"version": 1, "display_name": name})[0])

    threads = [
        threading.Thread(target=edit, args=(c, n)) for c, n in ((ws.admin, "A"), (ws.boot, "B"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    assert version_of(ws, target) == 2


def test_the_last_active_admin_cannot_be_removed(workspace: Workspace) -> None:
    ws = workspace
    me = ws.ids["admin"]
    status, own = ws.admin.post(f"/users/{me}/deactivate")
    assert status == 409 and own["error"]["code"] == "own_admin_rights"
    assert (
        ws.admin.patch(f"/users/{me}", {"version": 1, "role": "user"})[1]["error"]["code"]
        == "own_admin_rights"
    )
    # Hélène is the only stored admin: nobody, not even another admin token, removes her.
    status, last = ws.boot.post(f"/users/{me}/deactivate")
    assert status == 409 and last["error"]["code"] == "last_admin"
    assert "dernier administrateur" in last["error"]["message_fr"]
    assert (
        ws.boot.patch(f"/users/{me}", {"version": 1, "role": "viewer"})[1]["error"]["code"]
        == "last_admin"
    )
    # With a second admin she can go; then the second one is the last.
    second = ws.ids["target"]
    assert ws.admin.patch(f"/users/{second}", {"version": 1, "role": "admin"})[0] == 200
    assert ws.login(ws.tenant, "admin", second).post(f"/users/{me}/deactivate")[0] == 200
    assert ws.boot.post(f"/users/{second}/deactivate")[1]["error"]["code"] == "last_admin"
    assert version_of(ws, me) == 2 and ws.boot.get(f"/users/{second}")[1]["active"] is True


def test_two_admins_removing_each_other_at_once_leave_one(workspace: Workspace) -> None:
    ws = workspace
    first, second = ws.ids["admin"], ws.ids["target"]
    assert ws.boot.patch(f"/users/{second}", {"version": 1, "role": "admin"})[0] == 200
    statuses: list[int] = []

    def remove(actor: str, victim: str) -> None:
        statuses.append(ws.login(ws.tenant, "admin", actor).post(f"/users/{victim}/deactivate")[0])

    threads = [
        threading.Thread(target=remove, args=pair) for pair in ((first, second), (second, first))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) <= 1 and len(statuses) == 2
    active_admins = [u for u in listed(ws) if u["role"] == "admin" and u["active"]]
    assert len(active_admins) >= 1


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "julie@", "display_name": "Julie"}, "email"),
        ({"email": "julie@bijou.fr", "display_name": "Julie", "role": "owner"}, "role"),
        ({"email": "julie@bijou.fr", "display_name": "Julie", "tenant": "t-other"}, "tenant"),
        ({"email": "julie@bijou.fr"}, "display_name"),
        ({"email": "julie@bijou.fr", "display_name": "Julie", "active": "maybe"}, "active"),
        ([{"email": "julie@bijou.fr"}], ""),
    ],
)
def test_bad_new_users_are_422_with_the_field_and_nothing_is_written(
    workspace: Workspace, body: Any, field: str
) -> None:
    before = listed(workspace)
    status, answer = workspace.admin.post("/users", body)
    assert status == 422, answer
    assert field in [d["where"] for d in answer["error"]["details"]]
    assert answer["error"]["message_fr"]
    assert listed(workspace) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": "Sans version"}, "version"),
        ({"version": "un", "display_name": "X"}, "version"),
        ({"version": 1, "role": None}, "role"),
        ({"version": 1, "email": "new@bijou.fr"}, "email"),  # emails are not editable
        ({"version": 1, "language": "de"}, "language"),
    ],
)
def test_bad_patches_are_422_with_the_field_and_nothing_is_written(
    workspace: Workspace, body: Any, field: str
) -> None:
    target = workspace.ids["target"]
    _, before = workspace.admin.get(f"/users/{target}")
    status, answer = workspace.admin.patch(f"/users/{target}", body)
    assert status == 422 and field in [d["where"] for d in answer["error"]["details"]], answer
    assert workspace.admin.get(f"/users/{target}")[1] == before


def test_a_viewer_is_refused_and_a_malformed_body_only_learns_the_public_schema(
    workspace: Workspace,
) -> None:
    before = listed(workspace)
    good = {"email": "vera@bijou.fr", "display_name": "Vera"}
    assert workspace.viewer.post("/users", good)[0] == 403
    # Bodies are checked against the published schema (GET /openapi.json) before roles: a
    # malformed one gets the same 422 whoever sends it, and tells nothing of the tenant.
    status, answer = workspace.viewer.post("/users", {"email": "bad"})
    assert status == 422 and answer["error"]["code"] == "invalid_body"
    assert listed(workspace) == before


# -- Sage reps: links and proposals -----------------------------------------------------------
REPS = [
    Rep(
        company="BIJOU",
        number=1,
        last_name="LEMOINE",
        first_name="Julie",
        email="julie.lemoine@bijou.fr",
        is_salesperson=True,
    ),
    Rep(
        company="BIJOU",
        number=3,
        last_name="BENARD",
        first_name="Sophie",
        email="sophie.benard@bijou.fr",
        is_collector=True,
    ),
    Rep(
        company="BIJOU",
        number=4,
        last_name="TRAORÉ",
        first_name="Ibrahim",
        is_salesperson=True,
        is_collector=True,
    ),
    Rep(
        company="BIJOU",
        number=8,
        last_name="WEBER",
        first_name="Anne",
        function="Directrice financière",
    ),
    Rep(
        company="ATELIER",
        number=2,
        last_name="BENARD",
        first_name="Sophie",
        email="sophie.benard@bijou.fr",
        is_collector=True,
    ),
    Rep(
        company="ATELIER",
        number=5,
        last_name="CARPENTIER",
        first_name="Marc",
        email="marc@atelier.fr",
        is_salesperson=True,
    ),
]


@pytest.fixture
def with_reps(workspace: Workspace, store: Any) -> Workspace:
    store.register_companies(workspace.tenant, ["BIJOU", "ATELIER"])
    store.write_records(workspace.tenant, REPS)
    return workspace


def test_proposals_come_from_synced_reps_not_yet_linked(with_reps: Workspace) -> None:
    ws = with_reps
    link = {"company": "ATELIER", "rep_number": 5}
    status, marc = ws.admin.post(
        "/users",
        {"email": new_email("marc"), "display_name": "Marc", "role": "viewer", "rep_links": [link]},
    )
    assert status == 201 and marc["rep_links"] == [link]
    status, body = ws.admin.get("/users/proposals")
    assert status == 200
    assert [
        (p["display_name"], p["suggested_role"], p["rep_links"]) for p in body["proposals"]
    ] == [
        ("Ibrahim Traoré", "user", [{"company": "BIJOU", "rep_number": 4}]),
        (
            "Sophie Benard",
            "user",
            [{"company": "ATELIER", "rep_number": 2}, {"company": "BIJOU", "rep_number": 3}],
        ),
        ("Julie Lemoine", "viewer", [{"company": "BIJOU", "rep_number": 1}]),
    ]
    assert len(listed(ws)) == 5  # proposals create nobody
    # Another tenant's admin gets its own (empty) proposals, not these.
    assert ws.foreign.get("/users/proposals") == (200, {"proposals": []})


def test_a_rep_is_linked_once_and_only_if_the_sync_brought_it(with_reps: Workspace) -> None:
    ws = with_reps
    target = ws.ids["target"]
    link = {"company": "BIJOU", "rep_number": 3}
    status, linked = ws.admin.patch(f"/users/{target}", {"version": 1, "rep_links": [link]})
    assert status == 200 and linked["rep_links"] == [link]
    status, taken = ws.admin.post(
        "/users", {"email": new_email(), "display_name": "Bis", "rep_links": [link]}
    )
    assert status == 409 and taken["error"]["code"] == "rep_taken"
    for bad, where in (
        ({"company": "BIJOU", "rep_number": 99}, "rep_links.0.rep_number"),
        ({"company": "NOPE", "rep_number": 3}, "rep_links.0.company"),
    ):
        status, answer = ws.admin.patch(f"/users/{target}", {"version": 2, "rep_links": [bad]})
        assert status == 422 and answer["error"]["details"] == {"where": where}
    # Unlinking frees the rep for someone else.
    assert ws.admin.patch(f"/users/{target}", {"version": 2, "rep_links": []})[0] == 200
    assert (
        ws.admin.post("/users", {"email": new_email(), "display_name": "Ter", "rep_links": [link]})[
            0
        ]
        == 201
    )


def test_demo_users_are_seeded_once_with_sage_reps(
    with_reps: Workspace, store: Any, api_url: str
) -> None:
    ws = with_reps
    service = UserService(UserStore(store.table, store.client), store)
    now = datetime.now(UTC)
    seeded = seed_demo_users(service, ws.tenant, now)
    by_persona = {u["persona"]: u for u in seeded}
    assert [(p, by_persona[p]["role"]) for p in ("admin", "collector", "salesperson", "cfo")] == [
        ("admin", "admin"),
        ("collector", "user"),
        ("salesperson", "viewer"),
        ("cfo", "viewer"),
    ]
    # Sophie Benard the collector is Sage's Sophie Benard; Marc Carpentier the salesperson.
    assert by_persona["collector"]["rep_links"] == [{"company": "ATELIER", "rep_number": 2}]
    assert by_persona["salesperson"]["rep_links"] == [{"company": "ATELIER", "rep_number": 5}]
    assert (
        by_persona["cfo"]["display_name"] == "Anne Weber" and by_persona["cfo"]["rep_links"] == []
    )
    again = seed_demo_users(service, ws.tenant, now)
    assert [u["user_id"] for u in again] == [u["user_id"] for u in seeded]
    assert len(listed(ws)) == 4 + 4
    collector = by_persona["collector"]
    status, me = ws.login(ws.tenant, "user", collector["user_id"]).get("/me")
    assert status == 200 and me["stored"] and me["email"] == collector["email"]
