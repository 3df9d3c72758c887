"""Completing an enrollment: the knowledge check and the evidence have both passed.

Called directly by the two steps that can finish an enrollment:
``learning.service.grade_quiz_attempt`` (a passing attempt) and
``review.service.decide`` (evidence passed), whichever comes second.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.credentials import service as credentials
from pdhub.credentials.models import Award
from pdhub.db import utcnow
from pdhub.learning.models import Enrollment, EnrollmentStatus, QuizAttempt
from pdhub.submissions.models import Submission
from pdhub.submissions.states import SubmissionStatus


def quiz_passed(session: Session, enrollment: Enrollment) -> bool:
    return (
        session.scalar(
            select(QuizAttempt.id)
            .where(
                QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.passed.is_(True)
            )
            .limit(1)
        )
        is not None
    )


def evidence_passed(session: Session, enrollment: Enrollment) -> bool:
    status = session.scalar(
        select(Submission.status).where(Submission.enrollment_id == enrollment.id)
    )
    return status is SubmissionStatus.PASSED


def complete_if_done(session: Session, enrollment: Enrollment) -> Award | None:
    """Mark ``enrollment`` complete and record its Award once both parts have passed.

    Safe to call repeatedly (tasks rerun): the Award is recorded once per enrollment.
    Returns the Award, or None while a part is still outstanding.
    """
    if not (quiz_passed(session, enrollment) and evidence_passed(session, enrollment)):
        return None
    if enrollment.status is not EnrollmentStatus.COMPLETED:
        enrollment.status = EnrollmentStatus.COMPLETED
        enrollment.completed_at = utcnow()
    return credentials.record_award(session, enrollment)
