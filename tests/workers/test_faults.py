"""Work that survives faults, on real PostgreSQL, Redis and worker processes: no badge
lost to a race, no version left "being checked", a crash resumes within 2 minutes,
submits while Redis is down, one issuer key and status list, and a clean SIGTERM."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from pdhub import jobs, tasks
from pdhub.accounts.models import User
from pdhub.credentials import keys, status
from pdhub.credentials.models import Award, IssuedCredential, IssuerKey, StatusList
from pdhub.extensions import db
from pdhub.learning import service as learning
from pdhub.learning.models import Enrollment, EnrollmentStatus, QuizAttemptStatus
from pdhub.review import service as review
from pdhub.review.models import Decision
from pdhub.submissions.models import Submission
from pdhub.submissions.states import SubmissionStatus
from tests.conftest import ROOT
from tests.factories import (
    CoachAssignmentFactory,
    EnrollmentFactory,
    QuizAttemptFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.helpers import OwnRedis
from tests.review.conftest import complete_evidence
from tests.workers.conftest import Worker, _empty_tables, configure_celery, wait_until
from tests.workers.test_grading_reliability import count, status_of, submit

pytestmark = pytest.mark.worker

PROFICIENT = {
    criterion: {"level": "proficient", "feedback": ""}
    for criterion in ("context", "artifacts", "reflection")
}


# --- a coach's pass and a knowledge check graded at the same moment -------------------


def _nearly_complete(app: Flask) -> tuple[int, int, int, int]:
    """An enrollment whose evidence is with its coach and whose (correct) knowledge
    check waits to be graded: (enrollment, submission, attempt, coach) ids."""
    with app.app_context():
        try:
            teacher = UserFactory()
            coach = UserFactory(coach=True, district=teacher.district)
            CoachAssignmentFactory(coach=coach, district=teacher.district)
            enrollment = EnrollmentFactory(user=teacher)
            submission = SubmissionFactory(
                enrollment=enrollment, in_review=True, **complete_evidence()
            )
            attempt = QuizAttemptFactory(
                enrollment=enrollment,
                status=QuizAttemptStatus.SUBMITTED,
                passed=None,
                score_percent=None,
            )
            db.session.commit()
            return enrollment.id, submission.id, attempt.id, coach.id
        finally:
            db.session.remove()


def _in_thread(
    app: Flask, work: Callable[[], object], before_commit: Callable[[], None]
):  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                work()
                before_commit()
                db.session.commit()
            except BaseException as error:  # reported by the test below
                errors.append(error)
            finally:
                db.session.remove()

    return threading.Thread(target=run), errors


def _race(app: Flask, hold_commit: bool) -> int:
    """The coach passes the evidence while the grading job scores the knowledge check,
    both released by one barrier; with ``hold_commit`` each also waits (briefly) for
    the other before committing. Returns the enrollment id."""
    enrollment_id, submission_id, attempt_id, coach_id = _nearly_complete(app)
    start = threading.Barrier(2)
    before = threading.Barrier(2)

    def hold() -> None:
        if hold_commit:
            # Broken when the other transaction waits on a lock this one holds.
            with contextlib.suppress(threading.BrokenBarrierError):
                before.wait(timeout=3)

    def coach_passes() -> None:
        start.wait()
        review.decide(
            db.session,
            db.session.get(User, coach_id),
            db.session.get(Submission, submission_id),
            scores=PROFICIENT,
            overall_feedback="Clear evidence from your classroom.",
            decision=Decision.PASSED,
        )

    def grading_job() -> None:
        start.wait()
        learning.grade_quiz_attempt(db.session, attempt_id)

    threads = [_in_thread(app, coach_passes, hold), _in_thread(app, grading_job, hold)]
    for thread, _ in threads:
        thread.start()
    for thread, errors in threads:
        thread.join(timeout=60)
        assert not errors, errors
    return enrollment_id


def test_a_coach_pass_racing_the_knowledge_check_grading_always_earns_the_badge(
    worker: Worker,
) -> None:
    enrollments = [_race(worker.app, hold_commit=True) for _ in range(3)]
    enrollments += [_race(worker.app, hold_commit=False) for _ in range(20)]
    done = Enrollment.status == EnrollmentStatus.COMPLETED
    assert count(worker.app, Enrollment, done) == len(enrollments)
    assert count(worker.app, Award) == len(enrollments)
    # Every badge is issued by the worker, once.
    wait_until(lambda: count(worker.app, IssuedCredential) == len(enrollments), 120)


def test_the_sweep_completes_an_enrollment_whose_parts_both_passed_without_award(
    worker: Worker,
) -> None:
    with worker.app.app_context():
        enrollment = EnrollmentFactory()
        SubmissionFactory(
            enrollment=enrollment, status=SubmissionStatus.PASSED, **complete_evidence()
        )
        QuizAttemptFactory(enrollment=enrollment)  # graded and passed
        db.session.commit()  # no signal: the state a lost race left behind
        enrollment_id = enrollment.id
        db.session.remove()
    assert count(worker.app, Award) == 0
    with worker.app.app_context():
        jobs.send_now(tasks.SWEEP_COMPLETIONS)
    wait_until(lambda: count(worker.app, IssuedCredential) == 1, 90)
    with worker.app.app_context():
        enrollment = db.session.get(Enrollment, enrollment_id)
        assert enrollment.status is EnrollmentStatus.COMPLETED
        assert enrollment.completed_at is not None
        db.session.remove()
    assert count(worker.app, Award) == 1


# --- a screening job and its own version ----------------------------------------------


def test_a_screening_job_waits_for_its_own_version_while_another_claim_holds_it(
    worker: Worker,
) -> None:
    with worker.app.app_context():
        submission = SubmissionFactory(submitted=True, **complete_evidence())
        db.session.commit()
        submission_id, version_id = submission.id, submission.versions[0].id
        db.session.remove()
    holder = worker.app.app_context()
    holder.push()  # another job's claim passing by holds the row for a moment
    try:
        db.session.execute(
            select(Submission.id)
            .where(Submission.id == submission_id)
            .with_for_update()
        ).all()
        jobs.send_now(tasks.SCREEN_SUBMISSION, version_id)
        worker.wait_for_log("pdhub.screen_submission[")
        time.sleep(2)  # the job meets the lock
    finally:
        db.session.rollback()
        db.session.remove()
        holder.pop()
    wait_until(
        lambda: status_of(worker.app, submission_id) is SubmissionStatus.IN_REVIEW, 30
    )


# --- a crash mid-screening ------------------------------------------------------------


def test_screening_cut_short_by_a_crash_resumes_within_two_minutes_by_default(
    worker: Worker,
) -> None:
    # The default stuck threshold, sweep interval and visibility timeout (none set).
    assert not any(
        name in worker.env
        for name in (
            "PDHUB_SCREENING_STUCK_SECONDS",
            "PDHUB_SWEEP_INTERVAL_SECONDS",
            "PDHUB_TASK_VISIBILITY_TIMEOUT",
        )
    )
    worker.stop()
    worker.env["PDHUB_SCREENING_DELAY_SECONDS"] = "600"
    worker.start()
    submission_id = submit(worker.app)
    wait_until(
        lambda: status_of(worker.app, submission_id) is SubmissionStatus.SCREENING, 90
    )
    worker.kill()  # between screening's two commits
    worker.stop()
    crashed = time.monotonic()
    worker.env["PDHUB_SCREENING_DELAY_SECONDS"] = "0"
    worker.start(2, "--beat")
    wait_until(
        lambda: status_of(worker.app, submission_id) is SubmissionStatus.IN_REVIEW,
        timeout=max(1.0, 150 - (time.monotonic() - crashed)),  # 2 minutes + slack
        interval=1,
    )
    # Beat keeps its schedule in the instance folder, not in the folder it started in.
    instance = Path(worker.env["PDHUB_INSTANCE_PATH"])
    assert list(instance.glob("celerybeat-schedule*"))
    assert not list(ROOT.glob("celerybeat-schedule*"))


# --- Redis down at submit -------------------------------------------------------------


def test_submits_while_redis_is_down_answer_and_their_work_is_done_when_it_returns(
    worker: Worker,
    worker_settings: dict[str, object],
    own_redis: OwnRedis,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker.stop()
    worker.env.update(PDHUB_REDIS_URL=own_redis.url, PDHUB_SWEEP_INTERVAL_SECONDS="2")
    worker.start(2, "--beat", "--schedule", str(tmp_path / "beat-schedule"))
    web = configure_celery(
        {
            **worker_settings,
            "PDHUB_REDIS_URL": own_redis.url,
            "PDHUB_BROKER_DOWN_SECONDS": 60,
        }
    )
    try:
        own_redis.kill()
        with caplog.at_level(logging.WARNING, logger="pdhub.jobs"):
            submitted = [submit(web) for _ in range(5)]  # each answers, no error
        assert all(
            status_of(web, sid) is SubmissionStatus.SUBMITTED for sid in submitted
        )
        # One failed attempt, then the process knows the broker is down.
        assert caplog.text.count("could not send") == 1
        own_redis.start()  # Redis returns (empty: the saved rows are the outbox)
        routed = Submission.status == SubmissionStatus.IN_REVIEW
        wait_until(lambda: count(web, Submission, routed) == 5, timeout=60)
    finally:
        with web.app_context():
            db.engine.dispose()
        configure_celery(worker_settings)


# --- the first burst on a new deployment ----------------------------------------------


def test_a_burst_on_a_new_deployment_makes_one_issuer_key_and_one_status_list(
    worker_app: Flask,
) -> None:
    try:
        for _ in range(3):
            _empty_tables(worker_app)
            start = threading.Barrier(6)

            def first_issue(start: threading.Barrier = start) -> None:
                start.wait()
                signer = keys.signer_for(keys.current_key(db.session))
                status.allocate(db.session, signer)

            threads = [
                _in_thread(worker_app, first_issue, lambda: None) for _ in range(6)
            ]
            for thread, _ in threads:
                thread.start()
            for thread, errors in threads:
                thread.join(timeout=60)
                assert not errors, errors
            assert count(worker_app, IssuerKey) == 1
            assert count(worker_app, StatusList) == 1
    finally:
        _empty_tables(worker_app)


def test_issuing_after_the_first_key_still_uses_one_key_and_list(
    worker_app: Flask,
) -> None:
    try:
        with worker_app.app_context():
            signer = keys.signer_for(keys.current_key(db.session))
            picked = status.allocate_many(db.session, signer, 5)
            db.session.commit()
            assert len({index for _, index in picked}) == 5
            assert db.session.scalar(select(func.count()).select_from(StatusList)) == 1
            db.session.remove()
    finally:
        _empty_tables(worker_app)


# --- pdhub worker and SIGTERM ---------------------------------------------------------


def test_sigterm_to_pdhub_worker_stops_the_celery_worker_it_started(
    worker_app: Flask, worker_settings: dict[str, object], tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDHUB_")}
    env.update({k: str(v) for k, v in worker_settings.items()})
    env["PYTHONPATH"] = str(ROOT)
    log_path = tmp_path / "pdhub-worker.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "pdhub"), "worker", "-c", "1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(lambda: "ready." in log_path.read_text(errors="replace"), 90)
        process.send_signal(signal.SIGTERM)  # what systemd or Docker sends
        process.wait(timeout=60)
        # Nothing of the worker is left running: the group is empty.
        wait_until(lambda: not _group_alive(process.pid), timeout=30)
        assert "warm shutdown" in log_path.read_text(errors="replace").lower()
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
