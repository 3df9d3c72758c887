"""Ed25519 issuer keys: generation, Multikey encoding and did:key identifiers."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from badges.errors import KeyFormatError
from badges.multibase import (
    ED25519_PRIV,
    ED25519_PUB,
    multibase_base58btc_decode,
    multibase_base58btc_encode,
)

DID_KEY_PREFIX = "did:key:"


def encode_public_key_multibase(public_key: bytes) -> str:
    """Encode a raw 32-byte Ed25519 public key as Multikey publicKeyMultibase.

    Applies the Multikey rule (W3C Controlled Identifiers §2.2.2): base58btc of
    the ed25519-pub multicodec prefix 0xed01 and the key, so it starts ``z6Mk``.
    Raises KeyFormatError when the key is not 32 bytes.
    """
    if len(public_key) != 32:
        raise KeyFormatError("an Ed25519 public key is 32 bytes")
    return multibase_base58btc_encode(ED25519_PUB + public_key)


@functools.lru_cache(maxsize=1024)
def decode_public_key_multibase(value: str) -> bytes:
    """Decode an Ed25519 Multikey publicKeyMultibase to the raw 32-byte key.

    Raises KeyFormatError for another encoding, another key type or a bad length.
    """
    raw = multibase_base58btc_decode(value)
    if raw[:2] != ED25519_PUB:
        raise KeyFormatError("publicKeyMultibase is not an Ed25519 (0xed01) key")
    if len(raw) != 34:
        raise KeyFormatError("an Ed25519 publicKeyMultibase holds 32 key bytes")
    return raw[2:]


@functools.lru_cache(maxsize=1024)
def load_public_key(raw: bytes) -> Ed25519PublicKey:
    """Load a raw 32-byte Ed25519 public key.

    Raises KeyFormatError when it is not a valid Ed25519 public key.
    """
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise KeyFormatError(f"not an Ed25519 public key: {exc}") from exc


def verify_ed25519(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Tell whether ``signature`` is a valid Ed25519 (RFC 8032) signature of a message.

    Raises KeyFormatError when ``public_key`` is not an Ed25519 public key.
    """
    if len(signature) != 64:
        return False
    try:
        load_public_key(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def did_key_from_public_key(public_key: bytes) -> str:
    """Return the did:key DID of a raw Ed25519 public key (did:key method §3.1.2).

    Raises KeyFormatError when the key is not 32 bytes.
    """
    return DID_KEY_PREFIX + encode_public_key_multibase(public_key)


def did_key_verification_method(did: str) -> str:
    """Return the verification method id of a did:key DID: ``did:key:z6Mk..#z6Mk..``.

    Raises KeyFormatError when ``did`` is not an Ed25519 did:key.
    """
    return f"{did}#{public_key_from_did_key(did)[1]}"


def public_key_from_did_key(did: str) -> tuple[bytes, str]:
    """Return the raw Ed25519 key and its multibase from a did:key DID or key id.

    Raises KeyFormatError when it is not an Ed25519 did:key or the fragment of a
    key id does not repeat the key (did:key method §3.1.2).
    """
    if not did.startswith(DID_KEY_PREFIX):
        raise KeyFormatError(f"{did!r} is not a did:key DID")
    identifier, _, fragment = did[len(DID_KEY_PREFIX) :].partition("#")
    if fragment and fragment != identifier:
        raise KeyFormatError("a did:key key id must repeat the key as its fragment")
    return decode_public_key_multibase(identifier), identifier


@dataclass(frozen=True)
class Ed25519KeyPair:
    """An Ed25519 signing key with its public half, in the encodings we publish."""

    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> Ed25519KeyPair:
        """Create a new key pair from the operating system's CSPRNG."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> Ed25519KeyPair:
        """Load a key pair from its 32-byte private seed (RFC 8032 §5.1.5).

        Raises KeyFormatError when the seed is not 32 bytes.
        """
        if len(seed) != 32:
            raise KeyFormatError("an Ed25519 private seed is 32 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_secret_key_multibase(cls, value: str) -> Ed25519KeyPair:
        """Load a key pair from a Multikey secretKeyMultibase (0x8026 prefix).

        Accepts the 32-byte seed or the 64-byte seed-and-public-key form that
        Digital Bazaar's ed25519-multikey exports. Raises KeyFormatError for
        another type or length, or when the public half does not match the seed.
        """
        raw = multibase_base58btc_decode(value)
        if raw[:2] != ED25519_PRIV or len(raw) not in (34, 66):
            raise KeyFormatError("secretKeyMultibase is not an Ed25519 (0x8026) key")
        pair = cls.from_seed(raw[2:34])
        if len(raw) == 66 and raw[34:] != pair.public_key_bytes:
            raise KeyFormatError("secretKeyMultibase holds a mismatched public key")
        return pair

    @property
    def seed(self) -> bytes:
        """The 32-byte private seed; keep it in a key store, never in clear."""
        return self.private_key.private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )

    @property
    def public_key_bytes(self) -> bytes:
        """The raw 32-byte public key."""
        return self.private_key.public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw
        )

    @property
    def public_key_multibase(self) -> str:
        """The Multikey publicKeyMultibase (``z6Mk...``)."""
        return encode_public_key_multibase(self.public_key_bytes)

    @property
    def secret_key_multibase(self) -> str:
        """The Multikey secretKeyMultibase: 0x8026, seed and public key."""
        return multibase_base58btc_encode(
            ED25519_PRIV + self.seed + self.public_key_bytes
        )

    @property
    def did_key(self) -> str:
        """The did:key DID of this key."""
        return did_key_from_public_key(self.public_key_bytes)

    @property
    def did_key_verification_method(self) -> str:
        """The did:key verification method id, ``did:key:z6Mk...#z6Mk...``."""
        return f"{self.did_key}#{self.public_key_multibase}"

    def verification_method_id(self, controller: str) -> str:
        """The key's id under ``controller``: the DID or URL, ``#``, the multibase."""
        return f"{controller}#{self.public_key_multibase}"

    def sign(self, message: bytes) -> bytes:
        """Sign ``message`` with Ed25519 (RFC 8032; deterministic)."""
        return self.private_key.sign(message)
