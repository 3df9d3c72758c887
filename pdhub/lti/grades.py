"""Completions to LMS gradebooks: when a teacher who launched a module from a
learning platform completes it, a job posts the score to the launch's line item."""

from __future__ import annotations

from sqlalchemy import select

from pdhub import jobs, tasks
from pdhub.db import DbSession
from pdhub.learning.models import Enrollment
from pdhub.lti.models import LtiGradeLink


def send_completion(session: DbSession, enrollment: Enrollment) -> int:
    """Queue a score job for each unsent grade link of the enrollment's module."""
    link_ids = list(
        session.scalars(
            select(LtiGradeLink.id).where(
                LtiGradeLink.user_id == enrollment.user_id,
                LtiGradeLink.module_slug == enrollment.module.slug,
                LtiGradeLink.score_sent_at.is_(None),
            )
        )
    )
    for link_id in link_ids:
        jobs.enqueue(tasks.POST_LTI_SCORE, link_id)
    return len(link_ids)
