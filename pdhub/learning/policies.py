"""Who may browse the catalog, enroll, and open an enrollment."""

from __future__ import annotations

from pdhub.accounts.models import Role, User
from pdhub.learning.models import Enrollment


def can_browse_catalog(user: User) -> bool:
    return user.is_authenticated


def can_enroll(user: User) -> bool:
    """Teachers enroll; staff may browse the catalog but not take modules here."""
    return user.is_authenticated and user.role is Role.TEACHER


def can_open_enrollment(user: User, enrollment: Enrollment) -> bool:
    """Only the enrolled teacher sees their lessons, answers and evidence."""
    return user.is_authenticated and enrollment.user_id == user.id
