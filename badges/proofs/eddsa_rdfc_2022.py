"""The eddsa-rdfc-2022 cryptosuite (W3C vc-di-eddsa §3.3): create and verify proofs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from badges.dates import format_date_time
from badges.dids import Resolver
from badges.errors import BadgeError, ProofError
from badges.keys import Ed25519KeyPair, verify_ed25519
from badges.limits import DEFAULT_LIMITS, Limits
from badges.multibase import multibase_base58btc_encode
from badges.proofs.hashing import (
    VerifiedProof,
    check_proof_dates,
    decode_proof_value,
    hash_data,
    resolve_key,
    unsecured,
)

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"

# DI 1.0 §2.1 proof properties that may appear in a proof configuration.
_PROOF_OPTION_KEYS = frozenset(
    {
        "id",
        "type",
        "cryptosuite",
        "created",
        "expires",
        "verificationMethod",
        "proofPurpose",
        "domain",
        "challenge",
        "nonce",
        "previousProof",
    }
)


def create_proof(
    document: Mapping[str, Any],
    key: Ed25519KeyPair,
    verification_method: str,
    *,
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Return the eddsa-rdfc-2022 DataIntegrityProof of ``document``.

    ``challenge`` and ``domain`` (DI 1.0 §2.1), when given, become proof options
    and so are signed too: a holder's authentication proof binds them.

    Applies vc-di-eddsa §3.3.1-§3.3.6: proof options {type, cryptosuite,
    created, verificationMethod, proofPurpose} with the document's @context
    are canonicalized (RDFC-1.0) and hashed, then the document without proof;
    the Ed25519 signature of both hashes is the proofValue (multibase
    base58btc). Raises ProofError when the document has no @context and the
    canonical module's errors when it cannot be canonicalized safely.
    """
    if "@context" not in document:
        raise ProofError("a document to sign needs an @context")
    moment = created or datetime.now(UTC).replace(microsecond=0)
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_date_time(moment),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    config = {"@context": document["@context"], **options}
    signature = key.sign(hash_data(config, unsecured(document), limits))
    return {**options, "proofValue": multibase_base58btc_encode(signature)}


def verify_proof(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    resolver: Resolver,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedProof:
    """Verify one eddsa-rdfc-2022 proof of ``document`` (vc-di-eddsa §3.3.2).

    The proof configuration is the proof without proofValue, with the
    document's @context (or its own, which must then be a prefix of the
    document's, per DI 1.0 §4.4). Raises ProofError when the proof is
    malformed, its key cannot be resolved or the signature does not match.
    """
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError("not an eddsa-rdfc-2022 DataIntegrityProof")
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    unknown = set(options) - _PROOF_OPTION_KEYS - {"@context"}
    if unknown:
        raise ProofError(f"the proof has unexpected properties: {sorted(unknown)}")
    context = document.get("@context")
    if "@context" in options:
        own = options["@context"]
        own_list = own if isinstance(own, list) else [own]
        doc_list = context if isinstance(context, list) else [context]
        if doc_list[: len(own_list)] != own_list:
            raise ProofError("the proof's @context is not a prefix of the document's")
    options["@context"] = context
    created = check_proof_dates(options)
    method = options.get("verificationMethod")
    purpose = options.get("proofPurpose")
    if not isinstance(method, str) or not isinstance(purpose, str):
        raise ProofError("the proof needs a verificationMethod and a proofPurpose")
    signature = decode_proof_value(proof.get("proofValue"))
    key = resolve_key(resolver, method)
    try:
        data = hash_data(options, unsecured(document), limits)
        valid = verify_ed25519(key.public_key, signature, data)
    except BadgeError as exc:
        raise ProofError(f"the signed data cannot be canonicalized: {exc}") from exc
    if not valid:
        raise ProofError("the signature does not match the credential")
    return VerifiedProof(f"{PROOF_TYPE} ({CRYPTOSUITE})", key, purpose, created)
