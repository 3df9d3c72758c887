"""The one-pass compiled walk gives the exact path's canonical form, or steps aside.

For every document, canonicalize (compiled walk first) must answer exactly as
the exact path alone (prepare_document, badges.expansion, pyld): the same
canonical N-Quads or the same error. And wherever the compiled walk completes,
the exact path must complete with byte-identical canonical N-Quads.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from badge_samples import make_badge, signed_status_list
from generated import KEY, credentials, mutated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges import canonical, compiled_quads
from badges.canonical import canonicalize
from badges.compiled_quads import Bail
from badges.limits import DEFAULT_LIMITS, Limits
from badges.rdfc import canonicalize_quads

Outcome = tuple[str, str]


def outcome(action: Callable[[], str]) -> Outcome:
    try:
        return ("ok", action())
    except Exception as exc:  # the error is part of the answer
        return (type(exc).__name__, str(exc))


def _always_bail(*_: Any) -> Any:
    raise Bail("the exact path, for comparison")


def exact(document: Any, limits: Limits = DEFAULT_LIMITS) -> Outcome:
    """What canonicalize answers on the exact path alone."""
    with mock.patch.object(canonical, "compiled_quads", _always_bail):
        return outcome(lambda: canonicalize(document, limits))


def compiled(document: Any, limits: Limits = DEFAULT_LIMITS) -> Outcome | None:
    """The compiled walk's answer, or None when it steps aside."""
    processor = canonical._SafeProcessor(on_property_dropped=canonical._raise_dropped)
    try:
        quads = compiled_quads.compiled_quads(
            document, processor, canonical._options(), limits
        )
    except Bail:
        return None
    return outcome(lambda: canonicalize_quads(quads, limits))


def assert_agrees(
    document: Any, limits: Limits = DEFAULT_LIMITS, *, walks: bool | None = None
) -> None:
    expected = exact(document, limits)
    fast = compiled(document, limits)
    if fast is not None:
        assert fast == expected
    assert outcome(lambda: canonicalize(document, limits)) == expected
    if walks is not None:
        assert (fast is not None) is walks


