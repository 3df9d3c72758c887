"""What the Ed25519 suites share: the hash they sign and the proof fields they read."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cachetools import LRUCache

from badges.canonical import canonicalize
from badges.dates import parse_date_time
from badges.dids import Resolver, VerificationKey
from badges.errors import BadgeError, KeyFormatError, ProofError
from badges.limits import DEFAULT_LIMITS, Limits
from badges.multibase import multibase_base58btc_decode


@dataclass(frozen=True)
class VerifiedProof:
    """A proof whose signature verified, and what it says about its key."""

    proof_type: str
    key: VerificationKey
    purpose: str
    created: datetime | None


def hash_data(
    proof_config: Mapping[str, Any],
    unsecured_document: Mapping[str, Any],
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    """Return SHA-256(canonical proof config) || SHA-256(canonical document).

    Applies vc-di-eddsa §3.3.4 (Hashing, eddsa-rdfc-2022), which the 2020
    suite's jsonld-signatures implementation shares. Raises the canonical
    module's errors (InputLimitError, UndefinedTermError, ...).
    """
    config_hash = _config_hash(proof_config, limits)
    document_hash = hashlib.sha256(
        canonicalize(unsecured_document, limits).encode("utf-8")
    ).digest()
    return config_hash + document_hash


# Proof configuration hashes by the configuration's JSON: every credential a key
# signs in a day (and every proof a verifier checks from that key and day) has
# the same configuration (@context, type, cryptosuite, created, method, purpose),
# so its canonical form is computed once. Only successes are kept; bounded.
_CONFIG_HASHES: LRUCache[tuple[str, Limits], bytes] = LRUCache(maxsize=1024)
_CONFIG_HASHES_LOCK = threading.Lock()


def _config_hash(proof_config: Mapping[str, Any], limits: Limits) -> bytes:
    try:
        key = (json.dumps(proof_config, sort_keys=True, allow_nan=False), limits)
    except (TypeError, ValueError, RecursionError):
        key = None  # not plain JSON: canonicalize says why
    if key is not None:
        with _CONFIG_HASHES_LOCK:
            found = _CONFIG_HASHES.get(key)
        if found is not None:
            return found
    digest = hashlib.sha256(canonicalize(proof_config, limits).encode("utf-8")).digest()
    if key is not None:
        with _CONFIG_HASHES_LOCK:
            _CONFIG_HASHES[key] = digest
    return digest


def unsecured(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return the document without its ``proof`` (the unsecured data document)."""
    return {key: value for key, value in document.items() if key != "proof"}


def proofs_of(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Return the document's proofs as a list (``proof`` may be one or a set).

    Raises TypeError when ``proof`` is missing or is not an object or a list of
    objects.
    """
    proof = document.get("proof")
    if isinstance(proof, Mapping):
        return [proof]
    if isinstance(proof, list) and proof and all(isinstance(p, Mapping) for p in proof):
        return list(proof)
    raise TypeError("the credential has no proof object")


def check_proof_dates(options: Mapping[str, Any]) -> datetime | None:
    """Parse a proof's created (returned) and expires strictly.

    Raises ProofError for a malformed date (DI 1.0 §2.1: dateTimeStamp).
    """
    try:
        created = parse_date_time(options["created"]) if "created" in options else None
        if "expires" in options:
            parse_date_time(options["expires"])
    except ValueError as exc:
        raise ProofError(f"the proof has a malformed date: {exc}") from exc
    return created


def decode_proof_value(proof_value: Any) -> bytes:
    """Decode a multibase base58btc proofValue holding an Ed25519 signature.

    Raises ProofError for another encoding or a length other than 64 bytes.
    """
    try:
        signature = multibase_base58btc_decode(proof_value)
    except KeyFormatError as exc:
        raise ProofError(f"proofValue is not multibase base58btc: {exc}") from exc
    if len(signature) != 64:
        raise ProofError("proofValue is not a 64-byte Ed25519 signature")
    return signature


def resolve_key(resolver: Resolver, method: str) -> VerificationKey:
    """Resolve a proof's verificationMethod; raises ProofError when it cannot."""
    try:
        return resolver.resolve(method)
    except BadgeError as exc:
        raise ProofError(f"the signing key cannot be resolved: {exc}") from exc
