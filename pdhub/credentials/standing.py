"""What this deployment knows about its own credentials that a signature cannot say:
whether one was revoked or suspended (when, and the public reason), and whether the
key that signed it was withdrawn after it leaked.

The verifier (pdhub.verification.service) asks here after the cryptographic checks.
Status itself comes from the served status list; the records add the date and the
public reason, and cover the suspension of a credential issued before suspension
lists were published (its status entry is a revocation entry, so its list cannot
show a suspension; see docs/status-lists.md).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from badges.proofs.hashing import unsecured
from pdhub.credentials import keys
from pdhub.credentials.models import IssuedCredential, IssuerKey, StatusPurpose
from pdhub.db import DbSession
from pdhub.workshops.models import WorkshopAward


@dataclass(frozen=True)
class Standing:
    """A verdict this deployment's records add: ``verdict`` is "revoked",
    "suspended" or "withdrawn-key"; ``detail`` says it in plain words."""

    verdict: str
    detail: str
    status_list_shows_it: bool = True
    #: When it happened (revoked, suspended, the key leaked), and the public reason.
    at: datetime | None = None
    reason: str | None = None


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def own_credential(
    session: DbSession, credential: Mapping[str, Any] | None
) -> IssuedCredential | None:
    """The stored credential whose content this is, if this deployment issued it.

    Matched by its ``urn:uuid`` id and compared without the proof (a VC-JWT carries
    the same document without it), so an altered copy is not taken for ours.
    """
    if not isinstance(credential, Mapping):
        return None
    credential_id = credential.get("id")
    if not isinstance(credential_id, str) or not credential_id.startswith("urn:uuid:"):
        return None
    try:
        key = str(uuid.UUID(credential_id.removeprefix("urn:uuid:")))
    except ValueError:
        return None
    stored = session.get(IssuedCredential, key)
    if stored is None:
        return None
    if unsecured(stored.document) != unsecured(credential):
        return None
    return stored


def workshop_standing(
    session: DbSession, credential: Mapping[str, Any] | None
) -> Standing | None:
    """Revoked, when this is one of this deployment's workshop credentials (same
    content, proof aside) that a district administrator revoked. Its entry is in
    a shared suspension list, so the list alone would say "suspended"."""
    if not isinstance(credential, Mapping):
        return None
    credential_id = credential.get("id")
    if not isinstance(credential_id, str) or not credential_id.startswith("urn:uuid:"):
        return None
    award = session.scalar(
        select(WorkshopAward).where(
            WorkshopAward.credential_id == credential_id.removeprefix("urn:uuid:")
        )
    )
    if award is None or award.revoked_at is None:
        return None
    if unsecured(award.document) != unsecured(credential):
        return None
    return Standing(
        "revoked",
        f"the credential is revoked: revoked by PD Hub on {_day(award.revoked_at)}",
        at=award.revoked_at,
    )


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _with_reason(text: str, reason: str | None) -> str:
    return f"{text}; reason: {reason}" if reason else text


def needs_record(credential: Mapping[str, Any]) -> bool:
    """Whether the record may add to what the status list says: only for a
    credential with a revocation entry (its list cannot show a suspension)."""
    status = credential.get("credentialStatus")
    entries = status if isinstance(status, list) else [status]
    return any(
        isinstance(entry, Mapping) and entry.get("statusPurpose") == "revocation"
        for entry in entries
    )


def status_standing(stored: IssuedCredential) -> Standing | None:
    """Revoked or suspended, from the record (with the date and public reason)."""
    shows = stored.revocation_list.purpose is StatusPurpose.SUSPENSION
    if stored.revoked_at is not None:
        return Standing(
            "revoked",
            _with_reason(
                f"the credential is revoked: revoked by PD Hub on "
                f"{_day(stored.revoked_at)}",
                stored.revocation_reason,
            ),
            at=stored.revoked_at,
            reason=stored.revocation_reason,
        )
    if stored.suspended_at is not None:
        return Standing(
            "suspended",
            _with_reason(
                f"the credential is suspended: suspended by PD Hub on "
                f"{_day(stored.suspended_at)}",
                stored.suspension_reason,
            ),
            status_list_shows_it=shows,
            at=stored.suspended_at,
            reason=stored.suspension_reason,
        )
    return None


def _signing_multibases(credential: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    issuer = _issuer_id(credential) or ""
    if issuer.startswith("did:key:"):
        found.add(issuer.removeprefix("did:key:"))
    proof = credential.get("proof")
    for item in proof if isinstance(proof, list) else [proof]:
        if isinstance(item, Mapping):
            method = item.get("verificationMethod")
            if isinstance(method, str) and "#" in method:
                found.add(method.rpartition("#")[2])
    return found


# Withdrawn keys change almost never and are read for every verification: each
# process keeps the set for a few seconds, and withdrawing a key clears it here.
_WITHDRAWN_TTL = 5.0
_withdrawn_cache: tuple[float, frozenset[str]] | None = None


def forget_withdrawn_keys() -> None:
    global _withdrawn_cache
    _withdrawn_cache = None


def _withdrawn(session: DbSession) -> frozenset[str]:
    global _withdrawn_cache
    now = time.monotonic()
    if _withdrawn_cache is None or now - _withdrawn_cache[0] > _WITHDRAWN_TTL:
        found = frozenset(
            session.scalars(
                select(IssuerKey.public_key_multibase).where(
                    IssuerKey.withdrawn_at.is_not(None)
                )
            )
        )
        _withdrawn_cache = (now, found)
    return _withdrawn_cache[1]


def signed_with_withdrawn_key(
    session: DbSession, credential: Mapping[str, Any]
) -> bool:
    """Whether a key of this deployment's that was withdrawn signed it."""
    return bool(_signing_multibases(credential) & _withdrawn(session))


def key_standing(
    session: DbSession,
    credential: Mapping[str, Any],
    stored: IssuedCredential | None,
) -> Standing | None:
    """A withdrawn signing key: the credential is trusted only when this deployment
    stored it as issued with that key before the key leaked."""
    signing = _signing_multibases(credential) & _withdrawn(session)
    if not signing:
        return None
    withdrawn = session.scalars(
        select(IssuerKey).where(
            IssuerKey.withdrawn_at.is_not(None),
            IssuerKey.public_key_multibase.in_(signing),
        )
    ).first()
    if withdrawn is None or withdrawn.compromised_at is None:
        return None
    if (
        stored is not None
        and stored.issuer_key_id == withdrawn.id
        and stored.issued_at < withdrawn.compromised_at
    ):
        return None
    return Standing(
        "withdrawn-key",
        f"signed with {keys.ISSUER_NAME}'s key {withdrawn.did_key}, which was "
        f"withdrawn because it leaked on {_day(withdrawn.compromised_at)}: a "
        "credential it signed from then on may be forged, so it is not trusted. "
        "Ask the teacher for a reissued badge.",
        at=withdrawn.compromised_at,
    )
