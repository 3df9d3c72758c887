"""Whose badge it is: an expected email checked against the credential's salted hash
(page and API, never stored or logged), a teacher's name in the badge by choice, and
every link that opens /verify?url= verifying at once."""

from __future__ import annotations

import json
import logging
import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from badges.schema import validate
from pdhub.credentials import service as credentials
from pdhub.credentials.models import IssuedCredential
from pdhub.db import Base
from pdhub.verification.models import RecipientMatch, Verdict
from tests.factories import AwardFactory, UserFactory
from tests.helpers import sign_in, text
from tests.verification.fixtures import Documents

SAMPLE_EMAIL = "teacher@school.example"  # the samples' recipient (salt "pepper")


@pytest.fixture
def badge(session: Session) -> IssuedCredential:
    user = UserFactory(email="maya.lopez@riverside.example", name="Maya Lopez")
    issued = credentials.issue_credential(
        session, AwardFactory(user=user, enrollment__user=user).id
    )
    assert issued is not None
    session.commit()
    return issued


def _post(site: Flask, **data: object):  # type: ignore[no-untyped-def]
    return site.test_client().post(
        "/verify", data=data, content_type="multipart/form-data"
    )


# --- the expected email ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "shown"),
    [
        (" Teacher@School.example ", "Recipient matches"),
        ("someone.else@school.example", "Does not match"),
        ("", "Not checked"),
    ],
)
def test_the_verify_page_checks_an_expected_email(
    site: Flask, documents: Documents, email: str, shown: str
) -> None:
    response = _post(site, credential=json.dumps(documents.credential()), email=email)
    assert response.status_code == 200
    page = text(response)
    assert "Verified" in page
    match = re.search(
        r'id="recipient-match">(.*?)</dd>', response.get_data(as_text=True)
    )
    assert match is not None and shown in unescape(match.group(1))


def test_a_malformed_email_is_explained_next_to_the_field(
    site: Flask, documents: Documents
) -> None:
    response = _post(
        site, credential=json.dumps(documents.credential()), email="not an email"
    )
    assert response.status_code == 422
    assert "Enter the teacher&#39;s email address" in response.get_data(as_text=True)


def test_the_api_checks_an_expected_email(site: Flask, documents: Documents) -> None:
    client = site.test_client()
    credential = documents.credential()
    answers = {
        email: client.post(
            "/api/v1/verify", json={"credential": credential, "email": email}
        ).get_json()
        for email in (SAMPLE_EMAIL.upper(), "other@school.example")
    }
    assert answers[SAMPLE_EMAIL.upper()]["recipient"]["match"] == "matches"
    assert answers[SAMPLE_EMAIL.upper()]["verified"] is True
    assert answers["other@school.example"]["recipient"]["match"] == "does_not_match"
    plain = client.post("/api/v1/verify", json=credential).get_json()
    assert plain["verified"] is True
    assert plain["recipient"]["match"] == "not_checked"
    bad = client.post("/api/v1/verify", json={"credential": credential, "email": ["x"]})
    assert bad.status_code == 422
    assert bad.mimetype == "application/problem+json"


def test_the_api_takes_an_email_with_a_jwt_and_with_an_upload(
    client: FlaskClient, badge: IssuedCredential, session: Session
) -> None:
    jwt = credentials.download(session, badge, "jwt").decode()
    png = credentials.download(session, badge, "png")
    by_jwt = client.post(
        "/api/v1/verify", json={"jwt": jwt, "email": "MAYA.LOPEZ@riverside.example"}
    ).get_json()
    assert (by_jwt["verdict"], by_jwt["recipient"]["match"]) == ("verified", "matches")
    upload = client.post(
        "/api/v1/verify",
        data={
            "file": (__import__("io").BytesIO(png), "badge.png"),
            "email": "someone@riverside.example",
        },
        content_type="multipart/form-data",
    ).get_json()
    assert upload["verdict"] == "verified"
    assert upload["recipient"]["match"] == "does_not_match"


