"""Property tests: no change to a signed credential is ever accepted, while
re-serializing it (key order, whitespace, escapes) never breaks it."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from datetime import timedelta
from functools import cache
from typing import Any

from badge_samples import (
    ISSUER_SEED,
    LIST_URL,
    VALID_FROM,
    signed_badge,
    signed_status_list,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges.dates import format_date_time, parse_date_time
from badges.dids import Resolver
from badges.jwt import encode_jwt
from badges.keys import Ed25519KeyPair
from badges.multibase import base64url_decode, base64url_encode
from badges.verify import verify_credential

Path = tuple[str | int, ...]
KEY = Ed25519KeyPair.from_seed(ISSUER_SEED)
RESOLVER = Resolver()


@cache
def signed() -> dict[str, Any]:
    return signed_badge(KEY, valid_until=VALID_FROM + timedelta(days=365))


@cache
def status_list() -> dict[str, Any]:
    return signed_status_list(KEY)


def verdict(data: Any) -> bool:
    report = verify_credential(
        data,
        resolver=RESOLVER,
        status_fetcher=lambda url: status_list() if url == LIST_URL else None,
        now=VALID_FROM + timedelta(days=1),
    )
    return report.verified


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


def get(document: Any, path: Path) -> Any:
    for part in path:
        document = document[part]
    return document


def put(document: Any, path: Path, value: Any) -> None:
    get(document, path[:-1])[path[-1]] = value


def changed_leaf(value: Any, choice: int) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + (1 if choice % 2 else -0.5)
    if isinstance(value, str):
        try:
            moment = parse_date_time(value)
        except ValueError:
            return [
                value + "x",
                value[:-1],
                value.upper() if value != value.upper() else value + "X",
                "",
            ][choice % 4]
        return format_date_time(moment + timedelta(seconds=1 if choice % 2 else -1))
    raise AssertionError(value)


def mutate(document: dict[str, Any], path: Path, choice: int) -> bool:
    """Apply one meaning-changing edit at ``path``; False if none applies."""
    target = get(document, path)
    if isinstance(target, dict):
        keys = sorted(target)
        if not keys:
            return False
        key = keys[choice % len(keys)]
        kind = choice % 3
        if kind == 0 and (len(keys) > 1 or not path):
            del target[key]
        elif kind == 1:
            target[key + "X"] = target.pop(key)
        else:
            target["description" if "description" not in target else "name2"] = "added"
        return True
    if isinstance(target, list):
        if len(target) > 1:
            del target[choice % len(target)]
            return True
        if target and not isinstance(target[0], dict | list):
            target.append(changed_leaf(target[0], choice))
            return True
        return False
    if not path:
        return False
    put(document, path, changed_leaf(target, choice))
    return True


ALL_PATHS = list(paths(signed()))


def test_the_untouched_credential_verifies() -> None:
    assert verdict(signed())


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.sampled_from(ALL_PATHS), st.integers(0, 1000))
def test_no_edit_anywhere_is_accepted(path: Path, choice: int) -> None:
    document = copy.deepcopy(signed())
    if mutate(document, path, choice):
        assert not verdict(document), (path, choice)


CONTEXT_SWAPS = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "https://www.w3.org/ns/did/v1",
]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2), st.sampled_from(CONTEXT_SWAPS))
def test_swapping_contexts_is_never_accepted(position: int, replacement: str) -> None:
    document = copy.deepcopy(signed())
    document["@context"][position] = replacement
    assert not verdict(document)


@settings(max_examples=20, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_other_keys_are_never_accepted(seed: bytes) -> None:
    other = Ed25519KeyPair.from_seed(seed)
    for where in ("verificationMethod", "issuer"):
        document = copy.deepcopy(signed())
        if where == "issuer":
            document["issuer"]["id"] = other.did_key
        else:
            document["proof"][0]["verificationMethod"] = (
                other.did_key_verification_method
            )
        assert not verdict(document)


def shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: shuffled(child, rng) for key, child in items}
    if isinstance(value, list):
        return [shuffled(child, rng) for child in value]
    return value


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**32),
    st.sampled_from([None, 0, 2, "\t"]),
    st.booleans(),
    st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")]),
)
def test_semantically_identical_reserializations_still_verify(
    seed: int, indent: Any, ascii_only: bool, separators: tuple[str, str]
) -> None:
    document = shuffled(signed(), random.Random(seed))
    text = json.dumps(
        document,
        indent=indent,
        ensure_ascii=ascii_only,
        separators=separators
        if indent is None
        else (separators[0].rstrip(), separators[1]),
    )
    assert verdict("\n  " + text + "\n")
    assert verdict(text.encode("utf-8"))


@cache
def token() -> str:
    credential = {k: v for k, v in signed().items() if k != "proof"}
    return encode_jwt(credential, KEY, KEY.did_key_verification_method)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2), st.integers(0, 10_000), st.integers(1, 255))
def test_no_byte_change_in_a_jwt_is_accepted(part: int, offset: int, flip: int) -> None:
    pieces = token().split(".")
    raw = bytearray(base64url_decode(pieces[part]))
    raw[offset % len(raw)] ^= flip
    pieces[part] = base64url_encode(bytes(raw))
    assert not verdict(".".join(pieces))


def test_the_untouched_jwt_verifies() -> None:
    assert verdict(token())
