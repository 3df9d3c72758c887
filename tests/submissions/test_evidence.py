"""Evidence drafts: saving, links, files checked by content, the checklist, submitting,
and who may see what."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from pdhub.errors import Conflict, PermissionDenied
from pdhub.submissions import service
from pdhub.submissions.models import Artifact, Submission, SubmissionVersion
from pdhub.submissions.states import SubmissionStatus
from pdhub.submissions.storage import DOCX, PPTX, LocalFileStore, sniff_media_type
from tests.factories import EnrollmentFactory, SubmissionFactory, UserFactory
from tests.helpers import sign_in, text

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
WORDS = " ".join(["evidence"] * 40)


def office_file(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<xml/>")
    return buffer.getvalue()


@pytest.fixture
def teacher(session: Session):
    return UserFactory()


@pytest.fixture
def enrollment(teacher):
    return EnrollmentFactory(user=teacher)


@pytest.fixture
def browser(client: FlaskClient, teacher) -> FlaskClient:
    sign_in(client, teacher)
    return client


def post(browser: FlaskClient, enrollment, **data):
    data.setdefault("context", "")
    data.setdefault("reflection", "")
    return browser.post(
        f"/learn/{enrollment.id}/evidence",
        data=data,
        content_type="multipart/form-data",
    )


def draft(session: Session, enrollment) -> Submission:
    return session.scalar(
        select(Submission).where(Submission.enrollment_id == enrollment.id)
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (office_file("word/document.xml"), DOCX),
        (office_file("ppt/presentation.xml"), PPTX),
        (EXE, None),
        (office_file("payload.bin"), None),
        (b"PK\x03\x04 not really a zip", None),
        (b"plain text", None),
    ],
)
def test_file_types_are_decided_by_content(
    content: bytes, expected: str | None
) -> None:
    assert sniff_media_type(content) == expected


def test_files_are_stored_encrypted_and_read_back(app: Flask, tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    with app.app_context():
        key = store.save(PDF)
        on_disk = next(path for path in tmp_path.rglob("*") if path.is_file())
        assert PDF not in on_disk.read_bytes() and b"%PDF" not in on_disk.read_bytes()
        assert store.read(key) == PDF
        store.delete(key)
    assert not on_disk.exists()
    with pytest.raises(ValueError):
        store.read("../etc/passwd")


def test_saving_the_draft_without_javascript_keeps_the_text(
    session: Session, browser: FlaskClient, enrollment
) -> None:
    response = post(
        browser,
        enrollment,
        context="My class of 24.",
        reflection="It went well.",
        action="save",
    )
    assert response.status_code == 303
    page = text(browser.get(f"/learn/{enrollment.id}/evidence"))
    assert "My class of 24." in page and "It went well." in page and "Saved at" in page
    assert "4 of at least 20 words" in page


def test_autosave_saves_the_written_parts(
    session: Session, browser: FlaskClient, enrollment
) -> None:
    response = browser.post(
        f"/learn/{enrollment.id}/evidence/autosave",
        data={"context": "Typed so far", "reflection": ""},
    )
    assert response.status_code == 200
    assert response.json["saved"] is True and response.json["words"]["context"] == 3
    assert draft(session, enrollment).context_text == "Typed so far"


def test_a_pdf_and_a_link_are_added_and_the_file_downloads(
    session: Session, browser: FlaskClient, enrollment
) -> None:
    response = post(
        browser,
        enrollment,
        context="Kept",
        action="add",
        upload=(io.BytesIO(PDF), "plan.pdf"),
        link_url="https://example.org/slides",
        link_title="Slides",
    )
    assert response.status_code == 303
    page = text(browser.get(f"/learn/{enrollment.id}/evidence"))
    assert "plan.pdf" in page and "Slides" in page and "Kept" in page
    artifact = session.scalar(select(Artifact))
    assert artifact.media_type == "application/pdf" and artifact.size == len(PDF)
    download = browser.get(f"/files/{artifact.id}")
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="plan.pdf"'
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_an_exe_named_pdf_is_refused_next_to_the_field_and_the_text_stays(
    session: Session, browser: FlaskClient, enrollment
) -> None:
    response = post(
        browser,
        enrollment,
        context="Do not lose me",
        action="add",
        upload=(io.BytesIO(EXE), "lesson.pdf"),
    )
    assert response.status_code == 422
    page = text(response)
    assert "lesson.pdf isn't a file type we accept" in page
    assert 'id="upload-error"' in response.get_data(as_text=True)
    assert "Do not lose me" in page
    assert draft(session, enrollment).context_text == "Do not lose me"
    assert session.scalar(select(Artifact)) is None


def test_a_file_over_the_limit_is_refused_kindly(
    app_factory, session: Session, teacher, enrollment
) -> None:
    small = app_factory(PDHUB_MAX_UPLOAD_MB=1)
    browser = small.test_client()
    sign_in(browser, teacher)
    big = PDF + b"0" * (1024 * 1024 + 10)
    # Encoded in memory: the test client would spool it to a temporary file it never
    # closes.
    boundary, body = encode_multipart(
        {
            "context": "Still here",
            "reflection": "",
            "action": "add",
            "upload": FileStorage(io.BytesIO(big), "big.pdf"),
        }
    )
    response = browser.post(
        f"/learn/{enrollment.id}/evidence",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 422
    assert "the limit is 1 MB" in text(response)
    assert draft(session, enrollment).context_text == "Still here"


def test_a_request_far_over_the_limit_gets_the_413_page(
    app_factory, session: Session, teacher, enrollment
) -> None:
    small = app_factory(PDHUB_MAX_UPLOAD_MB=1)
    browser = small.test_client()
    sign_in(browser, teacher)
    # URL-encoded, not multipart: the test client spools a big multipart body to a
    # temporary file that it never closes when the app refuses the body.
    huge = browser.post(
        f"/learn/{enrollment.id}/evidence", data={"context": "x" * 3 * 1024 * 1024}
    )
    assert huge.status_code == 413 and "larger than the 1 MB limit" in text(huge)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"link_url": "javascript:alert(1)"}, "starts with https:// or http://"),
        ({"link_url": "ftp://example.org/x"}, "starts with https:// or http://"),
        # Screening refuses a site name without a dot, or a password in the link:
        # the evidence page says so at once, not after the teacher submits.
        ({"link_url": "https://intranet/slides"}, "has no valid site name"),
        ({"link_url": "https://me:secret@example.org/x"}, "contains a password"),
        ({"action": "remove-link-7"}, "That link is no longer in your evidence"),
        ({"action": "remove-file-abc"}, "That button isn't one we know"),
        ({"action": "delete-everything"}, "That button isn't one we know"),
        ({"context": "x" * 20_001}, "Field cannot be longer than 20000 characters"),
    ],
)
def test_tampered_or_bad_evidence_input_gets_a_clear_message(
    session: Session, browser: FlaskClient, enrollment, data, message
) -> None:
    SubmissionFactory(enrollment=enrollment, context_text="Saved before")
    response = post(browser, enrollment, **{"context": "Saved before", **data})
    assert response.status_code == 422
    assert message in text(response)
    assert draft(session, enrollment).context_text == "Saved before"


def test_submitting_an_incomplete_draft_shows_what_is_missing(
    session: Session, browser: FlaskClient, enrollment
) -> None:
    response = post(browser, enrollment, context="Too short", action="submit")
    assert response.status_code == 422
    page = text(response)
    assert "isn't complete yet" in page and "2 of at least 20 words" in page
    assert draft(session, enrollment).status is SubmissionStatus.DRAFT


def test_submitting_snapshots_a_version_and_locks_the_draft(
    session: Session, browser: FlaskClient, enrollment
) -> None:
    response = post(
        browser,
        enrollment,
        context=WORDS,
        reflection=WORDS,
        link_url="https://example.org/video",
        action="submit",
    )
    assert response.status_code == 303
    submission = draft(session, enrollment)
    version = session.scalar(select(SubmissionVersion))
    # Screening ran after the commit: the evidence was complete, so a coach is next.
    assert submission.status is SubmissionStatus.IN_REVIEW and submission.submitted_at
    assert version.number == 1
    assert version.links == [
        {"url": "https://example.org/video", "title": "https://example.org/video"}
    ]
    page = text(browser.get(f"/learn/{enrollment.id}/evidence"))
    assert "In review — waiting for a coach to score it" in page
    assert "What you submitted" in page
    assert "Save draft" not in page
    again = post(browser, enrollment, context="Changed after submit", action="save")
    assert again.status_code == 303
    assert draft(session, enrollment).context_text == WORDS


def test_evidence_is_editable_again_when_it_needs_revision(
    session: Session, teacher, enrollment
) -> None:
    submission = SubmissionFactory(
        enrollment=enrollment, status=SubmissionStatus.NEEDS_REVISION
    )
    service.save_text(session, teacher, submission, context="Revised", reflection="")
    assert submission.context_text == "Revised"
    submission.status = SubmissionStatus.IN_REVIEW
    with pytest.raises(Conflict):
        service.save_text(session, teacher, submission, context="No", reflection="")


def test_only_the_teacher_sees_their_files(
    session: Session, client: FlaskClient, teacher, enrollment, app: Flask
) -> None:
    submission = SubmissionFactory(enrollment=enrollment)
    with app.test_request_context():
        from pdhub.submissions.storage import file_store

        artifact = service.add_file(
            session,
            teacher,
            submission,
            file_store(),
            filename="plan.pdf",
            content=PDF,
            max_bytes=10**6,
        )
    other = UserFactory()
    sign_in(client, other)
    assert client.get(f"/files/{artifact.id}").status_code == 404
    with pytest.raises(PermissionDenied):
        service.add_link(session, other, submission, url="https://x.org", title="")


def test_removing_a_file_keeps_it_for_submitted_versions(
    session: Session, browser: FlaskClient, teacher, enrollment, app: Flask
) -> None:
    post(browser, enrollment, action="add", upload=(io.BytesIO(PNG), "photo.png"))
    artifact = session.scalar(select(Artifact))
    assert artifact.media_type == "image/png"
    response = post(browser, enrollment, action=f"remove-file-{artifact.id}")
    assert response.status_code == 303
    assert "photo.png" not in text(browser.get(f"/learn/{enrollment.id}/evidence"))
    assert browser.get(f"/files/{artifact.id}").data == PNG  # still theirs


def test_the_badge_sharing_choice_is_off_saves_and_survives_a_reload(
    session: Session, browser: FlaskClient, enrollment
) -> None:
    page = text(browser.get(f"/learn/{enrollment.id}/evidence"))
    assert "Show my evidence links in my badge" in page
    assert "Your uploaded files, your context and your reflection are never" in page
    assert 'id="share_evidence_in_badge"' in page
    assert 'checked id="share_evidence_in_badge"' not in page  # off by default
    assert draft(session, enrollment).share_evidence_in_badge is False

    response = post(
        browser,
        enrollment,
        context="Typed",
        share_evidence_in_badge="y",
        action="save",
    )
    assert response.status_code == 303
    session.expire_all()
    assert draft(session, enrollment).share_evidence_in_badge is True
    page = text(browser.get(f"/learn/{enrollment.id}/evidence"))
    assert 'checked id="share_evidence_in_badge"' in page
    assert "Typed" in page

    # Unticking and saving the whole form turns it off again.
    assert post(browser, enrollment, action="save").status_code == 303
    session.expire_all()
    assert draft(session, enrollment).share_evidence_in_badge is False
    page = text(browser.get(f"/learn/{enrollment.id}/evidence"))
    assert 'checked id="share_evidence_in_badge"' not in page


def test_autosave_changes_the_sharing_choice_only_when_it_sends_it(
    session: Session, browser: FlaskClient, enrollment
) -> None:
    url = f"/learn/{enrollment.id}/evidence/autosave"
    sent = {"context": "", "reflection": "", "share_evidence_sent": "1"}
    response = browser.post(url, data={**sent, "share_evidence_in_badge": "y"})
    assert response.status_code == 200 and response.json["saved"] is True
    session.expire_all()
    assert draft(session, enrollment).share_evidence_in_badge is True
    # A save of the text alone (no checkbox state sent) leaves the choice alone.
    browser.post(url, data={"context": "More", "reflection": ""})
    session.expire_all()
    assert draft(session, enrollment).share_evidence_in_badge is True
    browser.post(url, data=sent)
    session.expire_all()
    assert draft(session, enrollment).share_evidence_in_badge is False


def test_after_an_upload_or_a_removal_the_page_returns_to_the_files_and_links(
    session: Session, browser: FlaskClient, enrollment
) -> None:
    """Focus goes back to the part that changed (#links), not the top of the page."""
    response = post(
        browser, enrollment, action="add", upload=(io.BytesIO(PDF), "plan.pdf")
    )
    assert response.headers["Location"].endswith("/evidence#links")
    artifact = session.scalar(select(Artifact))
    response = post(browser, enrollment, action=f"remove-file-{artifact.id}")
    assert response.headers["Location"].endswith("/evidence#links")
    response = post(browser, enrollment, action="save", context="Saved text")
    assert "#" not in response.headers["Location"]


def test_the_checklist_says_when_its_word_counts_were_made(
    browser: FlaskClient, enrollment
) -> None:
    """Without JavaScript the counts are those of the last save, and say so; the
    script updates the items marked with the words needed."""
    post(browser, enrollment, action="save", reflection="Four words right here")
    page = text(browser.get(f"/learn/{enrollment.id}/evidence"))
    assert "4 of at least" in page and "(counted when you last saved)" in page
    assert 'data-checklist="reflection" data-min="' in page


def test_an_evidence_page_with_errors_puts_focus_on_the_error_summary(
    browser: FlaskClient, enrollment
) -> None:
    response = post(browser, enrollment, action="add-link", link_url="not a link")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in page
    assert 'tabindex="-1" autofocus>' in page
