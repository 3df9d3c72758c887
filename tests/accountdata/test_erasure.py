"""Erasing an account: a recognizable marker seeded into every field and file of a
teacher is gone afterwards from every text column of every table, from the file
store and from the application's log; what others need keeps its shape."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from pdhub.accountdata import erasure
from pdhub.accounts import service as accounts
from pdhub.accounts.models import AccountToken, ApiToken, TokenPurpose, User
from pdhub.audit.models import AuditAction, AuditEvent
from pdhub.communities import service as communities
from pdhub.communities.models import Post
from pdhub.credentials import service as credentials
from pdhub.credentials.models import IssuedCredential
from pdhub.db import utcnow
from pdhub.districts import external
from pdhub.districts.models import RosterEntry, RosterSource
from pdhub.learning.models import QuizAttempt
from pdhub.notifications.models import EmailMessage, Notification
from pdhub.privacy.encryption import DecryptionError
from pdhub.review.models import Decision, Review
from pdhub.submissions.storage import file_store
from tests.factories import (
    PASSWORD,
    PDF_BYTES,
    ArtifactFactory,
    AwardFactory,
    DistrictFactory,
    EnrollmentFactory,
    ModuleFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.helpers import sign_in
from tests.helpers import text as page_text

MARKER = "ZZMARKER42"


@pytest.fixture
def app_log(tmp_path: Path) -> Iterator[Path]:
    """The application's log, as a file: everything any logger writes."""
    path = tmp_path / "app.log"
    handler = logging.FileHandler(path)
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()


def _seed(session: Session, app: Flask) -> dict[str, object]:
    """A teacher whose every field and file carries the marker."""
    district = DistrictFactory()
    module = ModuleFactory(slug="marker-module", title="Planning offline")
    teacher = UserFactory(
        name=f"Ada {MARKER} Lovelace",
        email=f"{MARKER.lower()}@example.org",
        district=district,
        two_factor=True,
        time_zone="America/Chicago",
        language="en",
    )
    coach = UserFactory(coach=True, district=district, name="Carla Coach")
    enrollment = EnrollmentFactory(user=teacher, module=module)
    submission = SubmissionFactory(
        enrollment=enrollment,
        submitted=True,
        context_text=f"My class {MARKER} context",
        reflection_text=f"I reflected {MARKER}",
        links=[{"url": f"https://example.org/{MARKER}", "title": f"{MARKER} video"}],
    )
    artifact = ArtifactFactory(
        submission=submission,
        filename=f"{MARKER}-plan.pdf",
        content=PDF_BYTES.replace(b"%%EOF", f"% {MARKER}\n%%EOF".encode()),
    )
    version = submission.versions[0]
    session.add(
        Review(
            version_id=version.id,
            submission_id=submission.id,
            coach_id=coach.id,
            scores={"c1": {"level": "proficient"}},
            overall_feedback=f"Well done, Ada {MARKER}",
            decision=Decision.PASSED,
            started_at=utcnow(),
        )
    )
    session.add(
        QuizAttempt(
            enrollment_id=enrollment.id,
            number=1,
            answers={"q1": MARKER},
            submitted_at=utcnow(),
        )
    )
    session.add_all(
        [
            Notification(user_id=teacher.id, key="m:1", message=f"Hi {MARKER}"),
            Notification(
                user_id=coach.id, key="m:2", message=f"Ada {MARKER} Lovelace submitted"
            ),
            EmailMessage(to=teacher.email, subject="Hello", body=f"Dear {MARKER}"),
            EmailMessage(
                to=coach.email,
                subject="Digest",
                body=f"New evidence from Ada {MARKER} Lovelace",
            ),
            RosterEntry(
                district_id=district.id,
                source=RosterSource.SIMPLE,
                sourced_id=f"{MARKER}-id",
                email=teacher.email,
                name=teacher.name,
                role=teacher.role,
                user_id=teacher.id,
            ),
            AccountToken(
                user_id=teacher.id,
                purpose=TokenPurpose.VERIFY_EMAIL,
                token_hash="a" * 64,
                email=f"new-{MARKER}@example.org",
                password_version=1,
                data={"old": teacher.email},
                expires_at=utcnow(),
            ),
        ]
    )
    session.flush()
    accounts.create_api_token(session, teacher, f"{MARKER} laptop")
    accounts.regenerate_recovery_codes(session, teacher)
    external.log(
        session,
        teacher,
        external.Details(
            title=f"{MARKER} workshop",
            provider=f"{MARKER} university",
            started_on=date(2026, 1, 5),
            ended_on=date(2026, 1, 6),
            hours=3,
            description=f"About {MARKER}",
        ),
        external.Certificate(f"{MARKER}.pdf", PDF_BYTES),
        file_store(),
        max_bytes=10_000_000,
        language="en",
    )
    # A credential that names the teacher, and one that doesn't.
    named = AwardFactory(
        enrollment=EnrollmentFactory(
            user=teacher,
            module=ModuleFactory(slug="named-badge"),
            status="completed",
            completed_at=utcnow(),
        ),
        name_in_credential=True,
    )
    plain = AwardFactory(
        enrollment=EnrollmentFactory(
            user=teacher,
            module=ModuleFactory(slug="plain-badge"),
            status="completed",
            completed_at=utcnow(),
        )
    )
    named_credential = credentials.issue_credential(session, named.id)
    plain_credential = credentials.issue_credential(session, plain.id)
    assert named_credential is not None and plain_credential is not None
    assert MARKER in named_credential.credential_json
    credentials.download(session, named_credential, "png")
    # Community: a thread and a draft.
    communities.ensure_communities(session, teacher)
    community = communities.community_for_module(session, module.slug)
    assert community is not None
    thread = communities.start_thread(
        session,
        teacher,
        community,
        title="Offline lessons",
        body="Plan for the days the network is down.",
    )
    communities.save_draft(
        session,
        teacher,
        community,
        None,
        title=f"{MARKER} draft",
        body=f"Draft by {MARKER}",
    )
    session.commit()
    return {
        "teacher": teacher,
        "coach": coach,
        "artifact_key": artifact.storage_key,
        "named": named_credential.id,
        "plain": plain_credential.id,
        "thread": thread,
        "community": community,
    }


