"""Who may manage a district, its schools, staff and invitations."""

from __future__ import annotations

from pdhub.accounts.models import Role, User
from pdhub.districts.models import District


def can_manage_district(user: User, district: District) -> bool:
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.DISTRICT_ADMIN and user.district_id == district.id


def can_invite(user: User, district: District, role: Role) -> bool:
    """District admins invite teachers, coaches and school leaders; admins invite any
    role."""
    if not can_manage_district(user, district):
        return False
    return user.role is Role.ADMIN or role in {
        Role.TEACHER,
        Role.COACH,
        Role.SCHOOL_LEADER,
    }
