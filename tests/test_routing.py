"""Routes shared rules: ids outside the columns' range are "not found", and a next
address is followed only when it stays on this site."""

from __future__ import annotations

import re

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from pdhub.accounts import service as accounts
from pdhub.extensions import db
from pdhub.routing import safe_next
from tests.factories import PASSWORD, DistrictFactory, UserFactory
from tests.helpers import sign_in, text

OFF_SITE = [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https:evil.example",
    "https://evil.example/",
    "/%09/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " //evil.example",
    "evil.example",
    "///evil.example",
]

ON_SITE = ["/dashboard", "/learn/3?step=2", "/catalog#top", "/a/b%20c"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_an_off_site_next_is_replaced_by_the_default(target: str) -> None:
    assert safe_next(target, "/dashboard") == "/dashboard"


@pytest.mark.parametrize("target", ON_SITE)
def test_a_path_on_this_site_is_followed(target: str) -> None:
    assert safe_next(target, "/dashboard") == target


@pytest.mark.parametrize("target", ["/\\evil.example", "/%09/evil.example"])
def test_continue_after_two_factor_set_up_stays_on_this_site(
    client: FlaskClient, session: Session, target: str
) -> None:
    teacher = UserFactory(two_factor=False)
    sign_in(client, teacher)
    page = text(client.get("/account/two-factor"))
    secret = re.search(r'class="secret">([A-Z2-7]+)<', page).group(1)
    page = text(
        client.post(
            "/account/two-factor",
            query_string={"next": target},
            data={"code": pyotp.TOTP(secret).now()},
        )
    )
    assert "Your recovery codes" in page
    continue_link = re.search(r'<a class="button" href="([^"]*)">Continue', page)
    assert continue_link.group(1) == "/dashboard"


@pytest.mark.parametrize("target", ["/\\evil.example", "/%09/evil.example"])
def test_sign_in_never_redirects_off_site(
    client: FlaskClient, session: Session, target: str
) -> None:
    teacher = UserFactory(two_factor=False)
    response = client.post(
        "/signin",
        query_string={"next": target},
        data={"email": teacher.email, "password": PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard"


def _int_routes(app: Flask) -> list[tuple[str, str, list[str]]]:
    routes = []
    for rule in app.url_map.iter_rules():
        ints = [
            name
            for name, converter in rule._converters.items()
            if isinstance(converter, IntegerConverter)
        ]
        if ints:
            method = "GET" if "GET" in rule.methods else sorted(rule.methods)[0]
            routes.append((rule.endpoint, method, ints))
    return routes


def test_every_route_with_an_integer_id_is_listed(app: Flask) -> None:
    # The parametrized test below takes the routes from app.url_map; this guards
    # against the list coming back empty.
    assert len(_int_routes(app)) >= 30


@pytest.mark.parametrize("huge", [str(2**31), str(2**63), "1" + "0" * 30, "9" * 5000])
def test_ids_beyond_any_column_answer_not_found_on_every_route(
    app: Flask, client: FlaskClient, session: Session, huge: str
) -> None:
    district = DistrictFactory()
    admin = UserFactory(admin=True)
    district_admin = UserFactory(district_admin=True, district=district)
    token = accounts.create_api_token(db.session, district_admin, "test")
    sign_in(client, admin)
    for endpoint, method, ints in _int_routes(app):
        rule = next(iter(app.url_map.iter_rules(endpoint)))
        values = {name: (huge if name in ints else "x") for name in rule.arguments}
        path = re.sub(
            r"<(?:[a-z]+:)?([a-z_]+)>",
            lambda m, v=values: str(v[m.group(1)]),
            rule.rule,
        )
        response = client.open(
            path, method=method, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 404, (method, path, response.status_code)
        if path.startswith("/api/"):
            assert response.mimetype == "application/problem+json"
