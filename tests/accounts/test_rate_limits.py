"""Failed sign-ins are throttled per account and per address, in real Redis."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import redis as redis_lib
from flask import Flask

from pdhub.extensions import limiter
from tests.conftest import RUN_ID
from tests.factories import PASSWORD, UserFactory, totp_for
from tests.helpers import OwnRedis, text


@pytest.fixture
def limited_app(app: Flask, app_factory, redis_url: str) -> Iterator[Flask]:
    # Flask-Limiter keeps the first key prefix it was given for the process.
    prefix = f"pdhub-test-{RUN_ID}"
    limited = app_factory(
        RATELIMIT_ENABLED=True,
        PDHUB_RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=prefix,
        PDHUB_SIGNIN_LIMIT_ACCOUNT="3 per 15 minutes",
        PDHUB_SIGNIN_LIMIT_ADDRESS="5 per 15 minutes",
    )
    yield limited
    keys = limit_keys(redis_url)
    if keys:
        redis_lib.Redis.from_url(redis_url).delete(*keys)
    limiter.init_app(app)  # the shared extension goes back to the main test app


def limit_keys(redis_url: str) -> list[bytes]:
    return list(redis_lib.Redis.from_url(redis_url).scan_iter(f"*pdhub-test-{RUN_ID}*"))


def attempt(app: Flask, email: str, password: str, address: str):
    return app.test_client().post(
        "/signin",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_an_account_is_paused_after_repeated_failures_from_any_address(
    limited_app: Flask, redis_url: str
) -> None:
    user = UserFactory()
    for n in range(3):
        assert (
            attempt(
                limited_app, user.email, "wrong password!!", f"10.0.0.{n}"
            ).status_code
            == 401
        )
    paused = attempt(limited_app, user.email, PASSWORD, "10.0.0.9")
    assert paused.status_code == 429
    assert "Too many attempts" in text(paused)
    assert "please wait 15 minutes before trying again" in text(paused)
    in_spanish = limited_app.test_client().post(
        "/signin",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.10"},
        headers={"Accept-Language": "es"},
    )
    assert in_spanish.status_code == 429
    assert "15 minutos" in text(in_spanish)
    assert any(
        b"account:" + user.email.encode() in key for key in limit_keys(redis_url)
    )
    other = UserFactory()
    assert attempt(limited_app, other.email, PASSWORD, "10.0.0.9").status_code == 303


def test_an_address_is_paused_after_failures_across_accounts(
    limited_app: Flask,
) -> None:
    for n in range(5):
        response = attempt(
            limited_app, f"guess{n}@example.org", "wrong password!!", "10.1.1.1"
        )
        assert response.status_code == 401
    assert (
        attempt(limited_app, "guess9@example.org", "x" * 12, "10.1.1.1").status_code
        == 429
    )
    user = UserFactory()
    assert attempt(limited_app, user.email, PASSWORD, "10.1.1.2").status_code == 303


def test_successful_sign_ins_do_not_count_against_the_limit(limited_app: Flask) -> None:
    user = UserFactory()
    for _ in range(6):
        assert attempt(limited_app, user.email, PASSWORD, "10.2.2.2").status_code == 303


def test_unicode_look_alikes_and_letter_case_share_the_account_counter(
    limited_app: Flask,
) -> None:
    """Audit: after the failures, ``priya@ｒiverside.example.org`` (a full-width r)
    reached the same account with a fresh counter and signed in."""
    user = UserFactory(email="priya@riverside.example.org")
    for n in range(3):
        failed = attempt(limited_app, user.email, "wrong password!!", f"10.3.0.{n}")
        assert failed.status_code == 401
    for variant in (
        "priya@\uff52iverside.example.org",
        " PRIYA@Riverside.Example.org ",
        "\uff50riya@riverside.example.org",
    ):
        assert attempt(limited_app, variant, PASSWORD, "10.3.1.1").status_code == 429


def test_the_code_step_counts_wrong_codes_on_the_account_whatever_the_form_says(
    limited_app: Flask,
) -> None:
    """Audit: an invented ``email=`` field on /signin/code gave 12 wrong codes."""
    user = UserFactory(two_factor=True)
    browser = limited_app.test_client()
    environ = {"REMOTE_ADDR": "10.4.4.4"}
    started = browser.post(
        "/signin",
        data={"email": user.email, "password": PASSWORD},
        environ_base=environ,
    )
    assert started.headers["Location"].startswith("/signin/code")
    for n in range(3):
        wrong = browser.post(
            "/signin/code",
            data={"code": "000000", "email": f"decoy{n}@example.org"},
            environ_base=environ,
        )
        assert wrong.status_code == 401
    paused = browser.post(
        "/signin/code",
        data={"code": totp_for(user).now(), "email": "decoy9@example.org"},
        environ_base=environ,
    )
    assert paused.status_code == 429
    # The password step of that account is paused too: it is one counter.
    assert attempt(limited_app, user.email, PASSWORD, "10.4.4.5").status_code == 429


def test_behind_a_proxy_the_throttle_counts_the_real_client(
    app: Flask, app_factory, redis_url: str
) -> None:
    prefix = f"pdhub-test-{RUN_ID}"
    proxied = app_factory(
        RATELIMIT_ENABLED=True,
        PDHUB_RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=prefix,
        PDHUB_SIGNIN_LIMIT_ADDRESS="2 per 15 minutes",
        PDHUB_PROXY_COUNT=1,
    )
    try:

        def via_balancer(client_address: str):
            return proxied.test_client().post(
                "/signin",
                data={"email": "nobody@example.org", "password": "wrong password!!"},
                headers={"X-Forwarded-For": client_address},
                environ_base={"REMOTE_ADDR": "10.0.0.254"},  # the load balancer
            )

        assert via_balancer("198.51.100.1").status_code == 401
        assert via_balancer("198.51.100.1").status_code == 401
        assert via_balancer("198.51.100.1").status_code == 429
        # Another client behind the same balancer is not paused.
        assert via_balancer("198.51.100.2").status_code == 401
    finally:
        keys = limit_keys(redis_url)
        if keys:
            redis_lib.Redis.from_url(redis_url).delete(*keys)
        limiter.init_app(app)


def test_send_the_link_again_is_throttled(limited_app: Flask) -> None:
    from tests.helpers import sign_in

    user = UserFactory(email_verified_at=None)
    browser = limited_app.test_client()
    sign_in(browser, user)
    for _ in range(3):
        assert browser.post("/account/verify-email").status_code == 303
    assert browser.post("/account/verify-email").status_code == 429


def test_a_stolen_session_cannot_guess_the_password_in_the_confirm_forms(
    limited_app: Flask,
) -> None:
    from tests.helpers import sign_in

    user = UserFactory(two_factor=True)
    stolen = limited_app.test_client()
    sign_in(stolen, user)
    change = {"name": user.name, "email": "thief@example.net"}
    for guess in ("guess number one", "guess number two"):
        assert (
            stolen.post("/account", data={**change, "confirm": guess}).status_code
            == 422
        )
    stolen.post("/account/two-factor/off", data={"off-confirm": "guess number three"})
    paused = stolen.post("/account", data={**change, "confirm": PASSWORD})
    assert paused.status_code == 429
    assert user.email != "thief@example.net"


def test_sign_in_and_verifying_work_on_per_process_limits_while_redis_is_down(
    app: Flask,
    app_factory,
    own_redis: OwnRedis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    limited = app_factory(
        RATELIMIT_ENABLED=True,
        PDHUB_RATELIMIT_STORAGE_URI=own_redis.url,
        PDHUB_SIGNIN_LIMIT_ACCOUNT="3 per 15 minutes",
        PDHUB_SIGNIN_LIMIT_ADDRESS="50 per 15 minutes",
    )
    try:
        user = UserFactory()
        other = UserFactory()
        own_redis.kill()
        with caplog.at_level(logging.WARNING):
            assert attempt(limited, user.email, PASSWORD, "10.3.0.1").status_code == 303
            verify = limited.test_client().post("/api/v1/verify", json={"jwt": "a.b.c"})
            assert verify.status_code == 422  # the verdict on a malformed JWT, served
            assert verify.get_json()["verified"] is False
            # The limits still hold, counted in this process.
            for n in range(3):
                wrong = attempt(limited, other.email, "wrong password!!", f"10.3.1.{n}")
                assert wrong.status_code == 401
            assert (
                attempt(limited, other.email, PASSWORD, "10.3.1.9").status_code == 429
            )
        assert "falling back to in-memory storage" in caplog.text
    finally:
        limiter.init_app(app)
