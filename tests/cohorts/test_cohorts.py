"""Cohorts through the pages people use: who sees a cohort (by direct URL too),
joining with a code, the schedule in each member's zone, the calendar feed,
attendance, the coach's progress page and the Spanish page."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub.cohorts import service
from pdhub.cohorts.models import Attendance, Cohort
from pdhub.communities.models import Community, CommunityKind
from pdhub.db import utcnow
from pdhub.learning.models import EnrollmentStatus
from tests.cohorts.conftest import SignedIn, World
from tests.factories import EnrollmentFactory, UserFactory
from tests.helpers import text


def make_cohort(session: Session, world: World, **overrides: object) -> Cohort:
    values: dict[str, object] = {
        "name": "Spring AI cohort",
        "description": "We meet every other week.",
        "starts_on": date(2026, 12, 1),
        "ends_on": utcnow().date() + timedelta(days=90),
        "module_slugs": [world.module.slug, world.second_module.slug],
    }
    values.update(overrides)
    cohort = service.create(session, world.coach, **values)  # type: ignore[arg-type]
    session.flush()
    return cohort


def test_a_coach_starts_a_cohort_whose_discussion_only_its_members_see(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    coach = signed_in(world.coach)
    response = coach.post(
        "/cohorts/new",
        data={
            "name": "Spring AI cohort",
            "description": "Two modules, six sessions.",
            "starts_on": "2026-12-01",
            "ends_on": "2027-03-01",
            "modules": [world.module.slug, world.second_module.slug],
        },
    )
    assert response.status_code == 303, text(response)[:2000]
    cohort = session.scalars(select(Cohort)).one()
    assert cohort.coach_id == world.coach.id
    community = session.get(Community, cohort.community_id)
    assert community is not None and community.kind is CommunityKind.COHORT
    added = coach.post(
        f"/cohorts/{cohort.id}/members", data={"email": world.teacher.email}
    )
    assert added.status_code == 303
    # The member and the coach see the cohort and its discussion.
    for person in (world.teacher, world.coach):
        client = signed_in(person)
        assert client.get(f"/cohorts/{cohort.id}").status_code == 200
        assert client.get(f"/communities/{cohort.community_id}").status_code == 200
    assert "Spring AI cohort" in text(signed_in(world.teacher).get("/cohorts"))
    # A colleague of the same district who is not a member: 404 for both.
    colleague = signed_in(world.colleague)
    assert colleague.get(f"/cohorts/{cohort.id}").status_code == 404
    assert colleague.get(f"/communities/{cohort.community_id}").status_code == 404
    assert "Spring AI cohort" not in text(colleague.get("/cohorts"))
    assert "Spring AI cohort" not in text(colleague.get("/communities"))
    # Another district's people, by id: 404 for every page of it.
    for person in (world.outsider, world.other_admin, world.other_coach):
        client = signed_in(person)
        for path in (
            f"/cohorts/{cohort.id}",
            f"/cohorts/{cohort.id}/progress",
            f"/cohorts/{cohort.id}/calendar.ics",
            f"/communities/{cohort.community_id}",
        ):
            assert client.get(path).status_code == 404, (person.name, path)
        assert (
            client.post(
                f"/cohorts/{cohort.id}/members", data={"email": person.email}
            ).status_code
            == 404
        )
    # The district's administrator runs it too.
    admin = signed_in(world.district_admin)
    assert admin.get(f"/cohorts/{cohort.id}/progress").status_code == 200
    # ... without reading the members' discussion, nor being led to it.
    discussion = f'href="/communities/{cohort.community_id}"'
    assert discussion not in admin.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert admin.get(f"/communities/{cohort.community_id}").status_code == 404
    assert discussion in signed_in(world.teacher).get(f"/cohorts/{cohort.id}").get_data(
        as_text=True
    )


def test_a_member_teacher_cannot_run_the_cohort(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    cohort = make_cohort(session, world)
    service.add_member(session, world.coach, cohort, world.teacher.email)
    meeting = service.add_session(
        session, world.coach, cohort, starts_at=utcnow() - timedelta(hours=2),
        duration_minutes=60, place="Library", agenda="Kick-off",
    )  # fmt: skip
    session.flush()
    teacher = signed_in(world.teacher)
    attendance = f"/cohorts/{cohort.id}/sessions/{meeting.id}/attendance"
    assert teacher.get(attendance).status_code == 404
    assert (
        teacher.post(attendance, data={"present": [world.teacher.id]}).status_code
        == 404
    )
    assert teacher.get(f"/cohorts/{cohort.id}/progress").status_code == 404
    assert (
        teacher.post(
            f"/cohorts/{cohort.id}/members", data={"email": world.colleague.email}
        ).status_code
        == 404
    )
    assert session.scalar(select(func.count(Attendance.id))) == 0
    assert not service.policies.is_member(session, world.colleague, cohort)


def test_only_the_coach_takes_attendance(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    cohort = make_cohort(session, world)
    for person in (world.teacher, world.colleague):
        service.add_member(session, world.coach, cohort, person.email)
    meeting = service.add_session(
        session, world.coach, cohort, starts_at=utcnow() - timedelta(hours=2),
        duration_minutes=60, place="Library", agenda="Kick-off",
    )  # fmt: skip
    session.flush()
    path = f"/cohorts/{cohort.id}/sessions/{meeting.id}/attendance"
    # The district administrator may look, not record.
    admin = signed_in(world.district_admin)
    assert "not recorded" in text(admin.get(path))
    assert admin.post(path, data={"present": [world.teacher.id]}).status_code == 403
    coach = signed_in(world.coach)
    assert (
        coach.post(path, data={"present": [str(world.teacher.id)]}).status_code == 303
    )
    assert service.attendance(session, meeting) == {
        world.teacher.id: True,
        world.colleague.id: False,
    }
    page = text(coach.get(f"/cohorts/{cohort.id}/progress"))
    assert "1 of 1" in page and "0 of 1" in page


def test_a_teacher_joins_with_the_code_and_another_districts_teacher_cannot(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    cohort = make_cohort(session, world)
    typed = " ".join(cohort.join_code.lower())  # lower case, with spaces
    colleague = signed_in(world.colleague)
    joined = colleague.post("/cohorts/join", data={"code": typed})
    assert joined.status_code == 303
    assert joined.headers["Location"] == f"/cohorts/{cohort.id}"
    assert colleague.get(f"/cohorts/{cohort.id}").status_code == 200
    outsider = signed_in(world.outsider)
    refused = outsider.post("/cohorts/join", data={"code": cohort.join_code})
    assert refused.status_code == 422
    assert "doesn't match a cohort you can join" in text(refused)
    assert outsider.get(f"/cohorts/{cohort.id}").status_code == 404
    assert (
        signed_in(world.teacher)
        .post("/cohorts/join", data={"code": "NOPE1234"})
        .status_code
        == 422
    )


def test_each_member_sees_session_times_in_their_own_zone(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    cohort = make_cohort(session, world)
    service.add_member(session, world.coach, cohort, world.teacher.email)
    session.flush()
    # The coach (Chicago) schedules 9:30 on their clock.
    coach = signed_in(world.coach)
    response = coach.post(
        f"/cohorts/{cohort.id}/sessions",
        data={
            "day": "2027-01-12", "start": "09:30", "duration": "90",
            "place": "https://meet.example.org/spring", "agenda": "Plan, share",
        },
    )  # fmt: skip
    assert response.status_code == 303, text(response)[:1500]
    assert "9:30" in text(coach.get(f"/cohorts/{cohort.id}"))
    # Maya, in New York, reads 10:30.
    page = text(signed_in(world.teacher).get(f"/cohorts/{cohort.id}"))
    assert "10:30" in page and "9:30" not in page
    assert "Eastern time (New York)" in page


def unfold(body: str) -> list[str]:
    """RFC 5545 content lines: CRLF endings, folded lines of at most 75 octets."""
    assert body.endswith("\r\n")
    physical = body[:-2].split("\r\n")
    for line in physical:
        assert len(line.encode()) <= 75, line
    lines: list[str] = []
    for line in physical:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def events(lines: list[str]) -> list[dict[str, str]]:
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    found: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines[1:-1]:
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            found.append(current)
            current = None
        elif current is not None:
            current[name] = value
    assert current is None
    return found


def test_the_calendar_feed_parses_with_times_in_utc(
    app: Flask, session: Session, world: World, signed_in: SignedIn, client
) -> None:
    cohort = make_cohort(session, world, name="Cohort; with, commas")
    service.add_member(session, world.coach, cohort, world.teacher.email)
    session.flush()
    agenda = "Welcome, goals; then:\nshare one lesson plan per person " + "é" * 60
    coach = signed_in(world.coach)
    for day, clock, minutes in (
        ("2027-01-12", "09:30", "90"),
        ("2027-07-13", "16:00", "45"),
    ):
        assert coach.post(
            f"/cohorts/{cohort.id}/sessions",
            data={"day": day, "start": clock, "duration": minutes,
                  "place": "Library, room 12", "agenda": agenda},
        ).status_code == 303  # fmt: skip
    response = signed_in(world.teacher).get(f"/cohorts/{cohort.id}/calendar.ics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/calendar")
    found = events(unfold(response.get_data(as_text=True)))
    # Chicago is UTC-6 in January and UTC-5 in July (daylight saving time).
    assert [(e["DTSTART"], e["DTEND"]) for e in found] == [
        ("20270112T153000Z", "20270112T170000Z"),
        ("20270713T210000Z", "20270713T214500Z"),
    ]
    assert found[0]["SUMMARY"] == "Cohort\\; with\\, commas"
    assert found[0]["LOCATION"] == "Library\\, room 12"
    assert found[0]["DESCRIPTION"].startswith(
        "Welcome\\, goals\\; then:\\nshare one lesson plan"
    )
    assert len({e["UID"] for e in found}) == 2
    # Calendar apps use the private address; a wrong token or no sign-in: 404.
    assert (
        client.get(
            f"/cohorts/{cohort.id}/calendar.ics?token={cohort.calendar_token}"
        ).status_code
        == 200
    )
    assert (
        client.get(f"/cohorts/{cohort.id}/calendar.ics?token=guess").status_code == 404
    )
    assert client.get(f"/cohorts/{cohort.id}/calendar.ics").status_code == 404
    assert (
        signed_in(world.colleague).get(f"/cohorts/{cohort.id}/calendar.ics").status_code
        == 404
    )


def test_the_progress_page_runs_the_same_queries_for_many_members(
    app: Flask, session: Session, world: World, signed_in: SignedIn, count_queries
) -> None:
    cohort = make_cohort(session, world)
    service.add_member(session, world.coach, cohort, world.teacher.email)
    EnrollmentFactory(
        user=world.teacher, module=world.module, status=EnrollmentStatus.COMPLETED,
        completed_at=utcnow(),
    )  # fmt: skip
    EnrollmentFactory(user=world.teacher, module=world.second_module)
    session.flush()
    coach = signed_in(world.coach)
    path = f"/cohorts/{cohort.id}/progress"
    coach.get(path)
    count_queries.clear()
    page = text(coach.get(path))
    few = len(count_queries)
    assert "Maya Lopez" in page and "Completed" in page and "In progress" in page
    for n in range(6):
        person = UserFactory(name=f"Member {n}", district=world.district)
        service.add_member(session, world.coach, cohort, person.email)
        EnrollmentFactory(user=person, module=world.module)
    session.flush()
    count_queries.clear()
    page = text(coach.get(path))
    assert len(count_queries) == few
    assert page.count("Not started") == 6 and "Member 5" in page


def test_a_spanish_speaking_teacher_reads_the_cohort_in_spanish(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    world.teacher.language = "es"
    cohort = make_cohort(session, world)
    service.add_member(session, world.coach, cohort, world.teacher.email)
    service.add_session(
        session, world.coach, cohort, starts_at=utcnow() + timedelta(days=3),
        duration_minutes=60, place="Biblioteca", agenda="Bienvenida",
    )  # fmt: skip
    session.flush()
    client = signed_in(world.teacher)
    page = text(client.get(f"/cohorts/{cohort.id}"))
    assert "Calendario de sesiones" in page
    assert "60 minutos" in page
    assert "Abrir la conversación de la cohorte" in page
    listing = text(client.get("/cohorts"))
    assert "Unirse a una cohorte" in listing
    assert re.search(
        r'<a href="/cohorts"[^>]*>Cohortes</a>',
        client.get("/cohorts").get_data(as_text=True),
    )
