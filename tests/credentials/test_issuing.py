"""Completing a module issues one signed Open Badges 3.0 credential that verifies in
every form; revocation, rotation and reissue keep verifiers told the truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badges.baking import extract_png, extract_svg
from badges.dids import Resolver
from badges.jwt import decode_jwt
from badges.schema import schema_errors
from badges.verify import verify_credential
from pdhub import jobs
from pdhub.credentials import keys, service
from pdhub.credentials.models import IssuedCredential, IssuerKey, StatusList
from pdhub.learning.completion import complete_if_done
from pdhub.notifications.models import Notification
from pdhub.submissions.states import SubmissionStatus
from pdhub.verification import service as verification
from pdhub.verification.models import Verdict
from tests.factories import (
    AwardFactory,
    EnrollmentFactory,
    QuizAttemptFactory,
    SubmissionFactory,
)


def fetcher(client: FlaskClient, origin: str = "http://localhost") -> Any:
    """Fetch our own URLs through the app, as a verifier would over HTTP."""

    def fetch(url: str) -> bytes:
        assert url.startswith(origin), url
        response = client.get(url.removeprefix(origin))
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data()

    return fetch


def verify(data: Any, client: FlaskClient, **kwargs: Any) -> Any:
    return verify_credential(
        data, resolver=Resolver(**kwargs), status_fetcher=fetcher(client)
    )


def test_completing_a_module_issues_one_credential_after_commit(
    session: Session, mail_log: Path
) -> None:
    enrollment = EnrollmentFactory()
    QuizAttemptFactory(enrollment=enrollment, passed=True)
    SubmissionFactory(enrollment=enrollment, status=SubmissionStatus.PASSED)
    award = complete_if_done(session, enrollment)
    assert award is not None
    assert session.scalar(select(func.count(IssuedCredential.id))) == 0
    session.commit()  # the issuing job leaves after commit (eagerly: no Redis)
    credential = session.scalar(select(IssuedCredential))
    assert credential is not None and credential.award_id == award.id
    assert credential.user_id == enrollment.user_id
    notification = session.scalar(
        select(Notification).where(Notification.user_id == enrollment.user_id)
    )
    assert notification is not None and "badge" in notification.message
    assert (
        f"You earned the {enrollment.module.badge_name} badge" in mail_log.read_text()
    )


def test_running_the_issuing_task_twice_keeps_one_credential(session: Session) -> None:
    award = AwardFactory()
    task = jobs.task("pdhub.issue_credential")
    first = task.apply(args=[award.id]).get()
    second = task.apply(args=[award.id]).get()
    assert first == second
    assert session.scalar(select(func.count(IssuedCredential.id))) == 1


def test_the_issued_credential_validates_against_the_strict_schema_and_verifies(
    session: Session, client: FlaskClient
) -> None:
    award = AwardFactory(enrollment__module__hours=2.5)
    credential = service.issue_credential(session, award.id)
    assert credential is not None
    document = json.loads(credential.credential_json)
    assert schema_errors(document) == []
    assert document["id"] == f"urn:uuid:{credential.id}"
    assert document["issuer"]["id"].startswith("did:key:z6Mk")
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["id"] == (
        f"http://localhost/achievements/{award.module.slug}-v1"
    )
    assert achievement["creditsAvailable"] == 2.5
    assert [a["targetCode"] for a in achievement["alignment"]] == ["2.5.a"]
    assert len(achievement["resultDescription"]) == 3
    assert document["credentialSubject"]["creditsEarned"] == 2.5
    identity = document["credentialSubject"]["identifier"][0]
    assert award.user.email not in credential.credential_json
    assert identity["salt"] == credential.recipient_salt
    assert document["credentialStatus"]["statusListCredential"] == (
        f"http://localhost/status-lists/{credential.revocation_list_id}"
    )
    report = verify(credential.credential_json, client)
    assert report.verified, report.to_json()


def test_the_jwt_png_and_svg_forms_carry_the_same_credential_and_verify(
    session: Session, client: FlaskClient
) -> None:
    credential = service.issue_credential(session, AwardFactory().id)
    assert credential is not None
    png = bytes(credential.baked_png)
    svg = bytes(credential.baked_svg)
    assert png.count(b"iTXtopenbadgecredential") == 1
    assert json.loads(extract_png(png)) == credential.document
    assert json.loads(extract_svg(svg)) == credential.document
    assert b"openbadges:credential" in svg
    claims = decode_jwt(credential.jwt).credential
    assert claims["id"] == credential.document["id"]
    for data in (png, svg, credential.jwt):
        report = verify(data, client)
        assert report.verified, report.to_json()


def test_revoking_flips_the_status_bit_and_the_served_list_still_verifies(
    session: Session, client: FlaskClient
) -> None:
    credential = service.issue_credential(session, AwardFactory().id)
    assert credential is not None
    other = service.issue_credential(session, AwardFactory().id)
    assert other is not None
    service.revoke_credential(
        session, None, credential, "Evidence was not the teacher's."
    )
    session.commit()

    listed = client.get(f"/status-lists/{credential.revocation_list_id}")
    assert listed.status_code == 200
    assert listed.headers["Access-Control-Allow-Origin"] == "*"
    report = verify(credential.credential_json, client)
    assert not report.verified
    # The list names the set bit by the entry's purpose (docs/status-lists.md);
    # PD Hub's verifier says revoked, from its records.
    assert report.check("status").detail == "the credential is suspended"
    assert verification.verify(credential.credential_json).verdict is Verdict.REVOKED
    assert report.check("proof").passed
    still_fine = verify(other.credential_json, client)
    assert still_fine.verified, still_fine.to_json()
    assert credential.revocation_reason == "Evidence was not the teacher's."


def test_status_lists_have_131072_entries_and_indexes_are_not_sequential(
    session: Session,
) -> None:
    issued = [service.issue_credential(session, AwardFactory().id) for _ in range(4)]
    indexes = [c.revocation_index for c in issued if c is not None]
    status_list = session.scalar(select(StatusList))
    assert status_list is not None and status_list.size == 131_072
    assert len(status_list.bits) == 131_072 // 8
    assert len(set(indexes)) == 4
    assert indexes != sorted(indexes) or max(indexes) - min(indexes) > 3


def test_private_keys_are_stored_encrypted(session: Session) -> None:
    key = keys.current_key(session)
    pair = keys.key_store().load(key)
    assert pair.seed not in bytes(key.private_key_encrypted)
    assert bytes(key.private_key_encrypted).startswith(b"gAAAAA")  # Fernet


def test_rotation_keeps_old_credentials_verifiable_and_did_json_lists_both_keys(
    app_factory: Any,
) -> None:
    web: Flask = app_factory(
        PDHUB_BASE_URL="https://pd.example.org", SERVER_NAME="pd.example.org"
    )
    with web.app_context():
        from pdhub.extensions import db

        client = web.test_client()
        old = service.issue_credential(db.session, AwardFactory().id)
        assert old is not None
        keys.rotate_key(db.session)
        new = service.issue_credential(db.session, AwardFactory().id)
        assert new is not None
        db.session.commit()
        assert old.document["issuer"]["id"] == "did:web:pd.example.org"
        assert new.document["issuer"]["id"] == "did:web:pd.example.org"
        assert old.issuer_key_id != new.issuer_key_id

        did = client.get("/.well-known/did.json")
        assert did.status_code == 200
        document = did.get_json()
        listed = {m["publicKeyMultibase"] for m in document["verificationMethod"]}
        stored = {k.public_key_multibase for k in db.session.scalars(select(IssuerKey))}
        assert listed == stored and len(listed) == 2

        def fetch(url: str) -> bytes:
            origin = "https://pd.example.org"
            assert url.startswith(origin), url
            return client.get(url.removeprefix(origin)).get_data()

        for credential in (old, new):
            report = verify_credential(
                credential.credential_json,
                resolver=Resolver(fetch, allowed_hosts=["pd.example.org"]),
                status_fetcher=fetch,
            )
            assert report.verified, report.to_json()


def test_did_key_issuers_keep_their_own_status_lists_after_rotation(
    session: Session, client: FlaskClient
) -> None:
    old = service.issue_credential(session, AwardFactory().id)
    assert old is not None
    keys.rotate_key(session)
    new = service.issue_credential(session, AwardFactory().id)
    assert new is not None
    assert old.document["issuer"]["id"] != new.document["issuer"]["id"]
    service.revoke_credential(session, None, old, "Issued in error.")
    session.commit()
    assert client.get("/.well-known/did.json").status_code == 404  # did:key mode
    revoked = verify(old.credential_json, client)
    assert revoked.check("proof").passed
    assert revoked.check("status").detail == "the credential is suspended"
    assert verification.verify(old.credential_json).verdict is Verdict.REVOKED
    fine = verify(new.credential_json, client)
    assert fine.verified, fine.to_json()


def test_a_reissue_creates_a_new_credential_and_revokes_the_old_one(
    session: Session, client: FlaskClient
) -> None:
    old = service.issue_credential(session, AwardFactory().id)
    assert old is not None
    original_text = old.credential_json
    new = service.reissue_credential(session, None, old, "Corrected the name.")
    session.commit()
    assert new.id != old.id and new.award_id == old.award_id
    assert old.replaced_by_id == new.id
    assert old.credential_json == original_text  # stored unchanged forever
    assert (
        old.revocation_reason
        == "Replaced by a corrected credential: Corrected the name."
    )
    assert service.issue_credential(session, old.award_id) is new
    assert verify(new.credential_json, client).verified
    assert not verify(old.credential_json, client).check("status").passed


def test_a_sweep_issues_awards_whose_job_never_ran(session: Session) -> None:
    award = AwardFactory()
    assert service.awards_without_credential(session, older_than_seconds=-60) == [
        award.id
    ]
    jobs.task("pdhub.issue_credential").apply(args=[award.id])
    assert service.awards_without_credential(session, older_than_seconds=-60) == []


def test_what_a_hiring_district_reads_is_specific_and_complete(
    session: Session, client: FlaskClient
) -> None:
    award = AwardFactory(enrollment__module__hours=4.5)
    credential = service.issue_credential(session, award.id)
    assert credential is not None
    document = credential.document
    assert schema_errors(document) == []
    # The issuer: who they are, their site, their logo and whom to write to.
    issuer = document["issuer"]
    assert issuer["name"] == "PD Hub"
    assert issuer["url"] == "http://localhost"
    assert "K-12 educators" in issuer["description"]
    assert issuer["email"] == "no-reply@pdhub.local"
    assert issuer["image"] == {
        "id": "http://localhost/static/favicon.svg",
        "type": "Image",
        "caption": "PD Hub logo",
    }
    logo = client.get("/static/favicon.svg")
    assert logo.status_code == 200
    assert logo.mimetype == "image/svg+xml"
    logo.close()
    served = client.get("/issuers/pdhub").get_json()
    assert {k: v for k, v in served.items() if k not in ("@context",)} == {
        **issuer,
        "otherIdentifier": served["otherIdentifier"],
    }
    assert schema_errors(served, "ob_v3p0_profile_schema.json") == []
    # The achievement: each alignment names one standard by code and its own URL;
    # the hours are stated with their unit in the criteria, not only as a number.
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["alignment"] == [
        {
            "type": ["Alignment"],
            "targetName": "Designer",
            "targetUrl": "https://iste.org/standards/educators#2.5.a",
            "targetCode": "2.5.a",
            "targetFramework": "ISTE Standards for Educators",
        }
    ]
    assert achievement["creditsAvailable"] == 4.5
    assert (
        "Credit: 4.5 PD hours of professional development."
        in (achievement["criteria"]["narrative"])
    )


def test_the_issuer_contact_address_can_be_configured(
    app_factory: Any, session: Session
) -> None:
    configured = app_factory(PDHUB_ISSUER_EMAIL="badges@district.example")
    with configured.test_request_context():
        assert keys.issuer_profile("did:key:z6Mkx").email == "badges@district.example"
