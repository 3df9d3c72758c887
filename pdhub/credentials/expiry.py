"""Badges that expire: reminders 60 and 14 days before a credential's validUntil,
each sent once per credential and stage (the ``ExpiryReminder`` row is claimed
before the teacher is told, so a rerun of the beat task sends nothing twice)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pdhub.credentials.models import Award, ExpiryReminder, IssuedCredential
from pdhub.db import DbSession, utcnow
from pdhub.learning.localized import lazy_badge_name
from pdhub.notifications import service as notifications

#: Days before validUntil when the teacher is reminded, the earliest first.
STAGES = (60, 14)


def _claim(session: DbSession, credential_id: str, stage: int) -> bool:
    """Record the reminder unless it was sent before (ON CONFLICT DO NOTHING)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ExpiryReminder)
        .values(credential_id=credential_id, stage=stage, sent_at=utcnow())
        .on_conflict_do_nothing(index_elements=["credential_id", "stage"])
        .returning(ExpiryReminder.id)
    )
    return session.scalar(statement) is not None


def stage_for(valid_until: datetime, now: datetime) -> int | None:
    """The reminder stage a credential is in: 14 within 14 days of its end, 60
    within 60 days; None once it ended or while the end is further away."""
    left = valid_until - now
    if left <= timedelta(0):
        return None
    for stage in reversed(STAGES):
        if left <= timedelta(days=stage):
            return stage
    return None


def send_expiry_reminders(session: DbSession, now: datetime | None = None) -> int:
    """Tell each teacher whose current credential ends within 60 (then 14) days,
    once per credential and stage; returns how many were told."""
    now = now or utcnow()
    sent = 0
    for credential in session.scalars(
        select(IssuedCredential)
        .options(joinedload(IssuedCredential.award).joinedload(Award.module))
        .options(joinedload(IssuedCredential.user))
        .where(
            IssuedCredential.valid_until.is_not(None),
            IssuedCredential.valid_until > now,
            IssuedCredential.valid_until <= now + timedelta(days=max(STAGES)),
            IssuedCredential.revoked_at.is_(None),
            IssuedCredential.replaced_by_id.is_(None),
        )
        .order_by(IssuedCredential.valid_until)
    ):
        assert credential.valid_until is not None
        stage = stage_for(credential.valid_until, now)
        if stage is None or not _claim(session, credential.id, stage):
            continue
        notifications.tell(session, _reminder(credential, stage))
        sent += 1
    session.flush()
    return sent


def _reminder(credential: IssuedCredential, stage: int) -> notifications.Message:
    # Lazy texts: notifications.tell renders them in the teacher's language.
    assert credential.valid_until is not None
    badge = lazy_badge_name(credential.award.module)
    ends = credential.valid_until.date().isoformat()
    link = "/badges"
    return notifications.Message(
        key=f"credential-expiry:{credential.id}:{stage}",
        to=credential.user,
        text=_l(
            "Your %(badge)s badge expires on %(date)s. Renew it from My badges.",
            badge=badge,
            date=ends,
        ),
        link=link,
        subject=_l("Your %(badge)s badge expires on %(date)s", badge=badge, date=ends),
        template="credential_expiry",
        context={
            "user": credential.user,
            "badge_name": badge,
            "valid_until": credential.valid_until,
            "link": notifications.absolute_link(link),
        },
    )
