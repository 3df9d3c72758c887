"""Signing in through the real pages, as a browser would."""

from __future__ import annotations

from flask.testing import FlaskClient

from pdhub.accounts.models import User
from tests.factories import PASSWORD, totp_for


def sign_in(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    """Sign ``user`` in through /signin (and /signin/code for two-factor accounts)."""
    response = client.post("/signin", data={"email": user.email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    if user.two_factor_enabled:
        assert response.headers["Location"].startswith("/signin/code")
        response = client.post("/signin/code", data={"code": totp_for(user).now()})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]


def text(response: object) -> str:
    """The body with HTML entities decoded, for asserting on what people read."""
    import html

    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]
