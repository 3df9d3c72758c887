"""The fast expansion path gives byte-identical canonical N-Quads to pyld's."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from badge_samples import VALID_FROM, make_badge, signed_status_list
from generated import KEY, credentials
from hypothesis import given, settings
from pyld import jsonld

from badges import canonical, expansion
from badges.canonical import canonicalize
from badges.documents import document_loader


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


def fast_path_taken(document: dict[str, Any]) -> bool:
    prepared = canonical.prepare_document(document)
    processor = canonical._SafeProcessor(on_property_dropped=canonical._raise_dropped)
    try:
        expansion.document_quads(
            prepared, processor, canonical._options(), canonical._check_expanded
        )
    except expansion.Unsupported:
        return False
    return True


def assert_same(document: dict[str, Any], *, fast: bool = True) -> None:
    assert fast_path_taken(document) is fast
    assert canonicalize(document) == canonicalize(document, fast=False)
    assert canonicalize(document) == reference(document)


@settings(max_examples=150, deadline=None)
@given(credentials())
def test_generated_credentials_canonicalize_identically_on_both_paths(
    document: dict[str, Any],
) -> None:
    assert_same(document)


def test_spec_vector_status_lists_and_proof_configurations_take_the_fast_path(
    vector_credential: dict[str, Any],
) -> None:
    assert_same({k: v for k, v in vector_credential.items() if k != "proof"})
    options = {k: v for k, v in vector_credential["proof"].items() if k != "proofValue"}
    assert_same({"@context": vector_credential["@context"], **options})
    status_list = signed_status_list(KEY)
    assert_same({k: v for k, v in status_list.items() if k != "proof"})


@pytest.mark.parametrize(
    "extra",
    [
        {
            "@context": [{"ex": "https://example.org/"}],
            "ex:p": {"@value": "x", "@language": "en"},
        },
        {"https://example.org/g": {"@graph": {"https://example.org/p": "o"}}},
        {"https://example.org/l": {"@list": [1, 2]}},
        {"https://example.org/i": {"@id": "https://example.org/x", "@index": "i"}},
    ],
)
def test_features_outside_the_fast_subset_fall_back_to_pyld(
    vector_credential: dict[str, Any], extra: dict[str, Any]
) -> None:
    document = copy.deepcopy(
        {k: v for k, v in vector_credential.items() if k != "proof"}
    )
    if "@context" in extra:
        document["@context"] = [*document["@context"], *extra.pop("@context")]
    document.update(extra)
    assert_same(document, fast=False)


def test_blank_node_ids_lists_and_literals_match(
    vector_credential: dict[str, Any],
) -> None:
    document = {k: v for k, v in vector_credential.items() if k != "proof"}
    document["https://example.org/knows"] = [
        {"@id": "_:a", "https://example.org/knows": {"@id": "_:b"}},
        {"@id": "_:b", "https://example.org/knows": {"@id": "_:a"}},
        {"@id": "_:a"},
    ]
    document["https://example.org/values"] = [
        True,
        7,
        2.5,
        10**22,
        {"@value": "3", "@type": "http://www.w3.org/2001/XMLSchema#double"},
        {"@value": "x", "@type": "http://www.w3.org/2001/XMLSchema#double"},
        {"@value": 4, "@type": "http://www.w3.org/2001/XMLSchema#double"},
        {"@value": "typed", "@type": "https://example.org/dt"},
        {},
    ]
    document["https://example.org/types"] = {"@type": ["_:t", "https://example.org/T"]}
    document["credentialSubject"]["achievement"]["resultDescription"] = [
        {
            "id": "https://example.org/rd",
            "type": ["ResultDescription"],
            "name": "n",
            "resultType": "Status",
            "allowedValue": [],
        }
    ]
    assert_same(document)


def test_value_objects_with_an_array_type_are_refused(
    vector_credential: dict[str, Any],
) -> None:
    document = {k: v for k, v in vector_credential.items() if k != "proof"}
    document["name"] = {"@value": "x", "@type": ["https://example.org/dt"]}
    with pytest.raises(Exception, match='"@type"'):
        canonicalize(document)
    document["name"] = {"@value": "x", "https://example.org/p": "y"}
    with pytest.raises(Exception, match="value object"):
        canonicalize(document)
    document["name"] = {"@value": {"a": 1}}
    with pytest.raises(Exception, match="scalar"):
        canonicalize(document)
    document["name"] = {"@id": 5}
    with pytest.raises(Exception, match="string"):
        canonicalize(document)
    document["name"] = {"@type": [5]}
    with pytest.raises(Exception, match="strings"):
        canonicalize(document)
    document["name"] = {"id": "https://example.org/a", "@id": "https://example.org/b"}
    with pytest.raises(Exception, match="colliding"):
        canonicalize(document)


def test_the_context_memo_is_bounded(
    monkeypatch: pytest.MonkeyPatch, vector_credential: dict[str, Any]
) -> None:
    document = {k: v for k, v in vector_credential.items() if k != "proof"}
    memo = expansion._ContextMemo()
    monkeypatch.setattr(expansion, "_MEMO", memo)
    monkeypatch.setattr(expansion, "_MAX_TRANSITIONS", 1)
    monkeypatch.setattr(expansion, "_MAX_IRIS_PER_CONTEXT", 0)
    assert not fast_path_taken(document)
    assert canonicalize(document) == reference(document)


def test_dates_in_generated_corpus_use_aware_datetimes() -> None:
    assert VALID_FROM.tzinfo is UTC
    assert isinstance(make_badge(KEY).valid_from, datetime)
