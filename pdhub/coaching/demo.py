"""Demo coaching for ``pdhub demo``: the demo teacher's question about her feedback
and the coach's answer, and the coach's office hours, one of them booked."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, select

from pdhub.accounts.models import User
from pdhub.coaching import policies, service
from pdhub.coaching.models import Conversation
from pdhub.db import DbSession, utcnow
from pdhub.learning.models import Enrollment
from pdhub.submissions.models import Submission


def seed(session: DbSession) -> None:
    """Does nothing once any conversation exists, or without the demo people."""
    if session.scalar(select(exists().where(Conversation.id.is_not(None)))):
        return
    maya = session.scalar(
        select(User).where(User.email == "teacher@riverside.example.org")
    )
    coach = session.scalar(
        select(User).where(User.email == "coach@riverside.example.org")
    )
    if maya is None or coach is None or not policies.can_coach(session, coach, maya):
        return
    submission = session.scalar(
        select(Submission)
        .join(Enrollment, Enrollment.id == Submission.enrollment_id)
        .where(Enrollment.user_id == maya.id)
        .order_by(Submission.id)
        .limit(1)
    )
    conversation = service.start(
        session, maya, coach, subject="A question about my feedback",
        body="You said my exit tickets show the plan worked. Would a short "
        "student survey make that evidence stronger next time?",
        submission=submission,
    )  # fmt: skip
    service.write(
        session, coach, conversation,
        "Yes: three questions about access at home would do. Bring it to office "
        "hours and we can draft it together.",
    )  # fmt: skip
    start = utcnow().replace(hour=15, minute=0, second=0, microsecond=0)
    slots = [
        service.publish_slot(
            session,
            coach,
            starts_at=start + timedelta(days=days),
            duration_minutes=30,
            place="https://meet.example.org/carlos-office-hours",
        )  # fmt: skip
        for days in (2, 3, 9)
    ]
    service.book(session, maya, slots[0])
