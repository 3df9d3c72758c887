"""Edge cases of each module that the feature tests do not reach on their own."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from badge_samples import VALID_FROM, make_badge, signed_badge, signed_status_list
from cachetools import LRUCache
from PIL import Image as PillowImage
from pyld import jsonld

from badges import verify as verify_module
from badges.baking import extract_png
from badges.canonical import canonicalize
from badges.dids import Resolver, did_key_document
from badges.documents import CREDENTIALS_V2, document_loader
from badges.errors import (
    BakingError,
    InputLimitError,
    ProofError,
    ResolutionError,
    UndefinedTermError,
)
from badges.keys import Ed25519KeyPair
from badges.limits import Limits, parse_json_text
from badges.proofs import ed25519_signature_2020
from badges.rdfc import canonicalize_quads, iri_term
from badges.schema import schema_errors
from badges.verify import verify_credential


def reference(document: dict[str, Any]) -> str:
    result: str = jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
        },
    )
    return result


def both_paths(document: dict[str, Any]) -> str:
    fast = canonicalize(document)
    assert fast == canonicalize(document, fast=False) == reference(document)
    return fast


@pytest.mark.parametrize(
    "document",
    [
        {"@context": [CREDENTIALS_V2]},
        {"@context": [CREDENTIALS_V2], "id": "https://example.org/only-an-id"},
        {
            "@context": [CREDENTIALS_V2],
            "type": ["VerifiableCredential"],
            "name": [["nested", "arrays"], "flatten"],
        },
        {
            "@context": [
                CREDENTIALS_V2,
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "type": ["Achievement"],
            "resultDescription": [
                {
                    "id": "https://example.org/rd",
                    "type": ["ResultDescription"],
                    "allowedValue": [["a"], "b"],
                }
            ],
        },
        {
            "@context": [CREDENTIALS_V2],
            "type": ["VerifiableCredential"],
            "credentialSchema": {
                "id": "https://example.org/schema",
                "type": "JsonSchema",
                "jsonSchema": {"type": "object", "b": [1, 2.5], "a": True},
            },
        },
        {
            "@context": [CREDENTIALS_V2],
            "type": ["VerifiableCredential"],
            "credentialStatus": {
                "id": "https://example.org/status#1",
                "type": "BitstringStatusListEntry",
                "statusMessage": [{"status": "0x1", "message": "revoked"}],
            },
        },
    ],
)
def test_edge_documents_canonicalize_identically_on_both_paths(
    document: dict[str, Any],
) -> None:
    both_paths(document)


def test_did_documents_and_signed_credentials_canonicalize_identically(
    issuer_key: Ed25519KeyPair,
) -> None:
    document = did_key_document(issuer_key.did_key)
    document["service"] = [
        {
            "id": f"{issuer_key.did_key}#s",
            "type": "https://e.org/Service",
            "serviceEndpoint": "https://pdhub.example",
        }
    ]
    both_paths(document)
    both_paths(signed_badge(issuer_key))


def test_value_objects_with_two_types_are_refused() -> None:
    document = {
        "@context": [CREDENTIALS_V2],
        "name": {"@value": "x", "@type": "https://e.org/a", "type": "https://e.org/b"},
    }
    with pytest.raises(Exception, match="one @type"):
        canonicalize(document)


@pytest.mark.parametrize("fast", [True, False])
def test_both_paths_refuse_undefined_and_blank_node_terms(
    vector_credential: dict[str, Any], fast: bool
) -> None:
    document = {k: v for k, v in vector_credential.items() if k != "proof"}
    with pytest.raises(UndefinedTermError):
        canonicalize({**document, "undefinedTerm": 1}, fast=fast)
    with pytest.raises(UndefinedTermError, match="absolute IRI"):
        canonicalize({**document, "_:blank": 1}, fast=fast)
    spaced_datatype = {
        **document,
        "name": {"@value": "x", "@type": "https://e.org/a<b>"},
    }
    with pytest.raises(UndefinedTermError, match="datatype"):
        canonicalize(spaced_datatype, fast=fast)


def test_rdfc_skips_nodes_issued_by_an_earlier_group() -> None:
    p, q = iri_term("https://e.org/p"), iri_term("https://e.org/q")
    quads = [
        ("_:x1", p, "_:y1", ""),
        ("_:x2", p, "_:y2", ""),
        ("_:y1", q, '"leaf"', ""),
        ("_:y2", q, '"leaf"', ""),
    ]
    canonical = canonicalize_quads(quads)
    assert canonical.count("_:c14n") == 6


@pytest.mark.parametrize(
    "limits",
    [Limits(max_deep_iterations=1), Limits(max_permutations=1)],
)
def test_each_rdfc_budget_is_enforced(limits: Limits) -> None:
    knows = iri_term("https://e.org/knows")
    clique = [
        (f"_:n{a}", knows, f"_:n{b}", "") for a in range(4) for b in range(4) if a != b
    ]
    with pytest.raises(InputLimitError):
        canonicalize_quads(clique, limits)


def test_json_text_over_the_size_bound_is_refused() -> None:
    with pytest.raises(InputLimitError, match="bytes"):
        parse_json_text("[" + "1," * 100 + "1]", Limits(max_bytes=50))


def test_a_png_cut_inside_a_chunk_header_is_refused() -> None:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (2, 2)).save(buffer, format="PNG")
    with pytest.raises(BakingError, match="inside a chunk header"):
        extract_png(buffer.getvalue()[:37])


def test_resolver_edge_failures(issuer_key: Ed25519KeyPair) -> None:
    with pytest.raises(ResolutionError, match="cannot resolve"):
        Resolver().controller_document("did:key:zBAD")
    resolver = Resolver(lambda url: b"x" * 100, limits=Limits(max_bytes=10))
    with pytest.raises(ResolutionError, match="more than the 10 allowed"):
        resolver.resolve("did:web:example.org#k")


def test_the_legacy_suite_refuses_other_proof_types(issuer_key: Ed25519KeyPair) -> None:
    with pytest.raises(ProofError, match="not an Ed25519Signature2020"):
        ed25519_signature_2020.verify_proof(
            {}, {"type": "DataIntegrityProof"}, Resolver()
        )


def test_long_schema_messages_are_shortened(vector_credential: dict[str, Any]) -> None:
    vector_credential["credentialSubject"]["achievement"]["image"] = {
        "id": "https://e.org/i.png",
        "type": "Image",
        "x" * 300: 1,
    }
    problems = schema_errors(
        {k: v for k, v in vector_credential.items() if k != "proof"}
    )
    assert any(len(p) < 260 and p.endswith("...") for p in problems)


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        (RecursionError("deep"), "the input is nested too deeply"),
        (RuntimeError("boom"), "unexpected RuntimeError: boom"),
    ],
)
def test_unexpected_failures_inside_a_check_become_failed_checks(
    monkeypatch: pytest.MonkeyPatch,
    issuer_key: Ed25519KeyPair,
    error: Exception,
    detail: str,
) -> None:
    def explode(document: Any) -> list[str]:
        raise error

    monkeypatch.setattr(verify_module, "schema_errors", explode)
    report = verify_credential(
        make_badge(issuer_key).to_json(), resolver=Resolver(), status_fetcher=None
    )
    assert report.check("schema").detail == detail
    assert not report.verified


def test_the_verified_list_cache_is_bounded(
    monkeypatch: pytest.MonkeyPatch, issuer_key: Ed25519KeyPair
) -> None:
    monkeypatch.setattr(verify_module, "_VERIFIED_LISTS", LRUCache(maxsize=1))
    resolver = Resolver()
    credential = signed_badge(issuer_key)
    for revoked in ((), (1,), ()):
        status_list = signed_status_list(issuer_key, revoked=revoked)
        report = verify_credential(
            credential,
            resolver=resolver,
            status_fetcher=lambda url, status_list=status_list: status_list,
            now=VALID_FROM,
        )
        assert report.verified
    assert len(verify_module._VERIFIED_LISTS) == 1


def test_reports_serialize_even_for_odd_input() -> None:
    report = verify_credential(
        copy.deepcopy({"a": float("inf")}), resolver=Resolver(), status_fetcher=None
    )
    assert "Infinity" in json.dumps(report.to_json())


def test_a_tree_that_prunes_after_recursion_matches_oxigraph() -> None:
    import pyoxigraph as ox

    p = iri_term("https://e.org/p")
    edges = [(0, 1), (1, 2), (2, 3), (3, 4), (2, 5), (1, 6), (4, 7), (5, 8)]
    quads = [(f"_:n{a}", p, f"_:n{b}", "") for a, b in edges]
    quads += [(f"_:n{n}", p, '"1"', "") for n in (0, 4, 7)]
    nquads = "".join(f"{s} {p_} {o} .\n" for s, p_, o, _ in quads)
    dataset = ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    text = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).decode()
    expected = "".join(sorted(line + "\n" for line in text.split("\n") if line))
    assert canonicalize_quads(quads) == expected
