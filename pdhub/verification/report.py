"""The platform's report key, and the signed record of a batch verification.

A finished batch gets a JSON report (the verdict of every credential and the SHA-256
of its CSV) signed with a detached JWS (RFC 7515 Appendix F, EdDSA/Ed25519). The key
is generated once, kept encrypted with PDHUB_DATA_KEY, and named by its did:key, so
anyone can check a report offline: decode the did:key, verify the signature over
``base64url(header) + "." + base64url(report bytes)``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from badges.errors import BadgeError
from badges.keys import Ed25519KeyPair, public_key_from_did_key, verify_ed25519
from pdhub.db import DbSession
from pdhub.privacy.encryption import decrypt, encrypt
from pdhub.verification.models import ReportSigningKey

REPORT_TYPE = "PDHubVerificationReport"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def report_key(session: DbSession) -> Ed25519KeyPair:
    """The platform report key, made (once, even with racing workers) on first use."""
    record = session.scalar(select(ReportSigningKey).order_by(ReportSigningKey.id))
    if record is None:
        pair = Ed25519KeyPair.generate()
        try:
            with session.begin_nested():
                session.add(
                    ReportSigningKey(
                        id=1,
                        public_key_multibase=pair.public_key_multibase,
                        secret_key=encrypt(pair.secret_key_multibase.encode()),
                    )
                )
        except IntegrityError:
            pass  # another worker made it first: use theirs
        record = session.scalar(select(ReportSigningKey).order_by(ReportSigningKey.id))
        assert record is not None  # noqa: S101 - just inserted or found
    return Ed25519KeyPair.from_secret_key_multibase(decrypt(record.secret_key).decode())


def sign_report(key: Ed25519KeyPair, payload: bytes) -> str:
    """A detached compact JWS (``header..signature``) over ``payload``."""
    header = {"alg": "EdDSA", "kid": key.did_key_verification_method, "typ": "JOSE"}
    encoded_header = _b64(json.dumps(header, separators=(",", ":")).encode())
    signature = key.sign(f"{encoded_header}.{_b64(payload)}".encode("ascii"))
    return f"{encoded_header}..{_b64(signature)}"


def check_report_signature(payload: bytes, jws: str) -> str | None:
    """Return the signer's key id when ``jws`` signs ``payload``, else None."""
    try:
        encoded_header, empty, encoded_signature = jws.split(".")
        header: Any = json.loads(_unb64(encoded_header))
        if empty or not isinstance(header, dict) or header.get("alg") != "EdDSA":
            return None
        kid = header.get("kid")
        public_key, _ = public_key_from_did_key(str(kid))
        message = f"{encoded_header}.{_b64(payload)}".encode("ascii")
        if verify_ed25519(public_key, _unb64(encoded_signature), message):
            return str(kid)
    except (ValueError, TypeError, UnicodeError, BadgeError):
        return None
    return None
