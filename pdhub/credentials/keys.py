"""Issuer keys: where private keys are kept (a KeyStore), which DID names the issuer,
rotation, and the did:web document that lists every key ever used."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from badges.credential import Image, IssuerProfile
from badges.dids import PublishedKey, controller_document, did_web_from_url
from badges.keys import Ed25519KeyPair
from pdhub.credentials.models import IssuerKey
from pdhub.db import DbSession, advisory_lock, utcnow
from pdhub.errors import InvalidInput
from pdhub.privacy import encryption

ISSUER_NAME = "PD Hub"
ISSUER_DESCRIPTION = (
    "PD Hub is a professional learning platform for K-12 educators. It awards an "
    "Open Badges 3.0 micro-credential when an educator completes a module: a "
    "knowledge check, and classroom evidence a coach scored against the module's "
    "public rubric. Each badge states the standards it is aligned to and the "
    "professional development hours it credits."
)


class KeyStore(Protocol):
    """Keeps issuer private keys; the database holds only what ``save`` returns."""

    def save(self, session: DbSession, pair: Ed25519KeyPair) -> IssuerKey:
        """Store a new key pair and return its (flushed) IssuerKey row."""

    def load(self, key: IssuerKey) -> Ed25519KeyPair:
        """Return the signing key pair of ``key``."""


class DatabaseKeyStore:
    """Private seeds encrypted with PDHUB_DATA_KEY (Fernet) in the issuer_keys table."""

    def save(self, session: DbSession, pair: Ed25519KeyPair) -> IssuerKey:
        key = IssuerKey(
            public_key_multibase=pair.public_key_multibase,
            did_key=pair.did_key,
            private_key_encrypted=encryption.encrypt(pair.seed),
        )
        session.add(key)
        session.flush()
        return key

    def load(self, key: IssuerKey) -> Ed25519KeyPair:
        pair = Ed25519KeyPair.from_seed(encryption.decrypt(key.private_key_encrypted))
        if pair.public_key_multibase != key.public_key_multibase:
            raise encryption.DecryptionError(
                "the stored key does not match its public key"
            )
        return pair


def key_store() -> KeyStore:
    """The configured key store (the database store is the only one so far)."""
    return DatabaseKeyStore()


def base_url() -> str:
    return str(current_app.config["PDHUB_BASE_URL"])


def issuer_email() -> str:
    """The issuer's contact address: PDHUB_ISSUER_EMAIL, else the mail sender's."""
    configured = current_app.config.get("PDHUB_ISSUER_EMAIL")
    if configured:
        return str(configured)
    return parseaddr(str(current_app.config["PDHUB_MAIL_FROM"]))[1]


def issuer_profile(issuer_id: str) -> IssuerProfile:
    """The issuer Profile embedded in credentials and served at /issuers/pdhub: name,
    description, home page, logo and contact address (OB 3.0 Profile)."""
    base = base_url()
    return IssuerProfile(
        id=issuer_id,
        name=ISSUER_NAME,
        url=base,
        image=Image(f"{base}/static/favicon.svg", caption=f"{ISSUER_NAME} logo"),
        email=issuer_email(),
        description=ISSUER_DESCRIPTION,
    )


def did_web_issuer() -> str | None:
    """did:web:<host> when PDHUB_BASE_URL is https on a real domain name, else None.

    A did:web DID must resolve over https on its domain, so localhost, bare IP
    addresses and plain http (the embedded default) use did:key instead.
    """
    parts = urlsplit(base_url())
    host = parts.hostname or ""
    if parts.scheme != "https" or "." not in host or host.endswith(".localhost"):
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return None
    try:
        return did_web_from_url(f"https://{parts.netloc}")
    except ValueError:
        return None


@dataclass(frozen=True)
class Signer:
    """An issuer key ready to sign: the issuer DID and the verification method id."""

    key: IssuerKey
    pair: Ed25519KeyPair
    issuer_id: str
    verification_method: str


def signer_for(key: IssuerKey) -> Signer:
    """The identity ``key`` signs as: did:web when configured, else its did:key."""
    pair = key_store().load(key)
    did = did_web_issuer()
    if did is None:
        return Signer(key, pair, key.did_key, pair.did_key_verification_method)
    return Signer(key, pair, did, pair.verification_method_id(did))


def signer_as(key: IssuerKey, issuer_id: str) -> Signer:
    """``key`` signing as ``issuer_id`` (its own did:key, or a did:web listing it)."""
    pair = key_store().load(key)
    if issuer_id == key.did_key:
        return Signer(key, pair, key.did_key, pair.did_key_verification_method)
    return Signer(key, pair, issuer_id, pair.verification_method_id(issuer_id))


#: The advisory lock held while making or rotating the issuer key.
KEY_LOCK = "issuer-key"


def _newest_current(session: DbSession) -> IssuerKey | None:
    return session.scalar(
        select(IssuerKey)
        .where(IssuerKey.retired_at.is_(None))
        .order_by(IssuerKey.created_at.desc(), IssuerKey.id.desc())
        .limit(1)
    )


def current_key(session: DbSession) -> IssuerKey:
    """The newest key not retired; the first call creates one, exactly one however
    many workers ask at once (they wait on a lock, then find the first one's key)."""
    key = _newest_current(session)
    if key is None:
        advisory_lock(session, KEY_LOCK)
        key = _newest_current(session)
    if key is None:
        key = key_store().save(session, Ed25519KeyPair.generate())
    return key


def rotate_key(session: DbSession) -> IssuerKey:
    """Retire every current key and make a new one; return the new key.

    Retired keys stay in the database and in did.json (and a did:key stays
    resolvable by itself), so credentials signed before still verify.
    """
    advisory_lock(session, KEY_LOCK)
    now = utcnow()
    for key in session.scalars(select(IssuerKey).where(IssuerKey.retired_at.is_(None))):
        key.retired_at = now
    session.flush()
    return key_store().save(session, Ed25519KeyPair.generate())


def find_key(session: DbSession, reference: str) -> IssuerKey | None:
    """A key by its number, public key multibase, did:key or verification method."""
    reference = reference.strip()
    if reference.isdigit():
        return session.get(IssuerKey, int(reference))
    multibase = reference.rpartition("#")[2] if "#" in reference else reference
    if multibase.startswith("did:key:"):
        multibase = multibase.removeprefix("did:key:")
    return session.scalar(
        select(IssuerKey).where(IssuerKey.public_key_multibase == multibase)
    )


def withdraw_key(
    session: DbSession, key: IssuerKey, compromised_at: datetime
) -> IssuerKey | None:
    """Withdraw a leaked key: it leaves the DID document's assertionMethod (it
    stays listed as a key, for the record) and signs nothing more; credentials it
    signed from ``compromised_at`` on stop verifying. Returns the new current key
    when the withdrawn one was current, else None.

    Raises InvalidInput for a time in the future or a key already withdrawn.
    """
    now = utcnow()
    if compromised_at.tzinfo is None:
        compromised_at = compromised_at.replace(tzinfo=UTC)
    if compromised_at > now:
        raise InvalidInput(
            "The compromise time is in the future; give when the key leaked.",
            field="compromised_at",
        )
    if key.withdrawn_at is not None:
        raise InvalidInput("That key is already withdrawn.", field="key")
    was_current = key.retired_at is None
    key.compromised_at = compromised_at
    key.withdrawn_at = now
    if key.retired_at is None:
        key.retired_at = now
    session.flush()
    from pdhub.credentials import standing

    standing.forget_withdrawn_keys()
    if not was_current or session.scalar(
        select(IssuerKey.id).where(IssuerKey.retired_at.is_(None)).limit(1)
    ):
        return None
    return key_store().save(session, Ed25519KeyPair.generate())


def withdrawn_keys(session: DbSession) -> dict[str, IssuerKey]:
    """Withdrawn keys by public key multibase."""
    return {
        key.public_key_multibase: key
        for key in session.scalars(
            select(IssuerKey).where(IssuerKey.withdrawn_at.is_not(None))
        )
    }


def all_keys(session: DbSession) -> list[IssuerKey]:
    return list(session.scalars(select(IssuerKey).order_by(IssuerKey.id)))


def did_document(session: DbSession) -> dict[str, Any] | None:
    """The did:web DID document listing every key, or None in did:key mode."""
    did = did_web_issuer()
    if did is None:
        return None
    keys = all_keys(session)
    if not keys:
        keys = [current_key(session)]
    return controller_document(
        did,
        [
            PublishedKey(key.public_key_multibase, assertion=key.withdrawn_at is None)
            for key in keys
        ],
    )
