"""Verification of legacy Ed25519Signature2020 proofs (W3C CCG suite, 2020)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from badges.dids import Resolver
from badges.documents import ED25519_2020
from badges.errors import BadgeError, ProofError
from badges.keys import verify_ed25519
from badges.limits import DEFAULT_LIMITS, Limits
from badges.proofs.hashing import (
    VerifiedProof,
    check_proof_dates,
    decode_proof_value,
    hash_data,
    resolve_key,
    unsecured,
)

PROOF_TYPE = "Ed25519Signature2020"

_PROOF_OPTION_KEYS = frozenset(
    {
        "id",
        "type",
        "created",
        "expires",
        "verificationMethod",
        "proofPurpose",
        "domain",
        "challenge",
        "nonce",
    }
)


def verify_proof(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    resolver: Resolver,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedProof:
    """Verify one Ed25519Signature2020 proof of ``document``.

    Applies the Ed25519Signature2020 suite as jsonld-signatures implements it:
    URDNA2015 (= RDFC-1.0) of the proof options without proofValue and of the
    document without proof, SHA-256 of each, proof first, Ed25519 over both.
    The options take the document's @context; issuers that used the suite
    context alone are accepted too. Raises ProofError otherwise.
    """
    if proof.get("type") != PROOF_TYPE:
        raise ProofError("not an Ed25519Signature2020 proof")
    options = {
        key: value
        for key, value in proof.items()
        if key not in ("proofValue", "@context")
    }
    unknown = set(options) - _PROOF_OPTION_KEYS
    if unknown:
        raise ProofError(f"the proof has unexpected properties: {sorted(unknown)}")
    created = check_proof_dates(options)
    method = options.get("verificationMethod")
    purpose = options.get("proofPurpose")
    if not isinstance(method, str) or not isinstance(purpose, str):
        raise ProofError("the proof needs a verificationMethod and a proofPurpose")
    signature = decode_proof_value(proof.get("proofValue"))
    key = resolve_key(resolver, method)
    payload = unsecured(document)
    failures: list[str] = []
    for context in (document.get("@context"), ED25519_2020):
        try:
            data = hash_data({"@context": context, **options}, payload, limits)
        except BadgeError as exc:
            failures.append(str(exc))
            continue
        if verify_ed25519(key.public_key, signature, data):
            return VerifiedProof(PROOF_TYPE, key, purpose, created)
        failures.append("the signature does not match the credential")
    raise ProofError("; ".join(dict.fromkeys(failures)))
