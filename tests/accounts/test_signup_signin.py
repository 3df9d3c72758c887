"""Sign-up, sign-in, sign-out and sessions that really end."""

from __future__ import annotations

from pathlib import Path

import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts.models import Role, User
from tests.factories import PASSWORD, DistrictFactory, UserFactory
from tests.helpers import sign_in, text

GOOD_PASSWORD = "velvet harbor lamp quietly"


def signup(client: FlaskClient, **data: str):
    form = {"name": "Ann Lee", "email": "ann@example.org", "password": GOOD_PASSWORD}
    form.update(data)
    return client.post("/signup", data=form)


def test_teacher_signs_up_with_a_join_code_and_joins_the_district(
    client: FlaskClient, session: Session, mail_log: Path
) -> None:
    district = DistrictFactory(join_code="RIVER234")
    response = signup(client, join_code="river 234")
    assert response.status_code == 303
    assert response.headers["Location"] == "/signin"
    assert "Check your email" in text(client.get("/signin"))
    user = session.scalar(select(User).where(User.email == "ann@example.org"))
    assert user is not None and user.role is Role.TEACHER
    assert user.district_id == district.id
    assert "Your teacher account is ready" in mail_log.read_text()
    sign_in(client, user, GOOD_PASSWORD)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Hello, Ann" in page


def test_signup_refuses_a_common_password_and_keeps_what_was_typed(
    client: FlaskClient, session: Session
) -> None:
    response = signup(client, password="password1234", name="Ann Lee")
    page = text(response)
    assert response.status_code == 422
    assert "too common or easy to guess" in page
    assert 'value="Ann Lee"' in page and 'value="ann@example.org"' in page
    assert 'href="#password"' in page  # the error summary links to the field
    assert session.scalar(select(User).where(User.email == "ann@example.org")) is None


def test_signup_refuses_a_password_shorter_than_twelve_characters(
    client: FlaskClient, session: Session
) -> None:
    response = signup(client, password="Tr0ub4dor&3")
    assert response.status_code == 422
    assert "at least 12 characters" in response.get_data(as_text=True)


def test_signup_accepts_a_long_passphrase(
    client: FlaskClient, session: Session
) -> None:
    response = signup(client, password="my classroom has seven plants and one turtle")
    assert response.status_code == 303


def test_signup_with_an_unknown_join_code_says_so_next_to_the_field(
    client: FlaskClient, session: Session
) -> None:
    response = signup(client, join_code="NOPE9999")
    page = text(response)
    assert response.status_code == 422
    assert "We don't know that join code" in page
    assert 'id="join_code-error"' in page


def test_signup_with_a_taken_email_answers_as_for_a_new_one_and_emails_the_owner(
    app: Flask, session: Session, mail_log: Path
) -> None:
    owner = UserFactory(email="ann@example.org", name="Ann Owner")
    taken = signup(app.test_client(), email="ANN@example.org", name="Mallory")
    new = signup(app.test_client(), email="bea@example.org", name="Bea")
    assert taken.status_code == new.status_code == 303
    assert taken.headers["Location"] == new.headers["Location"] == "/signin"
    taken_page = app.test_client().get("/signin")  # a fresh browser: no flash
    assert "already" not in text(taken_page)
    log = mail_log.read_text()
    assert "To: ann@example.org" in log and "You already have an account" in log
    assert "To: bea@example.org" in log
    session.refresh(owner)
    assert owner.name == "Ann Owner"  # nothing changed
    assert (
        len(session.scalars(select(User).where(User.email == "ann@example.org")).all())
        == 1
    )


def test_the_signup_answers_read_the_same_for_taken_and_new_addresses(
    client: FlaskClient, session: Session
) -> None:
    UserFactory(email="ann@example.org")
    signup(client, email="ann@example.org")
    taken = text(client.get("/signin"))
    signup(client, email="bea@example.org")
    new = text(client.get("/signin"))
    assert taken.replace("ann@example.org", "X") == new.replace("bea@example.org", "X")


def test_a_weak_password_is_refused_alike_for_a_taken_address(
    client: FlaskClient, session: Session
) -> None:
    UserFactory(email="ann@example.org")
    taken = signup(client, email="ann@example.org", password="password1234")
    new = signup(client, email="bea@example.org", password="password1234")
    assert taken.status_code == new.status_code == 422
    assert "too common" in text(taken) and "already" not in text(taken)


