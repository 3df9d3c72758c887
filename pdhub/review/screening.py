"""Screening a submitted version: SUBMITTED -> SCREENING -> RETURNED | IN_REVIEW.

Run by the ``pdhub.screen_submission`` task, which may run twice for one version (a
worker killed mid-job, a sweep that re-sends): every step re-checks the submission's
state under a row lock, so a version is routed, and its teacher told, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from pdhub.admin.service import open_failure_args
from pdhub.db import utcnow
from pdhub.learning.models import Enrollment, Module
from pdhub.review import graders, notices
from pdhub.review.files import read_artifact
from pdhub.submissions.models import Artifact, Submission, SubmissionVersion
from pdhub.submissions.states import SubmissionStatus, check_transition

SCREEN_TASK = "pdhub.screen_submission"


def move(submission: Submission, target: SubmissionStatus) -> None:
    """Change the status through the transition table (IllegalTransition otherwise)."""
    check_transition(submission.status, target)
    submission.status = target
    submission.status_changed_at = utcnow()


def _current(
    session: Session, version_id: int
) -> tuple[Submission, SubmissionVersion] | None:
    """The version and its submission, locked, if the version is still the newest."""
    version = session.get(SubmissionVersion, version_id)
    if version is None:
        return None
    submission = session.get(
        Submission, version.submission_id, with_for_update=True, populate_existing=True
    )
    newest = session.scalar(
        select(func.max(SubmissionVersion.number)).where(
            SubmissionVersion.submission_id == version.submission_id
        )
    )
    if submission is None or newest != version.number:
        return None
    return submission, version


def begin_screening(session: Session, version_id: int) -> bool:
    """Mark a submitted version as being checked; False if it was already taken on."""
    found = _current(session, version_id)
    if found is None or found[0].status is not SubmissionStatus.SUBMITTED:
        return False
    move(found[0], SubmissionStatus.SCREENING)
    session.flush()
    return True


def others_for(
    session: Session, submission: Submission, module: Module
) -> Callable[[], Sequence[tuple[int, Sequence[int]]]]:
    """Sketches of other teachers' recently screened versions of the same module."""

    def load() -> Sequence[tuple[int, Sequence[int]]]:
        rows = session.execute(
            select(SubmissionVersion.submission_id, SubmissionVersion.screening)
            .join(Submission, Submission.id == SubmissionVersion.submission_id)
            .join(Enrollment, Enrollment.id == Submission.enrollment_id)
            .join(Module, Module.id == Enrollment.module_id)
            .where(
                Module.slug == module.slug,
                Enrollment.user_id != submission.enrollment.user_id,
                SubmissionVersion.screened_at.is_not(None),
            )
            .order_by(SubmissionVersion.id.desc())
            .limit(graders.SIMILARITY_RECENT)
        )
        return [
            (sid, screened.get("sketch") or [])
            for sid, screened in rows
            if isinstance(screened, dict)
        ]

    return load


def finish_screening(
    session: Session,
    version_id: int,
    read: Callable[[Artifact], bytes] | None = None,
) -> SubmissionStatus | None:
    """Run the graders over a version being checked and route it: back to the teacher
    with the reasons (RETURNED) or into the coach queue (IN_REVIEW).

    Returns the new status, or None when there was nothing to do (already routed, or a
    newer version was submitted since).
    """
    found = _current(session, version_id)
    if found is None:
        return None
    submission, version = found
    if submission.status is SubmissionStatus.SUBMITTED:
        move(submission, SubmissionStatus.SCREENING)
    if submission.status is not SubmissionStatus.SCREENING:
        return None
    module = submission.enrollment.module
    artifacts = (
        list(
            session.scalars(
                select(Artifact)
                .where(Artifact.id.in_(version.artifact_ids))
                .order_by(Artifact.id)
            )
        )
        if version.artifact_ids
        else []
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    data = graders.ScreeningInput(
        version=version,
        module=module,
        artifacts=artifacts,
        read=read or (lambda artifact: read_artifact(app, artifact)),
        others=others_for(session, submission, module),
    )
    result = graders.screen(data)
    # The sketch is kept so later versions compare against this one at a fixed cost.
    version.screening = {**result.as_json(), "sketch": data.sketch}
    version.screened_at = utcnow()
    if result.complete:
        move(submission, SubmissionStatus.IN_REVIEW)
        notices.tell_teacher(session, submission, version, "screened")
    else:
        move(submission, SubmissionStatus.RETURNED)
        notices.tell_teacher(
            session,
            submission,
            version,
            "returned",
            reasons=[finding.message for finding in result.reasons],
        )
    session.flush()
    return submission.status


def stuck_version_ids(session: Session, limit: int = 500) -> list[int]:
    """Newest versions whose screening job never ran (SUBMITTED past
    PDHUB_SWEEP_AFTER_SECONDS) or died (SCREENING past PDHUB_SCREENING_STUCK_SECONDS),
    minus those whose job failed for good and awaits an administrator."""
    config = current_app.config
    now = utcnow()
    newest = (
        select(
            SubmissionVersion.submission_id,
            func.max(SubmissionVersion.id).label("version_id"),
        )
        .group_by(SubmissionVersion.submission_id)
        .subquery()
    )
    rows = session.scalars(
        select(newest.c.version_id)
        .join(Submission, Submission.id == newest.c.submission_id)
        .where(
            or_(
                and_(
                    Submission.status == SubmissionStatus.SUBMITTED,
                    Submission.submitted_at
                    <= now - timedelta(seconds=config["PDHUB_SWEEP_AFTER_SECONDS"]),
                ),
                and_(
                    Submission.status == SubmissionStatus.SCREENING,
                    Submission.status_changed_at
                    <= now - timedelta(seconds=config["PDHUB_SCREENING_STUCK_SECONDS"]),
                ),
            )
        )
        .order_by(Submission.status_changed_at)
        .limit(limit)
    ).all()
    failed = open_failure_args(session, SCREEN_TASK)
    return [version_id for version_id in rows if f"[{version_id}]" not in failed]
