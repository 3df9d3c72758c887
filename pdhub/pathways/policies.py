"""Who sees and who defines pathways: a district's pathways are its people's (and
platform administrators'); a platform pathway (made by an administrator) is
everyone's. District administrators define their district's, administrators any."""

from __future__ import annotations

from pdhub.accounts.models import Role, User
from pdhub.pathways.models import Pathway


def can_see(user: User, pathway: Pathway) -> bool:
    if user.role is Role.ADMIN or pathway.district_id is None:
        return True
    return user.district_id == pathway.district_id


def can_define(user: User) -> bool:
    return user.role is Role.ADMIN or (
        user.role is Role.DISTRICT_ADMIN and user.district_id is not None
    )


def can_change(user: User, pathway: Pathway) -> bool:
    if user.role is Role.ADMIN:
        return True
    return (
        user.role is Role.DISTRICT_ADMIN
        and pathway.district_id is not None
        and user.district_id == pathway.district_id
    )
