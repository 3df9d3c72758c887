"""Failed sign-ins are throttled per account and per address, in real Redis."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import redis as redis_lib
from flask import Flask

from pdhub.extensions import limiter
from tests.conftest import RUN_ID
from tests.factories import PASSWORD, UserFactory
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
