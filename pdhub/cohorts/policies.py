"""Who may see a cohort, run it, and take its attendance.

- see: its members, its coach, its district's administrators, platform administrators;
- manage (add members, schedule sessions, see progress): its coach, its district's
  administrators, platform administrators;
- take attendance: its coach only;
- create: coaches and district administrators of a district.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from pdhub.accounts.models import Role, User
from pdhub.cohorts.models import Cohort
from pdhub.communities.models import CommunityMember
from pdhub.db import DbSession


def is_member(session: DbSession, user: User, cohort: Cohort) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    CommunityMember.community_id == cohort.community_id,
                    CommunityMember.user_id == user.id,
                )
            )
        )
    )


def can_manage(user: User, cohort: Cohort) -> bool:
    if not user.is_authenticated:
        return False
    if user.role is Role.ADMIN or user.id == cohort.coach_id:
        return True
    return user.role is Role.DISTRICT_ADMIN and user.district_id == cohort.district_id


def can_see(session: DbSession, user: User, cohort: Cohort) -> bool:
    if not user.is_authenticated:
        return False
    return can_manage(user, cohort) or is_member(session, user, cohort)


def can_take_attendance(user: User, cohort: Cohort) -> bool:
    return user.is_authenticated and user.id == cohort.coach_id


def can_create(user: User) -> bool:
    return (
        user.is_authenticated
        and user.district_id is not None
        and user.role in {Role.COACH, Role.DISTRICT_ADMIN}
    )


def can_join(user: User) -> bool:
    """Only teachers join a cohort with its code."""
    return user.role is Role.TEACHER
