"""Who keeps which trust list: platform administrators the platform's, district
administrators their own district's. Nobody else edits either."""

from __future__ import annotations

from pdhub.accounts.models import Role, User
from pdhub.trust.models import TrustedIssuer


def can_manage_platform_list(user: User) -> bool:
    return user.role is Role.ADMIN


def can_manage_district_list(user: User) -> bool:
    return user.role is Role.DISTRICT_ADMIN and user.district_id is not None


def can_manage_entry(user: User, entry: TrustedIssuer) -> bool:
    """The platform list's entries for admins; a district's for its administrators."""
    if entry.district_id is None:
        return can_manage_platform_list(user)
    return can_manage_district_list(user) and user.district_id == entry.district_id
