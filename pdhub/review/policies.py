"""Who may review, see and manage what in the review workflow."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, or_, select

from pdhub.accounts.models import Role, User
from pdhub.db import DbSession
from pdhub.districts.models import District
from pdhub.districts.policies import can_manage_district
from pdhub.review.models import CoachAssignment


def scope_clause(coach: User, teacher: Any = User) -> Any:
    """SQL: the teacher is served by one of the coach's assignments."""
    return exists().where(
        CoachAssignment.coach_id == coach.id,
        CoachAssignment.district_id == teacher.district_id,
        or_(
            CoachAssignment.school_id.is_(None),
            CoachAssignment.school_id == teacher.school_id,
        ),
    )


def serves(session: DbSession, coach: User, teacher: User) -> bool:
    """The coach is assigned to the teacher's district (all of it, or their school)."""
    if teacher.district_id is None:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    CoachAssignment.coach_id == coach.id,
                    CoachAssignment.district_id == teacher.district_id,
                    or_(
                        CoachAssignment.school_id.is_(None),
                        CoachAssignment.school_id == teacher.school_id,
                    ),
                )
            )
        )
    )


def can_review(session: DbSession, coach: User, teacher: User) -> bool:
    """Coaches review the teachers they serve, never their own evidence."""
    return (
        coach.role is Role.COACH
        and coach.id != teacher.id
        and serves(session, coach, teacher)
    )


def can_view_submission(session: DbSession, user: User, teacher: User) -> bool:
    """The teacher, a coach who may review it, their district's admins, and admins."""
    if user.id == teacher.id or user.role is Role.ADMIN:
        return True
    if user.role is Role.DISTRICT_ADMIN:
        return user.district_id is not None and user.district_id == teacher.district_id
    return can_review(session, user, teacher)


def can_manage_assignments(user: User, district: District) -> bool:
    return can_manage_district(user, district)


def can_see_turnaround(user: User) -> bool:
    return user.role in {Role.ADMIN, Role.DISTRICT_ADMIN}
