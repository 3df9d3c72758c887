"""Who may see and change a district's equity work: its administrators and team
members; its school leaders may read it."""

from __future__ import annotations

from sqlalchemy import select

from pdhub.accounts.models import Role, User
from pdhub.db import DbSession
from pdhub.districts.models import District
from pdhub.equity.models import EquityTeamMember, TeamRole


def team_role(session: DbSession, user: User, district: District) -> TeamRole | None:
    if user.district_id != district.id or not user.active:
        return None
    role: TeamRole | None = session.scalar(
        select(EquityTeamMember.role).where(
            EquityTeamMember.district_id == district.id,
            EquityTeamMember.user_id == user.id,
        )
    )
    return role


def is_district_admin(user: User, district: District) -> bool:
    return user.role is Role.DISTRICT_ADMIN and user.district_id == district.id


def can_view(session: DbSession, user: User, district: District) -> bool:
    """The district's administrators, its team members, and (read-only) its school
    leaders; nobody from another district."""
    if user.district_id != district.id:
        return False
    if user.role in {Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER}:
        return True
    return team_role(session, user, district) is not None


def can_manage_team(user: User, district: District) -> bool:
    return is_district_admin(user, district)


def can_edit_plan(session: DbSession, user: User, district: District) -> bool:
    return (
        is_district_admin(user, district)
        or team_role(session, user, district) is not None
    )


def can_start_cycle(session: DbSession, user: User, district: District) -> bool:
    return (
        is_district_admin(user, district)
        or team_role(session, user, district) is TeamRole.LEAD
    )


def can_rate(session: DbSession, user: User, district: District) -> bool:
    return team_role(session, user, district) is not None


def can_record_consensus(session: DbSession, user: User, district: District) -> bool:
    return team_role(session, user, district) is TeamRole.LEAD
