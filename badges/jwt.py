"""VC-JWT (compact JWS, EdDSA) form of an OpenBadgeCredential, per OB 3.0 §8.2."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from badges.dates import parse_date_time
from badges.dids import Resolver, VerificationKey
from badges.errors import BadgeError, JwtError
from badges.keys import Ed25519KeyPair, did_key_from_public_key, verify_ed25519
from badges.limits import (
    DEFAULT_LIMITS,
    UNBOUNDED_SHAPE,
    Limits,
    check_json_shape,
    parse_json_text,
)
from badges.multibase import base64url_decode, base64url_encode

ALGORITHM = "EdDSA"
# OB 3.0 §8.2.2 (JOSE header): "Additional JOSE Headers are NOT allowed."
ALLOWED_HEADER_FIELDS = frozenset({"alg", "kid", "jwk", "typ"})
REGISTERED_CLAIMS = ("iss", "sub", "jti", "nbf", "exp", "iat")
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _b64_json(value: Mapping[str, Any]) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return base64url_encode(text.encode("utf-8"))


def _numeric_date(value: str) -> int | float:
    moment = parse_date_time(value).timestamp()
    return int(moment) if moment.is_integer() else moment


def subject_claim(credential: Mapping[str, Any]) -> str | None:
    """Return the ``sub`` a credential implies: its credentialSubject.id, if any.

    OB 3.0 §8.2.4.1 maps ``sub`` to credentialSubject.id. A subject identified
    only by an ``identifier`` (PD Hub's salted email hash) has no id, so its
    JWT carries no ``sub``: a verifier compares ``sub`` with
    credentialSubject.id, and anything else there would not match.
    """
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        return str(subject["id"])
    return None


def _expected_claims(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The registered claims the credential implies (OB 3.0 §8.2.4.1): iss,
    nbf always; jti, sub and exp when it has an id, a subject id, validUntil."""
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer_id, str):
        raise JwtError("the credential gives no value for the iss claim")
    claims: dict[str, Any] = {"iss": issuer_id}
    if "id" in credential:
        if not isinstance(credential["id"], str):
            raise JwtError("the credential gives no value for the jti claim")
        claims["jti"] = credential["id"]
    subject = subject_claim(credential)
    if subject is not None:
        claims["sub"] = subject
    try:
        claims["nbf"] = _numeric_date(credential["validFrom"])
        if "validUntil" in credential:
            claims["exp"] = _numeric_date(credential["validUntil"])
    except (KeyError, ValueError, TypeError) as exc:
        raise JwtError(f"the credential's validity dates are unusable: {exc}") from exc
    return claims


def encode_jwt(
    credential: Mapping[str, Any],
    key: Ed25519KeyPair,
    kid: str,
    *,
    include_jwk: bool = False,
    issued_at: datetime | None = None,
) -> str:
    """Sign ``credential`` as a VC-JWT (OB 3.0 §8.2, compact JWS with EdDSA).

    The header is {alg: EdDSA, kid, typ: JWT} (plus the public jwk on request);
    the payload is the credential itself with iss and nbf, jti (when it has an
    id), sub (when its subject has an id), exp (when it has validUntil) and iat
    (when ``issued_at`` is given). Raises JwtError when the credential lacks
    what the claims are taken from.
    """
    try:
        check_json_shape(credential, UNBOUNDED_SHAPE)
    except (TypeError, BadgeError) as exc:
        raise JwtError(f"the credential is not plain JSON: {exc}") from exc
    claims = _expected_claims(credential)
    overlap = set(REGISTERED_CLAIMS) & set(credential)
    if overlap:
        raise JwtError(f"the credential already uses JWT claim names {sorted(overlap)}")
    header: dict[str, Any] = {"alg": ALGORITHM, "kid": kid, "typ": "JWT"}
    if include_jwk:
        header["jwk"] = {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": base64url_encode(key.public_key_bytes),
        }
    payload = {**credential, **claims}
    if issued_at is not None:
        payload["iat"] = int(issued_at.timestamp())
    signing_input = f"{_b64_json(header)}.{_b64_json(payload)}"
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{base64url_encode(signature)}"


