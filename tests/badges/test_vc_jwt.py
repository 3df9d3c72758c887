"""VC-JWT: the OB 3.0 header and claims rules, and refusing tampered tokens."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from badge_samples import VALID_FROM, make_badge
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.dids import PublishedKey, Resolver, controller_document
from badges.errors import JwtError
from badges.jwt import (
    decode_jwt,
    encode_jwt,
    looks_like_jwt,
    subject_claim,
    verify_jwt,
)
from badges.keys import Ed25519KeyPair
from badges.multibase import base64url_decode, base64url_encode


@pytest.fixture
def credential(issuer_key: Ed25519KeyPair) -> dict[str, Any]:
    return make_badge(issuer_key, valid_until=VALID_FROM + timedelta(days=30)).to_json()


@pytest.fixture
def token(credential: dict[str, Any], issuer_key: Ed25519KeyPair) -> str:
    return encode_jwt(credential, issuer_key, issuer_key.did_key_verification_method)


def parts(token: str) -> list[Any]:
    header, payload, signature = token.split(".")
    return [
        json.loads(base64url_decode(header)),
        json.loads(base64url_decode(payload)),
        signature,
    ]


def assemble(header: Any, payload: Any, signature: str) -> str:
    def encode(value: Any) -> str:
        return base64url_encode(json.dumps(value).encode())

    return f"{encode(header)}.{encode(payload)}.{signature}"


def resign(header: Any, payload: Any, key: Ed25519KeyPair) -> str:
    unsigned = assemble(header, payload, "x").rsplit(".", 1)[0]
    return f"{unsigned}.{base64url_encode(key.sign(unsigned.encode()))}"


def test_token_has_the_ob_header_and_claims(
    token: str, credential: dict[str, Any], issuer_key: Ed25519KeyPair
) -> None:
    header, payload, _ = parts(token)
    assert header == {
        "alg": "EdDSA",
        "kid": issuer_key.did_key_verification_method,
        "typ": "JWT",
    }
    assert payload["iss"] == issuer_key.did_key
    assert payload["jti"] == credential["id"]
    assert payload["nbf"] == int(VALID_FROM.timestamp())
    assert payload["exp"] == int((VALID_FROM + timedelta(days=30)).timestamp())
    # OB 3.0 §8.2.4.1: sub is credentialSubject.id; a subject known only by
    # its hashed email has no id, so the token has no sub (never the hash).
    assert "id" not in credential["credentialSubject"]
    assert "sub" not in payload
    assert {
        k: v for k, v in payload.items() if k not in ("iss", "jti", "nbf", "exp")
    } == credential
    assert looks_like_jwt(token)


def test_token_verifies_and_yields_the_credential(
    token: str, credential: dict[str, Any], issuer_key: Ed25519KeyPair
) -> None:
    verified = verify_jwt(token, Resolver())
    assert verified.decoded.credential == credential
    assert verified.key.controller == issuer_key.did_key


def test_jwk_and_iat_are_optional(
    credential: dict[str, Any], issuer_key: Ed25519KeyPair
) -> None:
    token = encode_jwt(
        credential,
        issuer_key,
        issuer_key.did_key_verification_method,
        include_jwk=True,
        issued_at=datetime(2026, 11, 25, tzinfo=UTC),
    )
    header, payload, _ = parts(token)
    assert set(header) == {"alg", "kid", "typ", "jwk"}
    assert "d" not in header["jwk"]
    assert payload["iat"] == int(datetime(2026, 11, 25, tzinfo=UTC).timestamp())
    verify_jwt(token, Resolver())


def test_a_jwk_alone_identifies_the_did_key(
    credential: dict[str, Any], issuer_key: Ed25519KeyPair
) -> None:
    token = encode_jwt(credential, issuer_key, "x", include_jwk=True)
    header, payload, _ = parts(token)
    del header["kid"]
    verified = verify_jwt(resign(header, payload, issuer_key), Resolver())
    assert verified.key.controller == issuer_key.did_key


def test_did_web_kids_resolve_through_the_fetcher(
    credential: dict[str, Any], issuer_key: Ed25519KeyPair
) -> None:
    did = "did:web:pdhub.example"
    document = controller_document(did, [PublishedKey(issuer_key.public_key_multibase)])
    credential["issuer"]["id"] = did
    token = encode_jwt(credential, issuer_key, issuer_key.verification_method_id(did))
    verified = verify_jwt(token, Resolver(lambda url: document))
    assert verified.key.controller == did


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda h, p: h.update(alg="none"), "EdDSA"),
        (lambda h, p: h.update(alg="HS256"), "EdDSA"),
        (lambda h, p: h.update(alg="ES256"), "EdDSA"),
        (lambda h, p: h.update(crit=["exp"]), "forbids"),
        (lambda h, p: h.update(cty="vc"), "forbids"),
        (lambda h, p: h.update(x5u="https://evil.example/cert"), "forbids"),
        (lambda h, p: h.update(typ="vc+ld+jwt"), "typ"),
        (lambda h, p: h.pop("kid"), "names no key"),
        (lambda h, p: h.update(kid=7), "kid must be a string"),
        (
            lambda h, p: h.update(
                jwk={"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"}
            ),
            "private key",
        ),
        (
            lambda h, p: h.update(jwk={"kty": "EC", "crv": "P-256", "x": "AA"}),
            "not an Ed25519",
        ),
        (
            lambda h, p: h.update(jwk={"kty": "OKP", "crv": "Ed25519", "x": "AA"}),
            "32 bytes",
        ),
        (
            lambda h, p: h.update(jwk={"kty": "OKP", "crv": "Ed25519", "x": "A"}),
            "malformed",
        ),
        (lambda h, p: p.update(iss="did:web:evil.example"), "iss claim"),
        (lambda h, p: p.update(jti="urn:uuid:other"), "jti claim"),
        (lambda h, p: p.update(nbf=p["nbf"] - 1), "nbf claim"),
        (lambda h, p: p.update(nbf=str(p["nbf"])), "nbf claim"),
        (lambda h, p: p.update(nbf=True), "nbf claim"),
        (lambda h, p: p.update(exp=p["exp"] + 1), "exp claim"),
        (lambda h, p: p.update(sub="did:example:someone-else"), "sub claim"),
        # The form PD Hub issued before: sub held the email hash.
        (
            lambda h, p: p.update(
                sub=p["credentialSubject"]["identifier"][0]["identityHash"]
            ),
            "sub claim .* has no credentialSubject.id",
        ),
        (lambda h, p: p.pop("nbf"), "no nbf claim"),
        (lambda h, p: p.pop("iss"), "no iss claim"),
        (lambda h, p: p.pop("jti"), "no jti claim"),
        (lambda h, p: p.pop("exp"), "exp claim"),
        (lambda h, p: p.update(exp=1e400), "not valid JSON"),
        (lambda h, p: p.update(exp=1e300), "NumericDate"),
        (lambda h, p: p.update(exp=10**30), "NumericDate"),
        (lambda h, p: p.update(iat="today"), "iat"),
        (lambda h, p: p.update(validFrom="2026-11-25T12:00:01Z"), "nbf claim"),
        (lambda h, p: p.update(validFrom="yesterday"), "validity dates"),
        (lambda h, p: p.update(issuer={"name": "no id"}), "iss claim"),
    ],
)
def test_forbidden_headers_and_mismatched_claims_are_refused_even_if_signed(
    token: str, issuer_key: Ed25519KeyPair, change: Any, message: str
) -> None:
    header, payload, _ = parts(token)
    change(header, payload)
    with pytest.raises(JwtError, match=message):
        verify_jwt(resign(header, payload, issuer_key), Resolver())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(name="Forged"), "signature does not match"),
        (
            lambda p: p["credentialSubject"].update(creditsEarned=99),
            "signature does not match",
        ),
    ],
)
def test_changed_payloads_fail_the_signature(
    token: str, change: Any, message: str
) -> None:
    header, payload, signature = parts(token)
    change(payload)
    with pytest.raises(JwtError, match=message):
        verify_jwt(assemble(header, payload, signature), Resolver())


def test_a_token_signed_by_another_key_is_refused(
    credential: dict[str, Any], issuer_key: Ed25519KeyPair
) -> None:
    forger = Ed25519KeyPair.generate()
    token = encode_jwt(credential, forger, issuer_key.did_key_verification_method)
    with pytest.raises(JwtError, match="signature does not match"):
        verify_jwt(token, Resolver())
    with_jwk = encode_jwt(
        credential, forger, issuer_key.did_key_verification_method, include_jwk=True
    )
    with pytest.raises(JwtError, match="different keys"):
        verify_jwt(with_jwk, Resolver())


def test_unresolvable_kids_are_refused(
    credential: dict[str, Any], issuer_key: Ed25519KeyPair
) -> None:
    token = encode_jwt(credential, issuer_key, "did:web:unknown.example#k")
    with pytest.raises(JwtError, match="cannot be resolved"):
        verify_jwt(token, Resolver())


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "e30.e30.",
        "e30=.e30.AA",
        "!!!.e30.AA",
        base64url_encode(b"[]") + ".e30.AA",
        base64url_encode(b"\xff") + ".e30.AA",
        "e30." + base64url_encode(b'{"a":1,"a":2}') + ".AA",
        "e30." + base64url_encode(b"[" * 5000) + ".AA",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(JwtError):
        decode_jwt(token)


def test_non_string_tokens_and_giant_tokens_are_refused() -> None:
    with pytest.raises(JwtError):
        decode_jwt(b"a.b.c")  # type: ignore[arg-type]
    with pytest.raises(JwtError, match="larger"):
        decode_jwt("a" * 3_000_000 + ".b.c")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=80), min_size=3, max_size=3))
def test_three_random_parts_never_verify(chunks: list[bytes]) -> None:
    token = ".".join(base64url_encode(chunk) for chunk in chunks)
    with pytest.raises(JwtError):
        verify_jwt(token, Resolver())


def test_random_signatures_never_verify(token: str) -> None:
    unsigned = token.rsplit(".", 1)[0]
    for _ in range(20):
        forged = f"{unsigned}.{base64url_encode(secrets.token_bytes(64))}"
        with pytest.raises(JwtError, match="signature"):
            verify_jwt(forged, Resolver())


def test_vc_claim_tokens_carry_the_credential_in_vc(
    credential: dict[str, Any], issuer_key: Ed25519KeyPair
) -> None:
    token = encode_jwt(credential, issuer_key, issuer_key.did_key_verification_method)
    header, payload, _ = parts(token)
    claims = {k: payload[k] for k in ("iss", "jti", "nbf", "exp")}
    wrapped = {**claims, "vc": credential}
    verified = verify_jwt(resign(header, wrapped, issuer_key), Resolver())
    assert verified.decoded.credential == credential


def test_encoding_refuses_credentials_without_claim_sources(
    credential: dict[str, Any], issuer_key: Ed25519KeyPair
) -> None:
    method = issuer_key.did_key_verification_method
    with pytest.raises(JwtError, match="already uses"):
        encode_jwt({**credential, "iss": "x"}, issuer_key, method)
    no_issuer = {**credential, "issuer": {"name": "no id"}}
    with pytest.raises(JwtError, match="iss"):
        encode_jwt(no_issuer, issuer_key, method)


def test_subject_claim_prefers_the_subject_id() -> None:
    assert (
        subject_claim({"credentialSubject": {"id": "did:example:1"}}) == "did:example:1"
    )
    assert subject_claim({"credentialSubject": "x"}) is None
    assert subject_claim({"credentialSubject": {"identifier": ["x"]}}) is None
    hashed = {"identifier": [{"identityHash": "sha256$ab", "hashed": True}]}
    assert subject_claim({"credentialSubject": hashed}) is None


def test_fractional_dates_give_fractional_numeric_dates(
    credential: dict[str, Any], issuer_key: Ed25519KeyPair
) -> None:
    credential["validFrom"] = "2026-11-25T12:00:00.5Z"
    credential.pop("validUntil")
    token = encode_jwt(credential, issuer_key, issuer_key.did_key_verification_method)
    assert parts(token)[1]["nbf"] == VALID_FROM.timestamp() + 0.5
    verify_jwt(token, Resolver())
    assert not looks_like_jwt("{}")
