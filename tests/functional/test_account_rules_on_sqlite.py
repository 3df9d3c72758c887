"""The account and routing rules of issue 14 (Low) on the embedded SQLite default:
huge ids, sign-up answers, sessions that end, argon2id recovery codes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from pdhub.accounts import service
from pdhub.accounts.models import RecoveryCode, User, UserSession
from pdhub.db import utcnow
from pdhub.extensions import db
from tests.factories import PASSWORD, UserFactory
from tests.helpers import sign_in, text


@pytest.fixture
def sqlite_app(sqlite_app: Flask) -> Iterator[Flask]:
    """The shared SQLite app (tests/conftest.py), with its app context pushed."""
    with sqlite_app.app_context():
        yield sqlite_app
        db.session.remove()


def test_ids_beyond_sqlite_integers_are_not_found(sqlite_app: Flask) -> None:
    admin = UserFactory(admin=True)
    db.session.commit()
    client = sqlite_app.test_client()
    sign_in(client, admin)
    for path in (
        f"/status-lists/{2**63}",
        f"/admin/users/{2**63}",
        f"/learn/{2**64}/quiz",
        f"/api/v1/verify/batch/{2**63}",
    ):
        assert client.get(path).status_code == 404, path


def test_sign_up_answers_alike_and_the_owner_is_emailed(
    sqlite_app: Flask, tmp_path: Path
) -> None:
    UserFactory(email="ann@example.org")
    db.session.commit()
    answers = []
    for email in ("ann@example.org", "bea@example.org"):
        client = sqlite_app.test_client()
        response = client.post(
            "/signup",
            data={"name": "Someone", "email": email, "password": "velvet harbor lamp"},
        )
        assert response.status_code == 303
        answers.append(text(client.get("/signin")).replace(email, "X"))
    assert answers[0] == answers[1]
    assert "You already have an account" in (tmp_path / "mail.log").read_text()


def test_a_session_ends_after_the_idle_timeout(sqlite_app: Flask) -> None:
    teacher = UserFactory()
    db.session.commit()
    client = sqlite_app.test_client()
    sign_in(client, teacher)
    assert client.get("/account").status_code == 200
    record = db.session.scalar(
        select(UserSession).where(UserSession.user_id == teacher.id)
    )
    record.last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_recovery_codes_are_argon2id_and_sign_in_once(sqlite_app: Flask) -> None:
    teacher = UserFactory(two_factor=True)
    db.session.commit()
    code = service.regenerate_recovery_codes(db.session, teacher)[0]
    db.session.commit()
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert all(h.startswith("$argon2id$") for h in stored)
    assert re.fullmatch(r"([a-z2-7]{4}-){3}[a-z2-7]{4}", code)
    email = db.session.get(User, teacher.id).email
    for expected in (303, 401):
        client = sqlite_app.test_client()
        client.post("/signin", data={"email": email, "password": PASSWORD})
        assert client.post("/signin/code", data={"code": code}).status_code == expected
