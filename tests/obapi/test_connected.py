"""The teacher's Connected systems page (/account/connected): the systems with
access to their account, what each may do in plain words, when it was allowed and
last used; "Disconnect" revokes its tokens at once, and only the teacher's own."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.obapi.models import OAuthClient, OAuthToken
from tests.factories import UserFactory
from tests.helpers import sign_in, text
from tests.obapi.test_api import BASE, PROFILE, READ, _bearer, _connect


def _client_row(session: Session, client_id: str) -> OAuthClient:
    return session.scalars(
        select(OAuthClient).where(OAuthClient.client_id == client_id)
    ).one()


def test_the_page_lists_the_system_and_disconnect_refuses_its_token_at_once(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory(name="Maya Lopez")
    session.commit()
    sign_in(client, teacher)
    assert "No system is connected to your account." in text(
        client.get("/account/connected")
    )
    assert "/account/connected" in text(client.get("/account"))
    client.post("/signout")

    registered, token = _connect(client, teacher, scope=f"{READ} {PROFILE}")
    access = token["access_token"]
    assert client.get(f"{BASE}/credentials", headers=_bearer(access)).status_code == 200

    sign_in(client, teacher)
    page = text(client.get("/account/connected"))
    assert "Employer Backpack" in page
    assert "See your badges (the signed credentials)" in page
    assert "See your name and email address" in page
    assert "Not used yet" not in page  # it read the badges just now
    row = _client_row(session, registered.client_id)

    response = client.post(f"/account/connected/{row.id}/disconnect")
    assert response.status_code == 303
    page = text(client.get("/account/connected"))
    assert "Employer Backpack is disconnected" in page
    assert "No system is connected to your account." in page

    refused = client.get(f"{BASE}/credentials", headers=_bearer(access))
    assert refused.status_code == 401
    again = client.post(
        f"{BASE}/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        headers=registered.basic,
    )
    assert again.status_code == 400
    # Disconnecting twice finds nothing left to disconnect.
    assert client.post(f"/account/connected/{row.id}/disconnect").status_code == 404


def test_a_teacher_cannot_disconnect_another_teachers_grant_by_id(
    session: Session, client: FlaskClient
) -> None:
    maya = UserFactory(name="Maya Lopez")
    leo = UserFactory(name="Leo Park")
    session.commit()
    registered, token = _connect(client, maya)
    row = _client_row(session, registered.client_id)

    sign_in(client, leo)
    assert "Employer Backpack" not in text(client.get("/account/connected"))
    response = client.post(f"/account/connected/{row.id}/disconnect")
    assert response.status_code == 404
    assert client.post("/account/connected/987654/disconnect").status_code == 404
    client.post("/signout")

    still = client.get(f"{BASE}/credentials", headers=_bearer(token["access_token"]))
    assert still.status_code == 200
    live = session.scalars(
        select(OAuthToken).where(OAuthToken.user_id == maya.id)
    ).all()
    assert [t.access_token_revoked_at for t in live] == [None]
