"""Who defines workshops and who awards them: a district's administrators define
its workshops; they and the district's coaches award them. Nobody sees another
district's workshops, runs or awards."""

from __future__ import annotations

from pdhub.accounts.models import Role, User
from pdhub.workshops.models import Workshop


def can_define(user: User) -> bool:
    return user.role is Role.DISTRICT_ADMIN and user.district_id is not None


def can_award(user: User) -> bool:
    return (
        user.role in {Role.DISTRICT_ADMIN, Role.COACH} and user.district_id is not None
    )


def can_see(user: User, workshop: Workshop) -> bool:
    return can_award(user) and user.district_id == workshop.district_id
