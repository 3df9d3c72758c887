"""A coach writes first to a teacher they serve (from the cohort's progress page) and
withdraws an office-hours time; by direct URL, a teacher out of their scope is not
there, and another coach's time can't be withdrawn."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.audit.models import AuditAction, AuditEvent
from pdhub.coaching import service
from pdhub.coaching.models import Booking, Conversation, OfficeHourSlot
from pdhub.cohorts import service as cohorts
from pdhub.db import utcnow
from pdhub.notifications.models import EmailMessage, Notification
from tests.cohorts.conftest import SignedIn, World
from tests.cohorts.test_cohorts import make_cohort
from tests.helpers import text


def test_a_coach_writes_first_to_a_teacher_they_serve_and_only_to_them(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    world.teacher.language = "es"
    cohort = make_cohort(session, world)
    cohorts.add_member(session, world.coach, cohort, world.teacher.email)
    session.flush()
    coach = signed_in(world.coach)
    progress = text(coach.get(f"/cohorts/{cohort.id}/progress"))
    path = f"/coaching/teachers/{world.teacher.id}/new"
    assert f'href="{path}"' in progress and "Write to Maya Lopez" in progress
    # The district administrator runs the cohort but does not coach.
    assert path not in text(signed_in(world.district_admin).get(
        f"/cohorts/{cohort.id}/progress"
    ))  # fmt: skip
    assert "Write to Maya Lopez" in text(coach.get(path))
    empty = coach.post(path, data={"subject": "", "body": ""})
    assert empty.status_code == 422
    response = coach.post(
        path, data={"subject": "Your exit tickets", "body": "Shall we talk on Friday?"}
    )
    assert response.status_code == 303, text(response)[:2000]
    conversation = session.scalars(select(Conversation)).one()
    assert (conversation.teacher_id, conversation.coach_id) == (
        world.teacher.id,
        world.coach.id,
    )
    # The teacher is told in Spanish, in the app and by email, and reads it.
    assert (
        "Carlos Coach le escribió: Your exit tickets"
        in session.scalars(
            select(Notification.message).where(Notification.user_id == world.teacher.id)
        ).all()
    )
    mail = session.scalars(
        select(EmailMessage).where(EmailMessage.to == world.teacher.email)
    ).one()
    assert mail.subject == "Nuevo mensaje de Carlos Coach"
    page = text(signed_in(world.teacher).get(f"/coaching/{conversation.id}"))
    assert "Shall we talk on Friday?" in page
    # Another district's teacher, by id: 404 for reading the form and for sending.
    outside = f"/coaching/teachers/{world.outsider.id}/new"
    assert coach.get(outside).status_code == 404
    sent = coach.post(outside, data={"subject": "Hi", "body": "Hello"})
    assert sent.status_code == 404
    # Another district's coach can't write to our teacher; teachers and district
    # administrators don't start conversations here; a coach is not a teacher.
    for person in (world.other_coach, world.colleague, world.district_admin):
        assert signed_in(person).get(path).status_code == 404
        assert (
            signed_in(person)
            .post(path, data={"subject": "Hi", "body": "Hello"})
            .status_code
            == 404
        )
    assert (
        coach.get(f"/coaching/teachers/{world.other_coach.id}/new").status_code == 404
    )
    assert coach.get("/coaching/teachers/999999/new").status_code == 404
    assert session.scalar(select(Conversation.id).where(
        Conversation.teacher_id != world.teacher.id
    )) is None  # fmt: skip


def test_withdrawing_a_booked_time_tells_the_teacher_in_their_language(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    world.teacher.language = "es"
    booked = service.publish_slot(
        session, world.coach, starts_at=utcnow() + timedelta(days=3),
        duration_minutes=30, place="Library annex",
    )  # fmt: skip
    unbooked = service.publish_slot(
        session, world.coach, starts_at=utcnow() + timedelta(days=4),
        duration_minutes=30, place="Gym office",
    )  # fmt: skip
    session.flush()
    teacher = signed_in(world.teacher)
    assert teacher.post(f"/coaching/office-hours/{booked.id}/book").status_code == 303
    withdraw = f"/coaching/office-hours/{booked.id}/withdraw"
    # Nobody but the coach who offered it: another coach, the teacher, the district.
    for person in (world.other_coach, world.teacher, world.district_admin):
        assert signed_in(person).post(withdraw).status_code == 404
    coach = signed_in(world.coach)
    page = text(coach.get("/coaching/office-hours"))
    assert "Maya Lopez will be told." in page
    assert coach.post(withdraw).status_code == 303
    booking = session.scalars(select(Booking)).one()
    assert booking.cancelled_at is not None
    assert "Library annex" not in text(coach.get("/coaching/office-hours"))
    assert "Library annex" not in text(teacher.get("/coaching/office-hours"))
    note = session.scalars(
        select(Notification.message).where(Notification.user_id == world.teacher.id)
    ).one()
    assert note.startswith("Carlos Coach ya no puede reunirse")
    mail = session.scalars(
        select(EmailMessage).where(EmailMessage.to == world.teacher.email)
    ).one()
    assert mail.subject == "Horas de oficina con Carlos Coach canceladas"
    assert "/coaching/office-hours" in mail.body
    (event,) = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == AuditAction.OFFICE_HOURS_WITHDRAW.value
        )
    )
    assert event.subject_id == world.teacher.id and event.object_id == str(booked.id)
    # Twice is once: no second message.
    assert coach.post(withdraw).status_code == 303
    assert len(session.scalars(select(EmailMessage)).all()) == 1
    # An open time goes quietly; the colleague no longer sees it.
    assert (
        coach.post(f"/coaching/office-hours/{unbooked.id}/withdraw").status_code == 303
    )
    assert "Gym office" not in text(
        signed_in(world.colleague).get("/coaching/office-hours")
    )
    session.expire_all()
    assert session.get(OfficeHourSlot, unbooked.id).cancelled_at is not None  # type: ignore[union-attr]
    assert len(session.scalars(select(EmailMessage)).all()) == 1
    assert coach.post("/coaching/office-hours/999999/withdraw").status_code == 404
