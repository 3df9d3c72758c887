"""Signing in through the real pages, as a browser would."""

from __future__ import annotations

import socket
import subprocess
import time

import redis as redis_lib
from flask.testing import FlaskClient

from pdhub.accounts.models import User
from tests.factories import PASSWORD, totp_for


def sign_in(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    """Sign ``user`` in through /signin (and /signin/code for two-factor accounts)."""
    response = client.post("/signin", data={"email": user.email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    if user.two_factor_enabled:
        assert response.headers["Location"].startswith("/signin/code")
        response = client.post("/signin/code", data={"code": totp_for(user).now()})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]


def text(response: object) -> str:
    """The body with HTML entities decoded, for asserting on what people read."""
    import html

    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OwnRedis:
    """A redis-server of the test's own on a free port, to kill and bring back on the
    same port (the shared Redis is never stopped)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]  # noqa: S607
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if redis_lib.Redis.from_url(self.url).ping():
                    return
            except redis_lib.ConnectionError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server on port {self.port} did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
