"""verify_credential: every format in, one report out, each check on its own."""

from __future__ import annotations

import copy
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from badge_samples import (
    LIST_URL,
    VALID_FROM,
    make_badge,
    signed_badge,
    signed_status_list,
)
from PIL import Image as PillowImage

from badges.baking import bake_png, bake_svg
from badges.credential import Achievement
from badges.dids import PublishedKey, Resolver, controller_document
from badges.jwt import encode_jwt
from badges.keys import Ed25519KeyPair
from badges.proofs import sign_document
from badges.verify import CHECK_NAMES, Check, VerificationReport, verify_credential

NOW = VALID_FROM + timedelta(days=1)
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4">'
    '<rect width="4" height="4"/></svg>'
)


def png() -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (4, 4), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def status_list(issuer_key: Ed25519KeyPair) -> dict[str, Any]:
    return signed_status_list(issuer_key, revoked=(9,))


@pytest.fixture
def fetcher(status_list: dict[str, Any]) -> Any:
    def fetch(url: str) -> dict[str, Any]:
        assert url == LIST_URL
        return status_list

    return fetch


def verify(
    data: Any, fetcher: Any = None, resolver: Resolver | None = None, **kw: Any
) -> VerificationReport:
    return verify_credential(
        data,
        resolver=resolver or Resolver(),
        status_fetcher=fetcher,
        now=kw.pop("now", NOW),
        **kw,
    )


def failed(report: VerificationReport) -> dict[str, str]:
    return {check.name: check.detail for check in report.checks if not check.passed}


def test_the_1edtech_vector_verifies_through_its_controller_document(
    vector_credential: dict[str, Any], vector_controller: dict[str, Any]
) -> None:
    resolver = Resolver(lambda url: vector_controller, allowed_hosts={"example.edu"})
    for data in (
        vector_credential,
        json.dumps(vector_credential),
        json.dumps(vector_credential, indent=2).encode(),
    ):
        report = verify(data, resolver=resolver)
        assert report.verified, failed(report)
        assert [c.name for c in report.checks] == list(CHECK_NAMES)


def test_the_1edtech_vector_fails_when_its_controller_cannot_be_fetched(
    vector_credential: dict[str, Any],
) -> None:
    report = verify(vector_credential)
    assert not report.verified
    assert "no fetcher" in failed(report)["proof"]
    assert failed(report)["issuer"] == "not checked: no proof verified"


