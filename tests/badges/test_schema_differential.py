"""jsonschema-rs and the python-jsonschema reference judge every document alike.

The verifier asks the compiled Rust validator first and the reference only when
the Rust one refuses, so the Rust one must never accept what the reference
refuses; and for every generated document, valid or mutated, the two agree.
The only disagreements allowed are the two documented ones where the Rust
validator is the stricter (ECMA-262 regular expressions): ``\\d`` is ASCII and
``$`` does not match before a final newline. There the reference decides.
"""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

import pytest
from badge_samples import make_badge
from generated import KEY, credentials, mutated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges import schema
from badges.credential import IssuerProfile
from badges.schema import (
    ACHIEVEMENT_CREDENTIAL_SCHEMA,
    ENDORSEMENT_CREDENTIAL_SCHEMA,
    PROFILE_SCHEMA,
    schema_errors,
)

SCHEMA_VALUES = (
    "2026-11-25T12:00:00.123456789Z",
    "2026-11-25T12:00:00+01:00",
    "2026-11-25t12:00:00z",
    "0000-01-01T00:00:00Z",
    "2026-11-25T23:59:60Z",
    "en",
    "en-Latn-US",
    "EN",
    "ext:Custom",
    "EXT:Custom",
    "ext:a|b",
    "Alignment",
    "CFItem",
    "Competency",
    "emailAddress",
    "AchievementSubject",
    ["Achievement"],
    ["VerifiableCredential", "AchievementCredential"],
    ["VerifiableCredential"],
    ["https://www.w3.org/ns/credentials/v2"],
    1.0,
    1.5,
    -1,
    2**63,
    10**30,
    False,
    "a.b.c",
    "a.b.c\n",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\n",
)


def reference_errors(document: Any, name: str) -> list[str]:
    return [error.message for error in schema._validator(name).iter_errors(document)]


def known_stricter(value: Any) -> bool:
    """A string the Rust validator's ECMA-262 patterns may refuse and Python's not."""
    if isinstance(value, dict):
        return any(known_stricter(child) for child in value.values())
    if isinstance(value, list):
        return any(known_stricter(child) for child in value)
    return isinstance(value, str) and (
        value.endswith("\n")
        or any(c.isdigit() and not c.isascii() for c in value)
        or any(unicodedata.category(c) == "Nd" and not c.isascii() for c in value)
    )


def assert_agree(document: Any, name: str = ACHIEVEMENT_CREDENTIAL_SCHEMA) -> None:
    reference_valid = not reference_errors(document, name)
    try:
        fast_valid = schema._fast_validator(name).is_valid(document)
    except ValueError:
        fast_valid = None  # a value it cannot take: the reference judges
    if fast_valid:
        assert reference_valid, "the Rust validator accepted what the reference refuses"
    if fast_valid is not None and fast_valid != reference_valid:
        assert known_stricter(document)
    expected = schema._reference_errors(document, name)
    assert schema_errors(document, name) == expected
    assert (schema_errors(document, name) == []) is reference_valid


@settings(max_examples=100, deadline=None)
@given(credentials())
def test_valid_credentials_are_valid_for_both(document: dict[str, Any]) -> None:
    assert not reference_errors(document, ACHIEVEMENT_CREDENTIAL_SCHEMA)
    assert schema._fast_validator(ACHIEVEMENT_CREDENTIAL_SCHEMA).is_valid(document)
    assert_agree(document)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(credentials(), SCHEMA_VALUES))
def test_mutated_credentials_get_the_same_verdict_from_both(
    document: dict[str, Any],
) -> None:
    assert_agree(document)


@settings(max_examples=150, deadline=None)
@given(
    mutated(
        st.just(
            IssuerProfile(KEY.did_key, "PD Hub", "https://pdhub.example").to_json()
        ),
        SCHEMA_VALUES,
    )
)
def test_mutated_profiles_get_the_same_verdict_from_both(
    document: dict[str, Any],
) -> None:
    assert_agree(document, PROFILE_SCHEMA)
    assert_agree(document, ENDORSEMENT_CREDENTIAL_SCHEMA)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (
            ("@context", 1),
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.\u0663.3.json",
        ),
        (
            ("@context", 1),
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\n",
        ),
    ],
)
def test_where_the_rust_validator_is_stricter_the_reference_decides(
    path: tuple[Any, ...], value: str
) -> None:
    document = make_badge(KEY).to_json()
    document[path[0]][path[1]] = value
    assert not schema._fast_validator(ACHIEVEMENT_CREDENTIAL_SCHEMA).is_valid(document)
    assert not reference_errors(document, ACHIEVEMENT_CREDENTIAL_SCHEMA)
    assert schema_errors(document) == []


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "odd",
    [
        ("a tuple", ("https://pdhub.example/evidence",)),
        ("a str subclass", type("S", (str,), {})("x")),
        ("NaN", float("nan")),
        ("deep nesting", nested(schema.FAST_VALIDATOR_MAX_DEPTH + 5)),
    ],
    ids=lambda odd: odd[0],
)
def test_what_the_rust_validator_cannot_take_goes_to_the_reference(
    odd: tuple[str, Any],
) -> None:
    document = make_badge(KEY).to_json()
    document["evidence"] = odd[1]
    expected = schema._reference_errors(document, ACHIEVEMENT_CREDENTIAL_SCHEMA)
    assert schema_errors(document) == expected
    assert schema_errors(document)


def test_a_rust_validator_error_goes_to_the_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Exploding:
        def is_valid(self, document: Any) -> bool:
            raise ValueError("Unsupported type")

    monkeypatch.setattr(schema, "_fast_validator", lambda name: Exploding())
    document = make_badge(KEY).to_json()
    assert schema_errors(document) == []
    broken = copy.deepcopy(document)
    del broken["issuer"]
    assert schema_errors(broken)
