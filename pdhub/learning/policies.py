"""Who may browse the catalog, enroll, open an enrollment, and give more attempts."""

from __future__ import annotations

from pdhub.accounts.models import Role, User
from pdhub.db import DbSession
from pdhub.learning.models import Enrollment
from pdhub.review.policies import serves


def can_browse_catalog(user: User) -> bool:
    return bool(user.is_authenticated)


def can_enroll(user: User) -> bool:
    """Teachers enroll; staff may browse the catalog but not take modules here."""
    return user.is_authenticated and user.role is Role.TEACHER


def can_open_enrollment(user: User, enrollment: Enrollment) -> bool:
    """Only the enrolled teacher sees their lessons, answers and evidence."""
    return user.is_authenticated and enrollment.user_id == user.id


def can_grant_attempts(session: DbSession, actor: User, teacher: User) -> bool:
    """A coach who serves the teacher, the teacher's district administrator, or a
    platform administrator may give them more knowledge-check attempts."""
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.COACH:
        return actor.id != teacher.id and serves(session, actor, teacher)
    return (
        actor.role is Role.DISTRICT_ADMIN
        and teacher.district_id is not None
        and actor.district_id == teacher.district_id
    )
