"""Workshop badges: a district administrator defines one; a district administrator
or coach awards it to a session's attendees from a CSV file (previewed, with each
line's problem, before anything is issued) or from a cohort's attendance; the job
signs one OB 3.0 credential each that verifies, tells each person, and sending the
same list again awards nobody twice."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badges.dids import Resolver
from badges.schema import schema_errors
from badges.verify import verify_credential
from pdhub import jobs, tasks
from pdhub.cohorts import service as cohorts
from pdhub.db import utcnow
from pdhub.notifications.models import EmailMessage, Notification
from pdhub.workshops import service
from pdhub.workshops.models import Workshop, WorkshopAward, WorkshopRun
from tests.factories import DistrictFactory, ModuleFactory, UserFactory
from tests.helpers import sign_in, text

SESSION_DAY = date(2026, 7, 14)


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    district = DistrictFactory()
    other = DistrictFactory()
    admin = UserFactory(district=district, district_admin=True)
    coach = UserFactory(district=district, coach=True)
    maya = UserFactory(district=district, name="Maya Lopez", email="maya@example.org")
    leo = UserFactory(district=district, name="Leo Park", email="leo@example.org")
    ana = UserFactory(
        district=district, name="Ana Ruiz", email="ana@example.org", language="es"
    )
    stranger = UserFactory(district=other, email="far@example.org")
    workshop = service.create_workshop(
        session,
        admin,
        name="Riverside Summer Institute: Digital Equity Day",
        description="A day of hands-on digital equity work.",
        criteria="Attended the full day and built a classroom access plan.",
        hours=6,
        image="gold",
    )
    session.commit()
    return {
        "admin": admin,
        "coach": coach,
        "maya": maya,
        "leo": leo,
        "ana": ana,
        "stranger": stranger,
        "workshop": workshop,
        "other": other,
    }


def _csv(lines: str) -> dict[str, Any]:
    return {
        "f-session_date": SESSION_DAY.isoformat(),
        "f-attendees": (io.BytesIO(lines.encode()), "attendees.csv"),
    }


def _fetcher(client: FlaskClient) -> Any:
    def fetch(url: str) -> bytes:
        response = client.get(url.removeprefix("http://localhost"))
        assert response.status_code == 200, url
        return response.get_data()

    return fetch


def _awards(session: Session) -> int:
    return session.scalar(select(func.count(WorkshopAward.id))) or 0


def test_the_csv_preview_lists_each_lines_problem_and_issues_nothing(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, world["admin"])
    workshop = world["workshop"]
    response = client.post(
        f"/district/workshops/{workshop.id}/csv",
        data=_csv(
            "email,name\n"
            "maya@example.org,Maya\n"
            "nobody@example.org\n"
            "far@example.org\n"
            "not-an-email\n"
            "MAYA@example.org\n"
            "leo@example.org\n"
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "4 lines will not be awarded" in page
    assert "No PD Hub account has this email address." in page
    assert "This person is not in your district." in page
    assert "This is not an email address." in page
    assert "Listed twice: also on line 2." in page
    assert "2 people will be awarded" in page
    assert "Nothing has been issued yet." in page
    assert _awards(session) == 0
    assert jobs.pending(session) == []


def test_issuing_signs_verifiable_credentials_tells_each_person_and_never_twice(
    app: Flask, session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, world["coach"])  # a coach of the district awards it too
    workshop = world["workshop"]
    lines = "maya@example.org\nana@example.org\n"
    preview = client.post(
        f"/district/workshops/{workshop.id}/csv",
        data=_csv(lines),
        content_type="multipart/form-data",
    )
    run_url = preview.headers["Location"]
    issued = client.post(run_url + "/issue")
    assert issued.status_code == 303  # the issuing job runs after the commit
    page = text(client.get(run_url))
    assert "Finished" in page
    assert "2 of 2 people done; 2 badges issued." in page
    awards = session.scalars(select(WorkshopAward).order_by(WorkshopAward.id)).all()
    assert [a.user.email for a in awards] == ["maya@example.org", "ana@example.org"]

    document = awards[0].document
    assert schema_errors(document) == []
    assert "OpenBadgeCredential" in document["type"]  # OB 3.0 AchievementCredential
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["name"] == "Riverside Summer Institute: Digital Equity Day"
    assert achievement["creditsAvailable"] == 6
    assert achievement["image"]["id"].startswith("data:image/svg+xml;base64,")
    assert document["credentialSubject"]["creditsEarned"] == 6
    report = verify_credential(
        awards[0].credential_json, resolver=Resolver(), status_fetcher=_fetcher(client)
    )
    assert report.verified, report.to_json()
    # The Achievement's id is its public page.
    public = app.test_client().get(achievement["id"].removeprefix("http://localhost"))
    assert public.status_code == 200
    assert "Attended the full day and built a classroom access plan." in text(public)
    # /verify says so too.
    verdict = text(
        client.post("/verify", data={"credential": awards[0].credential_json})
    )
    assert "Riverside Summer Institute: Digital Equity Day" in verdict
    assert re.search(r'<h2 id="verdict-title"[^>]*>Verified</h2>', verdict), verdict

    # Each person is told, in the app and by email, in their own language.
    told = {n.user_id: n.message for n in session.scalars(select(Notification))}
    assert "You earned the Riverside Summer Institute" in told[world["maya"].id]
    assert "Obtuvo la insignia" in told[world["ana"].id]
    mails = {m.to: m.subject for m in session.scalars(select(EmailMessage))}
    assert "maya@example.org" in mails and "ana@example.org" in mails

    # Maya finds it under My badges and downloads it.
    teacher = app.test_client()
    sign_in(teacher, world["maya"])
    badges = text(teacher.get("/badges"))
    assert "Workshop badges" in badges
    assert "Riverside Summer Institute: Digital Equity Day" in badges
    download = teacher.get(f"/badges/workshops/{awards[0].credential_id}.json")
    assert download.status_code == 200
    assert download.get_json()["id"] == document["id"]
    # Ana's is hers alone.
    other = teacher.get(f"/badges/workshops/{awards[1].credential_id}.json")
    assert other.status_code == 404

    # The same file again: the preview says "already awarded"; issuing adds nothing.
    again = client.post(
        f"/district/workshops/{workshop.id}/csv",
        data=_csv(lines),
        content_type="multipart/form-data",
    )
    page = text(client.get(again.headers["Location"]))
    assert page.count("Already awarded for this session.") == 2
    assert "0 people will be awarded" in page
    assert "Issue the badges" not in page
    run = session.scalars(select(WorkshopRun).order_by(WorkshopRun.id.desc())).first()
    assert run is not None
    client.post(again.headers["Location"] + "/issue")
    assert _awards(session) == 2
    # A rerun of the first run's job (a redelivery) adds nothing either.
    first = session.scalars(select(WorkshopRun).order_by(WorkshopRun.id)).first()
    assert first is not None
    jobs.task(tasks.ISSUE_WORKSHOP_AWARDS).apply(args=[first.id]).get()
    assert _awards(session) == 2
    assert session.scalar(select(func.count(Notification.id))) == 2


def test_a_cohort_sessions_attendance_lists_who_came_to_tick_and_award(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    coach, maya, leo, ana = world["coach"], world["maya"], world["leo"], world["ana"]
    cohort = cohorts.create(
        session,
        coach,
        name="Equity cohort",
        description="",
        starts_on=date.today() - timedelta(days=30),
        ends_on=date.today() + timedelta(days=30),
        module_slugs=[ModuleFactory().slug],
    )
    for person in (maya, leo, ana):
        cohorts.add_member(session, coach, cohort, person.email)
    meeting = cohorts.add_session(
        session,
        coach,
        cohort,
        starts_at=utcnow() - timedelta(days=2),
        duration_minutes=90,
        place="Library",
        agenda="",
    )
    cohorts.record_attendance(session, coach, cohort, meeting, {maya.id, leo.id})
    session.commit()
    sign_in(client, coach)
    workshop = world["workshop"]
    page = text(client.get(f"/district/workshops/{workshop.id}"))
    assert "Equity cohort" in page
    response = client.post(
        f"/district/workshops/{workshop.id}/attendance",
        data={"a-cohort_session": str(meeting.id)},
    )
    assert response.status_code == 303
    preview = text(client.get(response.headers["Location"]))
    assert "2 people will be awarded" in preview
    assert "Maya Lopez" in preview and "Leo Park" in preview
    assert "Ana Ruiz" not in preview  # absent
    # The coach unticks Leo: only Maya is awarded.
    client.post(
        response.headers["Location"] + "/issue", data={"attendee": [str(maya.id)]}
    )
    awards = session.scalars(select(WorkshopAward)).all()
    assert [a.user_id for a in awards] == [maya.id]
    assert awards[0].session_date == meeting.starts_at.date()


def test_another_districts_workshop_is_not_found_and_a_teacher_cannot_award(
    app: Flask, session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    workshop = world["workshop"]
    # The district's own list, awaiting its Issue button.
    sign_in(client, world["admin"])
    created = client.post(
        f"/district/workshops/{workshop.id}/csv",
        data=_csv("maya@example.org\n"),
        content_type="multipart/form-data",
    )
    run_url = created.headers["Location"]

    # Another district's administrator, by direct URL: 404 for each of them.
    outsider = app.test_client()
    sign_in(outsider, UserFactory(district=world["other"], district_admin=True))
    listing = outsider.get("/district/workshops")
    assert listing.status_code == 200
    assert f"/district/workshops/{workshop.id}" not in text(listing)
    assert outsider.get(f"/district/workshops/{workshop.id}").status_code == 404
    response = outsider.post(
        f"/district/workshops/{workshop.id}/csv",
        data=_csv("maya@example.org\n"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert outsider.get(run_url).status_code == 404
    assert outsider.post(run_url + "/issue").status_code == 404

    # A teacher of the district may not award at all.
    teacher = app.test_client()
    sign_in(teacher, world["maya"])
    assert teacher.get("/district/workshops").status_code == 403
    assert teacher.get(f"/district/workshops/{workshop.id}").status_code == 403
    assert teacher.post(run_url + "/issue").status_code == 403
    assert _awards(session) == 0


def test_a_coach_cannot_define_a_workshop_and_bad_input_is_explained(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, world["coach"])
    page = text(client.get("/district/workshops"))
    assert "Define a workshop badge" not in page
    assert client.post("/district/workshops", data={"name": "X"}).status_code == 403
    client.post("/signout")
    sign_in(client, world["admin"])
    response = client.post(
        "/district/workshops",
        data={
            "name": "",
            "description": "d",
            "criteria": "c",
            "hours": "0",
            "image": "gold",
        },
    )
    assert response.status_code == 422
    assert "Give the badge a name." in text(response)
    created = client.post(
        "/district/workshops",
        data={
            "name": "Coaching day",
            "description": "d",
            "criteria": "c",
            "hours": "2.5",
            "image": "green",
        },
    )
    assert created.status_code == 303
    found = session.scalar(select(Workshop).where(Workshop.name == "Coaching day"))
    assert found is not None and found.hours == 2.5
    # A file that is not text, and a date in the future.
    bad = client.post(
        f"/district/workshops/{found.id}/csv",
        data={
            "f-session_date": (date.today() + timedelta(days=3)).isoformat(),
            "f-attendees": (io.BytesIO(b"maya@example.org\n"), "a.csv"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert "The session must have taken place" in text(bad)
    binary = client.post(
        f"/district/workshops/{found.id}/csv",
        data={
            "f-session_date": SESSION_DAY.isoformat(),
            "f-attendees": (io.BytesIO(b"\xff\xfe\x00bad"), "a.csv"),
        },
        content_type="multipart/form-data",
    )
    assert binary.status_code == 422
    assert re.search(r"not saved as UTF-8", text(binary))
