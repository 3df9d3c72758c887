"""Evidence texts are encrypted at rest like coaching conversations: what a teacher
types never lands in the database as plaintext, every row carries the fingerprint of
its data key, the pages still show the text, ``pdhub keys rotate-data-key`` moves the
texts (and coaching messages) to a new key in resumable batches, and migration
0034_text_at_rest encrypts rows written before it (and decrypts them going down)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from pdhub.coaching.models import Conversation, ConversationMessage
from pdhub.communities import service as communities
from pdhub.communities.models import Attachment, CommunityKind
from pdhub.extensions import db
from pdhub.privacy import encryption
from pdhub.submissions.models import Submission, SubmissionVersion
from pdhub.submissions.storage import file_store
from tests.conftest import make_app
from tests.factories import (
    PDF_BYTES,
    CoachAssignmentFactory,
    EnrollmentFactory,
    SubmissionFactory,
    SubmissionVersionFactory,
    UserFactory,
)
from tests.helpers import sign_in, text

MARKER = "Zanzibar-quokka-7731"


def raw_rows(session: Session, table: str) -> list[str]:
    """Every row of ``table`` as the database holds it, one string per row."""
    return [
        repr(tuple(row))
        for row in session.execute(sql(f"SELECT * FROM {table} ORDER BY id"))  # noqa: S608
    ]


def test_typed_evidence_is_stored_encrypted_and_the_pages_still_show_it(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    teacher = UserFactory(name="Tomás Teacher")
    coach = UserFactory(coach=True, district=teacher.district)
    CoachAssignmentFactory(coach=coach, district=teacher.district)
    enrollment = EnrollmentFactory(user=teacher)
    waiting = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        in_review=True,
        context_text=f"Submitted context {MARKER}",
        reflection_text=f"Submitted reflection {MARKER}",
    )
    session.commit()

    sign_in(client, teacher)
    saved = client.post(
        f"/learn/{enrollment.id}/evidence/autosave",
        data={"context": f"Draft context {MARKER}", "reflection": f"Draft {MARKER}"},
    )
    assert saved.status_code == 200 and saved.json["saved"] is True

    session.expire_all()
    for table in ("submissions", "submission_versions"):
        rows = raw_rows(session, table)
        assert rows and not any(MARKER in row for row in rows), table
    versions = session.execute(
        sql("SELECT text_key_version FROM submissions UNION ALL "
            "SELECT text_key_version FROM submission_versions")
    ).scalars().all()  # fmt: skip
    assert set(versions) == {encryption.key_version()}

    # The teacher reads their draft back; the coach reads the submitted evidence.
    page = text(client.get(f"/learn/{enrollment.id}/evidence"))
    assert f"Draft context {MARKER}" in page
    client.post("/signout")
    sign_in(client, coach)
    review = text(client.get(f"/review/{waiting.id}"))
    assert f"Submitted reflection {MARKER}" in review


def test_a_community_attachment_is_stored_encrypted_like_evidence_files(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    teacher = UserFactory()
    communities.ensure_communities(session, teacher)
    community = next(
        c
        for c in communities.visible_communities(session, teacher)
        if c.kind is CommunityKind.DISTRICT
    )
    content = PDF_BYTES + f"% {MARKER}\n".encode()
    thread = communities.start_thread(
        session,
        teacher,
        community,
        title="Unit plan",
        body="Attached.",
        upload=communities.Upload("plan.pdf", content, 10 * 1024 * 1024),
        store=file_store(),
    )
    attachment = session.scalars(
        select(Attachment).where(Attachment.post.has(thread_id=thread.id))
    ).one()
    session.commit()
    stored = [
        path
        for path in (Path(app.instance_path) / "uploads").rglob("*")
        if path.is_file() and path.name == attachment.storage_key
    ]
    assert len(stored) == 1
    assert MARKER.encode() not in stored[0].read_bytes()
    assert encryption.decrypt(stored[0].read_bytes()) == content
    sign_in(client, teacher)
    download = client.get(f"/communities/{community.id}/files/{attachment.id}")
    assert download.status_code == 200 and download.data == content


def test_rotate_data_key_re_encrypts_evidence_texts_and_messages_and_resumes(
    app_factory: Callable[..., Flask],
    session: Session,
    settings: dict[str, object],
    tmp_path: Path,
) -> None:
    old_key = str(settings["PDHUB_DATA_KEY"])
    new_key = Fernet.generate_key().decode()
    instance = str(tmp_path)
    old = app_factory(PDHUB_INSTANCE_PATH=instance)
    with old.app_context():
        teacher = UserFactory()
        coach = UserFactory(coach=True, district=teacher.district)
        drafts = [
            SubmissionFactory(
                enrollment=EnrollmentFactory(user=teacher),
                context_text=f"Context {n} {MARKER}",
                reflection_text=f"Reflection {n} {MARKER}",
            )
            for n in range(3)
        ]
        SubmissionVersionFactory(submission=drafts[0])
        conversation = Conversation(
            teacher_id=teacher.id, coach_id=coach.id, subject="Stations"
        )
        session.add(conversation)
        session.flush()
        session.add(
            ConversationMessage(
                conversation_id=conversation.id,
                author_id=teacher.id,
                body_encrypted=encryption.seal(f"Message {MARKER}"),
                key_version=encryption.key_version(),
            )
        )
        session.commit()
        old_version = encryption.key_version()
        draft_ids = [d.id for d in drafts]

    rotated = app_factory(
        PDHUB_INSTANCE_PATH=instance, PDHUB_DATA_KEY=f"{new_key},{old_key}"
    )
    with rotated.app_context():
        new_version = encryption.key_version()
    assert new_version != old_version
    runner = rotated.test_cli_runner()

    def rotate(*args: str):  # type: ignore[no-untyped-def]
        with rotated.app_context():
            return runner.invoke(args=["keys", "rotate-data-key", *args])

    def versions() -> list[str]:
        session.expire_all()
        return list(
            session.execute(
                sql("SELECT text_key_version FROM submissions UNION ALL "
                    "SELECT text_key_version FROM submission_versions UNION ALL "
                    "SELECT key_version FROM coaching_messages")
            ).scalars()
        )  # fmt: skip

    # Interrupted after two rows: two drafts moved, the rest still under the old key.
    stopped = rotate("--batch-size", "1", "--limit", "2")
    assert stopped.exit_code == 0, stopped.output
    assert "evidence drafts: 2 re-encrypted." in stopped.output
    assert "Stopped at the limit" in stopped.output
    assert sorted(versions()).count(new_version) == 2

    finished = rotate("--batch-size", "2")
    assert finished.exit_code == 0, finished.output
    assert "evidence drafts: 1 re-encrypted." in finished.output
    assert "submitted evidence: 1 re-encrypted." in finished.output
    assert "coaching messages: 1 re-encrypted." in finished.output
    assert set(versions()) == {new_version}
    again = rotate()
    assert "evidence drafts: 0 re-encrypted." in again.output

    # With the old key dropped every text still opens, and none is plaintext.
    dropped = app_factory(PDHUB_INSTANCE_PATH=instance, PDHUB_DATA_KEY=new_key)
    session.expire_all()
    with dropped.app_context():
        for n, draft_id in enumerate(draft_ids):
            draft = session.get(Submission, draft_id)
            assert draft is not None
            assert draft.context_text == f"Context {n} {MARKER}"
            assert draft.reflection_text == f"Reflection {n} {MARKER}"
        version = session.query(SubmissionVersion).one()
        assert version.reflection_text == f"Reflection 0 {MARKER}"
        message = session.query(ConversationMessage).one()
        assert encryption.unseal(message.body_encrypted) == f"Message {MARKER}"
    for table in ("submissions", "submission_versions", "coaching_messages"):
        assert not any(MARKER in row for row in raw_rows(session, table))


def test_the_migration_encrypts_existing_texts_on_sqlite_and_decrypts_going_down(
    settings: dict[str, object], tmp_path: Path
) -> None:
    sqlite_app = make_app(
        settings,
        PDHUB_DATABASE_URL=f"sqlite:///{tmp_path / 'pdhub.sqlite'}",
        PDHUB_INSTANCE_PATH=str(tmp_path),
    )
    try:
        with sqlite_app.app_context():
            upgrade()
            submission = SubmissionFactory(
                submitted=True,
                context_text=f"Context {MARKER}",
                reflection_text=f"Reflection {MARKER}",
            )
            submission_id = submission.id
            db.session.commit()
            db.session.remove()

            downgrade(revision="0031_equity")
            plain = db.session.execute(
                sql("SELECT context_text, reflection_text FROM submission_versions")
            ).one()
            assert tuple(plain) == (f"Context {MARKER}", f"Reflection {MARKER}")
            db.session.remove()

            upgrade()
            for table in ("submissions", "submission_versions"):
                rows = raw_rows(db.session, table)  # type: ignore[arg-type]
                assert rows and not any(MARKER in row for row in rows), table
            again = db.session.get(Submission, submission_id)
            assert again is not None
            assert again.context_text == f"Context {MARKER}"
            assert again.versions[0].reflection_text == f"Reflection {MARKER}"
            assert again.text_key_version == encryption.key_version()
    finally:
        with sqlite_app.app_context():
            db.session.remove()
            db.engine.dispose()
