"""Approvers are told when learning done elsewhere waits for them (in the app and by
email, each in their own language), and only the approvers of that stage, school and
district are."""

from __future__ import annotations

import io
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.db import utcnow
from pdhub.districts.models import CreditPolicy, ExternalLearning, ExternalStatus
from pdhub.notifications.models import EmailMessage, Notification
from tests.factories import PDF_BYTES, SchoolFactory, UserFactory
from tests.helpers import sign_in


def _browser(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    sign_in(client, user)
    return client


def _log(client: FlaskClient) -> None:
    today = utcnow().date()
    response = client.post(
        "/transcript/external/new",
        data={
            "title": "State literacy conference",
            "provider": "Literacy Association",
            "started_on": (today - timedelta(days=3)).isoformat(),
            "ended_on": (today - timedelta(days=2)).isoformat(),
            "hours": "12.5",
            "description": "Two days of sessions on reading.",
            "certificate": (io.BytesIO(PDF_BYTES), "certificate.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303


def _notes(session: Session, user: User) -> list[str]:
    return list(
        session.scalars(
            select(Notification.message)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def _mail(session: Session, user: User) -> list[EmailMessage]:
    return list(
        session.scalars(
            select(EmailMessage)
            .where(EmailMessage.to == user.email)
            .order_by(EmailMessage.id)
        )
    )


def test_the_school_leader_then_the_district_are_told_in_their_language(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True, language="es")
    district = admin.district
    session.add(CreditPolicy(district_id=district.id, two_stage=True))
    north = SchoolFactory(district=district)
    south = SchoolFactory(district=district)
    leader = UserFactory(school_leader=True, district=district, school=north)
    other_leader = UserFactory(school_leader=True, district=district, school=south)
    elsewhere_admin = UserFactory(district_admin=True)  # another district
    teacher = UserFactory(district=district, school=north, name="Ana Reyes")
    _log(_browser(app, teacher))

    assert _notes(session, leader) == [
        "Ana Reyes asks you to approve “State literacy conference” (12.5 hours)."
    ]
    [mail] = _mail(session, leader)
    assert mail.subject == "Waiting for your approval: State literacy conference"
    assert "/district/approvals/" in mail.body
    # Not yet the district (it waits at the school), nor another school or district.
    assert _notes(session, admin) == []
    assert (
        _notes(session, other_leader) == [] and _notes(session, elsewhere_admin) == []
    )

    record = session.scalar(
        select(ExternalLearning).where(ExternalLearning.user_id == teacher.id)
    )
    assert record is not None
    approved = _browser(app, leader).post(
        f"/district/approvals/{record.id}", data={"decision": "approve"}
    )
    assert approved.status_code == 303
    session.refresh(record)
    assert record.status is ExternalStatus.WITH_DISTRICT
    # The district administrator reads Spanish.
    assert _notes(session, admin) == [
        "Ana Reyes le pide que apruebe «State literacy conference» (12.5 horas)."
    ]
    [mail] = _mail(session, admin)
    assert mail.subject.startswith("Espera su aprobación")
    assert "aprobó" in mail.body
    # The teacher heard that the school approved it.
    assert len(_notes(session, teacher)) == 1


def test_a_request_sent_again_after_a_return_tells_the_district_again(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    teacher = UserFactory(district=admin.district)
    teacher_browser = _browser(app, teacher)
    _log(teacher_browser)
    record = session.scalar(
        select(ExternalLearning).where(ExternalLearning.user_id == teacher.id)
    )
    assert record is not None and record.status is ExternalStatus.WITH_DISTRICT
    assert len(_notes(session, admin)) == 1
    returned = _browser(app, admin).post(
        f"/district/approvals/{record.id}",
        data={"decision": "return", "reason": "No hours on the certificate."},
    )
    assert returned.status_code == 303
    again = teacher_browser.post(
        f"/transcript/external/{record.id}",
        data={
            "title": "State literacy conference",
            "provider": "Literacy Association",
            "started_on": record.started_on.isoformat(),
            "ended_on": record.ended_on.isoformat(),
            "hours": "10",
        },
        content_type="multipart/form-data",
    )
    assert again.status_code == 303
    notes = _notes(session, admin)
    assert len(notes) == 2 and "(10 hours)" in notes[1]