def _text_columns_holding(session: Session, needle: str) -> list[str]:
    """Every (table.column) of the database whose value contains ``needle``."""
    columns = session.execute(
        text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'public' AND data_type IN"
            " ('text', 'character varying', 'json', 'jsonb', 'bytea')"
        )
    ).all()
    found = []
    for table, column, kind in columns:
        if kind == "bytea":
            condition = f'position(:raw in "{column}") > 0'
        else:
            condition = f'"{column}"::text ILIKE :like'
        hit = session.execute(
            # Names come from the catalog, values are bound parameters.
            text(f'SELECT 1 FROM "{table}" WHERE {condition} LIMIT 1'),  # noqa: S608
            {"like": f"%{needle}%", "raw": needle.encode()},
        ).first()
        if hit is not None:
            found.append(f"{table}.{column}")
    return found


def _stored_files_holding(app: Flask, needle: bytes) -> list[str]:
    """Every stored file (decrypted) under the instance's uploads that holds it."""
    store = file_store()
    found = []
    for path in (Path(app.instance_path) / "uploads").rglob("*"):
        if path.is_file():
            try:
                content = store.read(path.name)
            except DecryptionError:  # written by another test under another key
                continue
            if needle in content or needle.lower() in content:
                found.append(path.name)
    return found


def test_erasing_your_own_account_leaves_no_trace_of_you(
    app: Flask, session: Session, client: FlaskClient, app_log: Path
) -> None:
    seeded = _seed(session, app)
    teacher = seeded["teacher"]
    assert isinstance(teacher, User)
    teacher_id = teacher.id
    assert _text_columns_holding(session, MARKER)  # the probe sees the seed
    assert _stored_files_holding(app, MARKER.encode())
    sign_in(client, teacher)

    page = client.get("/account/data/erase")
    assert "erase my account" in page_text(page)
    wrong = client.post(
        "/account/data/erase", data={"password": "not it", "phrase": "erase my account"}
    )
    assert wrong.status_code == 422
    assert "That password is not right." in page_text(wrong)
    no_phrase = client.post(
        "/account/data/erase", data={"password": PASSWORD, "phrase": "erase"}
    )
    assert no_phrase.status_code == 422
    assert "Type the phrase exactly as shown." in page_text(no_phrase)
    assert session.get(User, teacher_id).erased_at is None  # type: ignore[union-attr]

    done = client.post(
        "/account/data/erase",
        data={"password": PASSWORD, "phrase": "Erase my account"},
    )
    assert done.status_code == 303
    session.expire_all()

    assert _text_columns_holding(session, MARKER) == []
    assert _text_columns_holding(session, MARKER.lower()) == []
    assert _stored_files_holding(app, MARKER.encode()) == []
    assert not (
        Path(app.instance_path)
        / "uploads"
        / str(seeded["artifact_key"])[:2]
        / str(seeded["artifact_key"])
    ).exists()
    log_text = app_log.read_text()
    assert MARKER not in log_text and MARKER.lower() not in log_text
    # The erasure is on the audit trail, by id: who asked, whose account.
    recorded = session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.ACCOUNT_ERASE.value)
    ).one()
    assert (recorded.actor_id, recorded.subject_id) == (teacher_id, teacher_id)
    assert MARKER not in repr(recorded.detail)

    # Signed out, and the old credentials open nothing.
    assert client.get("/account/data").status_code in (302, 303)
    again = client.post(
        "/signin", data={"email": f"{MARKER.lower()}@example.org", "password": PASSWORD}
    )
    assert again.status_code != 303
    erased = session.get(User, teacher_id)
    assert erased is not None and erased.erased_at is not None
    assert erased.totp_secret is None and not erased.active
    assert (
        session.scalars(select(ApiToken).where(ApiToken.user_id == teacher_id)).all()
        == []
    )

    # The community thread stays, by "A former member".
    post = session.scalars(
        select(Post).where(Post.thread_id == seeded["thread"].id)
    ).one()  # type: ignore[attr-defined]
    assert post.author_id is None
    assert post.body_markdown == "Plan for the days the network is down."
    reader = UserFactory(district=teacher.district)
    EnrollmentFactory(user=reader, module=_module(session, "marker-module"))
    session.commit()
    sign_in(client, reader)
    thread_page = client.get(
        f"/communities/{seeded['community'].id}/threads/{seeded['thread'].id}"  # type: ignore[attr-defined]
    )
    assert thread_page.status_code == 200
    assert "A former member" in page_text(thread_page)

    # The named credential is revoked and no longer names anyone; the other one
    # still verifies (the district does not revoke on erasure).
    named = session.get(IssuedCredential, seeded["named"])
    plain = session.get(IssuedCredential, seeded["plain"])
    assert named is not None and plain is not None
    assert named.revoked_at is not None and credentials.named_in(named) is None
    assert plain.revoked_at is None
    assert session.get(Review, _review_id(session)).overall_feedback == ""  # type: ignore[union-attr]


