"""Who may see, share and manage issued credentials."""

from __future__ import annotations

from typing import Any

from pdhub.accounts.models import Role, User
from pdhub.credentials.models import IssuedCredential


def can_manage_credentials(user: User) -> bool:
    """Platform administrators revoke, suspend and reissue credentials."""
    return user.role is Role.ADMIN


def can_share(user: Any, credential: IssuedCredential) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False)) and user.id == credential.user_id
    )


def can_view(user: Any, credential: IssuedCredential) -> bool:
    """Anyone once the teacher shares it; before that, the teacher and admins."""
    if credential.shared:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return user.id == credential.user_id or can_manage_credentials(user)
