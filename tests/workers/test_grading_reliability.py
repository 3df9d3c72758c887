"""The grading pipeline on a real Celery worker and real Redis: the whole flow, Redis
down at submit, a worker killed mid-job, a job that keeps failing, and a rollback."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from pdhub import jobs, signals
from pdhub.admin.models import JobFailure
from pdhub.credentials.models import Award
from pdhub.extensions import db
from pdhub.notifications.models import EmailMessage, Notification
from pdhub.review import screening
from pdhub.submissions.models import Submission
from pdhub.submissions.states import SubmissionStatus
from tests.factories import (
    CoachAssignmentFactory,
    EnrollmentFactory,
    ModuleFactory,
    QuizAttemptFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.helpers import sign_in
from tests.review.conftest import complete_evidence
from tests.workers.conftest import Worker, _empty_tables, configure_celery, wait_until

pytestmark = pytest.mark.worker


def submit(app: Flask, *, commit: bool = True, **evidence: object) -> int:
    """A teacher in a coached district submits evidence; returns the submission id."""
    with app.app_context():
        try:
            teacher = UserFactory(name="Wren Worker")
            CoachAssignmentFactory(
                coach=UserFactory(coach=True, district=teacher.district),
                district=teacher.district,
            )
            module = ModuleFactory(**evidence.pop("module", {}))  # type: ignore[arg-type]
            submission = SubmissionFactory(
                enrollment=EnrollmentFactory(user=teacher, module=module),
                submitted=True,
                **{**complete_evidence(), **evidence},
            )
            signals.submission_submitted.send(
                db.session, version=submission.versions[0]
            )
            if commit:
                db.session.commit()
            else:
                db.session.rollback()
            return submission.id
        finally:
            db.session.remove()


def status_of(app: Flask, submission_id: int) -> SubmissionStatus | None:
    with app.app_context():
        try:
            submission = db.session.get(Submission, submission_id)
            return submission.status if submission else None
        finally:
            db.session.remove()


def count(app: Flask, model: type, *where: object) -> int:
    with app.app_context():
        try:
            return db.session.scalar(
                select(func.count()).select_from(model).where(*where)
            )
        finally:
            db.session.remove()


def runs(worker: Worker) -> int:
    return len(
        re.findall(r"Task pdhub\.screen_submission\[[^\]]+\] received", worker.log())
    )


def test_the_whole_flow_runs_on_a_real_worker(worker: Worker) -> None:
    submission_id = submit(worker.app)
    wait_until(
        lambda: status_of(worker.app, submission_id) is SubmissionStatus.IN_REVIEW
    )
    mail = Path(worker.env["PDHUB_INSTANCE_PATH"]) / "mail.log"
    wait_until(lambda: mail.exists() and "is with a coach" in mail.read_text())

    with worker.app.app_context():
        submission = db.session.get(Submission, submission_id)
        QuizAttemptFactory(enrollment=submission.enrollment, passed=True)
        coach = db.session.scalars(
            select(UserFactory._meta.model).where(
                UserFactory._meta.model.role == "coach"
            )
        ).one()
        db.session.commit()
        browser = worker.app.test_client()
        sign_in(browser, coach)
        assert browser.post(f"/review/{submission_id}/claim").status_code == 303
        levels = {
            f"level_{c}": "proficient" for c in ("context", "artifacts", "reflection")
        }
        response = browser.post(
            f"/review/{submission_id}", data={**levels, "decision": "passed"}
        )
        assert response.status_code == 303
        db.session.remove()
    assert status_of(worker.app, submission_id) is SubmissionStatus.PASSED
    assert count(worker.app, Award) == 1
    wait_until(lambda: "Subject: Your evidence passed" in mail.read_text())


def test_a_submission_saved_while_redis_is_down_is_screened_by_the_sweep(
    worker: Worker, worker_settings: dict[str, object]
) -> None:
    offline = configure_celery(
        {**worker_settings, "PDHUB_REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    try:
        started = time.monotonic()
        submission_id = submit(offline)  # no error for the teacher
        assert time.monotonic() - started < 10
        assert status_of(offline, submission_id) is SubmissionStatus.SUBMITTED
    finally:
        with offline.app_context():
            db.engine.dispose()
        configure_celery(worker_settings)  # real Redis again
    time.sleep(1)
    assert status_of(worker.app, submission_id) is SubmissionStatus.SUBMITTED
    with worker.app.app_context():
        jobs.send_now("pdhub.sweep_submissions")
    wait_until(
        lambda: status_of(worker.app, submission_id) is SubmissionStatus.IN_REVIEW
    )
    assert count(worker.app, Notification) == 1


def test_a_worker_killed_mid_job_runs_it_again_with_one_effect(worker: Worker) -> None:
    worker.stop()
    worker.env.update(
        PDHUB_SCREENING_DELAY_SECONDS="30", PDHUB_TASK_VISIBILITY_TIMEOUT="2"
    )
    worker.start()
    submission_id = submit(worker.app)
    wait_until(
        lambda: status_of(worker.app, submission_id) is SubmissionStatus.SCREENING,
        timeout=90,
    )
    worker.kill()  # SIGKILL to the main process and its pool children
    worker.stop()  # (only closes its log file: the processes are gone)
    assert status_of(worker.app, submission_id) is SubmissionStatus.SCREENING
    assert count(worker.app, Notification) == 0
    time.sleep(2.5)  # past the visibility timeout: Redis hands the job out again
    worker.env["PDHUB_SCREENING_DELAY_SECONDS"] = "0"
    worker.start()
    # Generous limits: a loaded 2-core machine restarts a worker slowly.
    wait_until(
        lambda: status_of(worker.app, submission_id) is SubmissionStatus.IN_REVIEW,
        timeout=90,
    )
    wait_until(
        lambda: count(worker.app, EmailMessage, EmailMessage.sent_at.is_not(None)) == 1,
        timeout=90,
    )
    time.sleep(1)
    assert runs(worker) == 2
    assert count(worker.app, Notification) == 1
    assert count(worker.app, EmailMessage) == 1
    with worker.app.app_context():
        versions = db.session.get(Submission, submission_id).versions
        assert versions[0].screening["complete"] is True
        db.session.remove()


def test_a_job_that_keeps_failing_is_retried_with_backoff_then_recorded(
    worker: Worker,
) -> None:
    worker.stop()
    worker.env.update(PDHUB_TASK_MAX_RETRIES="2", PDHUB_TASK_RETRY_BACKOFF_SECONDS="1")
    worker.start()
    corrupt = {
        "evidence": {"context": "not a mapping", "reflection": None, "artifacts": []}
    }
    submission_id = submit(worker.app, module=corrupt)
    wait_until(lambda: count(worker.app, JobFailure) == 1, timeout=60)
    with worker.app.app_context():
        failure = db.session.scalars(select(JobFailure)).one()
        assert failure.task_name == "pdhub.screen_submission"
        assert failure.attempts == 3
        assert "TypeError" in failure.error
        version_id = failure.args[0]
        # The sweep leaves it to an administrator instead of retrying it forever.
        assert version_id not in screening.stuck_version_ids(db.session)
        admin = UserFactory(admin=True)
        db.session.commit()
        browser = worker.app.test_client()
        sign_in(browser, admin)
        assert "TypeError" in browser.get("/admin/jobs").get_data(as_text=True)
        db.session.remove()
    assert (
        len(re.findall(r"pdhub\.screen_submission\[[^\]]+\] retry", worker.log())) == 2
    )
    time.sleep(3)
    assert runs(worker) == 3
    assert status_of(worker.app, submission_id) is SubmissionStatus.SCREENING


def test_no_job_is_sent_for_a_transaction_that_rolled_back(worker: Worker) -> None:
    rolled_back = submit(worker.app, commit=False)
    assert status_of(worker.app, rolled_back) is None
    committed = submit(worker.app)
    wait_until(lambda: status_of(worker.app, committed) is SubmissionStatus.IN_REVIEW)
    time.sleep(0.5)
    assert runs(worker) == 1


def test_a_burst_on_two_worker_processes_routes_and_emails_each_teacher_once(
    worker: Worker,
) -> None:
    mail_log = Path(worker.env["PDHUB_INSTANCE_PATH"]) / "mail.log"
    before = len(mail_log.read_text()) if mail_log.exists() else 0
    with worker.app.app_context():
        module = ModuleFactory()
        teachers = [UserFactory() for _ in range(40)]
        submissions = [
            SubmissionFactory(
                enrollment=EnrollmentFactory(user=teacher, module=module),
                submitted=True,
                **complete_evidence(),
            )
            for teacher in teachers
        ]
        for submission in submissions:  # one commit: 40 jobs race for 40 versions
            signals.submission_submitted.send(
                db.session, version=submission.versions[0]
            )
        db.session.commit()
        db.session.remove()
    routed = Submission.status == SubmissionStatus.IN_REVIEW
    wait_until(lambda: count(worker.app, Submission, routed) == 40)
    sent = EmailMessage.sent_at.is_not(None)
    wait_until(lambda: count(worker.app, EmailMessage, sent) == 40)
    time.sleep(1)
    assert runs(worker) == 40
    assert count(worker.app, Notification) == 40
    assert count(worker.app, EmailMessage) == 40
    mail = mail_log.read_text()[before:]  # the log is shared with earlier tests
    assert mail.count("Subject: Your evidence is with a coach") == 40
    assert len({line for line in mail.splitlines() if line.startswith("To: ")}) == 40


def test_a_version_another_job_holds_is_skipped_and_other_waiting_ones_are_taken(
    worker_app: Flask,
) -> None:
    try:
        with worker_app.app_context():
            versions = [
                SubmissionFactory(submitted=True, **complete_evidence()).versions[0].id
                for _ in range(3)
            ]
            db.session.commit()
            db.session.remove()
        holder = worker_app.app_context()
        holder.push()  # one job holds the first version (its transaction still open)
        try:
            assert screening.claim(db.session, versions[0], limit=1) == [versions[0]]
            with worker_app.app_context():  # another job, on another connection
                taken = screening.claim(db.session, versions[1])
                assert sorted(taken) == versions[1:]
                db.session.rollback()
                db.session.remove()
            db.session.rollback()
            db.session.remove()
        finally:
            holder.pop()
    finally:
        _empty_tables(worker_app)
