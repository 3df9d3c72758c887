"""/district/integrations: a district administrator's way to each connection with
the systems the district runs (each connection's own page is tested with its real
server), and where the deployment keeps files."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.districts import integrations
from tests.factories import UserFactory
from tests.helpers import sign_in, text


def test_the_page_links_every_connection_this_deployment_offers(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    session.commit()
    sign_in(client, admin)
    assert "/district/integrations" in text(client.get("/district"))
    page = text(client.get("/district/integrations"))
    offered = integrations.available()
    # Every connection of the product is built (none is left as a promise).
    assert [c.endpoint for c in offered] == [
        c.endpoint for c in integrations.CONNECTIONS
    ]
    with app.test_request_context():
        from flask import url_for

        for connection in offered:
            assert f'href="{url_for(connection.endpoint)}"' in page
    assert (
        "stored on this server&#39;s disk" in page
        or "stored on this server's disk" in page
    )


def test_object_storage_is_named_when_files_go_there(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    session.commit()
    app.config["PDHUB_STORAGE_URL"] = "s3://pdhub-evidence/prod"
    app.config["PDHUB_STORAGE_ENDPOINT"] = "https://objects.example.net"
    try:
        sign_in(client, admin)
        page = text(client.get("/district/integrations"))
    finally:
        app.config["PDHUB_STORAGE_URL"] = ""
        app.config["PDHUB_STORAGE_ENDPOINT"] = ""
    assert "pdhub-evidence (objects.example.net)" in page


def test_teachers_and_coaches_are_refused(
    client: FlaskClient, session: Session
) -> None:
    for user in (UserFactory(), UserFactory(coach=True)):
        session.commit()
        sign_in(client, user)
        assert client.get("/district/integrations").status_code in (403, 404)
        client.post("/signout")