def _module(session: Session, slug: str):  # type: ignore[no-untyped-def]
    from pdhub.learning.models import Module

    return session.scalars(select(Module).where(Module.slug == slug)).one()


def _review_id(session: Session) -> int:
    return int(
        session.scalars(select(Review.id).order_by(Review.id.desc())).first() or 0
    )


def test_a_district_that_revokes_on_erasure_revokes_every_badge(
    session: Session,
) -> None:
    district = DistrictFactory(revoke_on_erasure=True)
    teacher = UserFactory(district=district)
    award = AwardFactory(
        enrollment=EnrollmentFactory(
            user=teacher, status="completed", completed_at=utcnow()
        )
    )
    credential = credentials.issue_credential(session, award.id)
    assert credential is not None and credentials.named_in(credential) is None
    erasure.erase_account(session, None, teacher)
    assert credential.revoked_at is not None
    assert credential.revocation_reason == erasure.REVOKED_REASON


def test_erasure_removes_conversations_bookings_self_assessment_and_grants(
    session: Session,
) -> None:
    """What later features keep about a person goes too: their private coaching
    conversations (encrypted, so the marker scan cannot see them), office-hours
    bookings, cohort attendance, self-assessment, class counts, the stored signed
    transcript and the grants of connected systems. A coach's reply in another
    teacher's conversation stays, by nobody."""
    from pdhub.coaching import service as coaching
    from pdhub.coaching.models import (
        Booking,
        Conversation,
        ConversationMessage,
        OfficeHourSlot,
    )
    from pdhub.learnpath.models import ClassInventory, LearnerSelfAssessment
    from pdhub.obapi.models import OAuthToken

    teacher = UserFactory()
    coach = UserFactory(district=teacher.district, coach=True)
    other = UserFactory(district=teacher.district)
    enrollment = EnrollmentFactory(user=teacher)
    own = Conversation(teacher_id=teacher.id, coach_id=coach.id, subject="Mine")
    theirs = Conversation(teacher_id=other.id, coach_id=coach.id, subject="Theirs")
    session.add_all([own, theirs])
    session.flush()
    coaching.write(session, teacher, own, f"Private {MARKER}")
    coaching.write(session, coach, own, "Reply to the teacher")
    reply = coaching.write(session, coach, theirs, "Reply to someone else")
    own_id, theirs_id, reply_id = own.id, theirs.id, reply.id
    slot = OfficeHourSlot(coach_id=coach.id, starts_at=utcnow())
    session.add(slot)
    session.flush()
    session.add_all(
        [
            Booking(slot_id=slot.id, teacher_id=teacher.id),
            LearnerSelfAssessment(user_id=teacher.id, answers={"m/s": "beginning"}),
            ClassInventory(
                enrollment_id=enrollment.id,
                user_id=teacher.id,
                module_slug=enrollment.module.slug,
                students=20,
                counts={},
            ),
            OAuthToken(
                client_id="backpack",
                user_id=teacher.id,
                access_token_hash="a" * 64,
                scope="x",
                issued_at=0,
                expires_in=3600,
            ),
        ]
    )
    session.commit()

    erasure.erase_account(session, teacher, teacher)
    session.commit()
    session.expire_all()

    for model in (Booking, LearnerSelfAssessment, ClassInventory, OAuthToken):
        column = model.teacher_id if model is Booking else model.user_id
        assert session.scalars(select(model).where(column == teacher.id)).all() == []
    assert session.get(Conversation, own_id) is None
    left = session.scalars(
        select(ConversationMessage.id).where(
            ConversationMessage.conversation_id.in_([own_id, theirs_id])
        )
    )
    assert list(left) == [reply_id]
    kept = session.get(ConversationMessage, reply_id)
    assert kept is not None and kept.author_id == coach.id
    assert session.get(Conversation, theirs_id) is not None


