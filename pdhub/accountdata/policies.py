"""Who may export or erase whose data."""

from __future__ import annotations

from pdhub.accounts.models import Role, User
from pdhub.districts.models import District


def can_erase(actor: User, user: User) -> bool:
    """The person themself, their district's administrator (not for a platform
    administrator's account) or a platform administrator; never an erased account."""
    if user.erased_at is not None:
        return False
    if actor.id == user.id:
        return True
    if actor.role is Role.ADMIN:
        return True
    return (
        actor.role is Role.DISTRICT_ADMIN
        and actor.district_id is not None
        and actor.district_id == user.district_id
        and user.role is not Role.ADMIN
    )


def can_export_district(actor: User, district: District) -> bool:
    """A district's own administrator, or a platform administrator."""
    if actor.role is Role.ADMIN:
        return True
    return actor.role is Role.DISTRICT_ADMIN and actor.district_id == district.id
