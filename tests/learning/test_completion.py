"""An enrollment completes, and its Award is recorded once, when both parts pass."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub import jobs, tasks
from pdhub.credentials.models import Award
from pdhub.learning import service as learning
from pdhub.learning.completion import complete_if_done
from pdhub.learning.models import EnrollmentStatus, QuizAttemptStatus
from pdhub.review import service as review
from pdhub.review.models import Decision
from pdhub.submissions.states import SubmissionStatus
from tests.factories import (
    CoachAssignmentFactory,
    EnrollmentFactory,
    QuizAttemptFactory,
    SubmissionFactory,
    UserFactory,
)


def test_no_award_until_both_the_quiz_and_the_evidence_pass(session: Session) -> None:
    enrollment = EnrollmentFactory()
    QuizAttemptFactory(enrollment=enrollment, passed=True, score_percent=90)
    submission = SubmissionFactory(
        enrollment=enrollment, status=SubmissionStatus.IN_REVIEW
    )
    assert complete_if_done(session, enrollment) is None
    assert enrollment.status is EnrollmentStatus.IN_PROGRESS
    submission.status = SubmissionStatus.PASSED
    award = complete_if_done(session, enrollment)
    assert award is not None and award.user_id == enrollment.user_id
    assert enrollment.status is EnrollmentStatus.COMPLETED
    assert enrollment.completed_at is not None


def test_the_award_is_recorded_once_even_when_completion_runs_twice(
    session: Session,
) -> None:
    enrollment = EnrollmentFactory()
    QuizAttemptFactory(enrollment=enrollment, passed=True, score_percent=100)
    SubmissionFactory(enrollment=enrollment, status=SubmissionStatus.PASSED)
    first = complete_if_done(session, enrollment)
    second = complete_if_done(session, enrollment)
    assert first is second
    assert session.scalar(select(func.count(Award.id))) == 1
    # Issuing is queued once, for after the commit.
    assert jobs.pending(session()) == [(tasks.ISSUE_CREDENTIAL, (first.id,), None)]


def test_a_coach_passing_the_evidence_completes_the_enrollment(
    session: Session,
) -> None:
    enrollment = EnrollmentFactory()
    QuizAttemptFactory(enrollment=enrollment, passed=True, score_percent=80)
    submission = SubmissionFactory(enrollment=enrollment, in_review=True)
    coach = CoachAssignmentFactory(
        coach=UserFactory(coach=True, district=enrollment.user.district)
    ).coach
    levels = {
        cid: {"level": "proficient"} for cid in ("context", "artifacts", "reflection")
    }
    review.decide(
        session,
        coach,
        submission,
        scores=levels,
        overall_feedback="",
        decision=Decision.PASSED,
    )
    assert enrollment.status is EnrollmentStatus.COMPLETED
    award = session.scalar(select(Award))
    assert award is not None
    assert jobs.pending(session())[-1] == (tasks.ISSUE_CREDENTIAL, (award.id,), None)


def test_grading_a_passing_attempt_completes_the_enrollment(session: Session) -> None:
    enrollment = EnrollmentFactory()
    SubmissionFactory(enrollment=enrollment, status=SubmissionStatus.PASSED)
    attempt = QuizAttemptFactory(
        enrollment=enrollment,
        status=QuizAttemptStatus.SUBMITTED,
        passed=None,
        score_percent=None,
        answers={"q1": "a", "q2": "4"},
    )
    learning.grade_quiz_attempt(session, attempt.id)
    assert attempt.passed is True
    assert enrollment.status is EnrollmentStatus.COMPLETED
    assert session.scalar(select(func.count(Award.id))) == 1
