"""Completing an enrollment: the knowledge check and the evidence have both passed.

Called directly by the two steps that can finish an enrollment:
``learning.service.grade_quiz_attempt`` (a passing attempt) and
``review.service.decide`` (evidence passed), whichever comes second.

The two parts finish in different transactions (a coach's pass, a grading job), often
within milliseconds of each other. Each takes the enrollment's row lock before looking
at the other part, so the second to lock waits for the first to commit and then sees
its part (READ COMMITTED reads anew per statement); SQLite runs one writer at a time.
A periodic sweep (``incomplete_enrollment_ids``) completes any enrollment missed anyway.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, select

from pdhub.credentials import service as credentials
from pdhub.credentials.models import Award
from pdhub.db import DbSession, utcnow
from pdhub.learning.models import (
    Enrollment,
    EnrollmentStatus,
    QuizAttempt,
)
from pdhub.lti import grades as lti_grades
from pdhub.submissions.models import Submission
from pdhub.submissions.states import SubmissionStatus


def quiz_passed(session: DbSession, enrollment: Enrollment) -> bool:
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


def evidence_passed(session: DbSession, enrollment: Enrollment) -> bool:
    status = session.scalar(
        select(Submission.status).where(Submission.enrollment_id == enrollment.id)
    )
    return status is SubmissionStatus.PASSED


def complete_if_done(session: DbSession, enrollment: Enrollment) -> Award | None:
    """Mark ``enrollment`` complete and record its Award once both parts have passed.

    Safe to call repeatedly (tasks rerun): the Award is recorded once per enrollment.
    Returns the Award, or None while a part is still outstanding. Locks the enrollment
    row until the caller commits, so two parts finishing at once cannot both miss the
    other (see the module docstring).
    """
    session.execute(
        select(Enrollment)
        .where(Enrollment.id == enrollment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if not (quiz_passed(session, enrollment) and evidence_passed(session, enrollment)):
        return None
    if enrollment.status is not EnrollmentStatus.COMPLETED:
        enrollment.status = EnrollmentStatus.COMPLETED
        enrollment.completed_at = utcnow()
        lti_grades.send_completion(session, enrollment)
    return credentials.record_award(session, enrollment)


def incomplete_enrollment_ids(session: DbSession, limit: int = 500) -> list[int]:
    """Enrollments whose knowledge check and evidence have both passed but that have
    no Award (for the periodic sweep)."""
    quiz = exists().where(
        QuizAttempt.enrollment_id == Enrollment.id, QuizAttempt.passed.is_(True)
    )
    evidence = exists().where(
        Submission.enrollment_id == Enrollment.id,
        Submission.status == SubmissionStatus.PASSED,
    )
    awarded = exists().where(Award.enrollment_id == Enrollment.id)
    return list(
        session.scalars(
            select(Enrollment.id)
            .where(and_(quiz, evidence, ~awarded))
            .order_by(Enrollment.id)
            .limit(limit)
        )
    )


def complete_enrollments(session: DbSession, enrollment_ids: list[int]) -> int:
    """Complete each enrollment whose parts have all passed; how many got an Award now.

    The sweep's repair for an enrollment whose completion was missed (a crash between
    the parts, or an old race).
    """
    done = 0
    for enrollment_id in enrollment_ids:
        enrollment = session.get(Enrollment, enrollment_id)
        if enrollment is None:
            continue
        had_award = session.scalar(
            select(Award.id).where(Award.enrollment_id == enrollment_id)
        )
        if complete_if_done(session, enrollment) is not None and had_award is None:
            done += 1
    return done