def test_signup_is_throttled_per_address(
    app: Flask, app_factory, session: Session, redis_url: str
) -> None:
    from pdhub.extensions import limiter
    from tests.accounts.test_rate_limits import limit_keys
    from tests.conftest import RUN_ID

    limited = app_factory(
        RATELIMIT_ENABLED=True,
        PDHUB_RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=f"pdhub-test-{RUN_ID}",
        PDHUB_SIGNUP_LIMIT="3 per hour",
    )
    try:
        statuses = [
            limited.test_client()
            .post(
                "/signup",
                data={
                    "name": "Ann Lee",
                    "email": f"probe{n}@example.org",
                    "password": GOOD_PASSWORD,
                },
                environ_base={"REMOTE_ADDR": "10.9.9.9"},
            )
            .status_code
            for n in range(4)
        ]
        assert statuses == [303, 303, 303, 429]
    finally:
        keys = limit_keys(redis_url)
        if keys:
            redis_lib.Redis.from_url(redis_url).delete(*keys)
        limiter.init_app(app)


def test_passwords_are_stored_as_argon2id_hashes(
    client: FlaskClient, session: Session
) -> None:
    signup(client)
    user = session.scalar(select(User).where(User.email == "ann@example.org"))
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert GOOD_PASSWORD not in user.password_hash


def test_wrong_password_gets_one_message_for_unknown_and_known_accounts(
    client: FlaskClient, session: Session
) -> None:
    user = UserFactory()
    wrong = client.post("/signin", data={"email": user.email, "password": "x" * 14})
    unknown = client.post(
        "/signin", data={"email": "nobody@example.org", "password": "x" * 14}
    )
    assert wrong.status_code == unknown.status_code == 401
    message = "don't match an account"
    assert message in text(wrong)
    assert message in text(unknown)


def test_sign_in_follows_only_local_next_links(
    client: FlaskClient, session: Session
) -> None:
    user = UserFactory()
    response = client.post(
        "/signin?next=https://evil.example/x",
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/dashboard"
    client.post("/signout")
    response = client.post(
        "/signin?next=/account", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account"


def test_a_replayed_session_cookie_is_refused_after_sign_out(
    client: FlaskClient, session: Session
) -> None:
    user = UserFactory()
    sign_in(client, user)
    old_cookie = client.get_cookie("pdhub_session").value
    assert client.get("/account").status_code == 200
    client.post("/signout")
    client.set_cookie("pdhub_session", old_cookie)
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")


def test_changing_the_password_signs_out_every_other_browser(
    app: Flask, session: Session
) -> None:
    user = UserFactory()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user)
    sign_in(phone, user)
    new_password = "seven quiet lanterns by the lake"
    response = laptop.post(
        "/account/password",
        data={"pw-current_password": PASSWORD, "pw-password": new_password},
    )
    assert response.status_code == 303
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    fresh = app.test_client()
    sign_in(fresh, user, new_password)


def test_changing_the_password_needs_the_current_one(
    client: FlaskClient, session: Session
) -> None:
    user = UserFactory()
    sign_in(client, user)
    response = client.post(
        "/account/password",
        data={"pw-current_password": "not my password!", "pw-password": GOOD_PASSWORD},
    )
    assert response.status_code == 422
    assert "not your current password" in response.get_data(as_text=True)


def test_administrator_signs_a_user_out_everywhere(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(admin=True)
    teacher = UserFactory()
    teacher_browser, admin_browser = app.test_client(), app.test_client()
    sign_in(teacher_browser, teacher)
    sign_in(admin_browser, admin)
    response = admin_browser.post(f"/district/staff/{teacher.id}/sign-out")
    assert response.status_code == 303
    assert teacher_browser.get("/account").status_code == 302


def test_profile_edit_saves_name_and_refuses_a_taken_email(
    client: FlaskClient, session: Session
) -> None:
    user = UserFactory()
    other = UserFactory()
    sign_in(client, user)
    response = client.post(
        "/account",
        data={"name": "New Name", "email": other.email, "confirm": PASSWORD},
    )
    assert response.status_code == 422
    assert "Another account uses this email" in response.get_data(as_text=True)
    response = client.post("/account", data={"name": "New  Name", "email": user.email})
    assert response.status_code == 303
    assert user.name == "New Name"


def test_sessions_page_lists_this_browser_and_ends_the_others(
    app: Flask, session: Session
) -> None:
    user = UserFactory()
    first, second = app.test_client(), app.test_client()
    sign_in(first, user)
    sign_in(second, user)
    page = first.get("/account/sessions").get_data(as_text=True)
    assert "(this browser)" in page
    first.post("/account/sessions")
    assert first.get("/account").status_code == 200
    assert second.get("/account").status_code == 302


def test_a_coach_who_mistypes_the_current_password_gets_the_form_back(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, UserFactory(coach=True))
    response = client.post(
        "/account/password",
        data={"pw-current_password": "not my password", "pw-password": GOOD_PASSWORD},
    )
    assert response.status_code == 422
    assert "That is not your current password" in text(response)
    assert "Save email choices" in text(response)
