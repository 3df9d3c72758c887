"""Canonical N-Quads: RDFC-1.0 output, safe-mode refusals and bounded work."""

from __future__ import annotations

import copy
import hashlib
import time
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld  # type: ignore[import-untyped]

from badges.canonical import canonicalize, prepare_document, to_quads
from badges.documents import document_loader
from badges.errors import (
    CanonicalizationError,
    InputLimitError,
    RelativeIriError,
    UndefinedTermError,
    UnknownDocumentError,
)
from badges.limits import Limits
from badges.rdfc import (
    blank_term,
    canonicalize_quads,
    escape_literal,
    iri_term,
    literal_term,
)

# SHA-256 of ob_v3p0/impl/test-vectors/obv3p0/document-canon.txt in the 1EdTech
# openbadges-specification repository: the canonical form of the worked example.
VECTOR_DOCUMENT_CANON_SHA256 = (
    "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
)


def unsigned(credential: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in credential.items() if key != "proof"}


def pyld_normalize(document: dict[str, Any]) -> str:
    result: str = jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
        },
    )
    return result


def oxigraph_canonical(nquads: str) -> str:
    dataset = ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    text = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).decode()
    # split("\n"), not splitlines(): literals may hold U+2028 or U+0085.
    return "".join(sorted(line + "\n" for line in text.split("\n") if line))


def test_spec_example_canonicalizes_to_the_published_canonical_form(
    vector_credential: dict[str, Any],
) -> None:
    canonical = canonicalize(unsigned(vector_credential))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    assert digest == VECTOR_DOCUMENT_CANON_SHA256
    assert canonical == pyld_normalize(unsigned(vector_credential))


def test_key_order_does_not_change_the_canonical_form(
    vector_credential: dict[str, Any],
) -> None:
    document = unsigned(vector_credential)
    reordered = dict(reversed(list(document.items())))
    assert canonicalize(reordered) == canonicalize(document)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda d: d.update(bogus="x"), UndefinedTermError, "'bogus'"),
        (
            lambda d: d["credentialSubject"].update(favouriteColour="red"),
            UndefinedTermError,
            "favouriteColour",
        ),
        (
            lambda d: d.update(type=["VerifiableCredential", "Nope"]),
            UndefinedTermError,
            "'Nope'",
        ),
        (lambda d: d.update(id="credentials/3527"), RelativeIriError, "3527"),
        (
            lambda d: d["credentialSubject"]["achievement"].update(image="x.png"),
            RelativeIriError,
            "x.png",
        ),
        (lambda d: d.update(name=None), CanonicalizationError, "null"),
        (lambda d: d.update(type=[None]), CanonicalizationError, "null"),
        (lambda d: d.update({"@foo": "x"}), UndefinedTermError, "@foo"),
        (
            lambda d: d.update(name={"@value": "x", "@direction": "rtl"}),
            CanonicalizationError,
            "@direction",
        ),
        (
            lambda d: d.update({"@context": ["https://example.org/ctx.json"]}),
            UnknownDocumentError,
            "not bundled",
        ),
        (
            lambda d: d.update(name={"@value": "x", "@type": "myType"}),
            CanonicalizationError,
            "absolute IRI",
        ),
        (
            lambda d: d.update({"@context": d["@context"] + [{"@version": 2}]}),
            CanonicalizationError,
            "invalid JSON-LD",
        ),
        (
            lambda d: d.update(name={"@value": "x", "@language": "en us"}),
            CanonicalizationError,
            "language",
        ),
    ],
)
def test_safe_mode_refuses_what_a_processor_would_drop_or_guess(
    vector_credential: dict[str, Any], change: Any, error: type[Exception], message: str
) -> None:
    document = copy.deepcopy(unsigned(vector_credential))
    change(document)
    with pytest.raises(error, match=message):
        canonicalize(document)


