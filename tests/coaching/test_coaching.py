"""Coaching conversations and office hours through the pages people use: only the two
people (and administrators, reading) open a conversation, bodies are encrypted at
rest, the other person is told in their language, and a slot is booked once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pdhub.coaching import service
from pdhub.coaching.models import Booking, Conversation, ConversationMessage
from pdhub.db import utcnow
from pdhub.notifications.models import EmailMessage, Notification
from pdhub.privacy import encryption
from tests.cohorts.conftest import SignedIn, World
from tests.factories import (
    CoachAssignmentFactory,
    EnrollmentFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.helpers import text

SECRET = "I am not sure my exit ticket fits criterion two"


def test_a_teacher_asks_about_feedback_and_only_the_two_of_them_read_it(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    world.coach.language = "es"
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=world.teacher, module=world.module)
    )
    session.flush()
    teacher = signed_in(world.teacher)
    form = text(teacher.get(f"/coaching/new?submission={submission.id}"))
    assert "A question about my feedback: AI in the classroom" in form
    response = teacher.post(
        "/coaching/new",
        data={
            "coach": world.coach.id,
            "subject": "A question about my feedback",
            "body": SECRET,
            "submission": str(submission.id),
        },
    )
    assert response.status_code == 303, text(response)[:2000]
    conversation = session.scalars(select(Conversation)).one()
    assert conversation.submission_id == submission.id
    # Encrypted at rest, with the key that wrote it.
    stored = session.scalars(select(ConversationMessage)).one()
    assert SECRET not in stored.body_encrypted
    assert encryption.decrypt(stored.body_encrypted.encode()).decode() == SECRET
    assert stored.key_version == encryption.key_version()
    raw = session.execute(sql("SELECT body_encrypted FROM coaching_messages")).scalar()
    assert SECRET not in raw
    # The coach is told in Spanish, in the app and by email (without the message).
    note = session.scalars(
        select(Notification.message).where(Notification.user_id == world.coach.id)
    ).one()
    assert note == "Maya Lopez le escribió: A question about my feedback"
    mail = session.scalars(
        select(EmailMessage).where(EmailMessage.to == world.coach.email)
    ).one()
    assert mail.subject == "Nuevo mensaje de Maya Lopez"
    assert SECRET not in mail.body and f"/coaching/{conversation.id}" in mail.body
    # The coach reads and replies; the teacher is told in English.
    coach = signed_in(world.coach)
    assert SECRET in text(coach.get(f"/coaching/{conversation.id}"))
    assert (
        coach.post(
            f"/coaching/{conversation.id}", data={"body": "Yes, it does. Well done."}
        ).status_code
        == 303
    )
    assert (
        "Carlos Coach wrote to you: A question about my feedback"
        in session.scalars(
            select(Notification.message).where(Notification.user_id == world.teacher.id)
        ).all()
    )
    assert "Yes, it does." in text(teacher.get(f"/coaching/{conversation.id}"))
    # Nobody else, by direct URL: a colleague, the district's administrator, another
    # district's coach. A platform administrator may read, not write.
    for person in (world.colleague, world.district_admin, world.other_coach):
        client = signed_in(person)
        assert client.get(f"/coaching/{conversation.id}").status_code == 404
        assert (
            client.post(f"/coaching/{conversation.id}", data={"body": "hi"}).status_code
            == 404
        )
        assert "A question about my feedback" not in text(client.get("/coaching"))
    admin = signed_in(world.admin)
    assert SECRET in text(admin.get(f"/coaching/{conversation.id}"))
    assert (
        admin.post(f"/coaching/{conversation.id}", data={"body": "hi"}).status_code
        == 403
    )
    # Someone else's submission can't be the subject of a question.
    other = SubmissionFactory(
        enrollment=EnrollmentFactory(user=world.colleague, module=world.module)
    )
    session.flush()
    assert teacher.get(f"/coaching/new?submission={other.id}").status_code == 404


def test_the_feedback_page_offers_a_question_to_the_coach_who_reviewed_it(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    from pdhub.review import service as review
    from pdhub.review.models import Decision

    second = UserFactory(coach=True, name="Bea Coach", district=world.district)
    CoachAssignmentFactory(coach=second, district=world.district)
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=world.teacher, module=world.module),
        in_review=True,
    )
    session.flush()
    rubric = world.module.rubric
    review.claim(session, second, submission)
    review.decide(
        session, second, submission,
        scores={
            c["id"]: {"level": "developing", "feedback": "Show the student work."}
            for c in rubric["criteria"]
        },
        overall_feedback="Add one more student sample.",
        decision=Decision.NEEDS_REVISION,
    )  # fmt: skip
    session.flush()
    teacher = signed_in(world.teacher)
    page = teacher.get(f"/submissions/{submission.id}").get_data(as_text=True)
    link = f"/coaching/new?submission={submission.id}"
    assert link in page
    form = teacher.get(link).get_data(as_text=True)
    # The coach who gave the feedback is chosen already.
    assert f'<option selected value="{second.id}">Bea Coach</option>' in form
    # The coach's view of the same page has no such link.
    coach_page = signed_in(second).get(f"/submissions/{submission.id}")
    assert link not in coach_page.get_data(as_text=True)


def test_a_teacher_can_only_write_to_a_coach_who_serves_them(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    teacher = signed_in(world.teacher)
    response = teacher.post(
        "/coaching/new",
        data={"coach": world.other_coach.id, "subject": "Hi", "body": "Hello"},
    )
    assert response.status_code == 422
    assert "Choose one of your coaches." in text(response)
    assert session.scalar(select(Conversation.id)) is None
    assert signed_in(world.coach).get("/coaching/new").status_code == 404


def test_a_slot_is_booked_once_and_opens_again_when_cancelled(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    coach = signed_in(world.coach)
    response = coach.post(
        "/coaching/office-hours",
        data={"day": (utcnow() + timedelta(days=5)).date().isoformat(),
              "start": "15:00", "duration": "30", "place": "Room 4"},
    )  # fmt: skip
    assert response.status_code == 303, text(response)[:1500]
    slot_id = session.scalar(select(service.OfficeHourSlot.id))
    teacher, colleague = signed_in(world.teacher), signed_in(world.colleague)
    assert "Room 4" in text(colleague.get("/coaching/office-hours"))
    assert teacher.post(f"/coaching/office-hours/{slot_id}/book").status_code == 303
    # Taken: it leaves the colleague's list, and booking it anyway is refused.
    assert "Room 4" not in text(colleague.get("/coaching/office-hours"))
    refused = colleague.post(f"/coaching/office-hours/{slot_id}/book")
    assert refused.status_code == 409
    assert "Someone else has just booked that time" in text(refused)
    # Both people see the booking.
    assert "with Maya Lopez" in text(coach.get("/coaching/office-hours"))
    assert "with Carlos Coach" in text(teacher.get("/coaching"))
    # Another district's teacher can't book it, even by id.
    assert (
        signed_in(world.outsider)
        .post(f"/coaching/office-hours/{slot_id}/book")
        .status_code
        == 404
    )
    booking = session.scalars(select(Booking)).one()
    assert colleague.post(f"/coaching/bookings/{booking.id}/cancel").status_code == 404
    assert teacher.post(f"/coaching/bookings/{booking.id}/cancel").status_code == 303
    assert colleague.post(f"/coaching/office-hours/{slot_id}/book").status_code == 303
    live = session.scalars(select(Booking).where(Booking.cancelled_at.is_(None))).all()
    assert [b.teacher_id for b in live] == [world.colleague.id]


def test_the_database_refuses_a_second_live_booking_of_a_slot(
    app: Flask, session: Session, world: World
) -> None:
    slot = service.publish_slot(
        session, world.coach, starts_at=utcnow() + timedelta(days=2),
        duration_minutes=30, place="Room 4",
    )  # fmt: skip
    session.add(Booking(slot_id=slot.id, teacher_id=world.teacher.id))
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(Booking(slot_id=slot.id, teacher_id=world.colleague.id))
        session.flush()


def test_bad_office_hours_input_gets_a_friendly_answer(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    coach = signed_in(world.coach)
    past = coach.post(
        "/coaching/office-hours",
        data={"day": "2020-01-01", "start": "09:00", "duration": "30", "place": "Room"},
    )
    assert past.status_code == 422 and "Choose a time in the future." in text(past)
    garbage = coach.post(
        "/coaching/office-hours",
        data={"day": "soon", "start": "25:99", "duration": "-3", "place": ""},
    )
    assert garbage.status_code == 422 and "There is a problem" in text(garbage)
    teacher = signed_in(world.teacher)
    assert teacher.post("/coaching/office-hours/999999/book").status_code == 404
    assert teacher.post("/coaching/bookings/999999/cancel").status_code == 404
    # Teachers don't publish office hours.
    assert (
        teacher.post(
            "/coaching/office-hours",
            data={
                "day": "2030-01-01",
                "start": "09:00",
                "duration": "30",
                "place": "R",
            },
        ).status_code
        == 404
    )
