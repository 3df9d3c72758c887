"""Credential rules: recording Awards (issuing signed credentials builds on this)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub import signals
from pdhub.credentials.models import Award
from pdhub.learning.models import Enrollment


def record_award(session: Session, enrollment: Enrollment) -> Award:
    """Record the Award for a completed enrollment, once; announce it when new."""
    award = session.scalar(select(Award).where(Award.enrollment_id == enrollment.id))
    if award is not None:
        return award
    award = Award(
        enrollment_id=enrollment.id,
        user_id=enrollment.user_id,
        module_id=enrollment.module_id,
    )
    session.add(award)
    session.flush()
    signals.award_recorded.send(session, award=award)
    return award
