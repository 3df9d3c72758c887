"""A credential carries the teacher's evidence links (URL and title, nothing else)
only when they chose to share them, on the single and the bulk issuing path."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.schema import schema_errors
from pdhub.credentials import service
from pdhub.credentials.models import Award, IssuedCredential
from pdhub.submissions.states import SubmissionStatus
from tests.credentials.test_issuing import verify
from tests.factories import ArtifactFactory, AwardFactory, SubmissionFactory
from tests.helpers import sign_in, text

REFLECTION = "Privately I worried that Ms Okafor's group would fall behind."
CONTEXT = "Room 12 has twenty-four seventh graders sharing twelve laptops."
LINKS = [
    {"url": "https://slides.example.org/d/fractions", "title": "Fractions slides"},
    {"url": "https://video.example.org/my lesson?x=1", "title": "Lesson video"},
]


def passed_award(share: bool) -> Award:
    """An award whose passing evidence has two links, writing and a file."""
    award = AwardFactory()
    submission = SubmissionFactory(
        enrollment=award.enrollment,
        status=SubmissionStatus.PASSED,
        context_text=CONTEXT,
        reflection_text=REFLECTION,
        links=LINKS,
        share_evidence_in_badge=share,
    )
    artifact = ArtifactFactory(submission=submission, filename="okafor-roster.pdf")
    submission.versions[0].artifact_ids = [artifact.id]
    # A link added to the draft after the passing submit is not part of it.
    submission.links = [*LINKS, {"url": "https://later.example.org/", "title": "Later"}]
    return award


def issued(session: Session, award: Award) -> tuple[IssuedCredential, dict[str, Any]]:
    credential = session.scalar(
        select(IssuedCredential).where(IssuedCredential.award_id == award.id)
    )
    assert credential is not None
    return credential, json.loads(credential.credential_json)


def assert_private_parts_left_out(credential: IssuedCredential) -> None:
    for private in (REFLECTION, CONTEXT, "okafor-roster", "Okafor", "later.example"):
        assert private not in credential.credential_json


def test_opting_in_puts_exactly_the_submitted_links_into_a_valid_credential(
    session: Session, client: FlaskClient
) -> None:
    award = passed_award(share=True)
    service.issue_credential(session, award.id)
    credential, document = issued(session, award)
    assert document["evidence"] == [
        {
            "id": "https://slides.example.org/d/fractions",
            "type": ["Evidence"],
            "name": "Fractions slides",
        },
        {
            "id": "https://video.example.org/my%20lesson?x=1",
            "type": ["Evidence"],
            "name": "Lesson video",
        },
    ]
    assert_private_parts_left_out(credential)
    assert schema_errors(document) == []
    report = verify(credential.credential_json, client)
    assert report.verified, report.to_json()


def test_without_opting_in_the_credential_has_no_evidence(
    session: Session, client: FlaskClient
) -> None:
    award = passed_award(share=False)
    service.issue_credential(session, award.id)
    credential, document = issued(session, award)
    assert "evidence" not in document
    assert "slides.example.org" not in credential.credential_json
    assert_private_parts_left_out(credential)
    assert verify(credential.credential_json, client).verified


def test_bulk_issuing_follows_the_same_rule(
    session: Session, client: FlaskClient
) -> None:
    sharing, private, no_submission = (
        passed_award(share=True),
        passed_award(share=False),
        AwardFactory(),
    )
    ids = [sharing.id, private.id, no_submission.id]
    assert service.issue_credentials(session, ids) == 3
    session.commit()
    credential, document = issued(session, sharing)
    assert [(e["id"], e["name"]) for e in document["evidence"]] == [
        ("https://slides.example.org/d/fractions", "Fractions slides"),
        ("https://video.example.org/my%20lesson?x=1", "Lesson video"),
    ]
    assert_private_parts_left_out(credential)
    for award in (private, no_submission):
        other, other_document = issued(session, award)
        assert "evidence" not in other_document
        assert_private_parts_left_out(other)
    for award in (sharing, private, no_submission):
        each, each_document = issued(session, award)
        assert schema_errors(each_document) == []
        report = verify(each.credential_json, client)
        assert report.verified, report.to_json()


def test_the_credential_page_lists_the_shared_links(
    session: Session, client: FlaskClient
) -> None:
    award = passed_award(share=True)
    credential = service.issue_credential(session, award.id)
    assert credential is not None
    session.commit()
    sign_in(client, award.user)
    response = client.get(f"/credentials/{credential.id}")
    page = text(response)
    assert "Evidence you chose to share" in page
    assert 'href="https://slides.example.org/d/fractions"' in page
    assert "Fractions slides" in page and "Lesson video" in page
    assert REFLECTION not in page and "okafor-roster" not in page


def test_the_credential_page_has_no_evidence_section_without_opting_in(
    session: Session, client: FlaskClient
) -> None:
    award = passed_award(share=False)
    credential = service.issue_credential(session, award.id)
    assert credential is not None
    session.commit()
    sign_in(client, award.user)
    page = text(client.get(f"/credentials/{credential.id}"))
    assert "chose to share" not in page and "Fractions slides" not in page
