"""An enrollment completes, and its Award is recorded once, when both parts pass."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub import signals
from pdhub.credentials.models import Award
from pdhub.learning.completion import complete_if_done
from pdhub.learning.models import EnrollmentStatus
from pdhub.submissions.states import SubmissionStatus
from tests.factories import EnrollmentFactory, QuizAttemptFactory, SubmissionFactory


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
    announced = []

    def receiver(sender: object, award: Award) -> None:
        announced.append(award)

    with signals.award_recorded.connected_to(receiver):
        first = complete_if_done(session, enrollment)
        second = complete_if_done(session, enrollment)
    assert first is second
    assert session.scalar(select(func.count(Award.id))) == 1
    assert len(announced) == 1


def test_a_passing_submission_signal_completes_the_enrollment(session: Session) -> None:
    enrollment = EnrollmentFactory()
    QuizAttemptFactory(enrollment=enrollment, passed=True, score_percent=80)
    submission = SubmissionFactory(
        enrollment=enrollment, status=SubmissionStatus.PASSED
    )
    signals.submission_passed.send(session, submission=submission)
    assert enrollment.status is EnrollmentStatus.COMPLETED
