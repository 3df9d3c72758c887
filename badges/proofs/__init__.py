"""Embedded Data Integrity proofs: eddsa-rdfc-2022 and legacy Ed25519Signature2020."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from badges.dids import Resolver
from badges.errors import ProofError
from badges.keys import Ed25519KeyPair
from badges.limits import DEFAULT_LIMITS, Limits
from badges.proofs import ed25519_signature_2020, eddsa_rdfc_2022
from badges.proofs.hashing import VerifiedProof, proofs_of

__all__ = [
    "ProofSetResult",
    "VerifiedProof",
    "is_supported",
    "sign_document",
    "verify_proof_set",
    "verify_proofs",
]


def sign_document(
    document: Mapping[str, Any],
    key: Ed25519KeyPair,
    verification_method: str,
    *,
    created: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Return a copy of ``document`` secured with one eddsa-rdfc-2022 proof.

    Applies DI 1.0 §4.2 (Add Proof) with vc-di-eddsa §3.3; ``proof`` is a list
    of one, as the strict OB 3.0 schema wants. Raises ProofError when the
    document is already signed, and the canonical module's errors when it
    cannot be canonicalized in safe mode (an undefined term, a relative IRI...).
    """
    if "proof" in document:
        raise ProofError("the document already has a proof")
    proof = eddsa_rdfc_2022.create_proof(
        document, key, verification_method, created=created, limits=limits
    )
    return {**document, "proof": [proof]}


def is_supported(proof: Mapping[str, Any]) -> bool:
    """Tell whether this library can verify ``proof``: an eddsa-rdfc-2022
    DataIntegrityProof or an Ed25519Signature2020."""
    kind = proof.get("type")
    if kind == eddsa_rdfc_2022.PROOF_TYPE:
        return proof.get("cryptosuite") == eddsa_rdfc_2022.CRYPTOSUITE
    return kind == ed25519_signature_2020.PROOF_TYPE


@dataclass(frozen=True)
class ProofSetResult:
    """What became of each proof of a document's proof set."""

    verified: list[VerifiedProof]
    failed: list[ProofError]
    unsupported: list[str]


def verify_proofs(
    document: Mapping[str, Any],
    resolver: Resolver,
    limits: Limits = DEFAULT_LIMITS,
) -> list[VerifiedProof]:
    """Verify ``document``'s proof set (see verify_proof_set); return the proofs
    that verified. Raises ProofError when none did."""
    return verify_proof_set(document, resolver, limits).verified


def verify_proof_set(
    document: Mapping[str, Any],
    resolver: Resolver,
    limits: Limits = DEFAULT_LIMITS,
) -> ProofSetResult:
    """Verify every embedded proof of ``document`` that this library supports.

    Supports DataIntegrityProof with eddsa-rdfc-2022 and Ed25519Signature2020;
    proofs of other kinds are listed as unsupported and otherwise ignored, as
    VC Data Integrity (§4.3, proof sets) and OB 3.0 allow: one valid proof is
    enough. Raises ProofError when no proof is present or supported, or when
    no supported proof verifies (naming why the first one failed).
    """
    try:
        proofs = proofs_of(document)
    except TypeError as exc:
        raise ProofError(str(exc), "proof_missing") from exc
    verified: list[VerifiedProof] = []
    failed: list[ProofError] = []
    unsupported: list[str] = []
    for proof in proofs:
        if not is_supported(proof):
            unsupported.append(_describe(proof))
            continue
        try:
            if proof.get("type") == eddsa_rdfc_2022.PROOF_TYPE:
                result = eddsa_rdfc_2022.verify_proof(document, proof, resolver, limits)
            else:
                result = ed25519_signature_2020.verify_proof(
                    document, proof, resolver, limits
                )
        except ProofError as exc:
            failed.append(exc)
            continue
        verified.append(result)
    if not verified:
        if failed:
            raise failed[0]
        raise ProofError(
            f"unsupported proof type {', '.join(unsupported)}", "proof_missing"
        )
    return ProofSetResult(verified, failed, unsupported)


def _describe(proof: Mapping[str, Any]) -> str:
    kind = proof.get("type")
    suite = proof.get("cryptosuite")
    return repr(f"{kind} ({suite})" if suite else kind)
