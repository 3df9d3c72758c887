"""What teachers, strangers and administrators see of a credential."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.credentials import service
from pdhub.credentials.models import IssuedCredential
from tests.factories import AwardFactory, UserFactory
from tests.helpers import sign_in, text

FILES = ("json", "jwt", "png", "svg", "pdf")


@pytest.fixture
def credential(session: Session) -> IssuedCredential:
    issued = service.issue_credential(session, AwardFactory().id)
    assert issued is not None
    session.commit()
    return issued


def test_my_badges_lists_the_badge_with_downloads_and_a_private_note(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    sign_in(client, credential.user)
    page = text(client.get("/badges"))
    assert credential.award.module.badge_name in page
    assert "Private: only you can see this badge's page" in page
    for extension in FILES:
        assert f"/credentials/{credential.id}.{extension}?download=1" in page
    assert "Add to LinkedIn profile" not in page  # offered once shared


def test_strangers_get_404_until_the_teacher_shares_and_again_after_unsharing(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    paths = [f"/credentials/{credential.id}"] + [
        f"/credentials/{credential.id}.{ext}" for ext in FILES
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path
    sign_in(client, UserFactory())
    assert client.get(paths[0]).status_code == 404
    client.post("/signout")

    sign_in(client, credential.user)
    assert client.get(paths[0]).status_code == 200  # the owner previews it
    response = client.post(f"/badges/{credential.id}/share", data={"shared": "on"})
    assert response.status_code == 303
    page = text(client.get("/badges"))
    assert "Add to LinkedIn profile" in page
    assert f"http://localhost/credentials/{credential.id}" in page
    client.post("/signout")

    for path in paths:
        assert client.get(path).status_code == 200, path
    shared_page = text(client.get(paths[0]))
    assert 'property="og:title"' in shared_page
    assert f"{credential.user.name} earned" in shared_page
    assert client.get(paths[1]).get_json()["id"] == f"urn:uuid:{credential.id}"
    assert client.get(paths[5]).data.startswith(b"%PDF")

    sign_in(client, credential.user)
    client.post(f"/badges/{credential.id}/share", data={"shared": "off"})
    client.post("/signout")
    assert client.get(paths[0]).status_code == 404


def test_only_the_owner_can_share_a_badge(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    sign_in(client, UserFactory())
    response = client.post(f"/badges/{credential.id}/share", data={"shared": "on"})
    assert response.status_code == 404
    assert not credential.shared


def test_the_linkedin_link_fills_in_the_certification(
    session: Session, credential: IssuedCredential
) -> None:
    link = urlsplit(service.linkedin_url(credential))
    query = parse_qs(link.query)
    assert link.netloc == "www.linkedin.com"
    assert query["name"] == [credential.award.module.badge_name]
    assert query["organizationName"] == ["PD Hub"]
    assert query["certId"] == [credential.id]
    assert query["certUrl"] == [f"http://localhost/credentials/{credential.id}"]
    assert query["issueYear"] == [str(credential.issued_at.year)]


def test_an_administrator_suspends_lifts_and_revokes_with_reasons(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    sign_in(client, UserFactory(admin=True))
    assert credential.award.module.badge_name in text(client.get("/admin/credentials"))
    path = f"/admin/credentials/{credential.id}"
    missing = client.post(path, data={"action": "suspend", "reason": ""})
    assert missing.status_code == 422
    assert "Give a public reason" in text(missing)
    assert credential.suspended_at is None

    client.post(path, data={"action": "suspend", "reason": "Under review."})
    assert credential.suspension_reason == "Under review."
    client.post(path, data={"action": "unsuspend", "reason": ""})
    assert credential.suspended_at is None
    revoke = {"action": "revoke", "reason": "Plagiarised.", "note": "Case 12."}
    asked = client.post(path, data=revoke)
    assert asked.status_code == 200
    assert "Yes, revoke for good" in text(asked)
    assert credential.revoked_at is None  # not before it is confirmed
    response = client.post(path, data={**revoke, "confirmed": "yes"})
    assert response.status_code == 303
    assert "Revoked" in text(client.get(path))
    assert credential.revocation_reason == "Plagiarised."
    assert credential.revocation_note == "Case 12."
    again = client.post(path, data={**revoke, "confirmed": "yes"})
    assert again.status_code == 422
    assert "already revoked" in text(again)


def test_teachers_cannot_open_the_credential_administration(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    sign_in(client, credential.user)
    assert client.get("/admin/credentials").status_code == 403
    assert client.get(f"/admin/credentials/{credential.id}").status_code == 403


def test_achievement_and_issuer_documents_are_public(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    module = credential.award.module
    achievement = client.get(f"/achievements/{module.slug}-v{module.version}")
    assert achievement.status_code == 200
    assert achievement.get_json()["id"] == credential.achievement_id
    assert client.get(f"/achievements/{module.slug}-v99").status_code == 404
    issuer = client.get("/issuers/pdhub").get_json()
    assert issuer["id"] == credential.document["issuer"]["id"]
    assert client.get("/credentials/not-a-uuid").status_code == 404
    assert client.get("/status-lists/999999").status_code == 404