def test_an_issued_badge_verifies_in_every_format(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    credential = signed_badge(issuer_key)
    token = encode_jwt(
        make_badge(issuer_key).to_json(),
        issuer_key,
        issuer_key.did_key_verification_method,
    )
    inputs = {
        "json": credential,
        "text": json.dumps(credential),
        "bytes": json.dumps(credential).encode(),
        "jwt": token,
        "jwt-bytes": token.encode(),
        "png": bake_png(png(), credential),
        "png-jwt": bake_png(png(), token),
        "svg": bake_svg(SVG, credential),
        "svg-jwt": bake_svg(SVG, token),
    }
    for name, data in inputs.items():
        report = verify(data, fetcher)
        assert report.verified, (name, failed(report))
    assert verify(inputs["png-jwt"], fetcher).format == "png-jwt"
    assert verify(inputs["svg"], fetcher).check("structure").detail == (
        "a well-formed credential baked in an SVG"
    )


def test_report_serializes_to_the_public_api_shape(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    report = verify(signed_badge(issuer_key), fetcher)
    payload = report.to_json()
    assert payload["verified"] is True
    assert [c["name"] for c in payload["checks"]] == list(CHECK_NAMES)
    assert all(
        set(c) == {"name", "passed", "code", "detail"} for c in payload["checks"]
    )
    assert {c["code"] for c in payload["checks"]} == {"ok"}
    assert report.check("status").detail == "not revoked (checked revocation list)"
    with pytest.raises(KeyError):
        report.check("nonexistent")
    assert not VerificationReport([Check("structure", True, "ok")]).verified


def test_a_revoked_badge_is_reported_revoked(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    report = verify(signed_badge(issuer_key, index=9), fetcher)
    assert not report.verified
    assert failed(report) == {"status": "the credential is revoked"}


def test_a_suspended_badge_is_reported_suspended(issuer_key: Ed25519KeyPair) -> None:
    suspensions = signed_status_list(issuer_key, revoked=(3,), purpose="suspension")
    report = verify(
        signed_badge(issuer_key, index=3, purpose="suspension"), lambda url: suspensions
    )
    assert failed(report) == {"status": "the credential is suspended"}
    fine = verify(
        signed_badge(issuer_key, index=4, purpose="suspension"), lambda url: suspensions
    )
    assert fine.verified


@pytest.mark.parametrize(
    ("make_fetcher", "message"),
    [
        (lambda lst: None, "no status fetcher"),
        (lambda lst: lambda url: 1 / 0, "could not be fetched"),
        (lambda lst: lambda url: "[]", "not a JSON object"),
        (lambda lst: lambda url: json.dumps(lst).encode(), None),
        (
            lambda lst: lambda url: {**lst, "validFrom": "2030-01-01T00:00:00Z"},
            "proof does not verify",
        ),
        (
            lambda lst: lambda url: {**lst, "issuer": "did:web:other.example"},
            "someone else",
        ),
    ],
)
def test_a_status_list_that_cannot_be_fetched_or_trusted_fails_the_status_check(
    issuer_key: Ed25519KeyPair,
    status_list: dict[str, Any],
    make_fetcher: Any,
    message: str | None,
) -> None:
    report = verify(signed_badge(issuer_key), make_fetcher(status_list))
    if message is None:
        assert report.verified
        return
    assert set(failed(report)) == {"status"}
    assert message in failed(report)["status"]


def test_a_status_list_signed_by_another_key_fails(issuer_key: Ed25519KeyPair) -> None:
    forger = Ed25519KeyPair.generate()
    forged = signed_status_list(forger, issuer_id=issuer_key.did_key)
    report = verify(signed_badge(issuer_key), lambda url: forged)
    assert "does not control" in failed(report)["status"]


def test_verified_status_lists_are_reused_but_their_window_still_applies(
    issuer_key: Ed25519KeyPair,
) -> None:
    short_lived = signed_status_list(
        issuer_key, valid_until=VALID_FROM + timedelta(days=2)
    )
    resolver = Resolver()
    credential = signed_badge(issuer_key)
    assert verify(credential, lambda url: short_lived, resolver).verified
    assert verify(credential, lambda url: short_lived, resolver).verified
    later = verify(
        credential,
        lambda url: short_lived,
        resolver,
        now=VALID_FROM + timedelta(days=3),
    )
    assert "not valid at this time" in failed(later)["status"]


def test_validity_window_is_enforced(issuer_key: Ed25519KeyPair, fetcher: Any) -> None:
    credential = signed_badge(issuer_key, valid_until=VALID_FROM + timedelta(days=10))
    assert verify(credential, fetcher).verified
    early = verify(credential, fetcher, now=VALID_FROM - timedelta(seconds=1))
    assert failed(early)["validity"] == (
        "not valid yet: valid from 2026-11-25T12:00:00Z"
    )
    late = verify(credential, fetcher, now=VALID_FROM + timedelta(days=11))
    assert set(failed(late)) == {"validity"}
    assert "expired on" in failed(late)["validity"]
    assert verify(credential, fetcher).check("validity").detail.startswith("valid from")


def test_malformed_dates_fail_validity_even_when_signed(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    document = make_badge(issuer_key).to_json()
    document["validUntil"] = "2027-01-01"
    signed = sign_document(document, issuer_key, issuer_key.did_key_verification_method)
    report = verify(signed, fetcher)
    assert "malformed" in failed(report)["validity"]
    assert "schema" in failed(report)
    backwards = make_badge(issuer_key).to_json()
    backwards["validUntil"] = "2026-01-01T00:00:00Z"
    signed = sign_document(
        backwards, issuer_key, issuer_key.did_key_verification_method
    )
    assert (
        failed(verify(signed, fetcher))["validity"] == "validUntil is before validFrom"
    )


def test_a_key_that_is_not_the_issuers_fails_the_issuer_check(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    other = Ed25519KeyPair.generate()
    document = make_badge(issuer_key).to_json()
    signed = sign_document(document, other, other.did_key_verification_method)
    report = verify(signed, fetcher)
    assert set(failed(report)) == {"issuer"}
    assert "not by the issuer" in failed(report)["issuer"]


def test_did_web_issuers_must_list_the_key_for_assertion(
    issuer_key: Ed25519KeyPair,
) -> None:
    did = "did:web:pdhub.example"
    method = issuer_key.verification_method_id(did)
    document = make_badge(
        issuer_key,
        issuer=make_badge(issuer_key).issuer.__class__(
            id=did, name="PD Hub", url="https://pdhub.example"
        ),
    ).to_json()
    signed = sign_document(document, issuer_key, method)
    listed = controller_document(did, [PublishedKey(issuer_key.public_key_multibase)])
    report = verify(signed, None, Resolver(lambda url: listed))
    assert report.verified, failed(report)
    unlisted = controller_document(
        did, [PublishedKey(issuer_key.public_key_multibase, assertion=False)]
    )
    report = verify(signed, None, Resolver(lambda url: unlisted))
    assert "assertionMethod" in failed(report)["issuer"]


def test_a_signed_credential_that_breaks_the_schema_fails_only_the_schema_check(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    document = make_badge(issuer_key).to_json()
    document["credentialSubject"]["achievement"]["achievementType"] = "Sticker"
    signed = sign_document(document, issuer_key, issuer_key.did_key_verification_method)
    report = verify(signed, fetcher)
    assert set(failed(report)) == {"schema"}
    assert "achievementType" in failed(report)["schema"]


def test_proofs_for_another_purpose_fail(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    from badges.proofs.eddsa_rdfc_2022 import create_proof

    document = make_badge(issuer_key).to_json()
    proof = create_proof(
        document,
        issuer_key,
        issuer_key.did_key_verification_method,
        proof_purpose="authentication",
    )
    report = verify({**document, "proof": [proof]}, fetcher)
    assert "assertionMethod" in failed(report)["proof"]


def test_tampered_credentials_fail_the_proof(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    credential = signed_badge(issuer_key)
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["creditsEarned"] = 30
    report = verify(tampered, fetcher)
    assert set(failed(report)) == {"proof", "issuer"}
    assert "does not match" in failed(report)["proof"]


def test_a_tampered_jwt_fails_the_proof(issuer_key: Ed25519KeyPair) -> None:
    forger = Ed25519KeyPair.generate()
    token = encode_jwt(
        make_badge(issuer_key).to_json(), forger, issuer_key.did_key_verification_method
    )
    report = verify(token)
    assert set(failed(report)) == {"proof", "issuer"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "not NoneType"),
        (42, "not int"),
        (["a"], "not list"),
        ("hello", "neither JSON nor a VC-JWT"),
        (b"\xff\xfe\x00", "neither a PNG, an SVG nor UTF-8"),
        ("[1, 2]", "neither JSON"),
        ("{", "Expecting"),
        ('{"a": 1, "a": 2}', "duplicate key"),
        ('{"a": NaN}', "NaN is not valid JSON"),
        (
            {"@context": "https://www.w3.org/ns/credentials/v2"},
            "@context must be a list",
        ),
        ({"@context": ["https://www.w3.org/ns/credentials/v2"]}, "type must include"),
        (
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
            },
            "issuer",
        ),
        (
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "VerifiableCredential",
                "issuer": {"id": "did:example:1"},
            },
            "credentialSubject",
        ),
        (
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "VerifiableCredential",
                "issuer": "did:example:1",
                "credentialSubject": {},
            },
            "validFrom",
        ),
        (
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "VerifiableCredential",
                "issuer": "did:example:1",
                "credentialSubject": {},
                "validFrom": "2026-01-01T00:00:00Z",
                "id": 5,
            },
            "id must be a string",
        ),
        ({"x": {1, 2}}, "set is not a JSON value"),
        ({1: "x"}, "key 1 is not a string"),
        (b"\x89PNG\r\n\x1a\n", "no IEND"),
        ("e30.e30.e30", "EdDSA"),
    ],
)
def test_unreadable_input_fails_the_structure_check_and_nothing_else_runs(
    data: Any, message: str
) -> None:
    report = verify(data)
    assert not report.verified
    assert message in report.check("structure").detail
    assert all(not c.passed for c in report.checks)
    assert (
        report.check("proof").detail == "not checked: the credential could not be read"
    )


def test_credentials_without_status_pass_the_status_check(
    issuer_key: Ed25519KeyPair,
) -> None:
    document = make_badge(issuer_key).to_json()
    signed = sign_document(document, issuer_key, issuer_key.did_key_verification_method)
    report = verify(signed)
    assert report.verified
    assert "no status entry" in report.check("status").detail


def test_status_entries_that_are_malformed_fail_the_status_check(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    credential = signed_badge(issuer_key)
    credential["credentialStatus"]["statusListIndex"] = 5
    assert "string of digits" in failed(verify(credential, fetcher))["status"]


def test_achievement_type_extensions_are_allowed(
    issuer_key: Ed25519KeyPair, fetcher: Any
) -> None:
    badge = make_badge(issuer_key)
    achievement = Achievement(
        id=badge.achievement.id,
        name="X",
        description="Y",
        criteria_narrative="Z",
        achievement_type="ext:PDCourse",
    )
    signed = sign_document(
        make_badge(issuer_key, achievement=achievement).to_json(),
        issuer_key,
        issuer_key.did_key_verification_method,
    )
    assert verify(signed, fetcher).check("schema").passed