def test_absolute_iris_and_inline_contexts_are_accepted(
    vector_credential: dict[str, Any],
) -> None:
    document = copy.deepcopy(unsigned(vector_credential))
    document["https://example.org/terms#extra"] = "explicit IRI"
    document["@context"] = [*document["@context"], {"ex": "https://example.org/t#"}]
    document["ex:more"] = 1
    canonical = canonicalize(document)
    assert '<https://example.org/terms#extra> "explicit IRI"' in canonical
    assert (
        '<https://example.org/t#more> "1"^^<http://www.w3.org/2001/XMLSchema#integer>'
        in canonical
    )


def test_a_document_must_be_a_json_object() -> None:
    with pytest.raises(TypeError):
        prepare_document(["not", "an", "object"])  # type: ignore[arg-type]


def test_deep_documents_are_refused(vector_credential: dict[str, Any]) -> None:
    document = unsigned(vector_credential)
    nested: dict[str, Any] = {"narrative": "leaf"}
    for _ in range(60):
        nested = {"narrative": nested}
    document["credentialSubject"]["achievement"]["criteria"] = nested
    with pytest.raises(InputLimitError, match="nested"):
        canonicalize(document)


def test_documents_with_too_many_values_are_refused(
    vector_credential: dict[str, Any],
) -> None:
    document = unsigned(vector_credential)
    document["name"] = ["x"] * 30_000
    with pytest.raises(InputLimitError, match="JSON values"):
        canonicalize(document)


def test_documents_with_too_many_quads_are_refused(
    vector_credential: dict[str, Any],
) -> None:
    document = unsigned(vector_credential)
    document["name"] = [f"name {n}" for n in range(50)]
    with pytest.raises(InputLimitError, match="quads"):
        canonicalize(document, Limits(max_quads=40))


def test_documents_with_too_many_blank_nodes_are_refused(
    vector_credential: dict[str, Any],
) -> None:
    document = unsigned(vector_credential)
    document["credentialSubject"]["achievement"]["criteria"] = [
        {"narrative": f"criterion {n}"} for n in range(20)
    ]
    with pytest.raises(InputLimitError, match="blank nodes"):
        canonicalize(document, Limits(max_blank_nodes=10))


def clique(size: int) -> list[tuple[str, str, str, str]]:
    predicate = iri_term("https://example.org/knows")
    return [
        (f"_:n{a}", predicate, f"_:n{b}", "")
        for a in range(size)
        for b in range(size)
        if a != b
    ]


def test_poison_graphs_are_refused_quickly() -> None:
    started = time.monotonic()
    with pytest.raises(InputLimitError, match=r"deep iterations|permutations|longer"):
        canonicalize_quads(clique(12))
    assert time.monotonic() - started < 2.0


def test_the_time_budget_stops_canonicalization() -> None:
    limits = Limits(
        max_deep_iterations=10**9, max_permutations=10**9, time_budget_seconds=0.05
    )
    started = time.monotonic()
    with pytest.raises(InputLimitError, match="longer than"):
        canonicalize_quads(clique(9), limits)
    assert time.monotonic() - started < 1.0


def test_small_symmetric_graphs_still_canonicalize_like_oxigraph() -> None:
    quads = clique(4)
    nquads = "".join(f"{s} {p} {o} .\n" for s, p, o, _ in quads)
    assert canonicalize_quads(quads) == oxigraph_canonical(nquads)


def test_literal_escaping_follows_canonical_nquads() -> None:
    assert escape_literal('a"b\\c\nd\re\tf\bg\fh\x01i\x7fj') == (
        'a\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u007Fj'
    )
    assert escape_literal("plain é") == "plain é"
    assert literal_term("x", language="en-GB") == '"x"@en-GB'
    assert literal_term("x", "http://www.w3.org/2001/XMLSchema#string") == '"x"'


