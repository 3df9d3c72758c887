"""Issued credentials validate against the official schema and canonicalize safely."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from badge_samples import VALID_FROM, make_badge

from badges.canonical import canonicalize
from badges.credential import (
    Achievement,
    Evidence,
    IssuerProfile,
    NamedRecipient,
    OpenBadgeCredential,
    Recipient,
    StatusEntry,
    email_matches_identity,
    hash_identity,
    new_credential_id,
)
from badges.dates import format_date_time, is_date, is_date_time, parse_date_time
from badges.documents import OB_V3P0_EXTENSIONS
from badges.errors import CredentialBuildError, SchemaValidationError
from badges.keys import Ed25519KeyPair
from badges.schema import (
    ENDORSEMENT_CREDENTIAL_SCHEMA,
    PROFILE_SCHEMA,
    schema_errors,
    validate,
)


def test_issued_credential_validates_against_the_official_schema(
    issuer_key: Ed25519KeyPair,
) -> None:
    document = make_badge(
        issuer_key,
        status=StatusEntry("https://pdhub.example/status/1", 42),
        valid_until=VALID_FROM + timedelta(days=365 * 3),
    ).to_json()
    assert schema_errors(document) == []
    validate(document)
    assert document["@context"][2] == OB_V3P0_EXTENSIONS
    assert document["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"
    assert document["credentialStatus"]["statusListIndex"] == "42"
    assert document["validFrom"] == "2026-11-25T12:00:00Z"
    assert document["credentialSubject"]["creditsEarned"] == 3
    assert isinstance(document["credentialSubject"]["creditsEarned"], int)


def test_issued_credential_canonicalizes_with_every_term_defined(
    issuer_key: Ed25519KeyPair,
) -> None:
    document = make_badge(
        issuer_key, status=StatusEntry("https://pdhub.example/status/1", 7)
    ).to_json()
    canonical = canonicalize(document)
    for term in (
        "awardedDate",
        "creditsEarned",
        "creditsAvailable",
        "hashed",
        "identityHash",
        "achievementType",
        "rubricCriterionLevel",
        "achievedLevel",
        "targetFramework",
    ):
        assert term in canonical
    assert "statusListIndex" in canonical


def test_minimal_credential_without_schema_or_extras(
    issuer_key: Ed25519KeyPair,
) -> None:
    document = OpenBadgeCredential(
        issuer=IssuerProfile(issuer_key.did_key, "Issuer", "https://i.example"),
        achievement=Achievement(
            id="https://i.example/a/1",
            name="A",
            description="D",
            criteria_narrative="Do it.",
            achievement_type="Competency",
        ),
        recipient=Recipient.from_email("a@b.example"),
        valid_from=datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=2))),
        include_schema=False,
    ).to_json()
    assert OB_V3P0_EXTENSIONS not in document["@context"]
    assert "credentialSchema" not in document
    assert "evidence" not in document
    assert document["validFrom"] == "2025-12-31T22:00:00Z"
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", document["id"])
    canonicalize(document)
    validate(document)


def test_recipient_hash_is_sha256_of_email_and_salt() -> None:
    recipient = Recipient.from_email("  Teacher@School.example ", salt="s4lt")
    expected = hashlib.sha256(b"teacher@school.examples4lt").hexdigest()
    assert recipient.identity_hash == f"sha256${expected}"
    assert recipient.matches_email("teacher@school.example")
    assert recipient.matches_email("TEACHER@school.example")
    assert not recipient.matches_email("other@school.example")
    assert hash_identity("x", "y") == "sha256$" + hashlib.sha256(b"xy").hexdigest()
    assert recipient.to_json() == {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": recipient.identity_hash,
        "identityType": "emailAddress",
        "salt": "s4lt",
    }


def test_random_salts_differ() -> None:
    first = Recipient.from_email("a@b.example")
    second = Recipient.from_email("a@b.example")
    assert first.salt != second.salt
    assert first.identity_hash != second.identity_hash


def test_recipient_needs_an_email() -> None:
    with pytest.raises(CredentialBuildError):
        Recipient.from_email("  ")


def test_credential_ids_are_random_urn_uuids() -> None:
    assert new_credential_id() != new_credential_id()
    assert new_credential_id().startswith("urn:uuid:")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"valid_from": datetime(2026, 1, 1)}, "time zone"),
        ({"valid_until": VALID_FROM}, "after validFrom"),
        ({"credits_earned": -1}, "non-negative"),
        ({"credits_earned": float("nan")}, "non-negative"),
        ({"status": StatusEntry("https://s.example/1", -1)}, "not negative"),
        ({"status": StatusEntry("https://s.example/1", 1, "paused")}, "purpose"),
    ],
)
def test_out_of_range_values_are_refused(
    issuer_key: Ed25519KeyPair, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(CredentialBuildError, match=message):
        make_badge(issuer_key, **overrides).to_json()


def test_schema_violations_are_refused_with_the_reason(
    issuer_key: Ed25519KeyPair,
) -> None:
    badge = make_badge(issuer_key)
    bad = Achievement(
        id=badge.achievement.id,
        name="A",
        description="D",
        criteria_narrative="C",
        achievement_type="Sticker",
    )
    with pytest.raises(CredentialBuildError, match="achievementType"):
        make_badge(issuer_key, achievement=bad).to_json()


def test_evidence_is_optional_and_flexible(issuer_key: Ed25519KeyPair) -> None:
    document = make_badge(
        issuer_key,
        evidence=(Evidence(name="Reflection", description="A written reflection."),),
    ).to_json()
    assert document["evidence"] == [
        {
            "type": ["Evidence"],
            "name": "Reflection",
            "description": "A written reflection.",
        }
    ]
    canonicalize(document)


def test_fractional_pd_hours_are_kept(issuer_key: Ed25519KeyPair) -> None:
    document = make_badge(issuer_key, credits_earned=1.5).to_json()
    assert document["credentialSubject"]["creditsEarned"] == 1.5
    assert '"1.5E0"^^<https://www.w3.org/2001/XMLSchema#float>' in canonicalize(
        document
    )


def test_suspension_entries_serialize(issuer_key: Ed25519KeyPair) -> None:
    entry = StatusEntry("https://s.example/lists/2", 9, "suspension").to_json()
    assert entry == {
        "id": "https://s.example/lists/2#9",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "9",
        "statusListCredential": "https://s.example/lists/2",
    }


def test_schema_errors_name_the_path_and_problem(
    vector_credential: dict[str, Any],
) -> None:
    assert schema_errors(vector_credential) == [
        "$.proof: this dict is not of type 'array'"
    ]
    vector_credential.pop("proof")
    vector_credential["validFrom"] = "2010-01-01T00:00:00"
    vector_credential["issuer"]["type"] = "Profile"
    vector_credential["credentialSubject"]["identifier"] = [
        {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": "x",
            "identityType": "mood",
        }
    ]
    problems = schema_errors(vector_credential)
    assert "$.issuer: 'Profile' is not of type 'array'" in problems
    assert "$.validFrom: '2010-01-01T00:00:00' is not a 'date-time'" in problems
    assert any(p.startswith("$.credentialSubject.identifier[0]") for p in problems)
    with pytest.raises(SchemaValidationError, match="validFrom"):
        validate(vector_credential)


def test_other_bundled_schemas_load(issuer_key: Ed25519KeyPair) -> None:
    profile = IssuerProfile(issuer_key.did_key, "Issuer", "https://i.example").to_json()
    profile["@context"] = [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert schema_errors(profile, PROFILE_SCHEMA) == []
    assert schema_errors({}, ENDORSEMENT_CREDENTIAL_SCHEMA)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T12:00:00Z", datetime(2026, 11, 25, 12, tzinfo=UTC)),
        ("2026-11-25T13:30:00+01:30", datetime(2026, 11, 25, 12, tzinfo=UTC)),
        (
            "2026-11-25T12:00:00.5Z",
            datetime(2026, 11, 25, 12, 0, 0, 500000, tzinfo=UTC),
        ),
        (
            "2026-11-25T12:00:00.123456789-00:00",
            datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC),
        ),
    ],
)
def test_dates_parse_strictly_to_utc(text: str, expected: datetime) -> None:
    assert parse_date_time(text) == expected
    assert is_date_time(text)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-25T12:00:00",
        "2026-11-25 12:00:00Z",
        "2026-11-25t12:00:00z",
        "2026-02-30T12:00:00Z",
        "2026-11-25T24:00:00Z",
        "2026-11-25T12:00:60Z",
        "2026-11-25T12:00:00+24:00",
        "2026-11-25T12:00Z",
        "0000-01-01T00:00:00Z",
        " 2026-11-25T12:00:00Z",
        20261125,
    ],
)
def test_malformed_dates_are_refused(text: Any) -> None:
    with pytest.raises(ValueError):
        parse_date_time(text)
    assert not is_date_time(text)


def test_date_formats() -> None:
    assert is_date("2026-11-25")
    assert not is_date("2026-13-25")
    assert not is_date("2026-1-25")
    assert not is_date(None)
    moment = datetime(2026, 11, 25, 12, 0, 0, 250000, tzinfo=UTC)
    assert format_date_time(moment) == "2026-11-25T12:00:00.250000Z"
    with pytest.raises(ValueError):
        format_date_time(datetime(2026, 11, 25))


def test_a_named_recipient_sits_beside_the_hashed_email_and_validates(
    issuer_key: Ed25519KeyPair,
) -> None:
    document = make_badge(issuer_key, named=NamedRecipient("  Maya   Lopez ")).to_json()
    validate(document)
    identifiers = document["credentialSubject"]["identifier"]
    assert identifiers[0]["identityType"] == "emailAddress"
    assert identifiers[1] == {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "Maya Lopez",
        "identityType": "name",
    }
    with pytest.raises(CredentialBuildError):
        make_badge(issuer_key, named=NamedRecipient("   ")).to_json()


def test_an_expected_email_is_checked_against_the_salted_hash() -> None:
    recipient = Recipient.from_email("Teacher@School.example", salt="s4lt").to_json()
    assert email_matches_identity([recipient], " TEACHER@school.example ") is True
    assert email_matches_identity([recipient], "other@school.example") is False
    assert email_matches_identity(recipient, "teacher@school.example") is True
    # The spec's own example, and a hash written in upper case.
    example = {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": "sha256$"
        + hashlib.sha256(b"a@example.comKosher").hexdigest().upper(),
        "identityType": "emailAddress",
        "salt": "Kosher",
    }
    assert email_matches_identity([example], "a@example.com") is True
    md5 = dict(
        example,
        identityHash="md5$" + hashlib.md5(b"a@example.comKosher").hexdigest(),  # noqa: S324
    )
    assert email_matches_identity([md5], "a@example.com") is True
    plain = {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "A@Example.com",
        "identityType": "emailAddress",
    }
    assert email_matches_identity([plain], "a@example.com") is True
    name_only = {**plain, "identityType": "name", "identityHash": "Ann"}
    assert email_matches_identity([name_only], "a@example.com") is None
    assert email_matches_identity(None, "a@example.com") is None
    assert email_matches_identity(["junk", 3, {"identityType": 1}], "a@b.c") is None
