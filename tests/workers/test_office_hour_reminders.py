"""A real worker sends an office-hours reminder once per booking, to the teacher and
the coach, in each one's language, however many times the beat task runs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from pdhub import jobs, tasks
from pdhub.coaching import service
from pdhub.coaching.models import Booking
from pdhub.db import utcnow
from pdhub.extensions import db
from pdhub.notifications.models import EmailMessage
from tests.factories import CoachAssignmentFactory, DistrictFactory, UserFactory
from tests.workers.conftest import Worker, wait_until

pytestmark = pytest.mark.worker


def test_a_booking_reminder_is_sent_once_by_the_worker(worker: Worker) -> None:
    with worker.app.app_context():
        district = DistrictFactory()
        coach = UserFactory(coach=True, district=district, name="Carlos Coach")
        CoachAssignmentFactory(coach=coach, district=district)
        teacher = UserFactory(district=district, name="Lucía Rivera", language="es")
        soon = service.publish_slot(
            db.session, coach, starts_at=utcnow() + timedelta(hours=3),
            duration_minutes=30, place="Room 4",
        )  # fmt: skip
        later = service.publish_slot(
            db.session, coach, starts_at=utcnow() + timedelta(days=4),
            duration_minutes=30, place="Room 4",
        )  # fmt: skip
        booking = service.book(db.session, teacher, soon)
        service.book(db.session, teacher, later)
        db.session.commit()
        booking_id, addresses = booking.id, (teacher.email, coach.email)
        db.session.remove()
        for _ in range(3):  # the beat runs again, and a second worker process too
            jobs.send_now(tasks.SEND_OFFICE_HOUR_REMINDERS)

    def sent() -> list[EmailMessage] | None:
        with worker.app.app_context():
            try:
                mails = list(
                    db.session.scalars(
                        select(EmailMessage).where(EmailMessage.sent_at.is_not(None))
                    )
                )
                return mails if len(mails) >= 2 else None
            finally:
                db.session.remove()

    wait_until(sent, 60)
    # Let every queued run finish before counting.
    finished = r"Task pdhub\.send_office_hour_reminders\[[^\]]+\] succeeded"
    wait_until(lambda: len(re.findall(finished, worker.log())) == 3, 60)
    with worker.app.app_context():
        mails = list(db.session.scalars(select(EmailMessage)))
        assert sorted(m.to for m in mails) == sorted(addresses)
        to_teacher = next(m for m in mails if m.to == addresses[0])
        assert to_teacher.subject == "Recordatorio: horas de oficina con Carlos Coach"
        to_coach = next(m for m in mails if m.to == addresses[1])
        assert to_coach.subject == "Reminder: office hours with Lucía Rivera"
        reminded = db.session.scalars(
            select(Booking.id).where(Booking.reminded_at.is_not(None))
        ).all()
        assert reminded == [booking_id]  # the booking four days away waits
        db.session.remove()
