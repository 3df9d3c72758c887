"""Turning Awards into signed credentials: the parts every credential of a module
shares (made once per module, not per credential), issuing a chunk of awards at once
for the bulk path (one signer, one rubric query, one status-list allocation, one
multi-row INSERT) and baking the PNG/SVG downloads when first asked for."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cachetools import LRUCache
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from badges.baking import bake_png, bake_svg
from badges.credential import (
    Achievement,
    Evidence,
    NamedRecipient,
    OpenBadgeCredential,
    Recipient,
    StatusEntry,
)
from badges.jwt import encode_jwt
from badges.proofs import sign_document
from badges.proofs.hashing import unsecured
from pdhub.credentials import achievements, images, keys, status
from pdhub.credentials.models import Award, IssuedCredential, StatusList
from pdhub.db import DbSession, utcnow
from pdhub.learning.localized import language_for
from pdhub.learning.models import Module

# A module version's pictures, drawn once per worker process (drawing the PNG medal
# of an SVG badge takes ~20 ms, far more than signing). Keyed by the module row and
# its content hash, so a changed module is drawn again.
_pictures: LRUCache[tuple[int, str], tuple[bytes, bytes]] = LRUCache(maxsize=64)
_pictures_lock = threading.Lock()


def badge_pictures(module: Module) -> tuple[bytes, bytes]:
    """The module's badge as (PNG, SVG) bytes to bake credentials into."""
    key = (module.id, module.content_hash)
    with _pictures_lock:
        found = _pictures.get(key)
    if found is None:
        found = (images.badge_png(module), images.badge_svg(module))
        with _pictures_lock:
            _pictures[key] = found
    return found


@dataclass(frozen=True)
class _ModuleParts:
    achievement: Achievement
    achievement_id: str


class Issuer:
    """The current issuer key, ready to sign, and each module's shared parts.

    Made once per task: loading the key decrypts it, and an Achievement embeds the
    badge image, so neither is redone per credential.
    """

    def __init__(self, session: DbSession) -> None:
        self.session = session
        self.signer = keys.signer_for(keys.current_key(session))
        self._profile = keys.issuer_profile(self.signer.issuer_id)
        self._modules: dict[tuple[int, str], _ModuleParts] = {}

    def _parts(self, module: Module, language: str) -> _ModuleParts:
        parts = self._modules.get((module.id, language))
        if parts is None:
            achievement = achievements.achievement_for(module, language)
            parts = _ModuleParts(achievement, achievement.id)
            self._modules[(module.id, language)] = parts
        return parts

    def build(
        self,
        award: Award,
        status_list: StatusList,
        index: int,
        now: datetime,
        rubric: Sequence[tuple[str, str]] | None = None,
        evidence: Sequence[Evidence] | None = None,
        renews: IssuedCredential | None = None,
        subject_id: str | None = None,
        same_validity_as: IssuedCredential | None = None,
    ) -> dict[str, Any]:
        """Sign the award's credential (status entry at ``index``) and return its
        IssuedCredential column values (not yet stored; the VC-JWT and the baked
        images are made on first download). ``subject_id`` is the
        credentialSubject's id (a wallet's DID, beside the email hash);
        ``same_validity_as`` a credential whose validUntil this one keeps.
        ``rubric`` is the award's ``achievements.rubric_results`` when the caller
        has them (else read here), ``evidence`` its
        ``achievements.shared_evidence_many`` entry likewise."""
        module = award.module
        # In the language the module was taken in (English if it lacks it now).
        language = language_for(module, award.enrollment.language)
        parts = self._parts(module, language)
        signer = self.signer
        credential_id = str(uuid.uuid4())
        recipient = Recipient.from_email(award.user.email)
        completed = award.enrollment.completed_at or award.awarded_at
        if evidence is None:
            evidence = achievements.shared_evidence_many(
                self.session, [award.enrollment_id]
            ).get(award.enrollment_id, [])
        if renews is not None:
            evidence = [*evidence, renewal_evidence(renews, language)]
        if same_validity_as is not None:
            valid_until = same_validity_as.valid_until
        elif module.valid_for_days:
            valid_until = now + timedelta(days=module.valid_for_days)
        else:
            valid_until = None
        unsigned = OpenBadgeCredential(
            issuer=self._profile,
            achievement=parts.achievement,
            recipient=recipient,
            valid_from=now,
            valid_until=valid_until,
            id=f"urn:uuid:{credential_id}",
            name=parts.achievement.name,
            description=parts.achievement.description,
            awarded_date=award.awarded_at.replace(microsecond=0),
            results=tuple(achievements.results_for(self.session, award, rubric)),
            credits_earned=module.hours,
            activity_end_date=completed.replace(microsecond=0),
            evidence=tuple(evidence),
            status=StatusEntry(
                status.list_url(status_list), index, status_list.purpose.value
            ),
            named=NamedRecipient(award.user.name) if award.name_in_credential else None,
            subject_id=subject_id,
        ).to_json()
        signed = sign_document(
            unsigned, signer.pair, signer.verification_method, created=now
        )
        return {
            "id": credential_id,
            "award_id": award.id,
            "current_award_id": award.id,
            "user_id": award.user_id,
            "issuer_key_id": signer.key.id,
            "achievement_id": parts.achievement_id,
            "recipient_salt": recipient.salt,
            "credential_json": json.dumps(
                signed, ensure_ascii=False, separators=(",", ":")
            ),
            "revocation_list_id": status_list.id,
            "revocation_index": index,
            "issued_at": now,
            "valid_until": valid_until,
        }


