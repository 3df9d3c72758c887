"""Sessions end on the server: after an idle timeout and an absolute lifetime, both
configurable; only teachers may choose "keep me signed in"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts.models import User, UserSession
from pdhub.db import utcnow
from pdhub.extensions import db
from tests.factories import PASSWORD, UserFactory, totp_for
from tests.helpers import sign_in


def _record(user: User) -> UserSession:
    return db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.id.desc())
    ).first()


def _age(user: User, *, idle: timedelta, since_sign_in: timedelta) -> None:
    record = _record(user)
    record.last_seen_at = utcnow() - idle
    record.created_at = utcnow() - since_sign_in
    db.session.commit()


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


def test_a_session_unused_past_the_idle_timeout_is_signed_out(
    client: FlaskClient, session: Session
) -> None:
    teacher = UserFactory()
    sign_in(client, teacher)
    _age(teacher, idle=timedelta(minutes=29), since_sign_in=timedelta(hours=1))
    assert _signed_in(client)
    _age(teacher, idle=timedelta(minutes=31), since_sign_in=timedelta(hours=1))
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")


def test_a_session_in_use_still_ends_after_its_lifetime(
    client: FlaskClient, session: Session
) -> None:
    teacher = UserFactory()
    sign_in(client, teacher)
    _age(teacher, idle=timedelta(minutes=1), since_sign_in=timedelta(hours=11))
    assert _signed_in(client)
    _age(
        teacher, idle=timedelta(minutes=1), since_sign_in=timedelta(hours=12, minutes=1)
    )
    assert not _signed_in(client)


def test_the_timeouts_come_from_the_settings(app_factory, session: Session) -> None:
    app = app_factory(PDHUB_SESSION_IDLE_MINUTES=5, PDHUB_SESSION_MAX_HOURS=1)
    client = app.test_client()
    teacher = UserFactory()
    sign_in(client, teacher)
    _age(teacher, idle=timedelta(minutes=6), since_sign_in=timedelta(minutes=10))
    assert not _signed_in(client)
    sign_in(client, teacher)
    _age(teacher, idle=timedelta(minutes=1), since_sign_in=timedelta(minutes=61))
    assert not _signed_in(client)


def test_a_teacher_who_asks_stays_signed_in_for_weeks(
    client: FlaskClient, session: Session
) -> None:
    teacher = UserFactory()
    response = client.post(
        "/signin", data={"email": teacher.email, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 303
    assert "Expires=" in response.headers["Set-Cookie"]  # outlives the window
    _age(teacher, idle=timedelta(days=6), since_sign_in=timedelta(days=20))
    assert _signed_in(client)
    _age(teacher, idle=timedelta(days=1), since_sign_in=timedelta(days=31))
    assert not _signed_in(client)


@pytest.mark.parametrize("role", ["coach", "district_admin", "admin"])
def test_staff_always_get_the_short_lifetime(
    app: Flask, session: Session, role: str
) -> None:
    staff = UserFactory(**{role: True})
    client = app.test_client()
    client.post(
        "/signin", data={"email": staff.email, "password": PASSWORD, "remember": "y"}
    )
    response = client.post("/signin/code", data={"code": totp_for(staff).now()})
    assert response.status_code == 303
    assert "Expires=" not in response.headers["Set-Cookie"]
    assert _record(staff).persistent is False
    _age(staff, idle=timedelta(minutes=31), since_sign_in=timedelta(hours=1))
    assert not _signed_in(client)


def test_a_teacher_with_two_factor_keeps_the_choice_through_the_code_step(
    client: FlaskClient, session: Session
) -> None:
    teacher = UserFactory(two_factor=True)
    client.post(
        "/signin", data={"email": teacher.email, "password": PASSWORD, "remember": "y"}
    )
    response = client.post("/signin/code", data={"code": totp_for(teacher).now()})
    assert response.status_code == 303
    assert _record(teacher).persistent is True


def test_ended_sessions_are_not_listed_as_signed_in(
    app: Flask, session: Session
) -> None:
    teacher = UserFactory()
    old, current = app.test_client(), app.test_client()
    old.environ_base["HTTP_USER_AGENT"] = "OldBrowser/1"
    current.environ_base["HTTP_USER_AGENT"] = "NewBrowser/2"
    sign_in(old, teacher)
    _age(teacher, idle=timedelta(hours=2), since_sign_in=timedelta(hours=3))
    sign_in(current, teacher)
    page = current.get("/account/sessions").get_data(as_text=True)
    assert "NewBrowser/2" in page and "OldBrowser/1" not in page
