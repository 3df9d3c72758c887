"""Retention: a district keeps decided evidence and unused accounts only for the
periods it sets. Each person is told once, NOTICE_DAYS ahead; the purge waits at
least that long after the notice, and every run is recorded (ids and counts)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pdhub.accountdata import erasure
from pdhub.accountdata.models import RetentionKind, RetentionNotice, RetentionRun
from pdhub.accounts.models import Role, User, UserSession
from pdhub.audit import service as audit_trail
from pdhub.audit.models import AuditAction
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District
from pdhub.errors import InvalidInput
from pdhub.learning.models import Enrollment
from pdhub.notifications import service as notifications
from pdhub.submissions.models import Submission
from pdhub.submissions.states import SubmissionStatus

NOTICE_DAYS = 14
#: The longest period a district may set (about 30 years).
MAX_DAYS = 11_000


def set_policy(
    session: DbSession,
    district: District,
    *,
    actor: User | None = None,
    evidence_days: int | None,
    inactive_days: int | None,
    revoke_on_erasure: bool,
) -> None:
    """Save the district's retention periods (empty: kept for good). Raises
    InvalidInput for a period under NOTICE_DAYS + 1 days or over MAX_DAYS."""
    for field, days in (
        ("evidence_days", evidence_days),
        ("inactive_days", inactive_days),
    ):
        if days is not None and not NOTICE_DAYS < days <= MAX_DAYS:
            raise InvalidInput(
                _(
                    "Choose between %(low)d and %(high)d days, or leave it empty to "
                    "keep them.",
                    low=NOTICE_DAYS + 1,
                    high=MAX_DAYS,
                ),
                field=field,
            )
    district.evidence_retention_days = evidence_days
    district.inactive_account_days = inactive_days
    district.revoke_on_erasure = revoke_on_erasure
    session.flush()
    audit_trail.record(
        session,
        AuditAction.RETENTION_CHANGE,
        actor=actor,
        object_type="district",
        object_id=district.id,
        district_id=district.id,
        detail={
            "evidence_days": evidence_days,
            "inactive_days": inactive_days,
            "revoke_on_erasure": revoke_on_erasure,
        },
    )


def _notice(
    session: DbSession, kind: RetentionKind, subject_id: int
) -> RetentionNotice | None:
    found: RetentionNotice | None = session.scalar(
        select(RetentionNotice).where(
            RetentionNotice.kind == kind, RetentionNotice.subject_id == subject_id
        )
    )
    return found


def _evidence_message(
    user: User, submission: Submission, when: datetime
) -> notifications.Message:
    title = submission.enrollment.module.title
    return notifications.Message(
        key=f"retention:evidence:{submission.id}",
        to=user,
        text=_l(
            "The evidence you submitted for %(module)s will be deleted after "
            "%(day)s, as your district keeps it for a set time. Download your data "
            "before then if you want a copy.",
            module=title,
            day=when.date().isoformat(),
        ),
        link=notifications.link_for("accountdata.data_page"),
        subject=_l("Your evidence for %(module)s will be deleted soon", module=title),
        template="retention_notice",
        context={
            "what": _l(
                "the evidence you submitted for %(module)s (your texts and files; "
                "the decision and your badge stay)",
                module=title,
            ),
            "day": when.date().isoformat(),
            "link": notifications.link_for("accountdata.data_page"),
            "user": user,
        },
    )


def _account_message(user: User, when: datetime) -> notifications.Message:
    return notifications.Message(
        key=f"retention:account:{user.id}:{when.date().isoformat()}",
        to=user,
        subject=_l("Your PD Hub account will be erased soon"),
        template="retention_notice",
        context={
            "what": _l(
                "your account, because nobody has signed in to it for a long time. "
                "Signing in keeps it"
            ),
            "day": when.date().isoformat(),
            "link": notifications.link_for("accounts.signin"),
            "user": user,
        },
    )


def apply_retention(session: DbSession, now: datetime | None = None) -> RetentionRun:
    """One run: warn those whose data reaches its period within NOTICE_DAYS (once),
    purge what was warned about and is past both its period and the notice's
    NOTICE_DAYS, and record the run. Safe to run twice: notices and purges are
    keyed, and a purged submission or erased account is skipped."""
    now = now or utcnow()
    run = RetentionRun(started_at=now, details={})
    purged_submissions: list[int] = []
    erased_users: list[int] = []
    session.add(run)
    warn_until = now + timedelta(days=NOTICE_DAYS)
    messages: list[notifications.Message] = []
    for district in session.scalars(
        select(District).where(District.evidence_retention_days.is_not(None))
    ):
        period = timedelta(days=district.evidence_retention_days or 0)
        rows = session.execute(
            select(Submission, User)
            .join(Enrollment, Enrollment.id == Submission.enrollment_id)
            .join(User, User.id == Enrollment.user_id)
            .where(
                User.district_id == district.id,
                User.erased_at.is_(None),
                Submission.status == SubmissionStatus.PASSED,
                Submission.evidence_purged_at.is_(None),
                Submission.status_changed_at <= warn_until - period,
            )
        ).all()
        for submission, user in rows:
            due = submission.status_changed_at + period
            notice = _notice(session, RetentionKind.EVIDENCE, submission.id)
            if notice is None:
                purge_after = max(due, warn_until)
                session.add(
                    RetentionNotice(
                        kind=RetentionKind.EVIDENCE,
                        subject_id=submission.id,
                        user_id=user.id,
                        purge_after=purge_after,
                        notified_at=now,
                    )
                )
                messages.append(_evidence_message(user, submission, purge_after))
                run.notices_sent += 1
            elif notice.purge_after <= now and notice.purged_at is None:
                keys = erasure.purge_evidence(session, submission)
                erasure.delete_files_after_commit(keys)
                notice.purged_at = now
                run.evidence_purged += 1
                purged_submissions.append(submission.id)
                audit_trail.record(
                    session,
                    AuditAction.EVIDENCE_PURGE,
                    subject=user,
                    object_type="submission",
                    object_id=submission.id,
                    detail={"retention_run": run.id},
                )
    for district in session.scalars(
        select(District).where(District.inactive_account_days.is_not(None))
    ):
        period = timedelta(days=district.inactive_account_days or 0)
        last_seen = (
            select(func.max(UserSession.last_seen_at))
            .where(UserSession.user_id == User.id)
            .scalar_subquery()
        )
        active_at = func.coalesce(last_seen, User.created_at)
        rows2 = session.execute(
            select(User, active_at).where(
                User.district_id == district.id,
                User.erased_at.is_(None),
                User.role != Role.ADMIN,
                active_at <= warn_until - period,
            )
        ).all()
        for user, seen in rows2:
            notice = _notice(session, RetentionKind.ACCOUNT, user.id)
            if notice is not None and seen > notice.notified_at:
                session.delete(notice)  # they came back: a later period warns anew
                session.flush()
                notice = None
                if seen > now - period + timedelta(days=NOTICE_DAYS):
                    continue
            if notice is None:
                purge_after = max(seen + period, warn_until)
                session.add(
                    RetentionNotice(
                        kind=RetentionKind.ACCOUNT,
                        subject_id=user.id,
                        user_id=user.id,
                        purge_after=purge_after,
                        notified_at=now,
                    )
                )
                messages.append(_account_message(user, purge_after))
                run.notices_sent += 1
            elif notice.purge_after <= now and notice.purged_at is None:
                erasure.erase_account(session, None, user)
                notice.purged_at = now
                run.accounts_erased += 1
                erased_users.append(user.id)
    if messages:
        notifications.tell(session, *messages)
    run.finished_at = utcnow()
    run.details = {"submissions": purged_submissions, "users": erased_users}
    session.flush()
    audit_trail.record(
        session,
        AuditAction.RETENTION_RUN,
        object_type="retention_run",
        object_id=run.id,
        detail={
            "notices": run.notices_sent,
            "evidence": run.evidence_purged,
            "accounts": run.accounts_erased,
        },
    )
    return run