def count_values(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(count_values(child) for child in value.values())
    if isinstance(value, list):
        return 1 + sum(count_values(child) for child in value)
    return 1


def depth_of(value: Any) -> int:
    if isinstance(value, dict) and value:
        return 1 + max(depth_of(child) for child in value.values())
    if isinstance(value, list) and value:
        return 1 + max(depth_of(child) for child in value)
    return 1


def unsigned(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "proof"}


@settings(max_examples=150, deadline=None)
@given(credentials())
def test_generated_credentials_take_the_compiled_walk_and_match_the_exact_path(
    document: dict[str, Any],
) -> None:
    assert_agrees(document, walks=True)
    assert canonicalize(document) == canonicalize(document, fast=False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(credentials()))
def test_mutated_credentials_get_the_exact_paths_answer(
    document: dict[str, Any],
) -> None:
    assert_agrees(document)
    fast = compiled(document)
    if fast is not None and fast[0] == "ok":
        assert fast[1] == canonicalize(document, fast=False)


def test_status_lists_proof_options_and_the_spec_vector_take_the_walk(
    vector_credential: dict[str, Any],
) -> None:
    status_list = signed_status_list(KEY)
    for document in (
        unsigned(vector_credential),
        {"@context": vector_credential["@context"], **vector_credential["proof"]},
        unsigned(status_list),
        {"@context": status_list["@context"], **status_list["proof"][0]},
        make_badge(KEY).to_json(),
    ):
        document.pop("proofValue", None)
        assert_agrees(document, walks=True)


def base() -> dict[str, Any]:
    return make_badge(KEY).to_json()


def at_achievement(change: Callable[[dict[str, Any]], Any]) -> Callable[..., Any]:
    return lambda d: change(d["credentialSubject"]["achievement"])


# Each change sends the walk to the exact path at a different place; the
# exact path then refuses the document or canonicalizes it (via pyld).
STEPS_ASIDE: dict[str, Callable[[dict[str, Any]], Any]] = {
    "a key that is not a string": lambda d: d.update({5: "x"}),
    "an unknown keyword": lambda d: d.update({"@foo": "x"}),
    "@direction": lambda d: d.update({"@direction": "rtl"}),
    "a value object under a type-scoped context": lambda d: d["issuer"].update(
        name={"@value": "PD Hub"}
    ),
    "a value object": lambda d: d.update(name={"@value": "x", "@type": "xsd:x"}),
    "an inline context": lambda d: d.update(
        {"@context": [*d["@context"], {"ex": "https://example.org/"}], "ex:p": 1}
    ),
    "a null context": lambda d: d["issuer"].update({"@context": None}),
    "a type that is not a string": lambda d: d["issuer"].update(type=[5]),
    "a null type": lambda d: d.update(type=None),
    "two @id keys": lambda d: d["issuer"].update({"@id": "https://example.org/x"}),
    "an undefined term": lambda d: d.update(bogus="x"),
    "a blank-node property": lambda d: d.update({"_:p": "x"}),
    "a keyword alias outside the walk": lambda d: d.update({"@included": []}),
    "an @index": lambda d: d["issuer"].update({"@index": "i"}),
    "a @list object": lambda d: d.update(name={"@list": ["x"]}),
    "a relative @id": lambda d: d.update(id="credentials/1"),
    "an @id that looks like a keyword": lambda d: d.update(id="@foo"),
    "an @id that is not a string": lambda d: d["issuer"].update(id=7),
    "an IRI with a space": lambda d: d.update(id="https://exa mple.org/"),
    "a malformed blank node": lambda d: d.update(id="_:b 1"),
    "a relative IRI value": at_achievement(lambda a: a.update(image="x.png")),
    "a null value": lambda d: d.update(name=None),
    "a null in a list": lambda d: d.update(type=["VerifiableCredential", None]),
    "a nested array": lambda d: d.update(name=[["x"]]),
    "NaN": at_achievement(lambda a: a.update(creditsAvailable=float("nan"))),
    "a huge integral float": at_achievement(lambda a: a.update(creditsAvailable=1e22)),
    "a tuple": lambda d: d.update(name=("x",)),
    "a str subclass": lambda d: d.update(name=type("S", (str,), {})("x")),
    "a dict subclass": lambda d: d.update(issuer=type("D", (dict,), {})(d["issuer"])),
    "a language-tagged term": at_achievement(
        lambda a: a.update(inLanguage={"@value": "en", "@language": "en"})
    ),
    "a reverse term": lambda d: d.update({"@reverse": {}}),
}


@pytest.mark.parametrize("change", STEPS_ASIDE.values(), ids=list(STEPS_ASIDE))
def test_the_walk_steps_aside_for_anything_unusual(
    change: Callable[[dict[str, Any]], Any],
) -> None:
    document = base()
    change(document)
    assert compiled(document) is None
    assert_agrees(document)


def test_a_document_that_is_not_a_dict_takes_the_exact_path() -> None:
    assert compiled(["not", "an", "object"]) is None
    assert exact(["not", "an", "object"])[0] == "TypeError"


@pytest.mark.parametrize("spare", [-2, -1, 0, 1])
def test_the_walk_holds_to_the_limits_like_the_exact_path(spare: int) -> None:
    document = base()
    depth, count = depth_of(document), count_values(document)
    assert_agrees(document, Limits(max_depth=depth + spare), walks=spare >= 0)
    assert_agrees(document, Limits(max_json_values=count + spare), walks=spare >= 0)


@pytest.mark.parametrize(
    "limits", [Limits(max_quads=10), Limits(max_blank_nodes=2)], ids=["quads", "blank"]
)
def test_canonicalization_bounds_apply_to_the_walks_quads(limits: Limits) -> None:
    fast = compiled(base(), limits)
    assert fast is not None
    assert fast[0] == "InputLimitError"
    assert_agrees(base(), limits)


def test_lists_of_types_and_contexts_count_against_the_limits() -> None:
    document = base()
    depth = Limits(max_depth=2)
    assert_agrees({"@context": document["@context"]}, depth, walks=False)
    assert_agrees(
        {"@context": document["@context"][0], "type": ["VerifiableCredential"]},
        depth,
        walks=False,
    )
    assert_agrees(
        {"@context": document["@context"][0], "name": ["a"]}, depth, walks=False
    )
    values = Limits(max_json_values=3)
    assert_agrees(
        {"@context": document["@context"][0], "name": ["a", "b", "c"]},
        values,
        walks=False,
    )


def test_features_the_walk_handles_match_the_exact_path() -> None:
    document = base()
    document["name"] = ["first", "second", 7, 2.5, True, -3.0]
    document["https://example.org/terms#blank"] = [{"@id": "_:b1"}, {"@id": "_:b1"}]
    document["https://example.org/terms#empty"] = [{}, {"@context": []}]
    document["credentialSubject"]["achievement"]["type"] = ["Achievement", "_:t"]
    document["credentialSubject"]["achievement"]["resultDescription"][0][
        "allowedValue"
    ] = "single"
    document["credentialSubject"]["achievement"]["creditsAvailable"] = 10**22
    document["credentialSubject"]["achievement"]["description"] = 'a "quote"\n'
    document["issuer"]["@context"] = "https://www.w3.org/ns/credentials/v2"
    document["credentialSubject"]["achievement"]["image"] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://example.org/i.png",
    }
    document["evidence"] = {"@id": "https://example.org/only-an-id"}
    document["issuer"]["@type"] = "Profile"
    assert_agrees(document, walks=True)
    assert_agrees({"@context": document["@context"]}, walks=True)
    assert_agrees({}, walks=True)
    assert_agrees(
        {"@context": document["@context"], "id": "https://example.org/dropped"},
        walks=True,
    )


