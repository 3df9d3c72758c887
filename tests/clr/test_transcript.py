"""The teacher's verifiable transcript: a signed CLR 2.0 credential of every current
badge, downloaded, shared by link, exported from the command line and verified with
each badge inside it."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from badges.clr import embedded_credentials, shape_problems
from badges.schema import schema_errors
from pdhub.accounts.models import User
from pdhub.credentials import service
from pdhub.credentials.models import IssuedCredential
from tests.factories import AwardFactory, UserFactory
from tests.helpers import sign_in, text


@pytest.fixture
def teacher(session: Session) -> User:
    user = UserFactory(name="Maya Lopez")
    session.flush()
    return user


def _issue(session: Session, teacher: User) -> IssuedCredential:
    issued = service.issue_credential(
        session, AwardFactory(enrollment__user=teacher).id
    )
    assert issued is not None
    return issued


@pytest.fixture
def badges(session: Session, teacher: User) -> list[IssuedCredential]:
    found = [_issue(session, teacher), _issue(session, teacher)]
    session.commit()
    return found


def _download(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/transcript.clr.json")
    assert response.status_code == 200
    assert response.mimetype == "application/vc+ld+json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    document: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return document


def _verify(client: FlaskClient, document: dict[str, Any]) -> str:
    response = client.post(
        "/verify",
        data={"credential": json.dumps(document)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    return text(response)


def test_the_transcript_carries_every_current_badge_signed_and_each_verifies(
    client: FlaskClient,
    session: Session,
    teacher: User,
    badges: list[IssuedCredential],
) -> None:
    revoked = _issue(session, teacher)
    service.revoke_credential(
        session, UserFactory(admin=True), revoked, "Issued by mistake."
    )
    session.commit()
    sign_in(client, teacher)
    document = _download(client)
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    assert shape_problems(document) == []
    inside = embedded_credentials(document)
    # The two current badges, exactly as issued (each with its own proof); the
    # revoked one is left out.
    assert sorted(json.dumps(c, sort_keys=True) for c in inside) == sorted(
        json.dumps(b.document, sort_keys=True) for b in badges
    )
    for credential in inside:
        assert (
            schema_errors({k: v for k, v in credential.items() if k != "proof"}) == []
        )
    achievements = {a["id"] for a in document["credentialSubject"]["achievement"]}
    assert achievements == {b.achievement_id for b in badges}
    hours = sum(b.award.module.hours for b in badges)
    assert f"2 badges earned on PD Hub, {hours:g} hours" in document["description"]
    assert document["name"] == "Professional learning transcript of Maya Lopez"

    page = _verify(client, document)
    assert '<h2 id="verdict-title" tabindex="-1">Verified</h2>' in page
    assert "The 2 credentials in this transcript" in page
    for badge in badges:
        assert badge.award.module.badge_name in page
    assert "Not passed" not in page

    # Unchanged badges: the same transcript (and link) is handed out again.
    assert _download(client)["id"] == document["id"]


def test_a_changed_badge_inside_fails_the_transcript_and_is_named(
    client: FlaskClient, teacher: User, badges: list[IssuedCredential]
) -> None:
    sign_in(client, teacher)
    document = _download(client)
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["verifiableCredential"][0]["validFrom"] = (
        "2020-01-01T00:00:00Z"
    )
    page = _verify(client, tampered)
    assert '<h2 id="verdict-title" tabindex="-1">Not verified</h2>' in page
    assert page.count("Not verified") >= 2  # the transcript and the changed badge
    api = client.post("/api/v1/verify", json=document).get_json()
    assert api["verified"] is True
    assert [c["verified"] for c in api["contents"]] == [True, True]
    api = client.post("/api/v1/verify", json=tampered).get_json()
    assert api["verified"] is False
    assert sorted(c["verified"] for c in api["contents"]) == [False, True]


def test_a_badge_revoked_after_the_transcript_shows_in_its_verification(
    client: FlaskClient,
    session: Session,
    teacher: User,
    badges: list[IssuedCredential],
) -> None:
    sign_in(client, teacher)
    document = _download(client)
    service.revoke_credential(
        session, UserFactory(admin=True), badges[0], "Issued by mistake."
    )
    session.commit()
    result = client.post("/api/v1/verify", json=document).get_json()
    assert result["verified"] is False
    verdicts = sorted(c["verdict"] for c in result["contents"])
    assert verdicts == ["revoked", "verified"]


def test_the_transcript_is_private_until_shared(
    client: FlaskClient, teacher: User, badges: list[IssuedCredential]
) -> None:
    sign_in(client, teacher)
    page = text(client.get("/transcript"))
    assert "Download the verifiable transcript" in page
    assert "Private: only you can open it." in page
    document = _download(client)
    transcript_id = document["id"].removeprefix("urn:uuid:")
    address = f"/transcripts/{transcript_id}.json"
    assert client.get(address).status_code == 200  # its teacher
    client.post("/signout")
    assert client.get(address).status_code == 404  # a visitor
    sign_in(client, UserFactory())
    assert client.get(address).status_code == 404  # another teacher
    client.post("/signout")

    sign_in(client, teacher)
    assert (
        client.post("/transcript/clr/share", data={"shared": "on"}).status_code == 303
    )
    page = text(client.get("/transcript"))
    assert f"http://localhost{address}" in page
    client.post("/signout")
    shared = client.get(address)
    assert shared.status_code == 200
    assert json.loads(shared.get_data(as_text=True)) == document
    verify_link = client.get(f"/transcripts/{transcript_id}")
    assert verify_link.status_code == 303
    assert "/verify?url=" in verify_link.headers["Location"]

    sign_in(client, teacher)
    client.post("/transcript/clr/share", data={"shared": "off"})
    client.post("/signout")
    assert client.get(address).status_code == 404
    assert client.get("/transcripts/not-a-uuid.json").status_code == 404
    assert client.get(f"/transcripts/{transcript_id}.xml").status_code == 404


def test_no_badge_yet_says_so_instead_of_a_file(
    client: FlaskClient, teacher: User
) -> None:
    sign_in(client, teacher)
    response = client.get("/transcript.clr.json", follow_redirects=True)
    assert "You have no badges yet" in text(response)
    assert client.get("/transcript.clr.json").status_code == 303


def test_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/transcript.clr.json")
    assert response.status_code in (302, 303)
    assert "/signin" in response.headers["Location"]


def test_export_clr_from_the_command_line(
    app: Flask, teacher: User, badges: list[IssuedCredential]
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["credentials", "export-clr", teacher.email])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert len(embedded_credentials(document)) == 2
    missing = runner.invoke(args=["credentials", "export-clr", "nobody@example.org"])
    assert missing.exit_code != 0
    assert "No account has the email address" in missing.output


def test_a_batch_row_names_the_transcript_and_the_badge_inside_that_fails(
    client: FlaskClient,
    session: Session,
    teacher: User,
    badges: list[IssuedCredential],
) -> None:
    from pdhub.verification import batches
    from pdhub.verification import service as verification
    from pdhub.verification.models import Verdict

    sign_in(client, teacher)
    document = _download(client)
    row = batches._item_values(verification.verify(json.dumps(document)))
    assert row["verdict"] is Verdict.VERIFIED
    assert row["achievement"] == (
        "Professional learning transcript of Maya Lopez (2 credentials inside)"
    )
    service.revoke_credential(
        session, UserFactory(admin=True), badges[1], "Issued by mistake."
    )
    session.commit()
    row = batches._item_values(verification.verify(json.dumps(document)))
    assert row["verdict"] is Verdict.NOT_VERIFIED
    assert "in the transcript" in row["reasons"]
    assert "revoked" in row["reasons"]
    revoked_name = badges[1].document["credentialSubject"]["achievement"]["name"]
    assert revoked_name in row["reasons"]
