"""Who may verify in bulk and see a batch: the district administrators who ran it."""

from __future__ import annotations

from flask import current_app

from pdhub.accounts.models import Role, User
from pdhub.verification.models import VerificationBatch


def can_verify_in_bulk(user: User) -> bool:
    """District administrators of a district (anyone may verify one credential)."""
    return user.role is Role.DISTRICT_ADMIN and user.district_id is not None


def can_view_batch(user: User, batch: VerificationBatch) -> bool:
    """Batch results are visible only to the district that ran them."""
    return can_verify_in_bulk(user) and user.district_id == batch.district_id


def verify_rate_limit() -> str:
    """How often one address may verify (PDHUB_VERIFY_RATE_LIMIT), on the page and
    in the API alike."""
    return str(current_app.config["PDHUB_VERIFY_RATE_LIMIT"])
