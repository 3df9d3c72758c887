"""The audit trail records what happens to people's data: a teacher's and a
district's export (asked for and downloaded), an erasure (by a person or by the
retention rules), a change of the retention periods, each purge of a retention run,
an administrator opening a coaching conversation, and a credential's revocation; each
with who, when and from where, and on the trail pages of the right people."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accountdata import retention
from pdhub.audit.models import AuditAction, AuditEvent
from pdhub.coaching.models import Conversation, ConversationMessage
from pdhub.credentials import service as credentials
from pdhub.db import utcnow
from pdhub.learning.models import EnrollmentStatus
from pdhub.privacy import encryption
from pdhub.submissions.states import SubmissionStatus
from tests.factories import (
    AwardFactory,
    DistrictFactory,
    EnrollmentFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.helpers import sign_in, text

LINK = re.compile(r"http://localhost(/account/data/download/\S+)")
BROWSER = {"User-Agent": "AuditTest/1.0"}


def events(session: Session, action: AuditAction) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action.value)
            .order_by(AuditEvent.id)
        )
    )


def test_teacher_and_district_exports_are_recorded_when_asked_for_and_downloaded(
    app: Flask, session: Session, client: FlaskClient, mail_log: Path
) -> None:
    district = DistrictFactory(name="Hillside")
    teacher = UserFactory(district=district)
    office = UserFactory(district_admin=True, district=district)
    session.commit()

    sign_in(client, teacher)
    assert client.post("/account/data/export", headers=BROWSER).status_code == 303
    [link] = LINK.findall(mail_log.read_text())
    assert client.get(link, headers=BROWSER).status_code == 200
    asked = events(session, AuditAction.DATA_EXPORT_REQUEST)
    assert [(e.actor_id, e.district_id, e.detail) for e in asked] == [
        (teacher.id, district.id, {"kind": "account"})
    ]
    got = events(session, AuditAction.DATA_EXPORT_DOWNLOAD)
    assert [(e.actor_id, e.object_id) for e in got] == [
        (teacher.id, asked[0].object_id)
    ]
    assert got[0].ip and got[0].user_agent == "AuditTest/1.0"
    assert got[0].occurred_at is not None
    client.post("/signout")

    sign_in(client, office)
    assert client.post("/district/data/export").status_code == 303
    district_asked = events(session, AuditAction.DATA_EXPORT_REQUEST)[-1]
    assert (district_asked.actor_id, district_asked.district_id) == (
        office.id,
        district.id,
    )
    assert district_asked.detail == {"kind": "district"}
    trail = text(client.get("/district/audit"))
    assert "Data export asked for" in trail and "Data export downloaded" in trail


def test_an_erasure_and_a_retention_change_are_recorded_with_who_did_them(
    session: Session, client: FlaskClient
) -> None:
    district = DistrictFactory()
    teacher = UserFactory(district=district)
    office = UserFactory(district_admin=True, district=district)
    session.commit()
    teacher_id = teacher.id

    sign_in(client, office)
    saved = client.post(
        "/district/data",
        data={"evidence_days": "365", "inactive_days": "", "revoke_on_erasure": ""},
    )
    assert saved.status_code == 303
    changed = events(session, AuditAction.RETENTION_CHANGE)
    assert [(e.actor_id, e.district_id, e.detail) for e in changed] == [
        (
            office.id,
            district.id,
            {"evidence_days": 365, "inactive_days": None, "revoke_on_erasure": False},
        )
    ]
    done = client.post(
        f"/people/{teacher_id}/erase", data={"phrase": "erase my account"}
    )
    assert done.status_code == 303
    erased = events(session, AuditAction.ACCOUNT_ERASE)
    assert [(e.actor_id, e.subject_id, e.district_id, e.detail) for e in erased] == [
        (office.id, teacher_id, district.id, {"by": "request"})
    ]
    assert erased[0].ip is not None
    assert "Account erased" in text(client.get("/district/audit"))


def test_a_retention_run_records_each_purge_and_the_run(session: Session) -> None:
    district = DistrictFactory(evidence_retention_days=30, inactive_account_days=60)
    teacher = UserFactory(district=district)
    idle = UserFactory(district=district)
    idle.created_at = utcnow() - timedelta(days=400)
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        status=SubmissionStatus.PASSED,
        submitted_at=utcnow() - timedelta(days=101),
        status_changed_at=utcnow() - timedelta(days=100),
        version=False,
    )
    session.commit()

    warned = retention.apply_retention(session)  # the notice comes first
    session.commit()
    assert warned.notices_sent == 2
    assert events(session, AuditAction.EVIDENCE_PURGE) == []
    later = retention.apply_retention(session, now=utcnow() + timedelta(days=20))
    session.commit()

    purged = events(session, AuditAction.EVIDENCE_PURGE)
    assert [(e.actor_id, e.subject_id, e.object_id, e.district_id) for e in purged] == [
        (None, teacher.id, str(submission.id), district.id)
    ]
    assert purged[0].detail == {"retention_run": later.id}
    erased = events(session, AuditAction.ACCOUNT_ERASE)
    assert [(e.actor_id, e.subject_id, e.detail) for e in erased] == [
        (None, idle.id, {"by": "retention"})
    ]
    runs = events(session, AuditAction.RETENTION_RUN)
    assert runs[-1].object_id == str(later.id)
    assert runs[-1].detail == {"notices": 0, "evidence": 1, "accounts": 1}


def test_an_administrator_opening_a_conversation_is_recorded_and_shown_to_the_teacher(
    app: Flask, session: Session
) -> None:
    teacher = UserFactory(name="Tess Teacher")
    coach = UserFactory(coach=True, district=teacher.district, name="Carla Coach")
    admin = UserFactory(admin=True, name="Ada Platform")
    conversation = Conversation(
        teacher_id=teacher.id, coach_id=coach.id, subject="Stations"
    )
    session.add(conversation)
    session.flush()
    session.add(
        ConversationMessage(
            conversation_id=conversation.id,
            author_id=teacher.id,
            body_encrypted=encryption.seal("How do I run stations?"),
            key_version=encryption.key_version(),
        )
    )
    session.commit()

    own = app.test_client()
    sign_in(own, coach)  # a party reading their own conversation is not recorded
    assert own.get(f"/coaching/{conversation.id}").status_code == 200
    assert events(session, AuditAction.CONVERSATION_VIEW) == []

    office = app.test_client()
    sign_in(office, admin)
    page = office.get(f"/coaching/{conversation.id}", headers=BROWSER)
    assert "How do I run stations?" in text(page)
    viewed = events(session, AuditAction.CONVERSATION_VIEW)
    assert [(e.actor_id, e.subject_id, e.object_id, e.detail) for e in viewed] == [
        (admin.id, teacher.id, str(conversation.id), {"coach_id": coach.id})
    ]
    assert viewed[0].user_agent == "AuditTest/1.0"

    mine = app.test_client()
    sign_in(mine, teacher)
    activity = text(mine.get("/account/activity"))
    assert "Ada Platform" in activity and "Opened a coaching conversation" in activity


def test_revoking_a_credential_is_recorded(
    session: Session, client: FlaskClient
) -> None:
    award = AwardFactory(
        enrollment=EnrollmentFactory(
            status=EnrollmentStatus.COMPLETED, completed_at=utcnow()
        )
    )
    issued = credentials.issue_credential(session, award.id)
    assert issued is not None
    admin = UserFactory(admin=True)
    session.commit()
    sign_in(client, admin)
    client.post(
        f"/admin/credentials/{issued.id}",
        data={"action": "revoke", "reason": "Issued in error.", "confirmed": "yes"},
    )
    revoked = events(session, AuditAction.CREDENTIAL_REVOKE)
    assert [(e.actor_id, e.subject_id, e.detail) for e in revoked] == [
        (admin.id, award.user_id, {"reason": "Issued in error."})
    ]
