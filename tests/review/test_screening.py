"""Screening routes submitted evidence: complete into the coach queue, incomplete back
to the teacher with reasons, once, however often the job runs."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub import jobs, signals
from pdhub.admin.service import record_job_failure
from pdhub.notifications.models import EmailMessage, Notification
from pdhub.review import screening
from pdhub.submissions.models import Submission
from pdhub.submissions.states import SubmissionStatus
from pdhub.submissions.storage import file_store
from tests.factories import (
    ArtifactFactory,
    EnrollmentFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.review.conftest import complete_evidence


def notifications_for(session: Session, submission: Submission) -> list[str]:
    return list(
        session.scalars(
            select(Notification.message).where(
                Notification.key.like(f"submission:{submission.id}:%")
            )
        )
    )


def test_complete_evidence_enters_the_coach_queue_and_the_teacher_is_told_once(
    session: Session, submitted_submission: Submission, mail_log
) -> None:
    version = submitted_submission.versions[0]
    assert screening.begin_screening(session, version.id)
    assert submitted_submission.status is SubmissionStatus.SCREENING
    assert screening.finish_screening(session, version.id) is SubmissionStatus.IN_REVIEW
    assert version.screening["complete"] is True
    assert (version.screening["reasons"], version.screening["flags"]) == ([], [])
    # The job runs again (a redelivery): nothing changes, nobody is told twice.
    assert not screening.begin_screening(session, version.id)
    assert screening.finish_screening(session, version.id) is None
    session.commit()
    assert notifications_for(session, submitted_submission) == [
        f"Your evidence for {submitted_submission.enrollment.module.title} is complete "
        "and waiting for a coach."
    ]
    assert mail_log.read_text().count("Subject: Your evidence is with a coach") == 1


def test_incomplete_evidence_is_returned_with_every_reason(
    session: Session, teacher, mail_log
) -> None:
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        submitted=True,
        **complete_evidence(
            reflection_text="Too short.", links=[{"url": "not a link", "title": "Plan"}]
        ),
    )
    bad = ArtifactFactory(
        submission=submission, filename="plan.pdf", content=b"MZ\x90\x00" + b"\x00" * 60
    )
    submission.versions[0].artifact_ids = [bad.id]
    status = screening.finish_screening(session, submission.versions[0].id)
    session.commit()
    assert status is SubmissionStatus.RETURNED
    reasons = [r["message"] for r in submission.versions[0].screening["reasons"]]
    assert reasons == [
        "The reflection has 2 words; this module asks for at least 30.",
        "plan.pdf is not a type we accept. Use a PDF, an image (PNG, JPEG, GIF or "
        "WebP), or a Word or PowerPoint file; share a video or anything else as a "
        "link.",
        "The link not a link is not a web address (it has spaces or is too long).",
    ]
    email = mail_log.read_text()
    assert "Subject: Your evidence needs a few more things" in email
    assert "  - The reflection has 2 words" in email


def test_missing_parts_are_named_and_a_readable_file_counts_as_an_artifact(
    session: Session, teacher
) -> None:
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        submitted=True,
        context_text="",
        reflection_text="",
        links=[],
    )
    screening.finish_screening(session, submission.versions[0].id)
    codes = [r["code"] for r in submission.versions[0].screening["reasons"]]
    assert codes == ["context-missing", "artifacts-missing", "reflection-missing"]

    other = SubmissionFactory(
        enrollment=EnrollmentFactory(user=UserFactory()),
        submitted=True,
        **complete_evidence(links=[]),
    )
    good = ArtifactFactory(submission=other)
    other.versions[0].artifact_ids = [good.id]
    assert screening.finish_screening(session, other.versions[0].id) is (
        SubmissionStatus.IN_REVIEW
    )


def test_a_file_missing_from_storage_sends_the_evidence_back(
    session: Session, app: Flask, teacher
) -> None:
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        submitted=True,
        **complete_evidence(),
    )
    artifact = ArtifactFactory(submission=submission, filename="photo.pdf")
    with app.app_context():
        file_store().delete(artifact.storage_key)
    submission.versions[0].artifact_ids = [artifact.id]
    assert screening.finish_screening(session, submission.versions[0].id) is (
        SubmissionStatus.RETURNED
    )
    assert submission.versions[0].screening["reasons"][0]["message"] == (
        "We couldn't open photo.pdf. Please upload it again."
    )


def test_a_near_copy_of_another_teachers_evidence_is_flagged_for_the_coach_only(
    session: Session, teacher
) -> None:
    first = SubmissionFactory(submitted=True, **complete_evidence())
    screening.finish_screening(session, first.versions[0].id)
    copy = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher, module=first.enrollment.module),
        submitted=True,
        **complete_evidence(),
    )
    assert screening.finish_screening(session, copy.versions[0].id) is (
        SubmissionStatus.IN_REVIEW
    )
    flags = copy.versions[0].screening["flags"]
    assert [(f["code"], f["submission"]) for f in flags] == [
        ("similar-to-other", first.id)
    ]
    assert "100% the same" in flags[0]["message"]
    assert all("same" not in m for m in notifications_for(session, copy))


def test_a_submitted_signal_screens_the_version_after_commit_in_the_embedded_default(
    session: Session, teacher
) -> None:
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        submitted=True,
        **complete_evidence(),
    )
    version = submission.versions[0]
    signals.submission_submitted.send(session, version=version)
    assert jobs.pending(session()) == [("pdhub.screen_submission", (version.id,), None)]
    assert submission.status is SubmissionStatus.SUBMITTED
    session.commit()
    session.refresh(submission)
    assert submission.status is SubmissionStatus.IN_REVIEW


def test_a_rolled_back_submit_sends_no_screening_job(session: Session, teacher) -> None:
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        submitted=True,
        **complete_evidence(),
    )
    signals.submission_submitted.send(session, version=submission.versions[0])
    session.rollback()
    assert jobs.pending(session()) == []


def test_an_older_version_is_never_routed_after_a_resubmit(
    session: Session, submitted_submission: Submission
) -> None:
    from tests.factories import SubmissionVersionFactory

    old = submitted_submission.versions[0]
    SubmissionVersionFactory(submission=submitted_submission, number=2)
    assert screening.finish_screening(session, old.id) is None
    assert submitted_submission.status is SubmissionStatus.SUBMITTED


def test_the_sweep_finds_versions_whose_job_never_ran_or_died_but_not_failed_ones(
    session: Session, app_factory, teacher
) -> None:
    never_ran = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher), submitted=True
    )
    died = SubmissionFactory(submitted=True)
    screening.begin_screening(session, died.versions[0].id)
    failed = SubmissionFactory(submitted=True)
    record_job_failure(
        session,
        task_id="t-1",
        task_name="pdhub.screen_submission",
        args=[failed.versions[0].id],
        error="TypeError",
        attempts=7,
    )
    SubmissionFactory(in_review=True)
    sweeper = app_factory(PDHUB_SWEEP_AFTER_SECONDS=0, PDHUB_SCREENING_STUCK_SECONDS=0)
    with sweeper.app_context():
        found = screening.stuck_version_ids(session)
    assert sorted(found) == sorted([never_ran.versions[0].id, died.versions[0].id])
    with app_factory(PDHUB_SWEEP_AFTER_SECONDS=3600).app_context():
        assert screening.stuck_version_ids(session) == []


def test_the_sweep_task_screens_what_it_finds(session: Session, app_factory) -> None:
    submission = SubmissionFactory(submitted=True, **complete_evidence())
    session.commit()
    sweeper = app_factory(PDHUB_SWEEP_AFTER_SECONDS=0)
    with sweeper.app_context():
        assert jobs.task("pdhub.sweep_submissions").apply().get() == 1
    session.expire_all()
    assert session.get(Submission, submission.id).status is SubmissionStatus.IN_REVIEW
    assert session.scalar(select(func.count(EmailMessage.id))) == 1


def test_one_job_routes_every_waiting_version_once_and_the_others_jobs_do_nothing(
    session: Session, mail_log
) -> None:
    waiting = [
        SubmissionFactory(submitted=True, **complete_evidence()) for _ in range(3)
    ]
    first, *rest = [submission.versions[0].id for submission in waiting]
    claimed = screening.claim(session, first)
    assert claimed[0] == first
    assert sorted(claimed) == sorted([first, *rest])
    assert {s.status for s in waiting} == {SubmissionStatus.SCREENING}
    routed = screening.route(session, claimed, own=first)
    assert set(routed.values()) == {SubmissionStatus.IN_REVIEW}
    session.commit()
    # The jobs of the versions routed in that batch find nothing left to do.
    for version_id in rest:
        assert screening.claim(session, version_id) == []
        assert screening.route(session, [version_id], own=version_id) == {}
    session.commit()
    for submission in waiting:
        assert len(notifications_for(session, submission)) == 1
    assert session.scalar(select(func.count(EmailMessage.id))) == 3
    assert mail_log.read_text().count("Subject: Your evidence is with a coach") == 3


def test_a_version_whose_checks_fail_in_anothers_batch_is_left_for_its_own_job(
    session: Session,
) -> None:
    good = SubmissionFactory(submitted=True, **complete_evidence())
    corrupt = {"context": "not a mapping", "reflection": None, "artifacts": []}
    bad = SubmissionFactory(
        enrollment=EnrollmentFactory(module__evidence=corrupt),
        submitted=True,
        **complete_evidence(),
    )
    good_id, bad_id = good.versions[0].id, bad.versions[0].id
    claimed = screening.claim(session, good_id)
    assert sorted(claimed) == sorted([good_id, bad_id])
    assert screening.route(session, claimed, own=good_id) == {
        good_id: SubmissionStatus.IN_REVIEW
    }
    assert bad.status is SubmissionStatus.SCREENING
    assert notifications_for(session, bad) == []
    # Its own job raises, so it is retried and, in the end, shown to an administrator.
    with pytest.raises(TypeError):
        screening.route(session, [bad_id], own=bad_id)


def test_a_resubmitted_submission_is_claimed_by_its_newest_version_only(
    session: Session, submitted_submission: Submission
) -> None:
    from tests.factories import SubmissionVersionFactory

    old = submitted_submission.versions[0].id
    new = SubmissionVersionFactory(submission=submitted_submission, number=2).id
    assert screening.claim(session, old) == [new]
    assert screening.route(session, [old, new], own=old) == {
        new: SubmissionStatus.IN_REVIEW
    }
