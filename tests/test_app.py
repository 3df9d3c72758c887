"""The app shell: configuration, security headers, CSRF, friendly errors, isolation."""

from __future__ import annotations

import subprocess
import sys

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub import create_app
from pdhub.accounts.models import User
from pdhub.config import ConfigError
from tests.factories import UserFactory
from tests.helpers import sign_in, text

CANARY_EMAIL = "canary@example.org"


def test_canary_a_write_in_one_test(session: Session) -> None:
    UserFactory(email=CANARY_EMAIL)
    session.commit()  # commits a savepoint only
    assert session.scalar(select(User).where(User.email == CANARY_EMAIL)) is not None


def test_canary_is_gone_in_the_next_test(session: Session) -> None:
    assert session.scalar(select(User).where(User.email == CANARY_EMAIL)) is None


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"PDHUB_ENV": "production"}, "PDHUB_SECRET_KEY"),
        ({"PDHUB_ENV": "staging"}, "PDHUB_ENV"),
        ({"PDHUB_BASE_URL": "pd.example.org"}, "PDHUB_BASE_URL"),
        ({"PDHUB_DATA_KEY": "not-a-key"}, "PDHUB_DATA_KEY"),
        ({"PDHUB_DATABASE_URL": "mysql://x"}, "PDHUB_DATABASE_URL"),
        ({"PDHUB_REDIS_URL": "http://127.0.0.1"}, "PDHUB_REDIS_URL"),
    ],
)
def test_bad_settings_stop_start_up_with_a_message_naming_them(
    tmp_path, overrides: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        create_app({"PDHUB_INSTANCE_PATH": str(tmp_path), **overrides})


def test_production_without_settings_fails_without_a_traceback(tmp_path) -> None:
    code = "from pdhub import create_app; create_app()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PDHUB_ENV": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "PDHUB_SECRET_KEY" in result.stderr
    # The pdhub command prints the message alone:
    result = subprocess.run(
        [sys.executable, "-m", "pdhub.cli", "demo", "--no-serve"],
        env={"PDHUB_ENV": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in result.stderr
    assert "PDHUB_SECRET_KEY" in result.stderr


def test_embedded_default_makes_its_secret_once_in_the_instance_folder(
    tmp_path,
) -> None:
    first = create_app({"PDHUB_INSTANCE_PATH": str(tmp_path)})
    second = create_app({"PDHUB_INSTANCE_PATH": str(tmp_path)})
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_every_page_has_security_headers(client: FlaskClient) -> None:
    response = client.get("/signin")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/signin", base_url="https://localhost")
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


def test_session_cookie_is_httponly_and_lax(
    client: FlaskClient, session: Session
) -> None:
    user = UserFactory()
    response = client.post(
        "/signin", data={"email": user.email, "password": "gentle orbit walnut teapot"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


PRODUCTION = {
    "PDHUB_ENV": "production",
    "PDHUB_BASE_URL": "https://pd.example.org",
    "PDHUB_REDIS_URL": "redis://127.0.0.1:6379/0",
    "PDHUB_MAIL_SERVER": "smtp.example.org",
    "PDHUB_TASKS_EAGER": True,
}


def test_production_cookies_are_secure(app_factory) -> None:
    app = app_factory(**PRODUCTION)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_the_production_session_cookie_has_the_host_prefix(
    app_factory, session: Session
) -> None:
    app = app_factory(**PRODUCTION)
    user = UserFactory()
    response = app.test_client().post(
        "/signin",
        base_url="https://pd.example.org",  # production answers its own host only
        data={"email": user.email, "password": "gentle orbit walnut teapot"},
    )
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    # What browsers require of a __Host- cookie: Secure, Path=/ and no Domain.
    assert cookie.startswith("__Host-pdhub_session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_production_refuses_to_start_without_a_mail_server(
    app_factory, session: Session
) -> None:
    settings = {**PRODUCTION, "PDHUB_MAIL_SERVER": None}
    with pytest.raises(ConfigError, match="PDHUB_MAIL_SERVER"):
        app_factory(**settings)


def test_forms_without_a_csrf_token_are_refused_kindly(app_factory) -> None:
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post(
        "/signin", data={"email": "a@example.org", "password": "x" * 12}
    )
    assert response.status_code == 400
    assert "This form expired" in text(response)
    page = client.get("/signin").get_data(as_text=True)
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize("status", [400, 403, 404, 405, 413, 429, 500])
def test_errors_are_friendly_pages_and_problem_documents(
    app_factory, status: int
) -> None:
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom/<int:code>")
    @app.get("/api/v1/boom/<int:code>")
    def boom(code: int) -> str:
        if code == 500:
            raise RuntimeError("secret internals")
        abort(code)

    client = app.test_client()
    page = client.get(f"/boom/{status}")
    assert page.status_code == status
    assert page.mimetype == "text/html"
    body = text(page)
    assert "Traceback" not in body and "secret internals" not in body
    assert "<h1>" in body and f"Error code {status}" in body
    problem = client.get(f"/api/v1/boom/{status}")
    assert problem.status_code == status
    assert problem.mimetype == "application/problem+json"
    assert problem.json["status"] == status and problem.json["title"]
    assert "secret internals" not in problem.get_data(as_text=True)


def test_method_not_allowed_on_a_real_route_is_friendly(client: FlaskClient) -> None:
    response = client.delete("/signin")
    assert response.status_code == 405
    assert "That action isn't available here" in text(response)


def test_an_upload_over_the_size_limit_gets_413(app_factory) -> None:
    app = app_factory(PDHUB_MAX_UPLOAD_MB=1)
    response = app.test_client().post("/signup", data={"name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "larger than the 1 MB limit" in text(response)


def test_navigation_depends_on_the_role(app: Flask, session: Session) -> None:
    teacher, district_admin = UserFactory(), UserFactory(district_admin=True)
    admin = UserFactory(admin=True)
    pages = {}
    for user in (teacher, district_admin, admin):
        browser = app.test_client()
        sign_in(browser, user)
        pages[user.role] = text(browser.get("/dashboard"))
    assert "My district" not in pages[teacher.role]
    assert "My district" in pages[district_admin.role]
    assert 'href="/admin/users"' in pages[admin.role]
    assert 'href="/admin/users"' not in pages[district_admin.role]


def test_the_favicon_answers_at_the_address_browsers_guess(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data.startswith(b"<svg")


def test_the_printed_two_factor_command_works_outside_the_virtual_environment(
    tmp_path,
) -> None:
    """`pdhub demo` prints, under each staff account, a command for the current code;
    it runs as printed from any folder with no virtual environment activated."""
    import pyotp

    from pdhub.cli import totp_command

    secret = pyotp.random_base32()
    result = subprocess.run(
        ["/bin/sh", "-c", totp_command(secret)],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert pyotp.TOTP(secret).verify(result.stdout.strip(), valid_window=1)
