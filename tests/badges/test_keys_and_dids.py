"""Ed25519 keys, Multikey encodings, did:key, did:web and the key resolver."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from badges.dids import (
    PublishedKey,
    Resolver,
    controller_document,
    did_key_document,
    did_web_document_url,
    did_web_from_url,
)
from badges.errors import KeyFormatError, ResolutionError
from badges.keys import (
    Ed25519KeyPair,
    decode_public_key_multibase,
    did_key_from_public_key,
    did_key_verification_method,
    encode_public_key_multibase,
    public_key_from_did_key,
    verify_ed25519,
)
from badges.multibase import (
    base58btc_decode,
    base58btc_encode,
    base64url_decode,
    base64url_encode,
    multibase_base58btc_decode,
    multibase_base64url_decode,
    multibase_base64url_encode,
)

# The key pair published in the Open Badges 3.0 implementation guide
# (1EdTech openbadges-specification, ob_v3p0/impl/linked-data-proof-ob.html).
SPEC_SEED = bytes.fromhex(
    "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
)
SPEC_PUBLIC = bytes.fromhex(
    "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
)
SPEC_PUBLIC_MULTIBASE = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
SPEC_SECRET_MULTIBASE = (
    "zrv2bqTbNwCTsRrHFcJCPjVAduh4Ezcnoq1A3ZxH1GWTNkxipLVuaAoMFmze2gFN9oNX"
    "fJjufxSHWVZzsJiUsMHFMcx"
)


def test_spec_key_pair_encodes_to_the_published_multikeys() -> None:
    pair = Ed25519KeyPair.from_seed(SPEC_SEED)
    assert pair.public_key_bytes == SPEC_PUBLIC
    assert pair.public_key_multibase == SPEC_PUBLIC_MULTIBASE
    assert pair.secret_key_multibase == SPEC_SECRET_MULTIBASE
    assert pair.seed == SPEC_SEED


def test_secret_key_multibase_round_trips_in_both_lengths() -> None:
    pair = Ed25519KeyPair.from_secret_key_multibase(SPEC_SECRET_MULTIBASE)
    assert pair.public_key_bytes == SPEC_PUBLIC
    short = "z" + base58btc_encode(b"\x80\x26" + SPEC_SEED)
    assert Ed25519KeyPair.from_secret_key_multibase(short).seed == SPEC_SEED


@pytest.mark.parametrize(
    "value",
    [
        "z" + base58btc_encode(b"\x80\x26" + SPEC_SEED + b"\0" * 32),
        "z" + base58btc_encode(b"\xed\x01" + SPEC_SEED),
        "z" + base58btc_encode(b"\x80\x26" + SPEC_SEED[:31]),
        "u" + base64url_encode(b"\x80\x26" + SPEC_SEED),
    ],
)
def test_malformed_secret_keys_are_refused(value: str) -> None:
    with pytest.raises(KeyFormatError):
        Ed25519KeyPair.from_secret_key_multibase(value)


def test_generated_keys_sign_and_verify() -> None:
    pair = Ed25519KeyPair.generate()
    assert pair.public_key_multibase.startswith("z6Mk")
    signature = pair.sign(b"message")
    assert verify_ed25519(pair.public_key_bytes, signature, b"message")
    assert not verify_ed25519(pair.public_key_bytes, signature, b"messagE")
    assert not verify_ed25519(pair.public_key_bytes, signature[:63], b"message")


def test_seeds_must_be_32_bytes() -> None:
    with pytest.raises(KeyFormatError):
        Ed25519KeyPair.from_seed(b"short")


@pytest.mark.parametrize(
    "value",
    [
        "6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "z" + base58btc_encode(b"\xec\x01" + SPEC_PUBLIC),
        "z" + base58btc_encode(b"\xed\x01" + SPEC_PUBLIC + b"\0"),
        "z0OIl",
        "z" + "2" * 600,
    ],
)
def test_malformed_public_keys_are_refused(value: str) -> None:
    with pytest.raises(KeyFormatError):
        decode_public_key_multibase(value)


def test_public_keys_must_be_32_bytes() -> None:
    with pytest.raises(KeyFormatError):
        encode_public_key_multibase(b"\1" * 31)


def test_did_key_and_its_verification_method() -> None:
    did = did_key_from_public_key(SPEC_PUBLIC)
    assert did == f"did:key:{SPEC_PUBLIC_MULTIBASE}"
    method = did_key_verification_method(did)
    assert method == f"{did}#{SPEC_PUBLIC_MULTIBASE}"
    pair = Ed25519KeyPair.from_seed(SPEC_SEED)
    assert pair.did_key == did
    assert pair.did_key_verification_method == method
    assert pair.verification_method_id("did:web:example.org") == (
        f"did:web:example.org#{SPEC_PUBLIC_MULTIBASE}"
    )
    assert public_key_from_did_key(method) == (SPEC_PUBLIC, SPEC_PUBLIC_MULTIBASE)


@pytest.mark.parametrize(
    "value",
    [
        "did:web:example.org",
        f"did:key:{SPEC_PUBLIC_MULTIBASE}#other",
        "did:key:z6MkBAD",
    ],
)
def test_malformed_did_keys_are_refused(value: str) -> None:
    with pytest.raises(KeyFormatError):
        public_key_from_did_key(value)


def test_did_key_document_lists_the_key_for_assertion() -> None:
    did = f"did:key:{SPEC_PUBLIC_MULTIBASE}"
    document = did_key_document(did)
    assert document["id"] == did
    method = document["verificationMethod"][0]
    assert method["type"] == "Multikey"
    assert method["publicKeyMultibase"] == SPEC_PUBLIC_MULTIBASE
    assert document["assertionMethod"] == [method["id"]]


@pytest.mark.parametrize(
    ("url", "did"),
    [
        ("https://example.org", "did:web:example.org"),
        ("https://example.org/", "did:web:example.org"),
        ("https://Example.org/.well-known", "did:web:example.org"),
        ("https://example.org:8443", "did:web:example.org%3A8443"),
        ("https://example.org/issuers/1", "did:web:example.org:issuers:1"),
        ("https://localhost:5000/u/alice", "did:web:localhost%3A5000:u:alice"),
    ],
)
def test_did_web_from_url_encodes_port_and_path(url: str, did: str) -> None:
    assert did_web_from_url(url) == did


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org",
        "https://example.org/?q=1",
        "https://user:pw@example.org",
        "https://example.org/a b",
        "https:///path",
        "https://exa_mple.org",
    ],
)
def test_did_web_from_url_refuses_what_did_web_cannot_express(url: str) -> None:
    with pytest.raises(ValueError):
        did_web_from_url(url)


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.org", "https://example.org/.well-known/did.json"),
        ("did:web:example.org%3A8443", "https://example.org:8443/.well-known/did.json"),
        ("did:web:example.org:issuers:1", "https://example.org/issuers/1/did.json"),
    ],
)
def test_did_web_document_url(did: str, url: str) -> None:
    assert did_web_document_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:key:z6Mk",
        "did:web:example.org#frag",
        "did:web:exa/mple.org",
        "did:web:example.org%3Ahttp",
        "did:web:example.org::x",
        "did:web:ex$ample.org",
    ],
)
def test_malformed_did_web_dids_are_refused(did: str) -> None:
    with pytest.raises(ResolutionError):
        did_web_document_url(did)


def rotated_document() -> tuple[dict[str, Any], Ed25519KeyPair, Ed25519KeyPair]:
    old, new = Ed25519KeyPair.from_seed(SPEC_SEED), Ed25519KeyPair.generate()
    document = controller_document(
        "did:web:example.org",
        [
            PublishedKey(new.public_key_multibase),
            PublishedKey(old.public_key_multibase),
        ],
    )
    return document, old, new


def test_rotation_keeps_retired_keys_resolvable() -> None:
    document, old, new = rotated_document()
    assert [m["id"] for m in document["verificationMethod"]] == document[
        "assertionMethod"
    ]
    fetched: list[str] = []

    def fetch(url: str) -> dict[str, Any]:
        fetched.append(url)
        return document

    resolver = Resolver(fetch, allowed_hosts={"example.org"})
    for pair in (old, new):
        key = resolver.resolve(pair.verification_method_id("did:web:example.org"))
        assert key.public_key == pair.public_key_bytes
        assert key.controller == "did:web:example.org"
        assert key.authorized_for("assertionMethod")
    assert fetched == ["https://example.org/.well-known/did.json"]


def test_a_compromised_key_is_listed_but_not_for_assertion() -> None:
    pair = Ed25519KeyPair.generate()
    document = controller_document(
        "did:web:example.org",
        [
            PublishedKey(Ed25519KeyPair.generate().public_key_multibase),
            PublishedKey(pair.public_key_multibase, assertion=False),
        ],
    )
    resolver = Resolver(lambda url: document)
    key = resolver.resolve(pair.verification_method_id("did:web:example.org"))
    assert not key.authorized_for("assertionMethod")


def test_controller_documents_need_distinct_keys() -> None:
    with pytest.raises(ValueError):
        controller_document("did:web:example.org", [])
    key = PublishedKey(SPEC_PUBLIC_MULTIBASE)
    with pytest.raises(ValueError):
        controller_document("did:web:example.org", [key, key])


def test_resolver_resolves_did_key_offline() -> None:
    method = f"did:key:{SPEC_PUBLIC_MULTIBASE}#{SPEC_PUBLIC_MULTIBASE}"
    key = Resolver().resolve(method)
    assert key.public_key == SPEC_PUBLIC
    assert key.controller == f"did:key:{SPEC_PUBLIC_MULTIBASE}"
    assert Resolver().controller_document(key.controller)["id"] == key.controller


def test_resolver_resolves_an_https_controller_document(
    vector_controller: dict[str, Any],
) -> None:
    resolver = Resolver(lambda url: json.dumps(vector_controller).encode())
    key = resolver.resolve(vector_controller["assertionMethod"][0])
    assert key.public_key == SPEC_PUBLIC
    assert key.authorized_for("assertionMethod")


@pytest.mark.parametrize(
    ("method_id", "fetcher", "allowed", "message"),
    [
        ("no-fragment", None, None, "#fragment"),
        ("did:key:z6Mkbad#z6Mkbad", None, None, "cannot resolve"),
        ("did:example:123#k", None, None, "does not resolve"),
        ("did:web:example.org#k", None, None, "no fetcher"),
        ("did:web:example.org#k", lambda u: {}, {"other.org"}, "allow-list"),
        ("did:web:example.org#k", lambda u: [], None, "not a JSON object"),
        ("did:web:example.org#k", lambda u: b"\xff", None, "failed"),
        ("did:web:example.org#k", lambda u: {"id": "x"}, None, "is for 'x'"),
        ("did:web:example.org#k", lambda u: 1 / 0, None, "division by zero"),
        ("did:web:example.org#k", lambda u: {"x": {1, 2}}, None, "failed"),
    ],
)
def test_resolver_failures_are_clear_errors(
    method_id: str, fetcher: Any, allowed: Any, message: str
) -> None:
    with pytest.raises(ResolutionError, match=message):
        Resolver(fetcher, allowed_hosts=allowed).resolve(method_id)


def document_with(method: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "did:web:example.org",
        "verificationMethod": [method],
        "assertionMethod": [method["id"]],
        **extra,
    }


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"id": "did:web:example.org", "verificationMethod": {}}, "not a list"),
        ({"id": "did:web:example.org"}, "does not list"),
        (
            document_with(
                {
                    "id": "did:web:example.org#k",
                    "controller": "did:web:evil.org",
                    "publicKeyMultibase": SPEC_PUBLIC_MULTIBASE,
                }
            ),
            "controlled by",
        ),
        (
            document_with(
                {"id": "did:web:example.org#k", "controller": "did:web:example.org"}
            ),
            "carries no public key",
        ),
        (
            document_with(
                {
                    "id": "did:web:example.org#k",
                    "controller": "did:web:example.org",
                    "publicKeyJwk": {"kty": "EC", "crv": "P-256", "x": "AA"},
                }
            ),
            "not a public Ed25519",
        ),
        (
            document_with(
                {
                    "id": "did:web:example.org#k",
                    "controller": "did:web:example.org",
                    "publicKeyBase58": "1111",
                }
            ),
            "unusable key",
        ),
    ],
)
def test_resolver_refuses_bad_controller_documents(
    document: dict[str, Any], message: str
) -> None:
    with pytest.raises(ResolutionError, match=message):
        Resolver(lambda url: document).resolve("did:web:example.org#k")


@pytest.mark.parametrize(
    "method",
    [
        {"type": "Ed25519VerificationKey2018", "publicKeyBase58": None},
        {"type": "JsonWebKey2020", "publicKeyJwk": None},
        {"type": "Ed25519VerificationKey2020", "publicKeyMultibase": None},
    ],
)
def test_resolver_reads_older_key_formats_and_relative_ids(
    method: dict[str, Any],
) -> None:
    key_field = next(name for name in method if name.startswith("publicKey"))
    encoded = {
        "publicKeyBase58": base58btc_encode(SPEC_PUBLIC),
        "publicKeyJwk": {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": base64url_encode(SPEC_PUBLIC),
        },
        "publicKeyMultibase": SPEC_PUBLIC_MULTIBASE,
    }[key_field]
    document = {
        "id": "did:web:example.org",
        "verificationMethod": [
            {
                **method,
                key_field: encoded,
                "id": "#k",
                "controller": "did:web:example.org",
            }
        ],
        "assertionMethod": ["#k"],
        "authentication": "not a list",
    }
    key = Resolver(lambda url: document).resolve("did:web:example.org#k")
    assert key.public_key == SPEC_PUBLIC
    assert key.relationships == {"assertionMethod"}


def test_embedded_assertion_methods_are_found() -> None:
    method = {
        "id": "did:web:example.org#k",
        "type": "Multikey",
        "controller": "did:web:example.org",
        "publicKeyMultibase": SPEC_PUBLIC_MULTIBASE,
    }
    document = {"id": "did:web:example.org", "assertionMethod": [method]}
    key = Resolver(lambda url: document).resolve("did:web:example.org#k")
    assert key.authorized_for("assertionMethod")


def test_resolver_cache_is_bounded() -> None:
    calls: list[str] = []

    def fetch(url: str) -> dict[str, Any]:
        calls.append(url)
        host = url.split("/")[2]
        return controller_document(
            f"did:web:{host}", [PublishedKey(SPEC_PUBLIC_MULTIBASE)]
        )

    resolver = Resolver(fetch, cache_size=2)
    for host in ("a.org", "b.org", "c.org", "a.org"):
        resolver.resolve(f"did:web:{host}#{SPEC_PUBLIC_MULTIBASE}")
    assert len(calls) == 4


@given(st.binary(max_size=64))
def test_base58btc_round_trips(data: bytes) -> None:
    assert base58btc_decode(base58btc_encode(data)) == data
    assert multibase_base58btc_decode("z" + base58btc_encode(data)) == data


@given(st.binary(max_size=64))
def test_base64url_round_trips(data: bytes) -> None:
    assert multibase_base64url_decode(multibase_base64url_encode(data)) == data


@pytest.mark.parametrize("text", ["AA==", "A", "A+/B", "AB"])
def test_base64url_decoding_is_strict(text: str) -> None:
    with pytest.raises(ValueError):
        base64url_decode(text)
    with pytest.raises(ValueError):
        multibase_base64url_decode("u" + text)


def test_multibase_base64url_needs_its_prefix() -> None:
    with pytest.raises(ValueError):
        multibase_base64url_decode("zAA")


def test_multibase_prefix_is_required() -> None:
    with pytest.raises(KeyFormatError):
        multibase_base58btc_decode("u" + base64url_encode(b"x"))
