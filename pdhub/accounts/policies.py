"""Who may do what with accounts and roles."""

from __future__ import annotations

from pdhub.accounts.models import Role, User

# Roles a district administrator may hand out inside their own district.
DISTRICT_GRANTABLE = {Role.TEACHER, Role.COACH, Role.SCHOOL_LEADER}


def can_use_staff_pages(user: User, *, single_sign_on: bool = False) -> bool:
    """Staff pages need a staff role and two-factor sign-in already set up, or a
    sign-in through the district's identity provider (which did the strong
    sign-in)."""
    return user.is_staff and (user.two_factor_enabled or single_sign_on)


def can_assign_role(actor: User, target: User, role: Role) -> bool:
    """Admins assign any role; district admins make teachers and coaches of their own
    district's members; nobody changes their own role."""
    if actor.id == target.id:
        return False
    if actor.role is Role.ADMIN:
        return True
    return (
        actor.role is Role.DISTRICT_ADMIN
        and actor.district_id is not None
        and target.district_id == actor.district_id
        and target.role in DISTRICT_GRANTABLE
        and role in DISTRICT_GRANTABLE
    )


def can_sign_out_everywhere(actor: User, target: User) -> bool:
    if actor.id == target.id or actor.role is Role.ADMIN:
        return True
    return (
        actor.role is Role.DISTRICT_ADMIN
        and actor.district_id is not None
        and target.district_id == actor.district_id
        and target.role in DISTRICT_GRANTABLE
    )
