"""Platform administration rules: the record of background jobs that failed for good."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pdhub import jobs
from pdhub.accounts.models import Role, User
from pdhub.admin.models import JobFailure
from pdhub.credentials.models import IssuedCredential
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District
from pdhub.errors import Conflict, PermissionDenied


def record_job_failure(
    session: DbSession,
    *,
    task_id: str,
    task_name: str,
    args: list[Any],
    error: str,
    attempts: int,
) -> JobFailure:
    """Record that ``task_id`` failed for good; recording the same run twice keeps one.

    Arguments that are not JSON (none of ours: tasks take ids) are kept as text.
    """
    existing = session.scalar(select(JobFailure).where(JobFailure.task_id == task_id))
    if existing is not None:
        return existing
    try:
        json.dumps(args)
    except (TypeError, ValueError):
        args = [repr(arg) for arg in args]
    failure = JobFailure(
        task_id=task_id, task_name=task_name, args=args, error=error, attempts=attempts
    )
    try:
        with session.begin_nested():
            session.add(failure)
    except IntegrityError:  # recorded at the same moment by another process
        return session.scalars(
            select(JobFailure).where(JobFailure.task_id == task_id)
        ).one()
    return failure


def open_failures(session: DbSession, limit: int = 200) -> list[JobFailure]:
    """Failures no administrator has resent yet, newest first."""
    return list(
        session.scalars(
            select(JobFailure)
            .where(JobFailure.retried_at.is_(None))
            .order_by(JobFailure.failed_at.desc())
            .limit(limit)
        )
    )


def open_failure_args(session: DbSession, task_name: str) -> set[str]:
    """The arguments (as JSON text) of ``task_name`` runs that failed for good and were
    not resent: periodic sweeps skip them instead of retrying them forever."""
    rows = session.scalars(
        select(JobFailure.args).where(
            JobFailure.task_name == task_name, JobFailure.retried_at.is_(None)
        )
    )
    return {json.dumps(args) for args in rows}


def retry_job(session: DbSession, actor: User, failure: JobFailure) -> None:
    """Send a failed job again after commit (platform administrators only)."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(_("Only platform administrators resend failed jobs."))
    if failure.retried_at is not None:
        raise Conflict(_("This job was already sent again."))
    failure.retried_at = utcnow()
    session.flush()
    jobs.enqueue(failure.task_name, *failure.args)


@dataclass(frozen=True)
class PlatformSummary:
    """The platform at a glance for its administrators."""

    districts: int
    people: int
    credentials: int
    open_failures: int


def platform_summary(session: DbSession) -> PlatformSummary:
    def count(statement: Any) -> int:
        return int(session.scalar(statement) or 0)

    return PlatformSummary(
        districts=count(select(func.count(District.id))),
        people=count(select(func.count(User.id)).where(User.active.is_(True))),
        credentials=count(select(func.count(IssuedCredential.id))),
        open_failures=count(
            select(func.count(JobFailure.id)).where(JobFailure.retried_at.is_(None))
        ),
    )
