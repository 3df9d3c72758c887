"""Embedded Data Integrity proofs: eddsa-rdfc-2022 and legacy Ed25519Signature2020."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from badges.dids import Resolver
from badges.errors import ProofError
from badges.keys import Ed25519KeyPair
from badges.limits import DEFAULT_LIMITS, Limits
from badges.proofs import ed25519_signature_2020, eddsa_rdfc_2022
from badges.proofs.hashing import VerifiedProof, proofs_of

__all__ = ["VerifiedProof", "sign_document", "verify_proofs"]


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


def verify_proofs(
    document: Mapping[str, Any],
    resolver: Resolver,
    limits: Limits = DEFAULT_LIMITS,
) -> list[VerifiedProof]:
    """Verify every embedded proof of ``document``; all must verify.

    Supports DataIntegrityProof with eddsa-rdfc-2022 and Ed25519Signature2020.
    Raises ProofError naming the first proof that is missing, unsupported or
    does not verify.
    """
    try:
        proofs = proofs_of(document)
    except TypeError as exc:
        raise ProofError(str(exc)) from exc
    results: list[VerifiedProof] = []
    for proof in proofs:
        kind = proof.get("type")
        if kind == eddsa_rdfc_2022.PROOF_TYPE:
            results.append(
                eddsa_rdfc_2022.verify_proof(document, proof, resolver, limits)
            )
        elif kind == ed25519_signature_2020.PROOF_TYPE:
            results.append(
                ed25519_signature_2020.verify_proof(document, proof, resolver, limits)
            )
        else:
            raise ProofError(f"unsupported proof type {kind!r}")
    return results
