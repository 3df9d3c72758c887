"""Adding a badge from another issuer to a teacher's records (their page, or a
connected system through the OB 3.0 API's upsertCredential), listing and removing
them, and which of them a pathway can count.

A badge is kept only when our verifier accepts it: a valid proof by the issuer's own
key, in date, not revoked, and issued to the teacher's email address (its salted
identity hash). Whether its issuer is *trusted* is not decided here: a teacher may
keep any genuine badge; a pathway counts one only when its issuer is on the
pathway's district's (or the platform's) trust list at the time it is counted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pdhub.accounts.models import User
from pdhub.backpack.models import OutsideBadge
from pdhub.db import DbSession, utcnow
from pdhub.errors import InvalidInput, NotFound
from pdhub.trust import service as trust_service
from pdhub.verification import service as verification
from pdhub.verification.models import RecipientMatch, Verdict

#: Verdicts that keep a badge: genuine and in good standing (its issuer may be on no
#: list; that is the pathway's question, not the teacher's).
KEPT = frozenset({Verdict.VERIFIED, Verdict.UNLISTED_ISSUER})

#: One credential's JSON may be this long (a baked image is read before this).
MAX_DOCUMENT = 512 * 1024


@dataclass(frozen=True)
class Added:
    badge: OutsideBadge
    created: bool


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _subject(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    return subject if isinstance(subject, Mapping) else {}


def _key(credential: Mapping[str, Any]) -> str:
    found = credential.get("id")
    if isinstance(found, str) and found and len(found) <= 500:
        return found
    text = json.dumps(credential, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _refuse(outcome: verification.Outcome) -> InvalidInput | None:
    """Why ``outcome`` cannot be kept, in the teacher's words; None when it can."""
    if not outcome.readable:
        return InvalidInput(
            _(
                "This is not an Open Badges credential. Upload the badge file "
                "(JSON, or a badge image with the credential baked in) that the "
                "issuer gave you."
            ),
            field="credential",
        )
    credential = outcome.report.credential or {}
    types = credential.get("type")
    types = types if isinstance(types, list) else [types]
    if not {"OpenBadgeCredential", "AchievementCredential"} & set(types):
        return InvalidInput(
            _("This credential is not a badge (an Open Badges 3.0 credential)."),
            field="credential",
        )
    if outcome.issuer.match is not None and outcome.issuer.match.source == (
        trust_service.OWN
    ):
        return InvalidInput(
            _("This badge is from PD Hub: it is already under My badges."),
            field="credential",
        )
    if outcome.verdict not in KEPT:
        return InvalidInput(
            _(
                "This badge did not pass our checks (%(verdict)s): %(reasons)s",
                verdict=outcome.verdict.label,
                reasons="; ".join(outcome.described_reasons()) or outcome.verdict.label,
            ),
            field="credential",
        )
    if outcome.recipient is not RecipientMatch.MATCHES:
        return InvalidInput(
            _(
                "This badge was not issued to your email address, so it cannot be "
                "added to your records. Ask the issuer for a badge issued to the "
                "address you sign in with."
            ),
            field="credential",
        )
    return None


def add(session: DbSession, user: User, data: Any, *, via: str = "upload") -> Added:
    """Verify ``data`` (JSON text, a dict, a VC-JWT or baked image bytes) for
    ``user`` and keep it, replacing the same credential added before. Raises
    InvalidInput with the reason when it cannot be kept."""
    outcome = verification.verify(
        data,
        trust=trust_service.trust_list(session, user.district_id),
        email=user.email,
    )
    refused = _refuse(outcome)
    if refused is not None:
        raise refused
    credential = outcome.report.credential or {}
    key = _key(credential)
    subject = _subject(credential)
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, Mapping) else {}
    values = {
        "credential_json": json.dumps(credential, ensure_ascii=False),
        "issuer_id": _text(outcome.issuer.identifier, 500),
        "issuer_name": _text(outcome.issuer.claimed_name, 300),
        "achievement_id": _text(achievement.get("id"), 500),
        "achievement_name": _text(outcome.summary.achievement, 300),
        "added_via": via,
        "checked_at": utcnow(),
    }
    found = session.scalar(
        select(OutsideBadge).where(
            OutsideBadge.user_id == user.id, OutsideBadge.credential_key == key
        )
    )
    if found is not None:
        for name, value in values.items():
            setattr(found, name, value)
        session.flush()
        _check_pathways(session, user)
        return Added(found, created=False)
    badge = OutsideBadge(user_id=user.id, credential_key=key, **values)
    try:
        with session.begin_nested():
            session.add(badge)
            session.flush()
    except IntegrityError:  # added at the same moment by another request
        again = session.scalar(
            select(OutsideBadge).where(
                OutsideBadge.user_id == user.id, OutsideBadge.credential_key == key
            )
        )
        if again is None:
            raise
        return Added(again, created=False)
    _check_pathways(session, user)
    return Added(badge, created=True)


def _check_pathways(session: DbSession, user: User) -> None:
    """A badge from elsewhere may complete a pathway (an elective it counts)."""
    from pdhub.pathways import service as pathways  # pathways reads badges here

    pathways.check_user(session, user)


def badges_of(session: DbSession, user: User) -> list[OutsideBadge]:
    return list(
        session.scalars(
            select(OutsideBadge)
            .where(OutsideBadge.user_id == user.id)
            .order_by(OutsideBadge.created_at.desc(), OutsideBadge.id.desc())
        )
    )


def badge_of(session: DbSession, user: User, badge_id: int) -> OutsideBadge:
    """``user``'s own badge by id (anyone else's is not found)."""
    badge = session.get(OutsideBadge, badge_id)
    if badge is None or badge.user_id != user.id:
        raise NotFound(_("There is no such badge in your records."))
    return badge


def remove(session: DbSession, user: User, badge_id: int) -> None:
    session.delete(badge_of(session, user, badge_id))
    session.flush()


def held(
    session: DbSession, user_ids: Sequence[int], issuer_ids: Sequence[str]
) -> dict[tuple[int, str, str], OutsideBadge]:
    """(teacher, issuer id, achievement id) → the badge, for these issuers."""
    if not user_ids or not issuer_ids:
        return {}
    found: dict[tuple[int, str, str], OutsideBadge] = {}
    for badge in session.scalars(
        select(OutsideBadge)
        .where(
            OutsideBadge.user_id.in_(user_ids),
            OutsideBadge.issuer_id.in_(sorted(set(issuer_ids))),
        )
        .order_by(OutsideBadge.created_at, OutsideBadge.id)
    ):
        found.setdefault((badge.user_id, badge.issuer_id, badge.achievement_id), badge)
    return found