@dataclass(frozen=True)
class DecodedJwt:
    """A VC-JWT whose structure and claims were checked, signature not yet."""

    header: dict[str, Any]
    claims: dict[str, Any]
    credential: dict[str, Any]
    signing_input: bytes
    signature: bytes


def looks_like_jwt(text: str) -> bool:
    """Tell whether ``text`` has the shape of a compact JWS (three base64url parts)."""
    return _JWT_SHAPE.fullmatch(text.strip()) is not None


def decode_jwt(token: str, limits: Limits = DEFAULT_LIMITS) -> DecodedJwt:
    """Parse a VC-JWT and check its header and claims, not its signature.

    Applies OB 3.0 §8.2: only alg, kid, jwk and typ in the header; alg is
    EdDSA (never "none" or another algorithm); typ, when present, is JWT; a
    kid or a public jwk is given; iss and nbf are present and equal the
    credential's issuer.id and validFrom; jti and sub are present exactly when
    the credential has an id and a credentialSubject.id, and equal them; exp
    equals validUntil when the credential has one (without validUntil, exp is
    allowed and bounds the token's validity). Raises JwtError otherwise, with
    code "jwt_claim_mismatch" when a claim disagrees with the credential.
    """
    if not isinstance(token, str):
        raise JwtError("a VC-JWT is a string")
    token = token.strip()
    if len(token) > limits.max_bytes * 2:
        raise JwtError("the JWT is larger than allowed")
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError("a VC-JWT has exactly three dot-separated parts")
    try:
        header_bytes, payload_bytes, signature = (base64url_decode(p) for p in parts)
    except ValueError as exc:
        raise JwtError(f"a JWT part is not unpadded base64url: {exc}") from exc
    header = _json_object(header_bytes, "header", limits)
    claims = _json_object(payload_bytes, "payload", limits)
    _check_header(header)
    credential = _credential_of(claims)
    _check_claims(claims, credential)
    return DecodedJwt(
        header=header,
        claims=claims,
        credential=credential,
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"),
        signature=signature,
    )


