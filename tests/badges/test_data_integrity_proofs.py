"""Data Integrity proofs: the OB 3.0 test vector, signing, and refusing forgeries."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from badge_samples import SPEC_SEED, make_badge

from badges.canonical import canonicalize
from badges.dates import parse_date_time
from badges.dids import Resolver
from badges.documents import ED25519_2020
from badges.errors import ProofError, UndefinedTermError
from badges.keys import Ed25519KeyPair
from badges.multibase import multibase_base58btc_encode
from badges.proofs import sign_document, verify_proofs
from badges.proofs.eddsa_rdfc_2022 import create_proof
from badges.proofs.hashing import hash_data, unsecured

# SHA-256 of ob_v3p0/impl/test-vectors/obv3p0/proof-canon.txt (1EdTech repository).
VECTOR_PROOF_CANON_SHA256 = (
    "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
)
CREATED = datetime(2026, 11, 25, 12, 0, 5, tzinfo=UTC)


@pytest.fixture
def signed(issuer_key: Ed25519KeyPair) -> dict[str, Any]:
    return sign_document(
        make_badge(issuer_key).to_json(),
        issuer_key,
        issuer_key.did_key_verification_method,
        created=CREATED,
    )


def test_spec_vector_proof_is_reproduced_byte_for_byte(
    vector_credential: dict[str, Any],
) -> None:
    key = Ed25519KeyPair.from_seed(SPEC_SEED)
    published = vector_credential["proof"]
    proof = create_proof(
        unsecured(vector_credential),
        key,
        published["verificationMethod"],
        created=parse_date_time(published["created"]),
    )
    assert proof == published
    assert proof["proofValue"] == (
        "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35"
        "HcbgXVEDYHxCzgkCr"
    )


def test_spec_vector_proof_configuration_canonicalizes_as_published(
    vector_credential: dict[str, Any],
) -> None:
    options = {k: v for k, v in vector_credential["proof"].items() if k != "proofValue"}
    canonical = canonicalize({"@context": vector_credential["@context"], **options})
    assert hashlib.sha256(canonical.encode()).hexdigest() == VECTOR_PROOF_CANON_SHA256


def test_spec_vector_verifies_with_its_controller_document(
    vector_credential: dict[str, Any], vector_controller: dict[str, Any]
) -> None:
    fetched: list[str] = []

    def fetch(url: str) -> dict[str, Any]:
        fetched.append(url)
        return vector_controller

    [result] = verify_proofs(vector_credential, Resolver(fetch))
    assert fetched == ["https://example.edu/issuers/565049"]
    assert result.key.controller == vector_credential["issuer"]["id"]
    assert result.purpose == "assertionMethod"
    assert result.created == datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC)


def test_signed_badge_verifies_and_keeps_proof_as_a_list(
    signed: dict[str, Any], issuer_key: Ed25519KeyPair
) -> None:
    assert isinstance(signed["proof"], list)
    [proof] = signed["proof"]
    assert proof["created"] == "2026-11-25T12:00:05Z"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    [result] = verify_proofs(signed, Resolver())
    assert result.key.public_key == issuer_key.public_key_bytes
    assert result.proof_type == "DataIntegrityProof (eddsa-rdfc-2022)"


def test_signing_is_deterministic_and_defaults_created_to_now(
    issuer_key: Ed25519KeyPair,
) -> None:
    document = make_badge(issuer_key).to_json()
    method = issuer_key.did_key_verification_method
    first = sign_document(document, issuer_key, method, created=CREATED)
    second = sign_document(document, issuer_key, method, created=CREATED)
    assert first == second
    fresh = sign_document(document, issuer_key, method)
    created = parse_date_time(fresh["proof"][0]["created"])
    assert abs((datetime.now(UTC) - created).total_seconds()) < 5


def test_reserialized_credentials_still_verify(signed: dict[str, Any]) -> None:
    text = json.dumps(signed, sort_keys=True, indent=7, ensure_ascii=True)
    verify_proofs(json.loads(text), Resolver())
    reordered = dict(reversed(list(signed.items())))
    verify_proofs(reordered, Resolver())


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda d: d.update(name="Another badge"), "does not match"),
        (lambda d: d["credentialSubject"].update(creditsEarned=30), "does not match"),
        (lambda d: d["issuer"].update(name="Evil"), "does not match"),
        (
            lambda d: d["proof"][0].update(created="2026-11-25T12:00:06Z"),
            "does not match",
        ),
        (
            lambda d: d["proof"][0].update(proofPurpose="authentication"),
            "does not match",
        ),
        (lambda d: d["proof"][0].update(created="yesterday"), "malformed date"),
        (lambda d: d["proof"][0].update(expires="never"), "malformed date"),
        (lambda d: d["proof"][0].update(nonce="x"), "does not match"),
        (lambda d: d["proof"][0].update(extra="x"), "unexpected properties"),
        (lambda d: d["proof"][0].update(proofValue="u" + "A" * 86), "base58btc"),
        (
            lambda d: d["proof"][0].update(proofValue=multibase_base58btc_encode(b"x")),
            "64-byte",
        ),
        (lambda d: d["proof"][0].pop("proofPurpose"), "proofPurpose"),
        (lambda d: d["proof"][0].update(type="BbsProof"), "unsupported proof type"),
        (
            lambda d: d["proof"][0].update(cryptosuite="ecdsa-rdfc-2019"),
            "unsupported proof type",
        ),
        (
            lambda d: d["proof"][0].update(
                verificationMethod=Ed25519KeyPair.generate().did_key_verification_method
            ),
            "does not match",
        ),
        (
            lambda d: d["proof"][0].update(verificationMethod="did:web:evil.example#k"),
            "cannot be resolved",
        ),
        (lambda d: d.pop("proof"), "no proof"),
        (lambda d: d.update(proof=[]), "no proof"),
        (lambda d: d.update(proof="z123"), "no proof"),
        (lambda d: d.update(favourite="x"), "cannot be canonicalized"),
        (lambda d: d["proof"].append(copy.deepcopy(d["proof"][0])), None),
        (
            lambda d: d["proof"][0].update({"@context": ["https://example.org/other"]}),
            "not a prefix",
        ),
    ],
)
def test_any_change_to_a_signed_credential_is_refused(
    signed: dict[str, Any], tamper: Any, message: str | None
) -> None:
    tampered = copy.deepcopy(signed)
    tamper(tampered)
    if message is None:  # a duplicated valid proof is still valid
        assert len(verify_proofs(tampered, Resolver())) == 2
        return
    with pytest.raises(ProofError, match=message):
        verify_proofs(tampered, Resolver())


def test_proof_context_may_repeat_the_document_context(signed: dict[str, Any]) -> None:
    with_context = copy.deepcopy(signed)
    with_context["proof"][0]["@context"] = signed["@context"][:2]
    verify_proofs(with_context, Resolver())
    single = copy.deepcopy(signed)
    single["proof"] = single["proof"][0]
    single["proof"]["@context"] = signed["@context"][0]
    verify_proofs(single, Resolver())


def test_signing_refuses_signed_or_contextless_documents(
    signed: dict[str, Any], issuer_key: Ed25519KeyPair
) -> None:
    method = issuer_key.did_key_verification_method
    with pytest.raises(ProofError, match="already has a proof"):
        sign_document(signed, issuer_key, method)
    with pytest.raises(ProofError, match="@context"):
        sign_document({"name": "x"}, issuer_key, method)


def test_signing_refuses_undefined_terms(issuer_key: Ed25519KeyPair) -> None:
    document = make_badge(issuer_key).to_json()
    document["credentialSubject"]["favouriteColour"] = "red"
    with pytest.raises(UndefinedTermError):
        sign_document(document, issuer_key, issuer_key.did_key_verification_method)


def legacy_proof(
    document: dict[str, Any], key: Ed25519KeyPair, context: Any
) -> dict[str, Any]:
    """An Ed25519Signature2020 proof made the way jsonld-signatures makes it."""
    options = {
        "type": "Ed25519Signature2020",
        "created": "2026-11-25T12:00:00Z",
        "verificationMethod": key.did_key_verification_method,
        "proofPurpose": "assertionMethod",
    }
    data = hash_data({"@context": context, **options}, document)
    return {**options, "proofValue": multibase_base58btc_encode(key.sign(data))}


def test_ed25519_signature_2020_proofs_verify(issuer_key: Ed25519KeyPair) -> None:
    document = make_badge(issuer_key, include_schema=False).to_json()
    document["@context"].append(ED25519_2020)
    for context in (document["@context"], ED25519_2020):
        secured = {**document, "proof": legacy_proof(document, issuer_key, context)}
        [result] = verify_proofs(secured, Resolver())
        assert result.proof_type == "Ed25519Signature2020"
        tampered = {**secured, "name": "Other"}
        with pytest.raises(ProofError, match="does not match"):
            verify_proofs(tampered, Resolver())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"extra": 1}, "unexpected properties"),
        ({"proofPurpose": None}, "proofPurpose"),
        ({"created": "soon"}, "malformed date"),
    ],
)
def test_malformed_ed25519_signature_2020_proofs_are_refused(
    issuer_key: Ed25519KeyPair, change: dict[str, Any], message: str
) -> None:
    document = make_badge(issuer_key, include_schema=False).to_json()
    proof = legacy_proof(document, issuer_key, ED25519_2020)
    proof.update(change)
    proof = {k: v for k, v in proof.items() if v is not None}
    with pytest.raises(ProofError, match=message):
        verify_proofs({**document, "proof": proof}, Resolver())


def test_ed25519_signature_2020_needs_definable_terms(
    issuer_key: Ed25519KeyPair,
) -> None:
    document = make_badge(issuer_key, include_schema=False).to_json()
    proof = legacy_proof(document, issuer_key, ED25519_2020)
    document["undefinedTerm"] = 1
    with pytest.raises(ProofError, match="not defined"):
        verify_proofs({**document, "proof": proof}, Resolver())
