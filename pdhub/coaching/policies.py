"""Who may read and write coaching conversations and book office hours.

A conversation is its teacher's and its coach's: only they read and write it.
Platform administrators may read any conversation (never write), as the audit rules
allow; nobody else learns that it exists. A teacher talks with, and books the office
hours of, a coach who serves them (``review.policies.serves``)."""

from __future__ import annotations

from pdhub.accounts.models import Role, User
from pdhub.coaching.models import Conversation
from pdhub.db import DbSession
from pdhub.review.policies import serves


def is_party(user: User, conversation: Conversation) -> bool:
    return user.is_authenticated and user.id in {
        conversation.teacher_id,
        conversation.coach_id,
    }


def can_read(user: User, conversation: Conversation) -> bool:
    return is_party(user, conversation) or (
        user.is_authenticated and user.role is Role.ADMIN
    )


def can_coach(session: DbSession, coach: User, teacher: User) -> bool:
    """``coach`` is a coach serving ``teacher``, a teacher."""
    return (
        coach.role is Role.COACH
        and teacher.role is Role.TEACHER
        and coach.id != teacher.id
        and serves(session, coach, teacher)
    )


def can_publish_office_hours(user: User) -> bool:
    return user.is_authenticated and user.role is Role.COACH


def uses_coaching(user: User) -> bool:
    return user.is_authenticated and user.role in {Role.TEACHER, Role.COACH, Role.ADMIN}
