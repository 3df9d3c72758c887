"""Assignments with due dates: teachers see them first, the administrator sees who is
on track, late or done (page and CSV), reminders go out once per stage, and nobody
sees another district's or (a school leader) another school's people."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub.db import utcnow
from pdhub.districts import assignments
from pdhub.districts.models import Assignment, AssignmentReminder, AssignmentTarget
from pdhub.learning.models import EnrollmentStatus
from pdhub.notifications.models import EmailMessage
from tests.factories import (
    EnrollmentFactory,
    ModuleFactory,
    SchoolFactory,
    UserFactory,
)
from tests.helpers import sign_in, text


def _setup(session: Session) -> dict[str, object]:
    admin = UserFactory(district_admin=True)
    district = admin.district
    north = SchoolFactory(district=district, name="North School")
    south = SchoolFactory(district=district, name="South School")
    ana = UserFactory(district=district, school=north, name="Ana North")
    ben = UserFactory(district=district, school=south, name="Ben South")
    cy = UserFactory(district=district, school=north, name="Cy North")
    module = ModuleFactory()
    return {
        "admin": admin, "district": district, "north": north, "south": south,
        "ana": ana, "ben": ben, "cy": cy, "module": module,
    }  # fmt: skip


def _assign(session: Session, s: dict, days: int, **kwargs: object) -> Assignment:  # type: ignore[type-arg]
    assignment = Assignment(
        district_id=s["district"].id,  # type: ignore[attr-defined]
        module_slug=s["module"].slug,  # type: ignore[attr-defined]
        target=kwargs.pop("target", AssignmentTarget.EVERYONE),
        due_date=utcnow().date() + timedelta(days=days),
        **kwargs,
    )
    session.add(assignment)
    session.flush()
    return assignment


def test_administrator_assigns_a_module_to_a_school_and_teachers_see_it_first(
    app, session: Session
) -> None:  # type: ignore[no-untyped-def]
    s = _setup(session)
    admin_browser = app.test_client()
    sign_in(admin_browser, s["admin"])
    due = (utcnow().date() + timedelta(days=10)).isoformat()
    response = admin_browser.post(
        "/district/assignments",
        data={
            "module": s["module"].slug,
            "due": due,
            "target": "school",
            "school": str(s["north"].id),
        },
    )
    assert response.status_code == 303, text(response)[-3000:]
    page = text(admin_browser.get("/district/assignments"))
    assert s["module"].title in page and "North School" in page
    teacher = app.test_client()
    sign_in(teacher, s["ana"])
    learning = text(teacher.get("/learn"))
    assert "Assigned to you" in learning
    assert learning.index("Assigned to you") < learning.index(s["module"].title)
    other = app.test_client()
    sign_in(other, s["ben"])
    assert "Assigned to you" not in text(other.get("/learn"))


def test_assignment_form_refuses_a_past_date_and_unknown_people(
    client: FlaskClient, session: Session
) -> None:
    s = _setup(session)
    sign_in(client, s["admin"])
    past = client.post(
        "/district/assignments",
        data={
            "module": s["module"].slug,
            "due": (utcnow().date() - timedelta(days=1)).isoformat(),
            "target": "everyone",
        },
    )
    assert past.status_code == 422
    assert "not in the past" in text(past)
    stranger = UserFactory()  # another district
    people = client.post(
        "/district/assignments",
        data={
            "module": s["module"].slug,
            "due": (utcnow().date() + timedelta(days=5)).isoformat(),
            "target": "people",
            "people": f"{s['ana'].email}\n{stranger.email}",
        },
    )
    assert people.status_code == 422
    assert f"Not a teacher in your district: {stranger.email}" in text(people)
    assert session.scalar(select(func.count(Assignment.id))) == 0


def test_staff_progress_shows_on_track_late_and_done_with_filters_and_csv(
    client: FlaskClient, session: Session
) -> None:
    s = _setup(session)
    late = _assign(session, s, -2)
    EnrollmentFactory(
        user=s["cy"], module=s["module"], status=EnrollmentStatus.COMPLETED,
        completed_at=utcnow(),
    )  # fmt: skip
    sign_in(client, s["admin"])
    page = text(client.get("/district/staff"))
    assert "3 assigned modules" in page
    assert page.count('status-bad">Late<') == 2
    assert page.count('status-ok">Done<') == 1
    only_late = text(client.get(f"/district/staff?status=late&school={s['north'].id}"))
    assert "Ana North" in only_late and "Ben South" not in only_late
    assert "Cy North" not in only_late
    assert "selected>Late</option>" in only_late
    download = client.get("/district/staff.csv?status=late")
    assert download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0][:3] == ["Name", "Email", "School"]
    assert sorted(r[0] for r in rows[1:]) == ["Ana North", "Ben South"]
    totals = list(
        csv.reader(
            io.StringIO(client.get("/district/assignments.csv").get_data(as_text=True))
        )
    )
    assert totals[1][3:] == ["3", "1", "0", "2"]
    assert late.id


def test_reminders_go_out_once_per_person_and_stage_even_when_run_twice(
    session: Session,
) -> None:
    s = _setup(session)
    soon = _assign(session, s, 2)
    overdue = _assign(
        session, s, -1, target=AssignmentTarget.SCHOOL, school_id=s["south"].id
    )
    _assign(session, s, 20)  # not due yet: no reminder
    first = assignments.send_reminders(session)
    second = assignments.send_reminders(session)
    assert first == 4 and second == 0  # 3 due soon, Ben overdue
    stages = session.execute(
        select(AssignmentReminder.assignment_id, AssignmentReminder.stage)
    ).all()
    assert sorted((a, st.value) for a, st in stages) == sorted(
        [(soon.id, "due_soon")] * 3 + [(overdue.id, "overdue")]
    )
    subjects = sorted(session.scalars(select(EmailMessage.subject)))
    title = s["module"].title
    assert subjects == sorted([f"Due soon: {title}"] * 3 + [f"Overdue: {title}"])


def test_a_reminder_is_written_in_its_readers_language(session: Session) -> None:
    s = _setup(session)
    s["ana"].language = "es"
    session.flush()
    _assign(session, s, 2)
    assert assignments.send_reminders(session) == 3
    title = s["module"].title
    by_address = dict(
        session.execute(select(EmailMessage.to, EmailMessage.subject)).all()
    )
    assert by_address[s["ana"].email] == f"Vence pronto: {title}"
    assert by_address[s["ben"].email] == f"Due soon: {title}"


def test_another_districts_assignments_are_not_found(
    client: FlaskClient, session: Session
) -> None:
    s = _setup(session)
    theirs = _assign(session, s, 5)
    outsider = UserFactory(district_admin=True)
    UserFactory(district=outsider.district, name="Their Teacher")
    sign_in(client, outsider)
    assert client.post(f"/district/assignments/{theirs.id}/cancel").status_code == 404
    assert "No modules are assigned yet." in text(client.get("/district/assignments"))
    assert "Ana North" not in text(client.get("/district/staff"))
    assert "Ana North" not in client.get("/district/staff.csv").get_data(as_text=True)
    assert (
        client.get(f"/district/staff?assignment={theirs.id}").status_code == 200
    )  # a filter on another district's id shows nothing of it
    assert "Ana North" not in text(
        client.get(f"/district/staff?assignment={theirs.id}")
    )
    session.refresh(theirs)
    assert theirs.cancelled_at is None


def test_a_school_leader_sees_only_their_school(
    client: FlaskClient, session: Session
) -> None:
    s = _setup(session)
    _assign(session, s, -1)
    leader = UserFactory(school_leader=True, district=s["district"], school=s["north"])
    sign_in(client, leader)
    page = text(client.get("/district/staff"))
    assert "Ana North" in page and "Cy North" in page and "Ben South" not in page
    assert "Ben South" not in text(
        client.get(f"/district/staff?school={s['south'].id}")
    )
    assert "Ben South" not in client.get("/district/staff.csv").get_data(as_text=True)
    assert "Assign a module" not in text(client.get("/district/assignments"))
    assert client.post("/district/assignments", data={}).status_code == 403
    assert client.get("/district/roster").status_code == 403
    # The dashboard shows their school, without the district's management.
    dashboard = text(client.get("/district"))
    assert "Join code" not in dashboard and "Send invitation" not in dashboard
    assert client.get(f"/district/staff/{s['ana'].id}").status_code == 403


def test_teachers_cannot_open_district_progress(
    client: FlaskClient, session: Session
) -> None:
    s = _setup(session)
    sign_in(client, s["ana"])
    for url in ("/district/staff", "/district/staff.csv", "/district/assignments",
                "/district/assignments.csv", "/district/roster"):  # fmt: skip
        assert client.get(url).status_code == 403, url
