"""The account take-over findings of the outside audit (issue 14): poisoned reset
links, half-finished sign-ins in the cookie, sensitive changes without
re-authentication, live links in the outbox, and unverified email addresses."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts import service
from pdhub.accounts.models import RecoveryCode, Role, User, UserSession
from pdhub.db import utcnow
from pdhub.districts.models import District
from pdhub.learning.models import Enrollment
from pdhub.notifications.models import EmailMessage
from tests.factories import PASSWORD, ModuleFactory, UserFactory, totp_for
from tests.helpers import sign_in, text


def messages(mail_log: Path) -> list[str]:
    if not mail_log.exists():
        return []
    return [m for m in mail_log.read_text().split("-" * 72) if m.strip()]


def mail_to(mail_log: Path, address: str) -> list[str]:
    return [m for m in messages(mail_log) if f"To: {address}\n" in m]


def link_in(message: str, path: str) -> str:
    """The site path of the ``path`` link in ``message`` (it must be on our origin)."""
    found = re.search(r"(\S+)(" + re.escape(path) + r"\S+)", message)
    assert found is not None, message
    assert found.group(1) == "http://localhost", found.group(0)
    return found.group(2)


# --- reset-link poisoning -------------------------------------------------------------


def test_a_forged_host_header_never_reaches_the_reset_email(
    app_factory, session: Session, mail_log: Path
) -> None:
    victim = UserFactory()
    # As in production: no SERVER_NAME, so Flask would take the request's Host.
    client = app_factory(SERVER_NAME=None).test_client()
    response = client.post(
        "/password/forgot",
        data={"email": victim.email},
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 303
    (message,) = mail_to(mail_log, victim.email)
    assert "evil.example" not in message
    link = link_in(message, "/password/reset/")
    assert client.get(link).status_code == 200  # the genuine link, on our origin


def test_production_refuses_requests_for_other_hosts(
    app_factory, session: Session, redis_url: str
) -> None:
    production = app_factory(
        PDHUB_ENV="production",
        PDHUB_BASE_URL="https://pd.example.org",
        PDHUB_REDIS_URL=redis_url,
        PDHUB_MAIL_SERVER="127.0.0.1",
        PDHUB_MAIL_FROM="PD Hub <no-reply@pd.example.org>",
        PDHUB_TRUSTED_HOSTS="pdhub.internal:8000",
        SERVER_NAME=None,
    )
    browser = production.test_client()
    forged = browser.post(
        "/password/forgot",
        data={"email": "someone@example.org"},
        base_url="https://evil.example",
    )
    assert forged.status_code == 400
    assert browser.get("/", base_url="https://pd.example.org").status_code == 200
    assert browser.get("/", base_url="http://pdhub.internal:8000").status_code == 200


def test_proxy_headers_count_only_from_configured_proxies(
    app_factory, session: Session
) -> None:
    user = UserFactory()
    for hops, seen in ((0, "10.9.9.9"), (1, "203.0.113.7")):
        browser = app_factory(PDHUB_PROXY_COUNT=hops).test_client()
        response = browser.post(
            "/signin",
            data={"email": user.email, "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.7"},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
        assert response.status_code == 303
        newest = session.scalar(
            select(UserSession)
            .where(UserSession.user_id == user.id)
            .order_by(UserSession.id.desc())
        )
        assert newest is not None and newest.ip_address == seen


# --- half-finished sign-in ------------------------------------------------------------


def test_the_cookie_holds_no_account_and_a_password_change_ends_the_code_step(
    app: Flask, session: Session
) -> None:
    victim = UserFactory(two_factor=True)
    attacker = app.test_client()
    response = attacker.post(
        "/signin", data={"email": victim.email, "password": PASSWORD}
    )
    assert response.headers["Location"].startswith("/signin/code")
    cookie = attacker.get_cookie("pdhub_session")
    assert cookie is not None
    # The signed cookie is readable by its holder: no email or id of the account.
    from itsdangerous import base64_decode

    payload = cookie.value.lstrip(".").split(".")[0]
    decoded = base64_decode(payload)
    if cookie.value.startswith("."):
        import zlib

        decoded = zlib.decompress(decoded)
    assert victim.email.encode() not in decoded

    owner = app.test_client()
    sign_in(owner, victim)
    new_password = "a completely different phrase"
    changed = owner.post(
        "/account/password",
        data={"pw-current_password": PASSWORD, "pw-password": new_password},
    )
    assert changed.status_code == 303
    replay = attacker.post("/signin/code", data={"code": totp_for(victim).now()})
    assert replay.status_code == 303
    assert replay.headers["Location"].startswith("/signin")
    assert not replay.headers["Location"].startswith("/signin/code")
    assert attacker.get("/dashboard").status_code == 302  # not signed in


def test_the_code_step_expires_after_a_few_minutes(
    app: Flask, session: Session
) -> None:
    from pdhub.accounts.models import AccountToken, TokenPurpose

    user = UserFactory(two_factor=True)
    browser = app.test_client()
    browser.post("/signin", data={"email": user.email, "password": PASSWORD})
    pending = session.scalar(
        select(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == TokenPurpose.SIGNIN,
        )
    )
    assert pending is not None
    assert pending.expires_at - pending.created_at == timedelta(minutes=10)
    pending.expires_at = utcnow() - timedelta(seconds=1)  # the minutes went by
    session.commit()
    late = browser.post("/signin/code", data={"code": totp_for(user).now()})
    assert late.headers["Location"] == "/signin"
    assert browser.get("/dashboard").status_code == 302


# --- sensitive changes: re-authentication, telling the old address, undo --------------


def test_changing_the_email_needs_the_password_the_new_link_and_can_be_undone(
    app: Flask, client: FlaskClient, session: Session, mail_log: Path
) -> None:
    user = UserFactory(email="dana.owner@example.org")
    sign_in(client, user)
    stolen = app.test_client()
    sign_in(stolen, user)

    refused = stolen.post(
        "/account", data={"name": user.name, "email": "thief@example.net"}
    )
    assert refused.status_code == 422
    assert "confirm it's you" in text(refused)
    wrong = stolen.post(
        "/account",
        data={"name": user.name, "email": "thief@example.net", "confirm": "guess"},
    )
    assert wrong.status_code == 422
    assert user.email == "dana.owner@example.org" and not messages(mail_log)

    asked = client.post(
        "/account",
        data={"name": user.name, "email": "Dana.New@Example.org", "confirm": PASSWORD},
    )
    assert asked.status_code == 303
    assert user.email == "dana.owner@example.org"  # not until the link is opened
    (verify,) = mail_to(mail_log, "dana.new@example.org")
    assert client.get(link_in(verify, "/account/verify-email/")).status_code == 303
    assert user.email == "dana.new@example.org" and user.email_verified

    (notice,) = mail_to(mail_log, "dana.owner@example.org")
    assert "changed to dana.new@example.org" in notice
    undo = link_in(notice, "/account/undo/")
    assert "Undo the change" in text(client.get(undo))
    assert client.post(undo).status_code == 303
    assert user.email == "dana.owner@example.org"
    assert client.get("/dashboard").status_code == 302  # every browser signed out
    assert stolen.get("/dashboard").status_code == 302
    again = client.get(undo)
    assert again.status_code == 400 and "already used" in text(again)


def test_new_recovery_codes_need_a_fresh_code_and_the_old_ones_can_come_back(
    client: FlaskClient, session: Session, mail_log: Path
) -> None:
    user = UserFactory(two_factor=True)
    old_codes = service.regenerate_recovery_codes(session, user)
    session.commit()
    sign_in(client, user)
    assert "Make new recovery codes" in text(client.get("/account/two-factor"))

    nothing = client.post("/account/two-factor/recovery-codes")
    assert nothing.status_code == 303 and not messages(mail_log)
    hashes = {c.code_hash for c in session.scalars(select(RecoveryCode))}
    assert len(hashes) == 10

    made = client.post(
        "/account/two-factor/recovery-codes", data={"rc-confirm": old_codes[0]}
    )
    assert made.status_code == 200
    assert "recovery codes" in text(made).lower()
    assert old_codes[1] not in text(made)
    assert {c.code_hash for c in session.scalars(select(RecoveryCode))} != hashes
    (notice,) = mail_to(mail_log, user.email)
    assert "New two-factor recovery codes" in notice

    assert client.post(link_in(notice, "/account/undo/")).status_code == 303
    browser = client.application.test_client()
    browser.post("/signin", data={"email": user.email, "password": PASSWORD})
    # The old codes are back (the one spent confirming stays spent).
    assert browser.post("/signin/code", data={"code": old_codes[1]}).status_code == 303


def test_turning_two_factor_off_needs_a_fresh_check_tells_the_owner_and_undoes(
    app: Flask, client: FlaskClient, session: Session, mail_log: Path
) -> None:
    user = UserFactory(two_factor=True)
    sign_in(client, user)
    client.post("/account/two-factor/off")
    client.post("/account/two-factor/off", data={"off-confirm": "not my password"})
    assert user.two_factor_enabled and not messages(mail_log)

    client.post("/account/two-factor/off", data={"off-confirm": PASSWORD})
    assert not user.two_factor_enabled
    (notice,) = mail_to(mail_log, user.email)
    assert "Two-factor sign-in was turned off" in notice
    assert client.post(link_in(notice, "/account/undo/")).status_code == 303
    assert user.two_factor_enabled
    browser = app.test_client()
    response = browser.post("/signin", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].startswith("/signin/code")
    # The same app as before (the code of this 30-second step was used to sign in).
    code = totp_for(user).at(utcnow() + timedelta(seconds=30))
    assert browser.post("/signin/code", data={"code": code}).status_code == 303


# --- links in the outbox --------------------------------------------------------------


def test_the_outbox_keeps_no_live_reset_or_invitation_link(
    app: Flask, client: FlaskClient, session: Session, mail_log: Path
) -> None:
    user = UserFactory()
    client.post("/password/forgot", data={"email": user.email})
    admin = UserFactory(district_admin=True)
    admin_browser = app.test_client()
    sign_in(admin_browser, admin)
    response = admin_browser.post(
        "/district/invitations",
        data={
            "invite-email": "new.person@example.org",
            "invite-role": "teacher",
            "invite-school": "",
        },
    )
    assert response.status_code == 303
    reset = link_in(mail_to(mail_log, user.email)[0], "/password/reset/")
    invitation = link_in(
        mail_to(mail_log, "new.person@example.org")[0], "/invitations/"
    )
    stored = session.scalars(select(EmailMessage)).all()
    assert len(stored) == 2 and all(m.sent_at is not None for m in stored)
    for message in stored:
        assert "/password/reset/" not in message.body
        assert "/invitations/" not in message.body
        assert reset.rsplit("/", 1)[1] not in message.body
        assert invitation.rsplit("/", 1)[1] not in message.body

    # Each link works once.
    assert (
        client.post(reset, data={"password": "another long passphrase"}).status_code
        == 303
    )
    assert client.get(reset).status_code == 400
    joined = app.test_client().post(
        invitation, data={"name": "New Person", "password": "blue kites over the hill"}
    )
    assert joined.status_code == 303
    assert app.test_client().get(invitation).status_code == 409

    # Waiting in the outbox (not sent yet), the body is encrypted.
    from pdhub.notifications.service import queue_email

    waiting = queue_email(
        session, user.email, "Test", "password_reset", user=user,
        link="http://localhost/password/reset/SECRET-TOKEN", secret=True,
    )  # fmt: skip
    assert "SECRET-TOKEN" not in waiting.body and "Hello" not in waiting.body
    session.rollback()


def test_an_invitation_link_expires(
    app: Flask, session: Session, mail_log: Path
) -> None:
    from pdhub.districts import service as districts

    admin = UserFactory(district_admin=True)
    district = session.get(District, admin.district_id)
    with app.test_request_context():
        token = districts.invite(
            session, admin, district, email="late@example.org", role=Role.TEACHER
        )
    session.commit()
    invitation = districts.invitation_for_token(session, token)
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    response = app.test_client().get(f"/invitations/{token}")
    assert response.status_code == 409 and "expired" in text(response)


# --- verified email addresses ---------------------------------------------------------


def test_a_new_account_confirms_its_email_before_enrolling(
    client: FlaskClient, session: Session, mail_log: Path
) -> None:
    module = ModuleFactory()
    session.commit()
    response = client.post(
        "/signup",
        data={
            "name": "Claire Claimer",
            "email": "someone.else@example.org",
            "password": "twelve characters or more",
        },
    )
    assert response.headers["Location"] == "/signin"
    client.post(
        "/signin",
        data={
            "email": "someone.else@example.org",
            "password": "twelve characters or more",
        },
    )
    page = text(client.get("/account/verify-email"))
    assert "Confirm your email address" in page and "Send the link again" in page
    user = session.scalar(select(User).where(User.email == "someone.else@example.org"))
    assert user is not None and not user.email_verified

    refused = client.post(f"/modules/{module.slug}/enroll")
    assert refused.headers["Location"] == "/account/verify-email"
    assert (
        session.scalar(select(Enrollment).where(Enrollment.user_id == user.id)) is None
    )

    assert client.post("/account/verify-email").status_code == 303
    first, second = [
        m
        for m in mail_to(mail_log, "someone.else@example.org")
        if "/account/verify-email/" in m
    ]
    assert client.get(link_in(first, "/account/verify-email/")).status_code == 303
    assert user.email_verified
    # Opening one link spends the others.
    assert client.get(link_in(second, "/account/verify-email/")).status_code == 400
    enrolled = client.post(f"/modules/{module.slug}/enroll")
    assert enrolled.status_code == 303 and "/learn/" in enrolled.headers["Location"]


def test_no_badge_is_issued_to_an_unconfirmed_address_until_it_is_confirmed(
    app: Flask, client: FlaskClient, session: Session, mail_log: Path
) -> None:
    from pdhub.credentials import service as credentials
    from tests.factories import AwardFactory

    award = AwardFactory(enrollment__user__email_verified_at=None)
    user = award.user
    assert not user.email_verified
    assert credentials.issue_credential(session, award.id) is None
    assert credentials.awards_without_credential(session, older_than_seconds=-60) == []
    with app.test_request_context():
        service.send_verification(session, user)
    session.commit()
    (message,) = mail_to(mail_log, user.email)
    assert client.get(link_in(message, "/account/verify-email/")).status_code == 303
    assert credentials.current_credential(session, award) is not None


def test_badges_of_the_old_address_keep_verifying_and_can_be_reissued_to_the_new(
    client: FlaskClient, session: Session, mail_log: Path
) -> None:
    from badges.credential import Recipient
    from pdhub.credentials import service as credentials
    from pdhub.credentials.models import IssuedCredential
    from tests.credentials.test_issuing import verify
    from tests.factories import AwardFactory

    award = AwardFactory(enrollment__user__email="old.me@example.org")
    teacher = award.user
    old = credentials.issue_credential(session, award.id)
    assert old is not None
    session.commit()
    sign_in(client, teacher)
    client.post(
        "/account",
        data={"name": teacher.name, "email": "new.me@example.org", "confirm": PASSWORD},
    )
    (message,) = mail_to(mail_log, "new.me@example.org")
    client.get(link_in(message, "/account/verify-email/"))
    assert teacher.email == "new.me@example.org"

    assert verify(old.credential_json, client).verified
    page = text(client.get("/badges"))
    assert "issued to your earlier email address" in page
    response = client.post(f"/badges/{old.id}/reissue", data={"reissue-csrf_token": ""})
    assert response.status_code == 303
    session.expire_all()
    new = credentials.current_credential(session, award)
    assert new is not None and new.id != old.id
    identity = new.document["credentialSubject"]["identifier"][0]
    recipient = Recipient(
        identity_hash=identity["identityHash"], salt=new.recipient_salt
    )
    assert recipient.matches_email("new.me@example.org")
    old = session.get(IssuedCredential, old.id)
    assert old is not None and old.revoked_at is None and old.replaced_by_id == new.id
    assert verify(old.credential_json, client).verified  # the old one still verifies
    assert verify(new.credential_json, client).verified
    assert "issued to your earlier email address" not in text(client.get("/badges"))
