"""A real worker process issues the credential of a committed Award, once."""

from __future__ import annotations

from sqlalchemy import func, select

from pdhub import jobs, tasks
from pdhub.credentials.models import IssuedCredential
from pdhub.extensions import db
from pdhub.learning.completion import complete_if_done
from pdhub.submissions.states import SubmissionStatus
from tests.factories import (
    AwardFactory,
    EnrollmentFactory,
    QuizAttemptFactory,
    SubmissionFactory,
)
from tests.workers.conftest import Worker, wait_until


def _issued(worker: Worker) -> int:
    with worker.app.app_context():
        try:
            return db.session.scalar(select(func.count(IssuedCredential.id))) or 0
        finally:
            db.session.remove()


def test_the_worker_issues_the_credential_of_a_completed_enrollment(
    worker: Worker,
) -> None:
    with worker.app.app_context():
        enrollment = EnrollmentFactory()
        QuizAttemptFactory(enrollment=enrollment, passed=True)
        SubmissionFactory(enrollment=enrollment, status=SubmissionStatus.PASSED)
        award = complete_if_done(db.session, enrollment)
        assert award is not None
        award_id = award.id
        db.session.commit()
        db.session.remove()
    wait_until(lambda: _issued(worker), timeout=60)
    worker.wait_for_log(tasks.ISSUE_CREDENTIAL)
    with worker.app.app_context():
        jobs.send_now(tasks.ISSUE_CREDENTIAL, award_id)  # a redelivery
        db.session.remove()
    wait_until(lambda: worker.log().count(tasks.ISSUE_CREDENTIAL) >= 4, timeout=60)
    assert _issued(worker) == 1


def test_the_same_chunk_running_twice_at_once_issues_each_award_once(
    worker: Worker,
) -> None:
    with worker.app.app_context():
        award_ids = [AwardFactory().id for _ in range(30)]
        db.session.commit()
        # Twice at once on the worker's two processes, and once overlapping.
        jobs.send_now(tasks.ISSUE_CREDENTIALS, award_ids)
        jobs.send_now(tasks.ISSUE_CREDENTIALS, award_ids)
        jobs.send_now(tasks.ISSUE_CREDENTIALS, award_ids[10:])
        db.session.remove()

    def finished() -> bool:
        lines = worker.log().splitlines()
        done = [
            line
            for line in lines
            if "pdhub.issue_credentials[" in line and "succeeded" in line
        ]
        return len(done) == 3

    wait_until(finished, timeout=90)
    with worker.app.app_context():
        rows = db.session.execute(
            select(
                IssuedCredential.current_award_id,
                IssuedCredential.revocation_list_id,
                IssuedCredential.revocation_index,
            )
        ).all()
        db.session.remove()
    assert sorted(row.current_award_id for row in rows) == sorted(award_ids)
    assert len({(row.revocation_list_id, row.revocation_index) for row in rows}) == 30