@pytest.mark.parametrize(
    "bad", ["relative", "http://exa mple.org/", "https://e.org/<x>", "urn:x\\y"]
)
def test_iris_that_nquads_cannot_carry_are_refused(bad: str) -> None:
    with pytest.raises(CanonicalizationError):
        iri_term(bad)


def test_malformed_blank_node_labels_are_refused() -> None:
    assert blank_term("b0") == "_:b0"
    with pytest.raises(CanonicalizationError):
        blank_term("_:b 0")


def test_named_graphs_become_quads() -> None:
    document = {
        "@context": {"ex": "https://example.org/"},
        "@id": "https://example.org/g",
        "@graph": [{"@id": "https://example.org/s", "ex:p": "o"}],
    }
    quads = to_quads(document)
    assert quads == [
        (
            "<https://example.org/s>",
            "<https://example.org/p>",
            '"o"',
            "<https://example.org/g>",
        )
    ]
    anonymous = {
        "@context": {"ex": "https://example.org/"},
        "ex:g": {"@graph": {"ex:p": "o"}},
    }
    canonical = canonicalize(anonymous)
    assert canonical == pyld_normalize(anonymous) == oxigraph_canonical(canonical)
    assert canonical.count("_:c14n") == 4


# --- differential tests against reference implementations ------------------

IRIS = st.sampled_from(
    [f"<https://example.org/{name}>" for name in ("a", "b", "c", "p", "q", "r")]
)
BLANKS = st.sampled_from([f"_:b{n}" for n in range(6)])
LITERALS = st.builds(
    literal_term,
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6
    ),
)
QUADS = st.lists(
    st.tuples(
        st.one_of(IRIS, BLANKS),
        IRIS,
        st.one_of(IRIS, BLANKS, LITERALS),
        st.one_of(st.just(""), st.just(""), IRIS, BLANKS),
    ),
    max_size=14,
)


@settings(max_examples=200, deadline=None)
@given(QUADS)
def test_rdfc_matches_oxigraph_on_generated_datasets(
    quads: list[tuple[str, str, str, str]],
) -> None:
    nquads = "".join(
        f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in quads
    )
    assert canonicalize_quads(quads) == oxigraph_canonical(nquads)


def achievement_documents() -> st.SearchStrategy[dict[str, Any]]:
    text = st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
        max_size=12,
    )
    alignment = st.fixed_dictionaries(
        {
            "type": st.just(["Alignment"]),
            "targetName": text,
            "targetUrl": st.just("https://example.org/standard"),
        },
        optional={"targetCode": text},
    )
    achievement = st.fixed_dictionaries(
        {
            "type": st.just(["Achievement"]),
            "name": text,
            "criteria": st.fixed_dictionaries({"narrative": text}),
        },
        optional={
            "id": st.just("https://example.org/achievements/1"),
            "description": text,
            "alignment": st.lists(alignment, max_size=4),
            "creditsAvailable": st.floats(0, 100, allow_nan=False),
        },
    )
    return st.fixed_dictionaries(
        {
            "@context": st.just(
                [
                    "https://www.w3.org/ns/credentials/v2",
                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                ]
            ),
            "type": st.just(["VerifiableCredential", "OpenBadgeCredential"]),
            "issuer": st.fixed_dictionaries(
                {"id": st.just("did:example:issuer"), "type": st.just(["Profile"])},
                optional={"name": text},
            ),
            "credentialSubject": st.fixed_dictionaries(
                {
                    "type": st.just(["AchievementSubject"]),
                    "achievement": achievement,
                },
                optional={"id": st.just("did:example:subject")},
            ),
        },
        optional={"id": st.just("urn:uuid:6f1e1c8e-9b0e-4d0b-8f57-0a2a4e1d9c11")},
    )


@settings(max_examples=60, deadline=None)
@given(achievement_documents())
def test_canonical_form_matches_pyld_on_generated_credentials(
    document: dict[str, Any],
) -> None:
    assert canonicalize(document) == pyld_normalize(document)
