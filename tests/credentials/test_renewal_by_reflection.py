"""Renewal by a reflection a coach reviews (a module with ``renewal: reflection``):
the teacher writes how they kept the practice going, a coach who serves them renews
the badge (a new credential pointing back to the old one) or returns it with
feedback, once; coaches of other districts never see it."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from badges.schema import schema_errors
from pdhub.credentials import issuing, renewal, status
from pdhub.credentials.models import IssuedCredential, Renewal
from pdhub.db import utcnow
from pdhub.notifications.models import Notification
from tests.factories import (
    AwardFactory,
    CoachAssignmentFactory,
    DistrictFactory,
    ModuleFactory,
    UserFactory,
)
from tests.helpers import sign_in, text

REFLECTION = (
    "Since earning the badge I ran two more privacy checks on classroom apps with my "
    "seventh graders, and we rewrote our class page so no student names appear."
)


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    district = DistrictFactory()
    teacher = UserFactory(district=district, name="Leo Teacher")
    coach = UserFactory(coach=True, district=district, name="Carla Coach")
    CoachAssignmentFactory(coach=coach, district=district)
    module = ModuleFactory(valid_for_days=365, renewal="reflection")
    award = AwardFactory(enrollment__user=teacher, enrollment__module=module)
    issuer = issuing.Issuer(session)
    status_list, index = status.allocate(session, issuer.signer)
    when = (utcnow() - timedelta(days=340)).replace(microsecond=0)
    credential = IssuedCredential(**issuer.build(award, status_list, index, when))
    session.add(credential)
    session.commit()
    return {"teacher": teacher, "coach": coach, "credential": credential}


def _start(client: FlaskClient, credential: IssuedCredential) -> Any:
    return client.post(f"/badges/{credential.id}/renew")


def test_the_teacher_writes_a_reflection_and_a_coach_renews_the_badge(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    teacher, coach, old = world["teacher"], world["coach"], world["credential"]
    sign_in(client, teacher)
    badges = text(client.get("/badges"))
    assert "Renew it with a short reflection" in badges
    started = _start(client, old)
    assert started.status_code == 303
    assert started.headers["Location"].endswith(f"/badges/{old.id}/renewal")
    too_short = client.post(
        f"/badges/{old.id}/renewal", data={"reflection": "I kept using it."}
    )
    assert too_short.status_code == 422
    assert "Write between 100 and 4000 characters" in text(too_short)
    sent = client.post(f"/badges/{old.id}/renewal", data={"reflection": REFLECTION})
    assert sent.status_code == 303
    assert "Waiting for a coach" in text(client.get(f"/badges/{old.id}/renewal"))
    # Stored encrypted: the words are not in the table.
    stored = session.execute(
        sql("SELECT reflection_encrypted FROM credential_renewals")
    ).scalar_one()
    assert "seventh graders" not in stored
    client.post("/signout")

    sign_in(client, coach)
    assert "Badge renewals" in text(client.get("/review"))
    queue = text(client.get("/review/renewals"))
    assert "Leo Teacher" in queue
    found = session.scalar(select(Renewal))
    assert found is not None
    page = text(client.get(f"/review/renewals/{found.id}"))
    assert "seventh graders" in page
    decided = client.post(
        f"/review/renewals/{found.id}", data={"decision": "renew", "feedback": ""}
    )
    assert decided.status_code == 303
    session.expire_all()
    old = session.get(IssuedCredential, old.id)
    assert old is not None and old.replaced_by_id is not None
    renewed = session.get(IssuedCredential, old.replaced_by_id)
    assert renewed is not None and renewed.valid_until > old.valid_until
    assert schema_errors(renewed.document) == []
    assert any(old.id in e.get("narrative", "") for e in renewed.document["evidence"])
    assert "No reflections are waiting" in text(client.get("/review/renewals"))
    # Decided once: a second decision changes nothing.
    again = client.post(
        f"/review/renewals/{found.id}", data={"decision": "renew", "feedback": ""}
    )
    assert again.status_code == 200
    assert (
        session.scalar(
            select(IssuedCredential.id).where(
                IssuedCredential.replaced_by_id.is_not(None)
            )
        )
        == old.id
    )
    messages = list(
        session.scalars(
            select(Notification.message).where(Notification.user_id == teacher.id)
        )
    )
    assert any("A coach renewed your badge" in m for m in messages)


def test_a_returned_reflection_comes_back_with_feedback_and_can_be_sent_again(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    teacher, coach, old = world["teacher"], world["coach"], world["credential"]
    sign_in(client, teacher)
    _start(client, old)
    client.post(f"/badges/{old.id}/renewal", data={"reflection": REFLECTION})
    client.post("/signout")
    found = session.scalar(select(Renewal))
    assert found is not None

    sign_in(client, coach)
    no_feedback = client.post(
        f"/review/renewals/{found.id}", data={"decision": "return", "feedback": ""}
    )
    assert no_feedback.status_code == 422
    assert "Say what the teacher should add" in text(no_feedback)
    returned = client.post(
        f"/review/renewals/{found.id}",
        data={"decision": "return", "feedback": "Say what changed for students."},
    )
    assert returned.status_code == 303
    client.post("/signout")

    sign_in(client, teacher)
    page = text(client.get(f"/badges/{old.id}/renewal"))
    assert "Say what changed for students." in page
    assert "seventh graders" in page  # the earlier text, ready to extend
    again = client.post(
        f"/badges/{old.id}/renewal",
        data={"reflection": REFLECTION + " Students now ask before sharing."},
    )
    assert again.status_code == 303
    session.expire_all()
    assert session.get(IssuedCredential, old.id).replaced_by_id is None  # type: ignore[union-attr]
    assert session.scalar(select(Renewal.submitted_at)) is not None


def test_coaches_of_other_districts_and_other_teachers_are_refused(
    session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    teacher, old = world["teacher"], world["credential"]
    sign_in(client, teacher)
    _start(client, old)
    client.post(f"/badges/{old.id}/renewal", data={"reflection": REFLECTION})
    client.post("/signout")
    found = session.scalar(select(Renewal))
    assert found is not None

    elsewhere = DistrictFactory()
    outsider = UserFactory(coach=True, district=elsewhere)
    CoachAssignmentFactory(coach=outsider, district=elsewhere)
    sign_in(client, outsider)
    assert "Leo Teacher" not in text(client.get("/review/renewals"))
    assert client.get(f"/review/renewals/{found.id}").status_code == 404
    refused = client.post(
        f"/review/renewals/{found.id}", data={"decision": "renew", "feedback": ""}
    )
    assert refused.status_code == 404
    client.post("/signout")

    stranger = UserFactory(district=teacher.district)
    sign_in(client, stranger)
    assert client.get(f"/badges/{old.id}/renewal").status_code == 404
    session.expire_all()
    assert session.get(IssuedCredential, old.id).replaced_by_id is None  # type: ignore[union-attr]


def test_a_knowledge_check_pass_does_not_renew_a_reflection_badge(
    session: Session, world: dict[str, Any]
) -> None:
    from tests.factories import QuizAttemptFactory

    teacher, old = world["teacher"], world["credential"]
    renewal.start(session, teacher, old)
    attempt = QuizAttemptFactory(enrollment=old.award.enrollment, passed=True)
    assert renewal.finish_if_renewing(session, attempt) is None
    assert old.replaced_by_id is None


def test_the_reflection_is_in_the_teachers_export_and_goes_with_erasure(
    app: Flask, session: Session, client: FlaskClient, world: dict[str, Any]
) -> None:
    from pdhub.accountdata.erasure import erase_account
    from pdhub.accountdata.service import account_zip

    teacher, old = world["teacher"], world["credential"]
    sign_in(client, teacher)
    _start(client, old)
    client.post(f"/badges/{old.id}/renewal", data={"reflection": REFLECTION})
    with app.test_request_context():
        archive = zipfile.ZipFile(io.BytesIO(account_zip(session, teacher)))
    [kept] = json.loads(archive.read("badge_renewals.json"))
    assert kept["reflection"] == REFLECTION and kept["credential"] == old.id
    erase_account(session, None, teacher)
    session.commit()
    found = session.scalar(select(Renewal))
    assert found is not None and found.reflection_text == ""
