"""A district's default time zone: its own administrators (or a platform administrator)
set it, and its people without their own choice see times in it."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.districts.models import District, Invitation
from pdhub.templating import format_date
from tests.factories import DistrictFactory, UserFactory
from tests.helpers import sign_in, text


def test_district_admin_sets_the_time_zone_their_people_see(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    teacher = UserFactory(district=admin.district)
    sign_in(client, admin)
    page = text(client.get("/district"))
    assert "see times in UTC until you choose a time zone" in page
    response = client.post(
        "/district/time-zone", data={"tz-time_zone": "America/Denver"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/district#time-zone")
    assert admin.district.time_zone == "America/Denver"
    assert "see times in Mountain time (Denver)" in text(client.get("/district"))
    teacher_browser = client.application.test_client()
    sign_in(teacher_browser, teacher)
    assert "Times show in Mountain time (Denver), your district's time zone" in text(
        teacher_browser.get("/account")
    )


def test_an_unknown_district_time_zone_gets_a_clear_error(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(district_admin=True, district=DistrictFactory(time_zone=None))
    sign_in(client, admin)
    response = client.post("/district/time-zone", data={"tz-time_zone": "Central"})
    assert response.status_code == 422
    assert "Choose a time zone from the list" in text(response)
    assert admin.district.time_zone is None


def test_another_district_admin_cannot_set_this_district_time_zone(
    app: Flask, session: Session
) -> None:
    mine = DistrictFactory(time_zone="America/Chicago")
    theirs = DistrictFactory(time_zone="America/New_York")
    other_admin = UserFactory(district_admin=True, district=theirs)
    browser = app.test_client()
    sign_in(browser, other_admin)
    # The district route takes no id: it changes only the administrator's own district.
    browser.post("/district/time-zone", data={"tz-time_zone": "Pacific/Honolulu"})
    session.refresh(mine)
    session.refresh(theirs)
    assert mine.time_zone == "America/Chicago"
    assert theirs.time_zone == "Pacific/Honolulu"
    # The platform administrator's page by id is closed to district administrators.
    url = f"/admin/districts/{mine.id}"
    assert browser.get(url).status_code == 403
    assert browser.post(url, data={"time_zone": "UTC"}).status_code == 403
    session.refresh(mine)
    assert mine.time_zone == "America/Chicago"


def test_teachers_and_coaches_cannot_set_a_district_time_zone(
    app: Flask, session: Session
) -> None:
    district = DistrictFactory(time_zone=None)
    for user in (
        UserFactory(district=district),
        UserFactory(coach=True, district=district),
    ):
        browser = app.test_client()
        sign_in(browser, user)
        response = browser.post(
            "/district/time-zone", data={"tz-time_zone": "Asia/Tokyo"}
        )
        assert response.status_code == 403
    session.refresh(district)
    assert district.time_zone is None


def test_platform_admin_sets_a_time_zone_creating_and_editing_a_district(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, UserFactory(admin=True))
    response = client.post(
        "/admin/districts",
        data={"name": "Island Schools", "time_zone": "America/Puerto_Rico"},
    )
    assert response.status_code == 303
    district = session.scalar(select(District).where(District.name == "Island Schools"))
    assert district is not None and district.time_zone == "America/Puerto_Rico"
    assert "Atlantic time (Puerto Rico" in text(client.get("/admin/districts"))
    url = f"/admin/districts/{district.id}"
    assert client.post(url, data={"time_zone": "Pacific/Guam"}).status_code == 303
    session.refresh(district)
    assert district.time_zone == "Pacific/Guam"
    bad = client.post(url, data={"time_zone": "Guam"})
    assert bad.status_code == 422 and "Choose a time zone from the list" in text(bad)
    refused = client.post(
        "/admin/districts", data={"name": "Nowhere Schools", "time_zone": "Nowhere"}
    )
    assert refused.status_code == 422
    assert "Choose a time zone from the list" in text(refused)
    assert client.get("/admin/districts/999999").status_code == 404


def test_an_invitation_email_gives_its_date_in_the_district_time_zone(
    app: Flask, session: Session, mail_log: Path
) -> None:
    # UTC+14 and UTC-11: at any hour, at least one of them is on another day than UTC.
    for zone, personal in (
        ("Pacific/Kiritimati", "Pacific/Pago_Pago"),
        ("Pacific/Pago_Pago", "Pacific/Kiritimati"),
    ):
        district = DistrictFactory(time_zone=zone)
        # The inviter's own zone is theirs, not the invitee's.
        admin = UserFactory(district_admin=True, district=district, time_zone=personal)
        browser = app.test_client()
        sign_in(browser, admin)
        address = f"new.teacher.{district.id}@example.org"
        response = browser.post(
            "/district/invitations",
            data={
                "invite-email": address,
                "invite-role": "teacher",
                "invite-school": "",
            },
        )
        assert response.status_code == 303
        invitation = session.scalar(
            select(Invitation).where(Invitation.email == address)
        )
        assert invitation is not None
        expires = format_date(invitation.expires_at, ZoneInfo(zone))
        # The email as delivered (its stored body is encrypted: it holds a link).
        assert f"The link works until {expires}." in mail_log.read_text()