def test_the_openapi_document_describes_the_email(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    body = document["paths"]["/verify"]["post"]["requestBody"]["content"]
    variants = body["application/json"]["schema"]["oneOf"]
    assert any("email" in v.get("properties", {}) for v in variants)
    assert "email" in body["multipart/form-data"]["schema"]["properties"]
    verification = document["components"]["schemas"]["Verification"]
    assert verification["properties"]["recipient"]["properties"]["match"]["enum"] == [
        m.value for m in RecipientMatch
    ]
    assert "status_not_checked" in verification["properties"]["verdict"]["enum"]


def test_the_email_is_stored_in_no_table_and_written_to_no_log(
    site: Flask,
    documents: Documents,
    session: Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    matching = "Teacher@School.example"
    other = "hr.private.probe@elsewhere.example"
    credential = documents.credential()
    _post(site, credential=json.dumps(credential), email=matching)
    _post(site, credential=json.dumps(credential), email=other)
    client = site.test_client()
    client.post("/api/v1/verify", json={"credential": credential, "email": other})
    client.post("/api/v1/verify", json={"credential": credential, "email": matching})
    session.expire_all()
    for table in Base.metadata.sorted_tables:
        for row in session.execute(sql(f'SELECT * FROM "{table.name}"')):  # noqa: S608
            dumped = repr(tuple(row)).lower()
            assert "teacher@school.example" not in dumped, table.name
            assert other not in dumped, table.name
    for record in caplog.records:
        line = record.getMessage().lower()
        assert "teacher@school.example" not in line
        assert other not in line


# --- links that open /verify?url= -----------------------------------------------------


def test_the_check_button_and_the_certificate_link_verify_at_once(
    client: FlaskClient, badge: IssuedCredential, session: Session
) -> None:
    badge.shared = True
    session.commit()
    page = client.get(f"/credentials/{badge.id}").get_data(as_text=True)
    found = re.search(r'href="([^"]*/verify\?url=[^"]*)"', page)
    assert found is not None
    link = unescape(found.group(1))
    assert link == credentials.verify_url(badge)  # the PDF's QR code holds this too
    response = client.get(link)
    assert response.status_code == 200
    answer = text(response)
    assert "Verified" in answer and "Every check passed" in answer
    assert badge.award.module.badge_name in answer
    # The link stays in the form, so the verifier can add the email to check.
    assert f'value="{credentials.json_url(badge)}"' in response.get_data(as_text=True)
    checked = client.post(
        "/verify",
        data={
            "url": credentials.json_url(badge),
            "email": "maya.lopez@riverside.example",
        },
    )
    assert "Recipient matches" in text(checked)


def test_a_link_to_a_badge_that_is_not_shared_says_what_to_do(
    client: FlaskClient, badge: IssuedCredential
) -> None:
    response = client.get(credentials.verify_url(badge))
    page = text(response)
    # A followed link is a page like any other (200), which says what to do.
    assert response.status_code == 200
    assert "Ask the teacher to share this badge, or to send you the file" in page
    assert "answered 404" not in page and "404 Not Found" not in page
    assert credentials.json_url(badge) in unescape(response.get_data(as_text=True))


def test_the_empty_form_is_still_plain(client: FlaskClient) -> None:
    page = text(client.get("/verify"))
    assert "The teacher's email address (optional)" in page
    assert "There is a problem" not in page


# --- the teacher's name in the badge --------------------------------------------------


def test_a_new_badge_carries_no_name(badge: IssuedCredential) -> None:
    identities = badge.document["credentialSubject"]["identifier"]
    assert [i["identityType"] for i in identities] == ["emailAddress"]


def test_a_teacher_puts_their_name_in_a_badge_and_verifiers_see_it(
    client: FlaskClient, badge: IssuedCredential, session: Session
) -> None:
    sign_in(client, badge.user)
    page = text(client.get(f"/credentials/{badge.id}"))
    assert "Put my name in this badge" in page
    response = client.post(f"/badges/{badge.id}/name", data={"named": "on"})
    assert response.status_code == 303
    session.expire_all()
    old = session.get(IssuedCredential, badge.id)
    assert old is not None and old.replaced_by_id is not None
    assert old.revoked_at is not None
    new = session.get(IssuedCredential, old.replaced_by_id)
    assert new is not None
    assert response.headers["Location"].endswith(f"/credentials/{new.id}")
    document = new.document
    validate({k: v for k, v in document.items() if k != "proof"})
    identities = document["credentialSubject"]["identifier"]
    assert {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "Maya Lopez",
        "identityType": "name",
    } in identities
    assert new.award.name_in_credential is True
    # The same key as every new credential: the current one.
    assert new.issuer_key_id == old.issuer_key_id

    share = text(client.get(f"/credentials/{new.id}"))
    assert '<dd id="named-in-credential">Maya Lopez</dd>' in share
    assert "Take my name out of this badge" in share

    verified = client.post("/api/v1/verify", json=document).get_json()
    assert verified["verdict"] == "verified"
    page = text(client.post("/verify", data={"credential": json.dumps(document)}))
    assert "<dt>Teacher</dt><dd>Maya Lopez</dd>" in page
    # The replaced credential now says so to verifiers.
    assert client.post("/api/v1/verify", json=old.document).get_json()["verdict"] == (
        "revoked"
    )

    # A later reissue (an administrator's correction) keeps the teacher's choice.
    admin = UserFactory(admin=True)
    again = credentials.reissue_credential(session, admin, new, "Corrected hours")
    assert credentials.named_in(again) == "Maya Lopez"

    # And taking it out again reissues without the name.
    session.commit()
    client.post(f"/badges/{again.id}/name", data={"named": "off"})
    session.expire_all()
    latest = session.scalar(
        select(IssuedCredential).where(
            IssuedCredential.current_award_id == badge.award_id
        )
    )
    assert latest is not None and latest.id != again.id
    assert credentials.named_in(latest) is None


def test_only_the_owner_may_name_themselves_in_a_badge(
    client: FlaskClient, badge: IssuedCredential, session: Session
) -> None:
    sign_in(client, UserFactory())
    assert (
        client.post(f"/badges/{badge.id}/name", data={"named": "on"}).status_code == 404
    )
    client.post("/signout")
    assert client.post(
        f"/badges/{badge.id}/name", data={"named": "on"}
    ).status_code in (
        302,
        303,
        401,
    )
    session.expire_all()
    assert session.get(IssuedCredential, badge.id).replaced_by_id is None  # type: ignore[union-attr]
    other_district_admin = UserFactory(district_admin=True)
    sign_in(client, other_district_admin)
    assert (
        client.post(f"/badges/{badge.id}/name", data={"named": "on"}).status_code == 404
    )


def test_a_suspended_badge_cannot_be_reissued_by_its_teacher(
    client: FlaskClient, badge: IssuedCredential, session: Session
) -> None:
    credentials.suspend_credential(session, None, badge, "Under review")
    session.commit()
    sign_in(client, badge.user)
    assert "Put my name in this badge" not in text(
        client.get(f"/credentials/{badge.id}")
    )
    client.post(f"/badges/{badge.id}/name", data={"named": "on"})
    session.expire_all()
    current = session.get(IssuedCredential, badge.id)
    assert current is not None
    assert current.replaced_by_id is None and current.suspended_at is not None


def test_the_verdict_for_an_unreadable_status_list_is_its_own(
    site: Flask, documents: Documents
) -> None:
    del documents.served["status/revocation"]
    page = text(_post(site, credential=json.dumps(documents.credential())))
    assert Verdict.STATUS_NOT_CHECKED.label in page
    assert "could not check whether it was revoked" in page
