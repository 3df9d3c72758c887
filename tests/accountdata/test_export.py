"""Data exports: a teacher gets everything held about them as one ZIP through an
emailed link that works once, for them alone, until it expires; a district
administrator gets the district's records the same way."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accountdata.models import DataExport
from pdhub.accounts.models import User
from pdhub.communities import service as communities
from pdhub.credentials import service as credentials
from pdhub.db import utcnow
from pdhub.notifications.models import Notification
from tests.factories import (
    PDF_BYTES,
    ArtifactFactory,
    AwardFactory,
    DistrictFactory,
    EnrollmentFactory,
    ModuleFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.helpers import sign_in, text

LINK = re.compile(r"http://localhost(/account/data/download/\S+)")


def _links(mail_log: Path) -> list[str]:
    return LINK.findall(mail_log.read_text()) if mail_log.exists() else []


def _teacher_with_data(session: Session) -> User:
    teacher = UserFactory(name="Rosa Parks-Diaz", email="rosa@example.org")
    module = ModuleFactory(slug="export-module", title="Fair group work")
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher, module=module),
        context_text="Twenty-four students, twelve laptops.",
        links=[{"url": "https://example.org/video", "title": "My lesson"}],
    )
    ArtifactFactory(submission=submission, filename="plan.pdf", content=PDF_BYTES)
    award = AwardFactory(
        enrollment=EnrollmentFactory(
            user=teacher,
            module=ModuleFactory(slug="badge-module", title="Badges 101"),
            status="completed",
            completed_at=utcnow(),
        )
    )
    assert credentials.issue_credential(session, award.id) is not None
    communities.ensure_communities(session, teacher)
    community = communities.community_for_module(session, module.slug)
    assert community is not None
    communities.start_thread(
        session, teacher, community, title="Laptops", body="How do you share them?"
    )
    session.add(Notification(user_id=teacher.id, key="n:1", message="Welcome, Rosa"))
    session.commit()
    return teacher


def test_a_teacher_downloads_everything_once_through_the_emailed_link(
    session: Session, client: FlaskClient, mail_log: Path
) -> None:
    teacher = _teacher_with_data(session)
    sign_in(client, teacher)
    page = client.get("/account/data")
    assert page.status_code == 200
    assert "Email me a copy of my data" in text(page)

    asked = client.post("/account/data/export")
    assert asked.status_code == 303
    # The worker (eager here) built it and emailed the link.
    [link] = _links(mail_log)
    assert "works once" in mail_log.read_text()
    assert "ready: use the link we emailed you" in text(client.get("/account/data"))

    first = client.get(link)
    assert first.status_code == 200
    assert first.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(first.data))
    names = set(archive.namelist())
    for expected in (
        "README.txt",
        "profile.json",
        "enrollments.json",
        "submissions.json",
        "reviews.json",
        "community_posts.json",
        "notifications.json",
        "transcript.csv",
    ):
        assert expected in names
    profile = json.loads(archive.read("profile.json"))
    assert profile["name"] == "Rosa Parks-Diaz"
    assert profile["email"] == "rosa@example.org"
    [submission] = json.loads(archive.read("submissions.json"))
    assert submission["context"] == "Twenty-four students, twelve laptops."
    [file_name] = submission["files"]
    assert archive.read(file_name) == PDF_BYTES  # decrypted
    posts = json.loads(archive.read("community_posts.json"))
    assert posts[0]["text"] == "How do you share them?"
    notes = [note["message"] for note in json.loads(archive.read("notifications.json"))]
    assert "Welcome, Rosa" in notes
    credential_files = sorted(n for n in names if n.startswith("credentials/"))
    assert [n.rsplit(".", 1)[1] for n in credential_files] == ["json", "png"]
    assert archive.read(credential_files[1]).startswith(b"\x89PNG")
    transcript = list(csv.reader(io.StringIO(archive.read("transcript.csv").decode())))
    assert transcript[1][0] == "Badges 101"
    readme = archive.read("README.txt").decode()
    assert "submissions.json" in readme and "evidence" in readme

    second = client.get(link)
    assert second.status_code == 410
    assert "This link was already used" in text(second)
    assert "downloaded" in text(client.get("/account/data"))


def test_a_link_opens_for_its_owner_only_and_not_after_it_expires(
    session: Session, client: FlaskClient, mail_log: Path
) -> None:
    teacher = UserFactory()
    other = UserFactory()
    session.commit()
    sign_in(client, teacher)
    client.post("/account/data/export")
    [link] = _links(mail_log)
    client.post("/signout")

    sign_in(client, other)
    assert client.get(link).status_code == 404  # someone else's link
    assert client.get("/account/data/download/not-a-token").status_code == 404
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    assert client.get(forged).status_code == 404
    client.post("/signout")

    export = session.scalars(
        select(DataExport).where(DataExport.user_id == teacher.id)
    ).one()
    export.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    sign_in(client, teacher)
    expired = client.get(link)
    assert expired.status_code == 410
    assert "This link has expired" in text(expired)
    assert client.get("/signin").status_code in (200, 302, 303)


def test_a_signed_out_visitor_is_sent_to_sign_in(
    session: Session, client: FlaskClient, mail_log: Path
) -> None:
    teacher = UserFactory()
    session.commit()
    sign_in(client, teacher)
    client.post("/account/data/export")
    [link] = _links(mail_log)
    client.post("/signout")
    response = client.get(link)
    assert response.status_code in (302, 303)
    assert "/signin" in response.headers["Location"]


def test_a_district_administrator_exports_the_district_and_sets_retention(
    app: Flask, session: Session, client: FlaskClient, mail_log: Path
) -> None:
    district = DistrictFactory(name="Hillside")
    admin = UserFactory(district_admin=True, district=district)
    teacher = UserFactory(district=district, email="tomas@hillside.example.org")
    SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        submitted=True,
        context_text="Private evidence text",
    )
    outsider = UserFactory(email="far@elsewhere.example.org")
    other_admin = UserFactory(district_admin=True)
    session.commit()

    sign_in(client, teacher)
    assert client.get("/district/data").status_code == 403
    assert client.post("/district/data/export").status_code == 403
    client.post("/signout")

    sign_in(client, admin)
    page = client.get("/district/data")
    assert page.status_code == 200
    bad = client.post("/district/data", data={"evidence_days": "5"})
    assert bad.status_code == 422
    assert "Number must be between 15 and 11000." in text(bad)
    saved = client.post(
        "/district/data",
        data={"evidence_days": "365", "inactive_days": "", "revoke_on_erasure": "y"},
    )
    assert saved.status_code == 303
    session.expire_all()
    assert district.evidence_retention_days == 365
    assert district.inactive_account_days is None
    assert district.revoke_on_erasure is True

    assert client.post("/district/data/export").status_code == 303
    [link] = _links(mail_log)
    elsewhere = app.test_client()  # each admin signs in once (a TOTP code works once)
    sign_in(elsewhere, other_admin)
    assert elsewhere.get(link).status_code == 404
    response = client.get(link)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    staff = archive.read("staff.csv").decode()
    assert "tomas@hillside.example.org" in staff
    assert "far@elsewhere.example.org" not in staff
    assert outsider.email not in archive.read("enrollments.csv").decode()
    submissions = archive.read("submissions.csv").decode()
    assert "tomas@hillside.example.org" in submissions
    assert "Private evidence text" not in submissions
    assert {"credentials.csv", "ledger.csv", "README.txt"} <= set(archive.namelist())


def test_a_spanish_speaking_teacher_gets_the_email_and_readme_in_spanish(
    session: Session, client: FlaskClient, mail_log: Path
) -> None:
    teacher = UserFactory(language="es", name="Lucía Gómez")
    session.commit()
    sign_in(client, teacher)
    client.post("/account/data/export")
    mail = mail_log.read_text()
    assert "Subject: Sus datos de PD Hub están listos para descargar" in mail
    [link] = _links(mail_log)
    archive = zipfile.ZipFile(io.BytesIO(client.get(link).data))
    readme = archive.read("README.txt").decode()
    assert readme.startswith("Sus datos de PD Hub")
    assert "Preparado para Lucía Gómez" in readme


def test_the_file_of_a_link_that_expired_unused_is_deleted(
    app: Flask, session: Session, client: FlaskClient, mail_log: Path
) -> None:
    from pdhub.accountdata import service

    teacher = UserFactory()
    session.commit()
    sign_in(client, teacher)
    client.post("/account/data/export")
    export = session.scalars(
        select(DataExport).where(DataExport.user_id == teacher.id)
    ).one()
    key = export.storage_key
    assert key is not None
    stored = Path(app.instance_path) / "uploads" / key[:2] / key
    assert stored.exists()
    assert service.expire_old_exports(session) == 0  # not expired yet
    export.expires_at = utcnow() - timedelta(hours=1)
    assert service.expire_old_exports(session) == 1
    session.commit()  # the file goes after the commit
    assert not stored.exists()
    [link] = _links(mail_log)
    assert "This link has expired" in text(client.get(link))


def test_the_export_holds_conversations_self_assessment_ratings_and_class_counts(
    session: Session,
) -> None:
    """Everything held about the teacher, including what later features keep: the
    coaching conversation (decrypted), office hours, self-assessment, class access
    counts, module ratings, lesson reports and survey answers."""
    from pdhub.accountdata.service import account_zip
    from pdhub.coaching import service as coaching
    from pdhub.coaching.models import Conversation
    from pdhub.impact.models import (
        LessonReport,
        ModuleFeedback,
        SurveyPhase,
        SurveyResponse,
    )
    from pdhub.learnpath.models import ClassInventory, LearnerSelfAssessment
    from tests.factories import LessonFactory

    teacher = UserFactory(name="Ines Moreno")
    coach = UserFactory(name="Coach Kim", district=teacher.district, coach=True)
    enrollment = EnrollmentFactory(user=teacher)
    lesson = LessonFactory(module=enrollment.module, title="Access at home")
    conversation = Conversation(
        teacher_id=teacher.id, coach_id=coach.id, subject="My feedback"
    )
    session.add(conversation)
    session.flush()
    coaching.write(session, teacher, conversation, "Could you explain criterion 2?")
    session.add_all(
        [
            ModuleFeedback(
                enrollment_id=enrollment.id,
                module_id=enrollment.module_id,
                rating=4,
                comment="Useful examples",
            ),
            LessonReport(
                enrollment_id=enrollment.id, lesson_id=lesson.id, text="Link is dead"
            ),
            SurveyResponse(
                enrollment_id=enrollment.id, phase=SurveyPhase.PRE, answers={"a": 2}
            ),
            LearnerSelfAssessment(user_id=teacher.id, answers={"m/skill": "beginning"}),
            ClassInventory(
                enrollment_id=enrollment.id,
                user_id=teacher.id,
                module_slug=enrollment.module.slug,
                students=24,
                counts={"device_at_home": 18},
                shared=True,
            ),
        ]
    )
    session.commit()

    archive = zipfile.ZipFile(io.BytesIO(account_zip(session, teacher)))
    [talk] = json.loads(archive.read("coaching.json"))
    assert talk["subject"] == "My feedback" and talk["coach"] == "Coach Kim"
    assert talk["messages"][0]["text"] == "Could you explain criterion 2?"
    feedback = json.loads(archive.read("module_feedback.json"))
    assert feedback["ratings"][0]["comment"] == "Useful examples"
    assert feedback["lesson_reports"][0] == {
        "lesson": "Access at home",
        "text": "Link is dead",
        "at": feedback["lesson_reports"][0]["at"],
    }
    assert feedback["surveys"][0]["answers"] == {"a": 2}
    assessment = json.loads(archive.read("self_assessment.json"))
    assert assessment["answers"] == {"m/skill": "beginning"}
    [counts] = json.loads(archive.read("class_access_counts.json"))
    assert counts["students"] == 24 and counts["shared_with_district"] is True
    assert json.loads(archive.read("office_hours.json")) == []
    assert json.loads(archive.read("pathways.json")) == []
    readme = archive.read("README.txt").decode()
    assert "coaching.json" in readme and "class_access_counts.json" in readme
