"""District administrators: schools, invitations, join codes and roles."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts.models import Role, User
from tests.factories import DistrictFactory, SchoolFactory, UserFactory
from tests.helpers import sign_in, text


def test_district_admin_adds_and_renames_a_school(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    sign_in(client, admin)
    response = client.post("/district/schools", data={"school-name": "Hillside High"})
    assert response.status_code == 303
    school = admin.district.schools[0]
    assert school.name == "Hillside High"
    duplicate = client.post("/district/schools", data={"school-name": "Hillside  High"})
    assert duplicate.status_code == 422
    assert "already has a school" in text(duplicate)
    client.post(f"/district/schools/{school.id}", data={"name": "Hillside High School"})
    session.refresh(school)
    assert school.name == "Hillside High School"


def test_invited_coach_accepts_and_must_set_up_two_factor(
    app: Flask, session: Session, mail_log: Path
) -> None:
    admin = UserFactory(district_admin=True)
    school = SchoolFactory(district=admin.district)
    browser = app.test_client()
    sign_in(browser, admin)
    response = browser.post(
        "/district/invitations",
        data={
            "invite-email": "new.coach@example.org",
            "invite-role": "coach",
            "invite-school": str(school.id),
        },
    )
    assert response.status_code == 303
    link = re.search(r"http://localhost(/invitations/\S+)", mail_log.read_text()).group(
        1
    )
    newcomer = app.test_client()
    page = text(newcomer.get(link))
    assert f"Join {admin.district.name}" in page
    assert "invited as a <strong>coach</strong>" in page
    response = newcomer.post(
        link, data={"name": "Nia Coach", "password": "coaching is a team sport now"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/two-factor"
    coach = session.scalar(select(User).where(User.email == "new.coach@example.org"))
    assert coach.role is Role.COACH and coach.school_id == school.id
    assert coach.district_id == admin.district_id
    reused = app.test_client().get(link)
    assert reused.status_code == 409
    assert "already used" in text(reused)


def test_district_admin_cannot_invite_a_platform_admin(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    sign_in(client, admin)
    response = client.post(
        "/district/invitations",
        data={
            "invite-email": "x@example.org",
            "invite-role": "admin",
            "invite-school": "",
        },
    )
    assert response.status_code == 422  # not one of the offered choices


def test_district_admin_makes_a_teacher_a_coach_in_their_district_only(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    teacher = UserFactory(district=admin.district)
    outsider = UserFactory()
    sign_in(client, admin)
    response = client.post(f"/district/staff/{teacher.id}", data={"role": "coach"})
    assert response.status_code == 303
    assert teacher.role is Role.COACH
    assert client.get(f"/district/staff/{outsider.id}").status_code == 404


def test_teachers_and_coaches_cannot_open_district_pages(
    app: Flask, session: Session
) -> None:
    teacher = UserFactory()
    coach = UserFactory(coach=True)
    for user in (teacher, coach):
        browser = app.test_client()
        sign_in(browser, user)
        assert browser.get("/district").status_code == 403


def test_new_join_code_replaces_the_old_one(
    client: FlaskClient, session: Session
) -> None:
    district = DistrictFactory(join_code="OLDCODE2")
    admin = UserFactory(district_admin=True, district=district)
    sign_in(client, admin)
    client.post("/district/join-code")
    assert district.join_code != "OLDCODE2"
    assert len(district.join_code) == 8


def test_platform_admin_creates_a_district_and_changes_any_role(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(admin=True)
    member = UserFactory()
    sign_in(client, admin)
    response = client.post(
        "/admin/districts",
        data={"name": "Harbor County Schools"},
        follow_redirects=True,
    )
    assert "Harbor County Schools is created" in text(response)
    response = client.post(
        f"/admin/users/{member.id}",
        data={"role": "district_admin", "district": str(member.district_id)},
    )
    assert response.status_code == 303
    assert member.role is Role.DISTRICT_ADMIN
    page = text(client.get("/admin/users?q=" + member.email[:8]))
    assert member.name in page


def _invite(browser: FlaskClient, email: str):  # type: ignore[no-untyped-def]
    return browser.post(
        "/district/invitations",
        data={"invite-email": email, "invite-role": "teacher", "invite-school": ""},
    )


def test_inviting_someone_with_an_account_elsewhere_answers_as_for_anyone(
    app: Flask, session: Session, mail_log: Path
) -> None:
    admin = UserFactory(district_admin=True)
    elsewhere = UserFactory(email="elsewhere@example.org")  # another district
    browser = app.test_client()
    sign_in(browser, admin)
    taken = _invite(browser, "Elsewhere@example.org")
    taken_page = text(browser.get("/district"))
    new = _invite(browser, "newcomer@example.org")
    new_page = text(browser.get("/district"))
    assert taken.status_code == new.status_code == 303
    assert "Invitation sent to Elsewhere@example.org" in taken_page
    assert "Invitation sent to newcomer@example.org" in new_page
    assert "account" not in taken_page.split("Invitation sent")[1][:200]
    # Both wait in the list of open invitations, alike.
    assert "elsewhere@example.org" in new_page and "newcomer@example.org" in new_page
    # The owner of the existing account is told, without a link that could make a
    # second account; the newcomer gets the link.
    log = mail_log.read_text()
    to_elsewhere = log.split(f"To: {elsewhere.email}")[1].split("-" * 72)[0]
    assert "You already have a PD Hub account" in to_elsewhere
    assert "/invitations/" not in to_elsewhere
    to_new = log.split("To: newcomer@example.org")[1].split("-" * 72)[0]
    assert "/invitations/" in to_new


def test_inviting_a_member_of_the_same_district_says_so(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    member = UserFactory(district=admin.district)
    browser = app.test_client()
    sign_in(browser, admin)
    response = _invite(browser, member.email)
    assert response.status_code == 422
    assert "already in your district" in text(response)
