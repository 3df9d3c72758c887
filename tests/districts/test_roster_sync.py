"""Roster sync from a OneRoster 1.2 REST provider (a real one on loopback, reached
with real OAuth 2.0 client credentials): the district saves the connection (the
secret encrypted), previews a sync with every problem by record, applies it (new
people invited, an email change keeps the person, people gone deactivated), a second
sync changes nothing, a refused secret or a broken provider says so and writes
nothing, another district's syncs are 404, and the daily task syncs only the
districts that chose it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from pdhub.accounts.models import Role, User
from pdhub.districts import rostersync
from pdhub.districts.models import (
    Invitation,
    RosterConnection,
    RosterEntry,
    RosterImport,
    RosterSync,
    RosterSyncStatus,
)
from tests.districts.oneroster_provider import SCOPE, Provider, org, serve, user
from tests.factories import UserFactory
from tests.helpers import free_port, sign_in, text

ORGS = [
    org("d1", "Riverside District", kind="district"),
    org("s1", "Hillside Elementary"),
    org("s2", "Lakeview Middle"),
]


@pytest.fixture
def provider(app: Flask) -> Iterator[Provider]:
    with serve(Provider(orgs=list(ORGS))) as running:
        before = app.config["PDHUB_ROSTER_ALLOWED_HOSTS"]
        app.config["PDHUB_ROSTER_ALLOWED_HOSTS"] = running.origin
        try:
            yield running
        finally:
            app.config["PDHUB_ROSTER_ALLOWED_HOSTS"] = before


def _connect(
    client: FlaskClient, provider: Provider, secret: str | None = None
) -> None:
    response = client.post(
        "/district/integrations/roster",
        data={
            "conn-base_url": provider.base_url,
            "conn-token_url": provider.token_url,
            "conn-client_id": provider.client_id,
            "conn-client_secret": provider.client_secret if secret is None else secret,
            "conn-schedule": "off",
        },
    )
    assert response.status_code == 303, text(response)[:3000]


def _preview(client: FlaskClient) -> tuple[int, str]:
    response = client.post("/district/integrations/roster/sync")
    assert response.status_code == 303
    location = response.headers["Location"]
    sync_id = int(re.search(r"/syncs/(\d+)$", location).group(1))  # type: ignore[union-attr]
    return sync_id, text(client.get(location))


def _apply(client: FlaskClient, sync_id: int) -> str:
    response = client.post(f"/district/integrations/roster/syncs/{sync_id}/apply")
    assert response.status_code == 303
    return text(client.get(f"/district/integrations/roster/syncs/{sync_id}"))


def test_settings_keep_the_secret_encrypted_and_the_preview_lists_problems_by_record(
    client: FlaskClient, session: Session, provider: Provider
) -> None:
    admin = UserFactory(district_admin=True)
    sign_in(client, admin)
    page = text(client.get("/district/integrations/roster"))
    assert "Connect your rostering provider" in page and "Preview sync now" not in page
    _connect(client, provider)
    raw = session.execute(
        sql("SELECT client_secret_encrypted FROM roster_connections")
    ).scalar_one()
    assert provider.client_secret not in raw  # sealed with PDHUB_DATA_KEY
    page = text(client.get("/district/integrations/roster"))
    assert "Preview sync now" in page
    assert provider.client_secret not in page  # never shown back

    provider.users = [
        user("t1", "Ana", "Ruiz", "ana@example.org"),
        user("t2", "Ben", "Ode", "not-an-email", school="s2"),
        user("t3", "Cy", "Lo", "cy@example.org", school="s9"),
        user("t4", "Di", "Ma", "di@example.org", role="techer"),
        user("st1", "Stu", "Dent", "stu@example.org", role="student"),
    ]
    sync_id, page = _preview(client)
    assert "3 problems to correct" in page
    for record, column, words in [
        ("t2", "email", '"not-an-email" is not an email address.'),
        ("t3", "orgSourcedIds", "No school in orgs has the sourcedId s9."),
        ("t4", "role", '"techer" is not a OneRoster role'),
    ]:
        assert re.search(
            rf"<td>users</td><td>\d+ \({record}\)</td><td>{column}</td>"
            rf"<td>{re.escape(words)}",
            page,
        ), record
    assert "Apply" not in re.sub(r"<title>.*?</title>", "", page).split("</h1>")[1]
    assert session.scalar(select(func.count(RosterEntry.id))) == 0
    assert session.scalar(select(func.count(Invitation.id))) == 0
    # The provider was read with a bearer token for the roster scope, page by page.
    assert provider.scopes == [SCOPE]
    assert sum("/users" in r for r in provider.requests) == 3  # 5 users, 2 a page
    assert any("offset=2" in r for r in provider.requests)

    provider.users = [u for u in provider.users if u["sourcedId"] in ("t1", "st1")]
    provider.users.append(user("t2", "Ben", "Ode", "ben@example.org", school="s2"))
    _, page = _preview(client)
    assert "The roster is ready" in page
    assert "invite 2 new people by email" in page
    assert "leave out 1 student or family member" in page
    assert (
        "Ana Ruiz" in page and "ben@example.org" in page and "Lakeview Middle" in page
    )
    assert "Stu Dent" not in page
    assert session.scalar(select(func.count(Invitation.id))) == 0
    assert sync_id  # the first preview stays listed
    assert "Needs corrections at the provider" in text(
        client.get("/district/integrations/roster")
    )


def test_apply_invites_updates_keeps_people_by_sourced_id_and_deactivates_leavers(
    client: FlaskClient, session: Session, provider: Provider
) -> None:
    admin = UserFactory(district_admin=True)
    district = admin.district
    cy = UserFactory(district=district, email="cy@example.org", name="Cy Old")
    eve = UserFactory(district=district, email="eve@example.org", name="Eve Ng")
    sign_in(client, admin)
    _connect(client, provider)
    provider.users = [
        user("t1", "Ana", "Ruiz", "ana@example.org"),
        user("t3", "Cy", "Lo", "cy@example.org", role="principal", school="s2"),
        user("t5", "Eve", "Ng", "eve@example.org"),
    ]
    sync_id, page = _preview(client)
    assert "invite 1 new person by email" in page
    assert "bring 2 people up to date" in page
    done = _apply(client, sync_id)
    assert "Finished" in done and "1 invited" in done and "2 updated" in done, done
    session.expire_all()
    assert cy.role is Role.SCHOOL_LEADER and cy.name == "Cy Lo"
    assert cy.school is not None and cy.school.name == "Lakeview Middle"
    assert (
        session.scalar(
            select(func.count(Invitation.id)).where(
                Invitation.email == "ana@example.org"
            )
        )
        == 1
    )

    # Cy's address changes, Eve is to be deleted, Ana is no longer listed.
    provider.users = [
        user("t3", "Cy", "Lo", "cy.lo@example.org", role="principal", school="s2"),
        user("t5", "Eve", "Ng", "eve@example.org", status="tobedeleted"),
    ]
    sync_id, page = _preview(client)
    assert "deactivate 2 people no longer listed" in page
    done = _apply(client, sync_id)
    assert "Finished" in done and "2 deactivated" in done, done
    session.expire_all()
    assert cy.email == "cy.lo@example.org" and cy.active  # the same person
    assert not eve.active
    assert (
        session.scalar(
            select(func.count(User.id)).where(User.email == "cy.lo@example.org")
        )
        == 1
    )
    invitation = session.scalar(
        select(Invitation).where(Invitation.email == "ana@example.org")
    )
    assert invitation is not None and invitation.revoked_at is not None

    # The same roster again: nothing changes, nobody is duplicated.
    counts = [
        session.scalar(select(func.count(model.id)))
        for model in (User, RosterEntry, Invitation)
    ]
    sync_id, page = _preview(client)
    assert "invite 0 new people by email" in page
    assert "deactivate 0 people no longer listed" in page
    done = _apply(client, sync_id)
    assert "0 invited" in done and "0 updated" in done and "1 unchanged" in done, done
    assert [
        session.scalar(select(func.count(model.id)))
        for model in (User, RosterEntry, Invitation)
    ] == counts
    connection = session.scalar(select(RosterConnection))
    assert connection is not None and connection.last_synced_at is not None


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("secret", "The provider refused the client id and secret (invalid_client)"),
        ("down", "The provider answered GET /orgs with HTTP 503"),
        (
            "garbage",
            "The provider's answer to GET /orgs is not OneRoster JSON "
            '(no "orgs" list)',
        ),
        ("unreachable", "The provider's token address could not be reached"),
        ("private", "The provider's address 127.0.0.1 is not on the public internet"),
    ],
)
def test_a_refused_or_broken_provider_is_explained_and_nothing_is_written(
    app: Flask,
    client: FlaskClient,
    session: Session,
    provider: Provider,
    breakage: str,
    message: str,
) -> None:
    admin = UserFactory(district_admin=True)
    sign_in(client, admin)
    provider.users = [user("t1", "Ana", "Ruiz", "ana@example.org")]
    _connect(client, provider, secret="wrong-secret" if breakage == "secret" else None)
    if breakage in ("down", "garbage"):
        provider.mode = breakage
    if breakage == "unreachable":
        connection = session.scalar(select(RosterConnection))
        assert connection is not None
        closed = f"http://127.0.0.1:{free_port()}"  # nobody listens there
        app.config["PDHUB_ROSTER_ALLOWED_HOSTS"] += "," + closed
        connection.token_url = closed + "/oauth/token"
        session.commit()
    if breakage == "private":  # https, but to a loopback address nobody allowed
        connection = session.scalar(select(RosterConnection))
        assert connection is not None
        connection.token_url = f"https://127.0.0.1:{provider.port}/oauth/token"
        session.commit()
    _, page = _preview(client)
    assert "The roster could not be read" in page
    assert message in page
    assert "Nothing has been saved." in page
    sync = session.scalar(select(RosterSync))
    assert sync is not None and sync.status is RosterSyncStatus.FAILED
    assert sync.error is not None and message in sync.error
    assert session.scalar(select(func.count(RosterImport.id))) == 0
    assert session.scalar(select(func.count(RosterEntry.id))) == 0
    assert session.scalar(select(func.count(Invitation.id))) == 0
    assert message in text(client.get("/district/integrations/roster"))


def test_the_provider_refuses_requests_without_its_token(provider: Provider) -> None:
    import requests

    answer = requests.get(provider.base_url + "/users", timeout=5)
    assert answer.status_code == 401
    answer = requests.get(
        provider.base_url + "/users",
        headers={"Authorization": "Bearer nope"},
        timeout=5,
    )
    assert answer.status_code == 401


def test_settings_are_checked(client: FlaskClient, session: Session) -> None:
    admin = UserFactory(district_admin=True)
    sign_in(client, admin)
    response = client.post(
        "/district/integrations/roster",
        data={
            "conn-base_url": "http://sis.example.org/ims/oneroster/rostering/v1p2",
            "conn-token_url": "https://sis.example.org/token",
            "conn-client_id": "pdhub",
            "conn-client_secret": "",
            "conn-schedule": "daily",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "Enter the full https:// address your rostering provider gave you." in page
    assert session.scalar(select(func.count(RosterConnection.id))) == 0


def test_another_districts_syncs_are_not_found(
    client: FlaskClient, session: Session, provider: Provider
) -> None:
    other_admin = UserFactory(district_admin=True)
    provider.users = [user("t1", "Ana", "Ruiz", "ana@example.org")]
    sign_in(client, other_admin)
    _connect(client, provider)
    other_sync, page = _preview(client)
    assert "The roster is ready" in page
    client.post("/signout")

    admin = UserFactory(district_admin=True)
    sign_in(client, admin)
    assert (
        client.get(f"/district/integrations/roster/syncs/{other_sync}").status_code
        == 404
    )
    response = client.post(f"/district/integrations/roster/syncs/{other_sync}/apply")
    assert response.status_code == 404
    page = text(client.get("/district/integrations/roster"))
    assert provider.base_url not in page and "No syncs yet." in page
    assert session.scalar(select(func.count(Invitation.id))) == 0


def test_the_daily_task_syncs_only_the_districts_that_chose_daily(
    session: Session, provider: Provider
) -> None:
    daily_admin = UserFactory(district_admin=True)
    off_admin = UserFactory(district_admin=True)
    provider.users = [
        user("t1", "Ana", "Ruiz", "ana@example.org"),
        user("t2", "Ben", "Ode", "ben@example.org", school="s2"),
    ]
    for admin, schedule in ((daily_admin, "daily"), (off_admin, "off")):
        rostersync.save_connection(
            session,
            admin,
            admin.district,
            rostersync.Settings(
                base_url=provider.base_url,
                token_url=provider.token_url,
                client_id=provider.client_id,
                client_secret=provider.client_secret,
                schedule=rostersync.RosterSchedule(schedule),
            ),
        )
    session.commit()
    from workers.tasks import start_daily_roster_syncs

    assert start_daily_roster_syncs.apply().get() == [daily_admin.district_id]
    session.expire_all()
    syncs = session.scalars(select(RosterSync)).all()
    assert [(s.district_id, s.scheduled, s.status) for s in syncs] == [
        (daily_admin.district_id, True, RosterSyncStatus.DONE)
    ]
    invited = session.scalars(select(Invitation.district_id)).all()
    assert invited == [daily_admin.district_id] * 2
    # Synced today: the next hourly run leaves it alone.
    assert start_daily_roster_syncs.apply().get() == []


def test_dana_sees_the_demo_roster_connection(
    client: FlaskClient, session: Session
) -> None:
    from pdhub import demo

    dana = UserFactory(district_admin=True, email="district@riverside.example.org")
    demo.seed_roster_sync_demo(session, dana.district)
    demo.seed_roster_sync_demo(session, dana.district)  # idempotent
    session.commit()
    assert session.scalar(select(func.count(RosterConnection.id))) == 1
    connection = session.scalar(select(RosterConnection))
    assert connection is not None and connection.updated_by_id == dana.id
    sign_in(client, dana)
    page = text(client.get("/district/roster"))
    assert "/district/integrations/roster" in page  # from Import staff
    page = text(client.get("/district/integrations"))
    assert 'href="/district/integrations/roster"' in page  # the lead's index
    page = text(client.get("/district/integrations/roster"))
    assert "Roster sync (OneRoster)" in page and "Preview sync now" in page
    assert "https://sis.riverside.example/ims/oneroster/rostering/v1p2" in page
    assert "demo-secret-not-a-real-one" not in page
