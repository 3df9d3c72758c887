"""Expired account tokens do not outlive their use: the hourly retention task deletes
them, including those of accounts that never ask for a new link (whose pending address
change would otherwise stay in the database for ever)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts import service
from pdhub.accounts.models import AccountToken, TokenPurpose
from pdhub.db import utcnow
from tests.factories import PASSWORD, UserFactory, totp_for


def _tokens(session: Session, user_id: int) -> list[AccountToken]:
    session.expire_all()
    return list(
        session.scalars(select(AccountToken).where(AccountToken.user_id == user_id))
    )


def test_expired_tokens_are_deleted_and_live_ones_still_work(
    app: Flask, session: Session
) -> None:
    quiet = UserFactory(two_factor=True)
    busy = UserFactory(two_factor=True)
    gone_browser: FlaskClient = app.test_client()
    gone_browser.post("/signin", data={"email": quiet.email, "password": PASSWORD})
    live_browser: FlaskClient = app.test_client()
    live_browser.post("/signin", data={"email": busy.email, "password": PASSWORD})
    [dead] = _tokens(session, quiet.id)
    assert dead.purpose == TokenPurpose.SIGNIN
    dead.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()

    assert service.purge_dead_tokens(session) == 1
    session.commit()

    assert _tokens(session, quiet.id) == []
    # The other person's code step is untouched and still signs them in.
    assert len(_tokens(session, busy.id)) == 1
    done = live_browser.post("/signin/code", data={"code": totp_for(busy).now()})
    assert done.status_code == 303
    assert live_browser.get("/dashboard").status_code == 200
