"""The tool's own RSA key: made once, kept in the database with its private half
encrypted under PDHUB_DATA_KEY, published at /lti/jwks.json under a stable kid
(its RFC 7638 thumbprint)."""

from __future__ import annotations

import json
from typing import Any

from joserfc.jwk import RSAKey
from sqlalchemy import select

from pdhub.db import DbSession, advisory_lock
from pdhub.lti.models import LtiToolKey
from pdhub.privacy import encryption


def tool_key_row(session: DbSession) -> LtiToolKey:
    """The tool's key row, made (once, under a lock) the first time it is needed."""
    row = session.scalar(select(LtiToolKey).order_by(LtiToolKey.id).limit(1))
    if row is not None:
        return row
    advisory_lock(session, "lti-tool-key")
    row = session.scalar(select(LtiToolKey).order_by(LtiToolKey.id).limit(1))
    if row is not None:
        return row
    key = RSAKey.generate_key(2048, private=True)
    kid = key.thumbprint()
    public = {**key.as_dict(private=False), "kid": kid, "alg": "RS256", "use": "sig"}
    row = LtiToolKey(
        kid=kid,
        public_jwk=json.dumps(public, sort_keys=True),
        private_key_encrypted=encryption.encrypt(key.as_pem(private=True)),
    )
    session.add(row)
    session.flush()
    return row


def signing_key(session: DbSession) -> tuple[str, RSAKey]:
    """The kid and private key the tool signs its messages with."""
    row = tool_key_row(session)
    key = RSAKey.import_key(encryption.decrypt(row.private_key_encrypted))
    return row.kid, key


def jwks(session: DbSession) -> dict[str, Any]:
    """The tool's public key set (every key it has)."""
    tool_key_row(session)
    rows = session.scalars(select(LtiToolKey).order_by(LtiToolKey.id))
    return {"keys": [json.loads(row.public_jwk) for row in rows]}
