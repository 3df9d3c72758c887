"""Two-factor sign-in for staff, recovery codes, and password reset by email."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pyotp
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, UserFactory, totp_for
from tests.helpers import sign_in, text


def test_a_new_coach_must_set_up_two_factor_before_staff_pages_open(
    client: FlaskClient, session: Session
) -> None:
    coach = UserFactory(coach=True, two_factor=False)
    sign_in(client, coach)
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/two-factor")
    page = text(client.get("/account/two-factor"))
    assert "Staff accounts need two-factor sign-in" in page
    assert "<svg" in page  # the QR code, inline
    secret = re.search(r'class="secret">([A-Z2-7]+)<', page).group(1)
    response = client.post(
        "/account/two-factor", data={"code": pyotp.TOTP(secret).now()}
    )
    page = text(response)
    assert response.status_code == 200
    assert "Your recovery codes" in page
    assert (
        len(re.findall(r"<li><code>[a-z2-7]{4}(?:-[a-z2-7]{4}){3}</code></li>", page))
        == 10
    )
    assert client.get("/dashboard").status_code == 200


def test_a_wrong_setup_code_leaves_two_factor_off(
    client: FlaskClient, session: Session
) -> None:
    coach = UserFactory(coach=True, two_factor=False)
    sign_in(client, coach)
    client.get("/account/two-factor")
    response = client.post("/account/two-factor", data={"code": "000000"})
    assert response.status_code == 422
    assert "didn't match" in text(response)
    assert not coach.two_factor_enabled


def test_sign_in_with_two_factor_needs_the_code(
    client: FlaskClient, session: Session
) -> None:
    coach = UserFactory(coach=True)
    response = client.post("/signin", data={"email": coach.email, "password": PASSWORD})
    assert response.headers["Location"].startswith("/signin/code")
    assert client.get("/dashboard").status_code == 302  # not signed in yet
    response = client.post("/signin/code", data={"code": "123456"})
    assert response.status_code == 401
    response = client.post("/signin/code", data={"code": totp_for(coach).now()})
    assert response.status_code == 303
    assert client.get("/dashboard").status_code == 200


def test_a_used_totp_code_cannot_be_replayed(app, session: Session) -> None:
    coach = UserFactory(coach=True)
    code = totp_for(coach).now()
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        browser.post("/signin", data={"email": coach.email, "password": PASSWORD})
    assert first.post("/signin/code", data={"code": code}).status_code == 303
    assert second.post("/signin/code", data={"code": code}).status_code == 401


def test_a_recovery_code_signs_in_once(client: FlaskClient, session: Session) -> None:
    teacher = UserFactory(two_factor=False)
    sign_in(client, teacher)
    page = text(client.get("/account/two-factor"))
    secret = re.search(r'class="secret">([A-Z2-7]+)<', page).group(1)
    page = text(
        client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    )
    recovery = re.findall(r"<code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code>", page)[0]
    client.post("/signout")
    for expected in (303, 401):
        client.post("/signin", data={"email": teacher.email, "password": PASSWORD})
        response = client.post("/signin/code", data={"code": recovery.upper()})
        assert response.status_code == expected
        client.post("/signout")


def test_teachers_may_turn_two_factor_off_but_staff_may_not(
    app, session: Session
) -> None:
    teacher = UserFactory(two_factor=True)
    coach = UserFactory(coach=True)
    teacher_browser, coach_browser = app.test_client(), app.test_client()
    sign_in(teacher_browser, teacher)
    sign_in(coach_browser, coach)
    teacher_browser.post("/account/two-factor/off", data={"off-confirm": PASSWORD})
    assert not teacher.two_factor_enabled
    response = coach_browser.post(
        "/account/two-factor/off", data={"off-confirm": PASSWORD}
    )
    assert response.status_code == 403
    assert coach.two_factor_enabled


def test_password_reset_by_emailed_link_works_once(
    client: FlaskClient, session: Session, mail_log: Path
) -> None:
    teacher = UserFactory()
    response = client.post("/password/forgot", data={"email": teacher.email.upper()})
    assert response.status_code == 303
    message = mail_log.read_text()
    assert f"To: {teacher.email}" in message
    link = re.search(r"http://localhost(/password/reset/\S+)", message).group(1)
    assert client.get(link).status_code == 200
    new_password = "a brand new phrase for spring"
    assert client.post(link, data={"password": new_password}).status_code == 303
    sign_in(client, teacher, new_password)
    client.post("/signout")
    again = client.get(link)
    assert again.status_code == 400
    assert "already used" in text(again)


def test_forgot_password_does_not_reveal_whether_an_account_exists(
    client: FlaskClient, session: Session, mail_log: Path
) -> None:
    response = client.post(
        "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert "If that email has an account" in text(response)
    assert not mail_log.exists()


def test_a_forged_reset_link_is_refused_with_a_friendly_page(
    client: FlaskClient, session: Session
) -> None:
    response = client.get("/password/reset/not-a-real-token")
    assert response.status_code == 400
    assert "Ask for a new one" in text(response)


def _reset_link_made(app, user, ago: timedelta) -> str:
    """A reset link signed ``ago`` in the past, as the email would have carried it."""
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - ago.total_seconds())

    serializer = URLSafeTimedSerializer(
        app.secret_key, salt="pdhub.password-reset", signer=Then
    )
    return "/password/reset/" + serializer.dumps([user.id, user.password_hash[-16:]])


def test_a_password_reset_link_expires_after_two_hours(
    app, client: FlaskClient, session: Session
) -> None:
    teacher = UserFactory()
    fresh = _reset_link_made(app, teacher, timedelta(hours=1, minutes=55))
    assert client.get(fresh).status_code == 200
    old = _reset_link_made(app, teacher, timedelta(hours=2, minutes=5))
    response = client.get(old)
    assert response.status_code == 400
    assert "This reset link has expired. Ask for a new one." in text(response)
    response = client.post(old, data={"password": "a brand new phrase for spring"})
    assert response.status_code == 400
    sign_in(client, teacher)  # the old password still works


def test_a_reset_link_stops_working_once_any_new_password_is_set(
    app, client: FlaskClient, session: Session, mail_log: Path
) -> None:
    teacher = UserFactory()
    # A link asked for a few minutes ago, then a new one by email.
    first = _reset_link_made(app, teacher, timedelta(minutes=5))
    client.post("/password/forgot", data={"email": teacher.email})
    second = re.search(r"http://localhost(/password/reset/\S+)", mail_log.read_text())
    assert second is not None and second.group(1) != first
    new_password = "another fresh phrase for autumn"
    response = client.post(second.group(1), data={"password": new_password})
    assert response.status_code == 303
    response = client.post(first, data={"password": "yet another long phrase"})
    assert response.status_code == 400
    assert "already used" in text(response)
    sign_in(client, teacher, new_password)