def _json_object(raw: bytes, part: str, limits: Limits) -> dict[str, Any]:
    try:
        value = parse_json_text(raw, limits)
    except (ValueError, BadgeError) as exc:
        raise JwtError(f"the JWT {part} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise JwtError(f"the JWT {part} is not a JSON object")
    return value


def _check_header(header: Mapping[str, Any]) -> None:
    extra = set(header) - ALLOWED_HEADER_FIELDS
    if extra:
        raise JwtError(f"the JWT header has fields OB 3.0 forbids: {sorted(extra)}")
    if header.get("alg") != ALGORITHM:
        raise JwtError(f"the JWT algorithm must be EdDSA, not {header.get('alg')!r}")
    if "typ" in header and header["typ"] != "JWT":
        raise JwtError("the JWT typ header, when present, must be JWT")
    if "kid" not in header and "jwk" not in header:
        raise JwtError("the JWT header names no key (kid or jwk)")
    if "kid" in header and not isinstance(header["kid"], str):
        raise JwtError("the JWT kid must be a string")
    if "jwk" in header:
        _jwk_key(header["jwk"])


def _jwk_key(jwk: Any) -> bytes:
    if not (
        isinstance(jwk, Mapping)
        and jwk.get("kty") == "OKP"
        and jwk.get("crv") == "Ed25519"
        and isinstance(jwk.get("x"), str)
    ):
        raise JwtError("the JWT jwk is not an Ed25519 OKP public key")
    if "d" in jwk:
        raise JwtError("the JWT jwk holds a private key")
    try:
        raw = base64url_decode(jwk["x"])
    except ValueError as exc:
        raise JwtError(f"the JWT jwk key is malformed: {exc}") from exc
    if len(raw) != 32:
        raise JwtError("the JWT jwk key is not 32 bytes")
    return raw


def _credential_of(claims: Mapping[str, Any]) -> dict[str, Any]:
    # VC-DM 1.1 style tokens carry the credential in "vc" (OB 3.0 §8.2.4 note);
    # OB 3.0 tokens carry it at the top level. A token carrying both would
    # show one credential to this verifier and another to the next.
    top_level = {
        k: v for k, v in claims.items() if k not in REGISTERED_CLAIMS and k != "vc"
    }
    if "vc" not in claims:
        return top_level
    if not isinstance(claims["vc"], dict):
        raise JwtError("the JWT vc claim is not a credential object")
    wrapped = dict(claims["vc"])
    if top_level and top_level != wrapped:
        raise JwtError(
            "the JWT carries two different credentials: its vc claim and the "
            "credential at the top level of its payload",
            "jwt_claim_mismatch",
        )
    return wrapped


_CLAIM_SOURCES = {
    "iss": "issuer",
    "jti": "id",
    "nbf": "validFrom",
    "exp": "validUntil",
    "sub": "credentialSubject.id",
}


def _check_claims(claims: Mapping[str, Any], credential: Mapping[str, Any]) -> None:
    for name in ("nbf", "exp", "iat"):
        if name in claims and not _is_numeric_date(claims[name]):
            raise JwtError(f"the JWT {name} claim is not a NumericDate")
    expected = _expected_claims(credential)
    for name in ("iss", "nbf"):
        if name not in claims:
            raise JwtError(f"the JWT has no {name} claim")
    for name, value in expected.items():
        if name not in claims:
            raise JwtError(
                f"the JWT has no {name} claim, but the credential has "
                f"{_CLAIM_SOURCES[name]} ({value!r})",
                "jwt_claim_mismatch",
            )
    for name in ("jti", "sub"):
        if name in claims and name not in expected:
            raise JwtError(
                f"the JWT {name} claim ({claims[name]!r}) names what the credential "
                f"does not: it has no {_CLAIM_SOURCES[name]}",
                "jwt_claim_mismatch",
            )
    for name, value in expected.items():
        actual = claims[name]
        if name in ("nbf", "exp"):
            same = _is_numeric_date(actual) and actual == value
        else:
            same = isinstance(actual, str) and actual == value
        if not same:
            raise JwtError(
                f"the JWT {name} claim ({actual!r}) does not match the credential's "
                f"{_CLAIM_SOURCES[name]} ({value!r})",
                "jwt_claim_mismatch",
            )


# NumericDates a datetime can hold (years 1 to 9999).
_MIN_NUMERIC_DATE = -62_135_596_800
_MAX_NUMERIC_DATE = 253_402_300_799


def _is_numeric_date(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and _MIN_NUMERIC_DATE <= value <= _MAX_NUMERIC_DATE
    )


@dataclass(frozen=True)
class VerifiedJwt:
    """A VC-JWT whose signature verified, with the key that made it."""

    decoded: DecodedJwt
    key: VerificationKey


def verify_jwt_signature(decoded: DecodedJwt, resolver: Resolver) -> VerifiedJwt:
    """Verify a decoded VC-JWT's EdDSA signature (RFC 7515 §5.2, RFC 8037).

    The key is the verification method named by kid (resolved, and equal to
    the jwk when both are given) or else the header's jwk, treated as the
    did:key of that key. Raises JwtError when no key can be had or the
    signature does not verify.
    """
    header = decoded.header
    if "kid" in header:
        try:
            key = resolver.resolve(header["kid"])
        except BadgeError as exc:
            raise JwtError(
                f"the JWT key cannot be resolved: {exc}", "key_unresolved"
            ) from exc
        if "jwk" in header and _jwk_key(header["jwk"]) != key.public_key:
            raise JwtError("the JWT jwk and kid name different keys", "proof_invalid")
    else:
        raw = _jwk_key(header["jwk"])
        did = did_key_from_public_key(raw)
        key = VerificationKey(
            id=f"{did}#{did.removeprefix('did:key:')}",
            controller=did,
            public_key=raw,
            relationships=frozenset({"assertionMethod"}),
        )
    if not verify_ed25519(key.public_key, decoded.signature, decoded.signing_input):
        raise JwtError("the JWT signature does not match", "proof_invalid")
    return VerifiedJwt(decoded, key)


def verify_jwt(
    token: str, resolver: Resolver, limits: Limits = DEFAULT_LIMITS
) -> VerifiedJwt:
    """Decode a VC-JWT, check header and claims, and verify its signature.

    Raises JwtError for any structural, claim or signature problem.
    """
    return verify_jwt_signature(decode_jwt(token, limits), resolver)