def renewal_evidence(previous: IssuedCredential, language: str) -> Evidence:
    """The evidence entry of a renewed credential naming the one it renews."""
    issued = previous.issued_at.date().isoformat()
    with force_locale(language):
        return Evidence(
            id=f"{keys.base_url()}/credentials/{previous.id}",
            name=_("Renewal of the credential issued on %(date)s", date=issued),
            narrative=_(
                "This credential renews urn:uuid:%(credential)s, issued on %(date)s. "
                "The educator showed again what the achievement asks by passing its "
                "knowledge check.",
                credential=previous.id,
                date=issued,
            ),
        )


def credential_jwt(credential: IssuedCredential) -> str:
    """The credential's VC-JWT: its JSON without the proof, signed by the key that
    signed it, with the proof's verification method as ``kid`` and the issue time
    as ``iat``. Ed25519 signatures are deterministic, so this is the same text
    however often (or late) it is made."""
    document = credential.document
    proof = document["proof"]
    method = (proof[0] if isinstance(proof, list) else proof)["verificationMethod"]
    return encode_jwt(
        unsecured(document),
        keys.key_store().load(credential.issuer_key),
        method,
        issued_at=credential.issued_at,
    )


def bake(credential: IssuedCredential, kind: str) -> bytes:
    """The credential's JSON baked into its module's badge picture, ``kind`` "png"
    or "svg": the same bytes each time for the same credential and module."""
    png, svg = badge_pictures(credential.award.module)
    document = credential.document
    if kind == "png":
        return bake_png(png, document)
    if kind == "svg":
        return bake_svg(svg, document)
    raise ValueError(f"no baked image of kind {kind!r}")


def issue_one(
    session: DbSession,
    award: Award,
    renews: IssuedCredential | None = None,
    at: datetime | None = None,
) -> IssuedCredential:
    """Sign and store one credential for ``award`` (the caller checked it has none);
    ``renews`` names the credential a renewal replaces; ``at`` is when it counts as
    issued (its validFrom; now unless given, say for a badge earned earlier)."""
    issuer = Issuer(session)
    status_list, index = status.allocate(session, issuer.signer)
    when = (at or utcnow()).replace(microsecond=0)
    credential = IssuedCredential(
        **issuer.build(award, status_list, index, when, renews=renews)
    )
    session.add(credential)
    session.flush()
    return credential


def issue_many(session: DbSession, award_ids: Sequence[int]) -> list[tuple[Award, str]]:
    """Issue the credential of every award in ``award_ids`` that has none yet.

    Exactly once, whoever else runs: the awards are locked in id order (so two
    chunks never deadlock) and those with a current credential are left out after
    the lock is held, so a chunk run twice, or at once by two workers, issues each
    award once. Returns (award, new credential id) pairs; unknown ids are ignored.
    The rows go in with one multi-row INSERT (they are not in the session).
    """
    ids = sorted(set(award_ids))
    if not ids:
        return []
    locked = session.scalars(
        select(Award.id).where(Award.id.in_(ids)).order_by(Award.id).with_for_update()
    ).all()
    issued = set(
        session.scalars(
            select(IssuedCredential.current_award_id).where(
                IssuedCredential.current_award_id.in_(locked)
            )
        )
    )
    todo = [award_id for award_id in locked if award_id not in issued]
    if not todo:
        return []
    awards = session.scalars(
        select(Award)
        .where(Award.id.in_(todo))
        .options(
            selectinload(Award.user),
            selectinload(Award.module),
            selectinload(Award.enrollment),
        )
        .order_by(Award.id)
    ).all()
    # Held until the teacher confirms their address (badges bind to the email).
    awards = [award for award in awards if award.user.email_verified]
    if not awards:
        return []
    enrollment_ids = [award.enrollment_id for award in awards]
    rubrics = achievements.rubric_results_many(session, enrollment_ids)
    evidence = achievements.shared_evidence_many(session, enrollment_ids)
    issuer = Issuer(session)
    slots = status.allocate_many(session, issuer.signer, len(awards))
    now = utcnow().replace(microsecond=0)
    rows = [
        issuer.build(
            award,
            status_list,
            index,
            now,
            rubrics.get(award.enrollment_id, []),
            evidence.get(award.enrollment_id, []),
        )
        for award, (status_list, index) in zip(awards, slots, strict=True)
    ]
    session.execute(insert(IssuedCredential), rows)
    return [(award, row["id"]) for award, row in zip(awards, rows, strict=True)]
