"""Screening a submitted version: SUBMITTED -> SCREENING -> RETURNED | IN_REVIEW.

Run by the ``pdhub.screen_submission`` task, which may run twice for one version (a
worker killed mid-job, a sweep that re-sends): every step re-checks the submission's
state under a row lock, so a version is routed, and its teacher told, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial

from flask import current_app
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import aliased, contains_eager

from pdhub import tasks
from pdhub.admin.service import open_failure_args
from pdhub.db import DbSession, utcnow
from pdhub.learning.models import Enrollment, Module
from pdhub.notifications import service as notifications
from pdhub.notifications.service import Message
from pdhub.review import graders, notices
from pdhub.submissions.models import Artifact, Submission, SubmissionVersion
from pdhub.submissions.states import SubmissionStatus, move
from pdhub.submissions.storage import read_artifact

log = logging.getLogger(__name__)


#: How many waiting versions one screening job takes on at once: one job's two
#: transactions screen and route them all, so a burst costs a few commits per batch
#: and the jobs of versions already routed are cheap no-ops.
BATCH_SIZE = 50

_WAITING = (SubmissionStatus.SUBMITTED, SubmissionStatus.SCREENING)


def _is_newest() -> ColumnElement[bool]:
    """True for a version that no newer version of its submission has replaced."""
    newer = aliased(SubmissionVersion)
    return ~(
        select(newer.id)
        .where(
            newer.submission_id == SubmissionVersion.submission_id,
            newer.number > SubmissionVersion.number,
        )
        .exists()
    )


def claim(session: DbSession, version_id: int, limit: int = BATCH_SIZE) -> list[int]:
    """Take on ``version_id`` (if it is its submission's newest version and is still
    submitted or being checked) and up to ``limit - 1`` other submitted versions, and
    mark them all as being checked; returns the version ids taken.

    The job's own version is locked waiting (a job never gives up its own version:
    another job's ``SKIP LOCKED`` claim passing by may hold its row lock for a moment
    without taking it). The others are taken with ``FOR UPDATE SKIP LOCKED`` on
    PostgreSQL, skipping rows another job holds (SQLite runs one writer at a time).
    Every wait is for the own row while holding no other, so jobs cannot deadlock.
    """
    taken = _lock_own(session, version_id)
    if limit > len(taken):
        rows = session.execute(
            select(Submission, SubmissionVersion.id)
            .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
            .where(
                _is_newest(),
                SubmissionVersion.id != version_id,
                Submission.status == SubmissionStatus.SUBMITTED,
            )
            .order_by(Submission.submitted_at, Submission.id)
            .limit(limit - len(taken))
            .with_for_update(of=Submission, skip_locked=True)
            .execution_options(populate_existing=True)
        ).all()
        taken.extend((submission, vid) for submission, vid in rows)
    for submission, _ in taken:
        if submission.status is SubmissionStatus.SUBMITTED:
            move(submission, SubmissionStatus.SCREENING)
    session.flush()
    return [vid for _, vid in taken]


def _lock_own(session: DbSession, version_id: int) -> list[tuple[Submission, int]]:
    """The own version's submission, locked (waiting for any other holder), if the
    version is its newest and still waiting to be routed."""
    session.execute(
        select(Submission.id)
        .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .where(SubmissionVersion.id == version_id)
        .with_for_update(of=Submission)
    ).all()
    # Read again after the wait: the holder may have routed it or added a version.
    row = session.execute(
        select(Submission, SubmissionVersion.id)
        .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .where(
            SubmissionVersion.id == version_id,
            _is_newest(),
            Submission.status.in_(_WAITING),
        )
        .execution_options(populate_existing=True)
    ).first()
    return [(row[0], row[1])] if row is not None else []


def begin_screening(session: DbSession, version_id: int) -> bool:
    """Mark one submitted version as being checked; False if it was already taken on."""
    status = session.scalar(
        select(Submission.status)
        .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .where(SubmissionVersion.id == version_id)
    )
    return status is SubmissionStatus.SUBMITTED and claim(session, version_id, 1) == [
        version_id
    ]


class _Recent:
    """Sketches of a module's recently screened versions, with their teachers; the
    versions screened earlier in the same batch are added as they are screened."""

    def __init__(self, session: DbSession, module: Module, extra: int) -> None:
        rows = session.execute(
            select(
                SubmissionVersion.id,
                SubmissionVersion.submission_id,
                Enrollment.user_id,
                SubmissionVersion.screening,
            )
            .join(Submission, Submission.id == SubmissionVersion.submission_id)
            .join(Enrollment, Enrollment.id == Submission.enrollment_id)
            .join(Module, Module.id == Enrollment.module_id)
            .where(
                Module.slug == module.slug, SubmissionVersion.screened_at.is_not(None)
            )
            .order_by(SubmissionVersion.id.desc())
            # Enough for SIMILARITY_RECENT of other teachers' unless one teacher wrote
            # most of the module's recent versions.
            .limit(2 * graders.SIMILARITY_RECENT + extra)
        )
        self.rows: list[tuple[int, int, int, Sequence[int]]] = [
            (vid, sid, uid, screened.get("sketch") or [])
            for vid, sid, uid, screened in rows
            if isinstance(screened, dict)
        ]

    def add(self, version: SubmissionVersion, user_id: int, sketch: list[int]) -> None:
        self.rows.append((version.id, version.submission_id, user_id, sketch))
        self.rows.sort(key=lambda row: row[0], reverse=True)

    def others(self, user_id: int) -> Sequence[tuple[int, Sequence[int]]]:
        """The SIMILARITY_RECENT newest sketches of teachers other than ``user_id``."""
        found: list[tuple[int, Sequence[int]]] = []
        for _, sid, uid, sketch in self.rows:
            if uid != user_id:
                found.append((sid, sketch))
                if len(found) == graders.SIMILARITY_RECENT:
                    break
        return found


def route(
    session: DbSession,
    version_ids: Sequence[int],
    *,
    own: int | None = None,
    read: Callable[[Artifact], bytes] | None = None,
) -> dict[int, SubmissionStatus]:
    """Run the graders over versions being checked (or still submitted) and route each:
    back to the teacher with the reasons (RETURNED) or into the coach queue
    (IN_REVIEW); each teacher is told once.

    Returns the new status of each version routed now. A version already routed,
    replaced by a newer one, or locked by another job is left alone. A version whose
    checks fail is left being checked for its own job to retry (the sweep finds it if
    that job is gone), unless it is ``own``: then the error is raised.
    """
    if not version_ids:
        return {}
    if own is not None and own in version_ids:
        _lock_own(session, own)  # waits for a passing holder; the others skip
    rows = session.execute(
        select(Submission, SubmissionVersion)
        .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .join(Submission.enrollment)
        .join(Enrollment.module)
        .join(Enrollment.user)
        .options(
            contains_eager(Submission.enrollment).contains_eager(Enrollment.module),
            contains_eager(Submission.enrollment).contains_eager(Enrollment.user),
        )
        .where(
            SubmissionVersion.id.in_(version_ids),
            _is_newest(),
            Submission.status.in_(_WAITING),
        )
        .order_by(SubmissionVersion.id)
        .with_for_update(of=Submission, skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    if not rows:
        return {}
    wanted = sorted({i for _, version in rows for i in version.artifact_ids or []})
    artifacts = (
        {
            a.id: a
            for a in session.scalars(select(Artifact).where(Artifact.id.in_(wanted)))
        }
        if wanted
        else {}
    )
    reader = read or read_artifact
    recent: dict[str, _Recent] = {}
    routed: dict[int, SubmissionStatus] = {}
    tells: list[Message] = []
    for submission, version in rows:
        module = submission.enrollment.module
        teacher_id = submission.enrollment.user_id
        pool = recent.get(module.slug)
        if pool is None:
            pool = recent[module.slug] = _Recent(session, module, len(rows))
        data = graders.ScreeningInput(
            version=version,
            module=module,
            artifacts=[
                artifacts[i]
                for i in sorted(version.artifact_ids or [])
                if i in artifacts
            ],
            read=reader,
            others=partial(pool.others, teacher_id),
        )
        try:
            result = graders.screen(data)
        except Exception:
            if version.id == own:
                raise
            log.exception("screening version %s failed; its job retries it", version.id)
            continue
        pool.add(version, teacher_id, data.sketch)
        now = utcnow()
        # The sketch is kept so later versions compare against this one at a fixed cost.
        version.screening = {**result.as_json(), "sketch": data.sketch}
        version.screened_at = now
        if submission.status is SubmissionStatus.SUBMITTED:
            move(submission, SubmissionStatus.SCREENING)
        if result.complete:
            move(submission, SubmissionStatus.IN_REVIEW)
            tells.append(notices.submission_message(submission, version, "screened"))
        else:
            move(submission, SubmissionStatus.RETURNED)
            reasons = [finding.message for finding in result.reasons]
            tells.append(
                notices.submission_message(
                    submission, version, "returned", reasons=reasons
                )
            )
        routed[version.id] = submission.status
    session.flush()
    notifications.tell(session, *tells)
    return routed


def finish_screening(
    session: DbSession,
    version_id: int,
    read: Callable[[Artifact], bytes] | None = None,
) -> SubmissionStatus | None:
    """Screen and route one version; its new status, or None when there was nothing
    to do (already routed, or a newer version was submitted since)."""
    return route(session, [version_id], own=version_id, read=read).get(version_id)


def stuck_version_ids(session: DbSession, limit: int = 500) -> list[int]:
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
    failed = open_failure_args(session, tasks.SCREEN_SUBMISSION)
    return [version_id for version_id in rows if f"[{version_id}]" not in failed]
