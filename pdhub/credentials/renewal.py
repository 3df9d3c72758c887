"""Renewing a badge that expires: the teacher opens a renewal (within 60 days of
its validUntil, or after it lapsed), passes the module's knowledge check again,
and the grading that sees the pass issues the renewed credential, once."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from pdhub.accounts.models import User
from pdhub.credentials import service
from pdhub.credentials.models import IssuedCredential, Renewal
from pdhub.db import DbSession, utcnow
from pdhub.errors import Conflict, PermissionDenied
from pdhub.learning.models import Enrollment, QuizAttempt

#: How long before its end a badge may be renewed.
WINDOW_DAYS = 60


def can_renew(credential: IssuedCredential) -> bool:
    return (
        credential.valid_until is not None
        and credential.revoked_at is None
        and credential.suspended_at is None
        and credential.replaced_by_id is None
        and credential.current_award_id is not None
        and credential.valid_until - utcnow() <= timedelta(days=WINDOW_DAYS)
    )


def start(session: DbSession, actor: User, credential: IssuedCredential) -> Renewal:
    """Open the renewal of the teacher's own badge (once; again returns it)."""
    if credential.user_id != actor.id:
        raise PermissionDenied(_("Only the badge's owner can renew it."))
    found = session.scalar(
        select(Renewal).where(Renewal.credential_id == credential.id)
    )
    if found is not None:
        return found
    if not can_renew(credential):
        raise Conflict(
            _("This badge can be renewed in the 60 days before it expires, or after.")
        )
    renewal = Renewal(
        credential_id=credential.id,
        enrollment_id=credential.award.enrollment_id,
        started_at=utcnow(),
    )
    session.add(renewal)
    session.flush()
    return renewal


def open_for(session: DbSession, enrollment: Enrollment) -> Renewal | None:
    """The enrollment's renewal waiting for a passed knowledge check, if any."""
    return session.scalar(
        select(Renewal)
        .where(Renewal.enrollment_id == enrollment.id, Renewal.finished_at.is_(None))
        .order_by(Renewal.id.desc())
        .limit(1)
    )


def finish_if_renewing(
    session: DbSession, attempt: QuizAttempt
) -> IssuedCredential | None:
    """After a passed attempt: issue the renewal it was taken for (once)."""
    if not attempt.passed:
        return None
    renewal = session.scalar(
        select(Renewal)
        .where(
            Renewal.enrollment_id == attempt.enrollment_id,
            Renewal.finished_at.is_(None),
            Renewal.started_at <= attempt.submitted_at,
        )
        .with_for_update()
    )
    if renewal is None:
        return None
    renewed = service.renew_credential(session, renewal.credential)
    renewal.finished_at = utcnow()
    renewal.renewed_credential_id = renewed.id
    session.flush()
    return renewed