def test_erasure_removes_the_throttle_counters_kept_in_redis(
    app_factory, session: Session, redis_url: str
) -> None:
    import redis

    other = app_factory(PDHUB_RATELIMIT_STORAGE_URI=redis_url)
    teacher = UserFactory(email=f"{MARKER.lower()}-throttle@example.org")
    store = redis.Redis.from_url(redis_url)
    key = f"LIMITER/signin-account/account:{teacher.email}/5/1/minute"
    unrelated = "LIMITER/signin-account/account:someone-else@example.org/5/1/minute"
    store.set(key, 3)
    store.set(unrelated, 1)
    try:
        with other.app_context():
            erasure.erase_account(session, teacher, teacher)
        assert store.get(key) is None
        assert store.get(unrelated) == b"1"
    finally:
        store.delete(key, unrelated)


def test_who_may_erase_whose_account_by_direct_url(
    session: Session, client: FlaskClient
) -> None:
    district = DistrictFactory()
    teacher = UserFactory(district=district)
    other_admin = UserFactory(district_admin=True)  # another district's
    coach = UserFactory(coach=True, district=district)
    own_admin = UserFactory(district_admin=True, district=district)
    session.commit()

    sign_in(client, other_admin)
    assert client.get(f"/people/{teacher.id}/erase").status_code == 404
    refused = client.post(
        f"/people/{teacher.id}/erase", data={"phrase": "erase my account"}
    )
    assert refused.status_code == 404
    assert session.get(User, teacher.id).erased_at is None  # type: ignore[union-attr]
    assert client.get("/people/999999/erase").status_code == 404
    client.post("/signout")

    sign_in(client, coach)
    assert client.get(f"/people/{teacher.id}/erase").status_code == 403
    client.post("/signout")

    sign_in(client, own_admin)
    page = client.get(f"/people/{teacher.id}/erase")
    assert page.status_code == 200
    assert teacher.name in page_text(page)
    wrong = client.post(f"/people/{teacher.id}/erase", data={"phrase": "yes"})
    assert wrong.status_code == 422
    done = client.post(
        f"/people/{teacher.id}/erase", data={"phrase": "erase my account"}
    )
    assert done.status_code == 303
    session.expire_all()
    erased = session.get(User, teacher.id)
    assert erased is not None and erased.erased_at is not None
    assert erased.name == erasure.ERASED_NAME
    # An erased account can't be erased again, nor found.
    assert client.get(f"/people/{teacher.id}/erase").status_code == 404


def test_a_platform_administrator_erases_anyone_but_a_district_admin_not_them(
    app: Flask, session: Session, client: FlaskClient
) -> None:
    district = DistrictFactory()
    admin = UserFactory(admin=True)
    district_admin = UserFactory(district_admin=True, district=district)
    teacher = UserFactory(district=district)
    session.commit()

    sign_in(client, district_admin)
    assert client.get(f"/people/{admin.id}/erase").status_code == 404
    assert client.get(f"/people/{district_admin.id}/erase").status_code == 404  # self

    platform = app.test_client()
    sign_in(platform, admin)
    user_page = platform.get(f"/admin/users/{teacher.id}")
    assert f"/people/{teacher.id}/erase" in user_page.get_data(as_text=True)
    done = platform.post(
        f"/people/{teacher.id}/erase", data={"phrase": "erase my account"}
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/admin/users")
    session.expire_all()
    assert session.get(User, teacher.id).erased_at is not None  # type: ignore[union-attr]


def test_a_spanish_speaker_confirms_with_the_phrase_in_spanish(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory(language="es")
    session.commit()
    sign_in(client, teacher)
    page = page_text(client.get("/account/data/erase"))
    assert "Para confirmar, escriba: borrar mi cuenta" in page
    done = client.post(
        "/account/data/erase", data={"password": PASSWORD, "phrase": "Borrar mi cuenta"}
    )
    assert done.status_code == 303
    session.expire_all()
    assert session.get(User, teacher.id).erased_at is not None  # type: ignore[union-attr]
