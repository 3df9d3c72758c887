"""Hostile input never crashes verification and is refused quickly."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from badge_samples import VALID_FROM, make_badge

from badges.dids import Resolver
from badges.keys import Ed25519KeyPair
from badges.limits import Limits
from badges.proofs import sign_document
from badges.verify import VerificationReport, verify_credential

QUICK = 2.0  # seconds; each case below is refused in well under this


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def timed_verify(data: Any, **kwargs: Any) -> tuple[VerificationReport, float]:
    started = time.monotonic()
    report = verify_credential(
        data, resolver=Resolver(), status_fetcher=None, now=VALID_FROM, **kwargs
    )
    return report, time.monotonic() - started


def poison_credential(key: Ed25519KeyPair, size: int) -> dict[str, Any]:
    """A signed credential whose subject carries a clique of blank nodes."""
    document = make_badge(key).to_json()
    knows = "https://example.org/vocab#knows"
    document["credentialSubject"]["https://example.org/vocab#group"] = [
        {"@id": f"_:n{a}", knows: [{"@id": f"_:n{b}"} for b in range(size) if b != a]}
        for a in range(size)
    ]
    return document


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ("[" * 200_000, "neither JSON"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "nested too deeply"),
        ('{"a": [' + "1," * 600_000 + "1]}", "larger than"),
        (b"\x00" * 3_000_000, "larger than"),
        ("e" * 50 + "." + "A" * 3_000_000 + ".AA", "larger than"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20_000_000, "more than"),
        ({"a": nested(60)}, "nested more than"),
        ({"a": list(range(30_000))}, "more than 20000 JSON values"),
        ('{"@context": 1e999}', "too large for a JSON number"),
    ],
)
def test_huge_or_deep_input_is_refused_quickly(data: Any, detail: str) -> None:
    report, elapsed = timed_verify(data)
    assert not report.verified
    assert detail in report.check("structure").detail
    assert elapsed < QUICK


def test_a_poison_blank_node_graph_is_refused_quickly(
    issuer_key: Ed25519KeyPair,
) -> None:
    document = poison_credential(issuer_key, 14)
    # A well-meaning signer would hit the same bound; forge a proof-shaped object.
    document["proof"] = [
        {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2026-11-25T12:00:00Z",
            "verificationMethod": issuer_key.did_key_verification_method,
            "proofPurpose": "assertionMethod",
            "proofValue": "z" + "1" * 64,
        }
    ]
    report, elapsed = timed_verify(document)
    assert not report.verified
    detail = report.check("proof").detail
    assert "deep iterations" in detail or "permutations" in detail or "longer" in detail
    assert elapsed < QUICK


def test_a_small_symmetric_graph_still_signs_and_verifies(
    issuer_key: Ed25519KeyPair,
) -> None:
    document = poison_credential(issuer_key, 3)
    signed = sign_document(document, issuer_key, issuer_key.did_key_verification_method)
    report, _ = timed_verify(signed)
    assert report.check("proof").passed, report.check("proof").detail


def test_too_many_blank_nodes_are_refused(issuer_key: Ed25519KeyPair) -> None:
    document = make_badge(issuer_key).to_json()
    document["evidence"] = [
        {"type": ["Evidence"], "name": f"item {n}"} for n in range(60)
    ]
    signed = sign_document(document, issuer_key, issuer_key.did_key_verification_method)
    report, elapsed = timed_verify(signed, limits=Limits(max_blank_nodes=50))
    assert "blank nodes" in report.check("proof").detail
    assert elapsed < QUICK


@pytest.mark.parametrize(
    "mangle",
    [
        lambda d: d.update(type={"VerifiableCredential": True}),
        lambda d: d.update(issuer=["did:example:1"]),
        lambda d: d.update(credentialSubject="me"),
        lambda d: d.update(validFrom=20261125),
        lambda d: d.update(proof=[1, 2]),
        lambda d: d.update(proof={"type": None}),
        lambda d: d["proof"][0].update(verificationMethod=["x"]),
        lambda d: d["proof"][0].update(proofValue=123),
        lambda d: d["proof"][0].update(created=5),
        lambda d: d.update(credentialStatus={"type": "BitstringStatusListEntry"}),
        lambda d: d.update(credentialStatus=7),
        lambda d: d.update({"@context": [*d["@context"], 5]}),
        lambda d: d.update({"@context": [*d["@context"], {"@vocab": 5}]}),
        lambda d: d["credentialSubject"].update(identifier="x"),
        lambda d: d.update(name="\ud800"),
        lambda d: d.update(name="\x00\x01\x02"),
        lambda d: d["issuer"].update(id="did:key:" + "z" * 10_000),
    ],
)
def test_wrong_types_anywhere_give_a_report_not_an_exception(
    issuer_key: Ed25519KeyPair, mangle: Any
) -> None:
    document = make_badge(issuer_key).to_json()
    signed = sign_document(document, issuer_key, issuer_key.did_key_verification_method)
    mangle(signed)
    report, elapsed = timed_verify(signed)
    assert not report.verified
    assert elapsed < QUICK
    json.dumps(report.to_json())


def test_a_fetcher_returning_junk_is_a_failed_check(issuer_key: Ed25519KeyPair) -> None:
    from badge_samples import signed_badge

    for junk in (b"\xff", "not json", {"id": {1, 2}}, ["x"] * 30_000):
        report = verify_credential(
            signed_badge(issuer_key),
            resolver=Resolver(),
            status_fetcher=lambda url, junk=junk: junk,
            now=VALID_FROM,
        )
        assert not report.check("status").passed