def test_property_scoped_contexts_match_the_exact_path() -> None:
    document = base()
    document["credentialStatus"] = {
        "id": "https://pdhub.example/status/1#12",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": "12",
        "statusListCredential": "https://pdhub.example/status/1",
        "statusSize": 2,
        "statusMessage": [
            {"status": "0x0", "message": "pending"},
            {"status": "0x1", "message": "accepted"},
        ],
    }
    assert_agrees(document, walks=True)
    legacy = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "urn:uuid:6f1e1c8e-9b0e-4d0b-8f57-0a2a4e1d9c11",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2026-11-25T12:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
        "credentialSchema": {
            "id": "https://example.org/schema.json",
            "type": "JsonSchemaValidator2018",
        },
    }
    assert_agrees(legacy, walks=True)


def test_empty_and_missing_lists_and_typed_values_match() -> None:
    document = base()
    description = document["credentialSubject"]["achievement"]["resultDescription"][0]
    description["allowedValue"] = []
    document["credentialSubject"]["achievement"]["creditsAvailable"] = "3.5"
    document["validFrom"] = 20261125
    document["credentialStatus"] = {
        "id": "https://pdhub.example/status/1#12",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": 12,
        "statusListCredential": "https://pdhub.example/status/1",
    }
    assert_agrees(document, walks=True)


@pytest.fixture
def fresh_plans(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(compiled_quads, "_CONTEXTS", {})
    monkeypatch.setattr(compiled_quads, "_remembered", {"plans": 0, "iris": 0})
    yield


@pytest.mark.usefixtures("fresh_plans")
@pytest.mark.parametrize("bound", ["_MAX_CONTEXTS", "_MAX_PLANS", "_MAX_IRIS"])
def test_what_is_remembered_is_bounded(
    monkeypatch: pytest.MonkeyPatch, bound: str
) -> None:
    monkeypatch.setattr(compiled_quads, bound, 0)
    document = base()
    for _ in range(2):
        assert_agrees(copy.deepcopy(document), walks=True)
    if bound == "_MAX_CONTEXTS":
        assert not compiled_quads._CONTEXTS
    for plans in compiled_quads._CONTEXTS.values():
        if bound == "_MAX_PLANS":
            assert not plans.shapes
        if bound == "_MAX_IRIS":
            assert not plans.iris
            assert not plans.vocab_iris


@pytest.mark.usefixtures("fresh_plans")
def test_random_keys_and_types_do_not_grow_memory_past_the_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(compiled_quads, "_MAX_PLANS", 50)
    monkeypatch.setattr(compiled_quads, "_MAX_IRIS", 50)
    optional = ["targetCode", "targetDescription", "targetFramework", "targetType"]
    for n in range(40):
        document = base()
        alignment = {
            "type": ["Alignment"],
            "id": f"https://example.org/alignments/{n}",
            "targetName": "n",
            "targetUrl": "https://example.org/",
            **{key: "CFItem" for bit, key in enumerate(optional) if n >> bit & 1},
        }
        document["credentialSubject"]["achievement"]["alignment"] = [alignment]
        assert_agrees(document, walks=True)
    remembered = compiled_quads._remembered
    assert remembered == {"plans": 50, "iris": 50}
    shapes = sum(len(p.shapes) for p in compiled_quads._CONTEXTS.values())
    plans = sum(
        len(shape.by_types)
        for p in compiled_quads._CONTEXTS.values()
        for shape in p.shapes.values()
    )
    assert shapes + plans == 50


@settings(max_examples=60, deadline=None)
@given(st.permutations(list(base())))
def test_key_order_does_not_change_the_plans_answer(order: list[str]) -> None:
    document = base()
    reordered = {key: document[key] for key in order}
    assert canonicalize(reordered) == canonicalize(document)
