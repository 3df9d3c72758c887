"""Where the verifier follows OB 3.0 and VC Data Integrity as an independent verifier
does: one valid proof is enough, a VC-JWT's claims must agree with its credential, a
JWT may expire without validUntil, odd JSON numbers never crash it, and every check
carries a machine-readable code."""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from badge_samples import (
    LIST_URL,
    VALID_FROM,
    make_badge,
    signed_badge,
    signed_status_list,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges.dids import Resolver
from badges.jwt import encode_jwt
from badges.keys import Ed25519KeyPair
from badges.multibase import base64url_decode, base64url_encode
from badges.proofs.hashing import unsecured
from badges.verify import CHECK_CODES, CHECK_NAMES, Check, verify_credential

NOW = VALID_FROM + timedelta(days=1)


@pytest.fixture
def fetcher(issuer_key: Ed25519KeyPair) -> Any:
    lists = {LIST_URL: signed_status_list(issuer_key, revoked=(9,))}
    return lists.__getitem__


def verify(data: Any, fetcher: Any, now: datetime = NOW) -> Any:
    return verify_credential(data, resolver=Resolver(), status_fetcher=fetcher, now=now)


def codes(report: Any) -> dict[str, str]:
    return {check.name: check.code for check in report.checks}


# --- proof sets -------------------------------------------------------------------


UNSUPPORTED_PROOF = {
    "type": "DataIntegrityProof",
    "cryptosuite": "ecdsa-rdfc-2019",
    "created": "2026-11-25T12:00:00Z",
    "verificationMethod": "did:example:other#key-1",
    "proofPurpose": "assertionMethod",
    "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a",
}


def test_a_valid_eddsa_proof_beside_an_unsupported_proof_verifies(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    credential = signed_badge(issuer_key)
    for proofs in (
        [*credential["proof"], UNSUPPORTED_PROOF],
        [UNSUPPORTED_PROOF, *credential["proof"]],
        [{"type": "BbsBlsSignature2020", "proofValue": "x"}, *credential["proof"]],
    ):
        report = verify({**credential, "proof": proofs}, fetcher)
        assert report.verified, report.to_json()
        assert "not checked (unsupported)" in report.check("proof").detail


def test_the_only_supported_proof_must_verify(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    credential = signed_badge(issuer_key)
    broken = copy.deepcopy(credential["proof"][0])
    broken["proofValue"] = credential["proof"][0]["proofValue"][:-4] + "abcd"
    report = verify({**credential, "proof": [broken, UNSUPPORTED_PROOF]}, fetcher)
    assert not report.verified
    assert report.check("proof").code == "proof_invalid"
    # Changing the credential breaks the only supported proof too.
    tampered = {**credential, "name": "Forged", "proof": [*credential["proof"]]}
    tampered["proof"].append(UNSUPPORTED_PROOF)
    assert verify(tampered, fetcher).check("proof").code == "proof_invalid"
    only_unsupported = verify({**credential, "proof": [UNSUPPORTED_PROOF]}, fetcher)
    assert not only_unsupported.verified
    assert only_unsupported.check("proof").code == "proof_missing"
    assert only_unsupported.check("issuer").code == "not_checked"


# --- VC-JWT claims ----------------------------------------------------------------


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return json.loads(base64url_decode(header)), json.loads(base64url_decode(payload))


def _sign(header: dict[str, Any], payload: dict[str, Any], key: Ed25519KeyPair) -> str:
    def encode(value: Any) -> str:
        return base64url_encode(json.dumps(value).encode())

    unsigned = f"{encode(header)}.{encode(payload)}"
    return f"{unsigned}.{base64url_encode(key.sign(unsigned.encode()))}"


@pytest.fixture
def token(issuer_key: Ed25519KeyPair) -> str:
    credential = unsecured(signed_badge(issuer_key))
    return encode_jwt(credential, issuer_key, issuer_key.did_key_verification_method)


def test_our_jwt_for_a_subject_without_id_verifies_and_has_no_sub(
    token: str, fetcher: Any
) -> None:
    _, payload = _parts(token)
    assert "sub" not in payload
    assert "id" not in payload["credentialSubject"]
    report = verify(token, fetcher)
    assert report.verified, report.to_json()
    assert report.format == "jwt"


@pytest.mark.parametrize(
    ("change", "claim"),
    [
        (
            lambda p: p.update(
                iss="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
            ),
            "iss",
        ),
        (lambda p: p.update(nbf=p["nbf"] + 3600), "nbf"),
        (
            lambda p: p.update(jti="urn:uuid:00000000-0000-4000-8000-000000000000"),
            "jti",
        ),
        (lambda p: p.update(sub="did:example:somebody-else"), "sub"),
        (lambda p: p.update(vc={**p, "name": "A different badge"}), "vc"),
        (
            lambda p: p.update(
                vc={
                    k: v
                    for k, v in {**p, "validFrom": "2020-01-01T00:00:00Z"}.items()
                    if k not in ("iss", "nbf", "jti", "exp")
                }
            ),
            "vc",
        ),
    ],
)
def test_a_jwt_whose_claims_disagree_with_its_credential_is_refused(
    token: str, issuer_key: Ed25519KeyPair, fetcher: Any, change: Any, claim: str
) -> None:
    header, payload = _parts(token)
    change(payload)
    report = verify(_sign(header, payload, issuer_key), fetcher)
    assert not report.verified
    structure = report.check("structure")
    assert structure.code == "jwt_claim_mismatch", structure
    assert claim in structure.detail
    assert report.credential is None  # no credential is shown for it


def test_a_jwt_wrapping_the_same_credential_in_vc_verifies(
    token: str, issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    header, payload = _parts(token)
    credential = {k: v for k, v in payload.items() if k not in ("iss", "nbf", "jti")}
    wrapped = {"iss": payload["iss"], "nbf": payload["nbf"], "jti": payload["jti"]}
    assert verify(_sign(header, {**wrapped, "vc": credential}, issuer_key), fetcher)
    both = {**payload, "vc": credential}
    assert verify(_sign(header, both, issuer_key), fetcher).verified


def test_a_jwt_with_exp_but_no_valid_until_is_accepted_until_exp(
    token: str, issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    header, payload = _parts(token)
    assert "validUntil" not in payload
    expires = VALID_FROM + timedelta(days=30)
    payload["exp"] = int(expires.timestamp())
    signed = _sign(header, payload, issuer_key)
    report = verify(signed, fetcher)
    assert report.verified, report.to_json()
    assert "2026-12-25T12:00:00Z" in report.check("validity").detail
    late = verify(signed, fetcher, now=expires + timedelta(seconds=1))
    assert not late.verified
    assert late.check("validity").code == "expired"


# --- codes --------------------------------------------------------------------------


def test_every_check_has_a_code_and_verdicts_are_coded(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    good = verify(signed_badge(issuer_key), fetcher)
    assert codes(good) == dict.fromkeys(CHECK_NAMES, "ok")
    assert verify(signed_badge(issuer_key, index=9), fetcher).check("status").code == (
        "revoked"
    )
    suspended = signed_status_list(issuer_key, revoked=(9,), purpose="suspension")
    report = verify_credential(
        signed_badge(issuer_key, index=9, purpose="suspension"),
        resolver=Resolver(),
        status_fetcher=lambda url: suspended,
        now=NOW,
    )
    assert report.check("status").code == "suspended"
    expiring = signed_badge(issuer_key, valid_until=VALID_FROM + timedelta(days=2))
    assert (
        verify(expiring, fetcher, now=VALID_FROM + timedelta(days=3))
        .check("validity")
        .code
        == "expired"
    )
    assert (
        verify(signed_badge(issuer_key), fetcher, now=VALID_FROM - timedelta(days=1))
        .check("validity")
        .code
        == "not_yet_valid"
    )
    unreadable = verify("not a credential", fetcher)
    assert codes(unreadable) == {
        "structure": "unreadable",
        **dict.fromkeys(CHECK_NAMES[1:], "not_checked"),
    }

    def unreachable(url: str) -> Any:
        raise OSError("connection refused")

    offline = verify(signed_badge(issuer_key), unreachable)
    assert offline.check("status").code == "status_unchecked"
    forged_list = signed_status_list(Ed25519KeyPair.generate())
    forged = verify(signed_badge(issuer_key), lambda url: forged_list)
    assert forged.check("status").code == "status_list_invalid"
    schema = verify({**signed_badge(issuer_key), "name": 7}, fetcher)
    assert schema.check("schema").code == "schema_mismatch"
    for report in (good, unreadable, offline, schema):
        for check in report.to_json()["checks"]:
            assert check["code"] in CHECK_CODES
    with pytest.raises(ValueError, match="unknown check code"):
        Check("proof", False, "x", "because I said so")


# --- odd JSON numbers ------------------------------------------------------------


ODD_NUMBERS = st.one_of(
    st.sampled_from(
        [
            "1e400",
            "-1e400",
            "1E+999",
            "1e-400",
            "0e0",
            "-0",
            "-0.0",
            "1" + "0" * 400,
            "-" + "9" * 5000,
            "123456789012345678901234567890",
            "9007199254740993",
            "1.7976931348623157e308",
            "4.9e-324",
            "0.1e1",
        ]
    ),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(min_value=-(10**320), max_value=10**320).map(str),
)

PLACES = [
    ("credentialSubject", "creditsEarned"),
    ("credentialSubject", "achievement", "creditsAvailable"),
    ("name",),
    ("validFrom",),
    ("credentialStatus", "statusListIndex"),
    ("proof",),
    ("@context",),
    ("issuer",),
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(number=ODD_NUMBERS, place=st.sampled_from(PLACES), as_text=st.booleans())
def test_odd_json_numbers_never_crash_the_verifier(
    issuer_key: Ed25519KeyPair, number: str, place: tuple[str, ...], as_text: bool
) -> None:
    credential = signed_badge(issuer_key)
    marker = "__NUMBER__"
    target = credential
    for key in place[:-1]:
        target = target[key]
    target[place[-1]] = marker
    text = json.dumps(credential).replace(f'"{marker}"', number)
    if as_text:
        data: Any = text
    else:
        try:
            data = json.loads(text)
        except ValueError:  # Python's own int limit: the text form is tested
            data = text
    report = verify_credential(
        data,
        resolver=Resolver(),
        status_fetcher=lambda url: signed_status_list(issuer_key),
        now=NOW,
    )
    assert [c.name for c in report.checks] == list(CHECK_NAMES)
    assert not report.verified  # any change breaks the signature
    assert all(c.code in CHECK_CODES for c in report.checks)
    assert all("unexpected" not in c.detail for c in report.checks), report.checks
    json.dumps(report.to_json(), allow_nan=False)


def test_non_finite_numbers_in_objects_are_refused_as_unreadable(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    for value in (math.inf, -math.inf, math.nan, 10**400):
        credential = signed_badge(issuer_key)
        credential["credentialSubject"]["creditsEarned"] = value
        report = verify(credential, fetcher)
        assert report.check("structure").code == "unreadable"
        assert "number" in report.check("structure").detail.lower()


def test_jwt_date_claims_at_the_edge_of_time_do_not_crash(
    token: str, issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    header, payload = _parts(token)
    for exp in (253_402_300_799, 10**15, -(10**15), 1e300):
        changed = {**payload, "exp": exp}
        report = verify(_sign(header, changed, issuer_key), fetcher)
        assert [c.name for c in report.checks] == list(CHECK_NAMES)
        assert all("unexpected" not in c.detail for c in report.checks)
    assert datetime.fromtimestamp(253_402_300_799, UTC).year == 9999


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 10**400])
def test_issuing_refuses_numbers_json_cannot_hold_with_a_badge_error(
    issuer_key: Ed25519KeyPair, value: Any
) -> None:
    from badges.baking import bake_svg
    from badges.errors import BadgeError
    from badges.proofs import sign_document

    document = signed_badge(issuer_key)
    document["credentialSubject"]["creditsEarned"] = value
    unsigned = unsecured(document)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    for make in (
        lambda: encode_jwt(unsigned, issuer_key, "did:key:z#z"),
        lambda: bake_svg(svg, document),
        lambda: sign_document(unsigned, issuer_key, "did:key:z#z"),
    ):
        with pytest.raises((BadgeError, TypeError)):
            make()
    with pytest.raises(BadgeError):
        make_badge(issuer_key, credits_earned=value).to_json()
