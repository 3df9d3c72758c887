"""The access matrix: every rule of the URL map, and who may use it on what
(``access_matrix.toml``), checked with real requests against real objects of two
districts. A route missing from the matrix fails; an unexpected allow fails; another
district's objects answer 404.

Each row is ``"<rule>" = { GET = "<cells>", POST = "<cells>" }`` with one word per
role, in the order anonymous, teacher, coach, school_leader, district_admin, admin:

- ``public``  anonymous visitors may use it;
- ``signin``  anonymous visitors are sent to sign in (or get 401 from the API);
- ``no``      refused: 401, 403, 404 or a redirect to the sign-in page;
- ``yes``     allowed (no object of a district in the address, or a public one);
- ``own``     allowed on the person's own object; another district's answers 404;
- ``school``  allowed on their own school's object, while the same district's other
              school's object and another district's answer 404; on a page without
              an object, allowed but never showing the other school's teacher;
- ``district`` allowed on their district's object; another district's answers 404;
- ``all``     allowed on any district's object.

A row may add ``args = { name = "world value" }`` when an argument name means
another kind of object on that route. GET cells are all requested; POST cells are
requested (with an empty form) where the answer must be a refusal: ``no``,
``signin``, and another district's object for ``own`` and ``district``. An argument
the world does not seed stands for an object that does not exist: only the row's
refusals are checked until ``access_world.py`` seeds it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from tests.helpers import sign_in
from tests.privacy.access_world import ROLES, World, seed_world

MATRIX_PATH = Path(__file__).with_name("access_matrix.toml")
CELLS = {"public", "signin", "no", "yes", "own", "school", "district", "all"}
ALLOWED = {"public", "yes", "own", "school", "district", "all"}
SCOPED = {"own", "school", "district"}
_ARG = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")


def load_matrix() -> dict[str, dict[str, object]]:
    with MATRIX_PATH.open("rb") as handle:
        return tomllib.load(handle)


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def cells_of(row: dict[str, object], method: str) -> dict[str, str]:
    words = str(row[method]).split()
    assert len(words) == len(ROLES), f"{method} needs {len(ROLES)} words: {words}"
    return dict(zip(ROLES, words, strict=True))


#: Stands for an object the world does not seed (a route added after
#: access_world.py): its row's refusals are still checked, its allows are not.
UNSEEDED = "987654321"


def fill(rule: str, values: dict[str, str], args: dict[str, str]) -> str:
    return _ARG.sub(
        lambda m: values.get(args.get(m.group(1), m.group(1)), UNSEEDED), rule
    )


def has_objects(rule: str) -> bool:
    return bool(_ARG.search(rule))


def to_signin(response: TestResponse) -> bool:
    return response.status_code in (
        301,
        302,
        303,
    ) and "/signin" in response.headers.get("Location", "")


def denied(response: TestResponse) -> bool:
    return response.status_code in (401, 403, 404) or to_signin(response)


def allowed(response: TestResponse) -> bool:
    location = response.headers.get("Location", "")
    return (
        response.status_code < 500
        and response.status_code not in (401, 403, 404)
        and not to_signin(response)
        and "/account/two-factor" not in location
    )


# --- the matrix covers the URL map ----------------------------------------------------


def test_every_route_and_method_has_a_row_and_every_row_a_route(app: Flask) -> None:
    matrix = load_matrix()
    missing, stale, bad = [], [], []
    seen = set()
    for rule in app.url_map.iter_rules():
        seen.add(rule.rule)
        row = matrix.get(rule.rule)
        for method in methods(rule):
            if row is None or method not in row:
                missing.append(f"{method} {rule.rule}")
    for path, row in matrix.items():
        if path not in seen:
            stale.append(path)
            continue
        for key, value in row.items():
            if key == "args":
                continue
            words = str(value).split()
            if len(words) != len(ROLES) or not set(words) <= CELLS:
                bad.append(f"{key} {path}: {value!r}")
            elif words[0] not in {"public", "signin", "no"}:
                bad.append(f"{key} {path}: a visitor's cell must be public/signin/no")
            elif "public" in words[1:] or "signin" in words[1:]:
                bad.append(f"{key} {path}: public/signin are for visitors only")
    assert not missing, "Add these routes to access_matrix.toml:\n" + "\n".join(missing)
    assert not stale, "These matrix rows name no route:\n" + "\n".join(stale)
    assert not bad, "\n".join(bad)


# --- every cell, with real requests ---------------------------------------------------


@pytest.fixture
def world(session: Session) -> Iterator[World]:
    yield seed_world()


def client_for(app: Flask, world: World, role: str) -> FlaskClient:
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, world.a.people[role])
    return client


def check_role(app: Flask, world: World, role: str) -> list[str]:
    """Every request of ``role`` the matrix asks for; the problems found."""
    matrix = load_matrix()
    client = client_for(app, world, role)
    problems: list[str] = []
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    # Requests that end the session go last.
    rules.sort(key=lambda r: r.rule == "/signout")
    for rule in rules:
        row = matrix.get(rule.rule)
        if row is None:
            continue  # reported by the coverage test
        args = dict(row.get("args", {}))  # type: ignore[call-overload]
        for method in methods(rule):
            if method not in row:
                continue
            cell = cells_of(row, method)[role]
            url_a = fill(rule.rule, world.a.values, args)
            url_b = fill(rule.rule, world.b.values, args)
            scoped = has_objects(rule.rule) and url_a != url_b
            if cell == "school":
                problems += check_school(client, rule.rule, method, world, args)
            if UNSEEDED in url_a and cell not in ("no", "signin"):
                continue  # seed the object in access_world.py to check this cell
            if method == "GET":
                response = client.get(url_a)
                response.close()
                if cell in ALLOWED and not allowed(response):
                    problems.append(
                        f"{role} GET {url_a}: expected {cell}, got "
                        f"{response.status_code} {response.headers.get('Location', '')}"
                    )
                if cell == "signin" and not (
                    to_signin(response) or response.status_code == 401
                ):
                    problems.append(
                        f"{role} GET {url_a}: expected sign-in, got "
                        f"{response.status_code}"
                    )
                if cell == "no" and not denied(response):
                    problems.append(
                        f"{role} GET {url_a}: UNEXPECTED ALLOW ({response.status_code})"
                    )
                if scoped and cell in SCOPED:
                    other = client.get(url_b)
                    other.close()
                    if other.status_code != 404:
                        problems.append(
                            f"{role} GET {url_b} (another district): expected 404, "
                            f"got {other.status_code}"
                        )
                if scoped and cell == "all":
                    other = client.get(url_b)
                    other.close()
                    if not allowed(other):
                        problems.append(
                            f"{role} GET {url_b} (another district): expected all, "
                            f"got {other.status_code}"
                        )
                continue
            if cell in ("no", "signin"):
                response = client.open(url_a, method=method, data={})
                ok = (
                    denied(response)
                    if cell == "no"
                    else to_signin(response) or response.status_code == 401
                )
                if not ok:
                    problems.append(
                        f"{role} {method} {url_a}: UNEXPECTED ALLOW "
                        f"({response.status_code} "
                        f"{response.headers.get('Location', '')})"
                    )
            elif scoped and cell in SCOPED:
                response = client.open(url_b, method=method, data={})
                if response.status_code != 404:
                    problems.append(
                        f"{role} {method} {url_b} (another district): expected 404, "
                        f"got {response.status_code}"
                    )
    return problems


def check_school(
    client: FlaskClient, rule: str, method: str, world: World, args: dict[str, str]
) -> list[str]:
    """A ``school`` cell: the same district's other school is out of reach. With an
    object in the address, that school's object answers 404; without, the page
    never names that school's teacher."""
    other_values = {**world.a.values, **world.a.other_school}
    url_other = fill(rule, other_values, args)
    if has_objects(rule):
        if url_other == fill(rule, world.a.values, args):
            return [f"{rule}: a school cell needs an object of the other school"]
        response = client.open(url_other, method=method, data={})
        response.close()
        if response.status_code != 404:
            return [
                f"{method} {url_other} (another school of the district): expected "
                f"404, got {response.status_code}"
            ]
        return []
    if method != "GET":
        return []
    response = client.get(url_other)
    shown = response.get_data(as_text=True)
    response.close()
    if world.a.other_school_teacher in shown:
        return [
            f"GET {url_other}: shows {world.a.other_school_teacher!r} of another "
            "school of the district"
        ]
    return []


def test_school_cells_hide_data_a_district_administrator_sees(
    app: Flask, world: World
) -> None:
    """The other school's teacher and record are real: the district administrator
    sees them on the pages where a school leader must not."""
    office = client_for(app, world, "district_admin")
    for path in ("/district/staff", "/district/ledger", "/district/staff.csv"):
        assert world.a.other_school_teacher in office.get(path).get_data(as_text=True)
    record = world.a.other_school["record_id"]
    assert office.get(f"/district/approvals/{record}").status_code == 200
    leader = client_for(app, world, "school_leader")
    assert leader.get(f"/district/approvals/{record}").status_code == 404
    assert (
        leader.get(f"/district/approvals/{world.a.values['record_id']}").status_code
        == 200
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_cell_of_the_matrix_holds_for(
    app: Flask, world: World, role: str
) -> None:
    problems = check_role(app, world, role)
    assert not problems, "\n".join(problems)
