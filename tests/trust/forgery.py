"""The forged "PD Hub" badge of issue 13: a real credential of this deployment,
re-signed with a fresh did:key, its issuer named "PD Hub" and 60 PD hours."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from badges.keys import Ed25519KeyPair
from badges.proofs import sign_document
from pdhub.credentials import service as credentials
from pdhub.credentials.models import IssuedCredential
from tests.factories import AwardFactory


def real_credential(session: Session) -> IssuedCredential:
    """A credential this deployment issued (signed by its own key)."""
    award = AwardFactory()
    assert credentials.issue_credentials(session, [award.id]) == 1
    issued = credentials.current_credential(session, award)
    assert issued is not None
    issued.shared = True
    session.commit()
    return issued


def forge(document: dict[str, Any], key: Ed25519KeyPair) -> dict[str, Any]:
    """``document`` re-signed by ``key``: same content, "PD Hub" as the issuer's
    name, 60 PD hours, and no status entry (the forger has no status list)."""
    forged = copy.deepcopy(document)
    forged.pop("proof", None)
    forged.pop("credentialStatus", None)
    issuer = forged["issuer"]
    if isinstance(issuer, dict):
        issuer["id"] = key.did_key
        issuer["name"] = "PD Hub"
    else:
        forged["issuer"] = {"id": key.did_key, "type": ["Profile"], "name": "PD Hub"}
    subject = forged["credentialSubject"]
    subject["creditsEarned"] = 60
    subject["achievement"]["creditsAvailable"] = 60
    return sign_document(
        forged,
        key,
        key.did_key_verification_method,
        created=datetime.now(UTC).replace(microsecond=0),
    )
