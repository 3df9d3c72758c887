"""A real Celery worker process on real Redis, over a committed PostgreSQL database.

Work a worker must see cannot live in a rolled-back transaction, so these tests use a
database of their own, emptied after each test.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
import redis as redis_lib
from aiosmtpd.controller import Controller
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from pdhub import jobs
from pdhub.extensions import celery, db
from tests.conftest import REDIS_URL, ROOT, RUN_ID, _postgres_database, make_app
from tests.helpers import free_port


@dataclass
class Worker:
    """A running ``celery worker`` and the settings it shares with ``app``."""

    app: Flask
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log_file: object = None

    def start(self, concurrency: int = 2, *extra: str) -> None:
        log = self.log_path.open("ab")
        self._log_file = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers.app",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(concurrency),
                "-Q",
                self.env["PDHUB_TASK_QUEUE"],
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"test-{secrets.token_hex(3)}@%h",
                *extra,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_for_log("ready.", timeout=60)

    def wait_for_log(self, needle: str, timeout: float = 30, after: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            content = self.log_path.read_text(errors="replace")
            if needle in content[after:]:
                return content
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(
            f"worker log never showed {needle!r}:\n{self.log()[-4000:]}"
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the worker's whole process group (main process and pool children)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._log_file is not None:
            self._log_file.close()  # type: ignore[attr-defined]
            self._log_file = None


@pytest.fixture(scope="session")
def worker_database_url() -> Iterator[str]:
    yield from _postgres_database(f"pdhub_test_{RUN_ID}_worker")


@pytest.fixture(scope="session")
def worker_settings(
    settings: dict[str, object],
    worker_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, object]:
    return {
        **settings,
        "PDHUB_DATABASE_URL": worker_database_url,
        "PDHUB_INSTANCE_PATH": str(tmp_path_factory.mktemp("worker-instance")),
        "PDHUB_REDIS_URL": REDIS_URL,
        "PDHUB_TASK_QUEUE": f"pdhub-test-{RUN_ID}",
        "PDHUB_SWEEP_AFTER_SECONDS": 0,
    }


@pytest.fixture(scope="session")
def worker_app(worker_settings: dict[str, object]) -> Iterator[Flask]:
    application = make_app(worker_settings)
    with application.app_context():
        upgrade()
        db.engine.dispose()
    yield application
    with application.app_context():
        db.engine.dispose()


def _empty_tables(app: Flask) -> None:
    with app.app_context():
        names = ", ".join(
            f'"{table.name}"' for table in reversed(db.metadata.sorted_tables)
        )
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def worker(
    worker_app: Flask, worker_settings: dict[str, object], tmp_path: Path
) -> Iterator[Worker]:
    """A started worker process; its queue and the database are emptied afterwards."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("PDHUB_")
    }
    env.update({key: str(value) for key, value in worker_settings.items()})
    env["PYTHONPATH"] = str(ROOT)
    running = Worker(worker_app, env, tmp_path / "worker.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()
        store = redis_lib.Redis.from_url(REDIS_URL)
        queue = str(worker_settings["PDHUB_TASK_QUEUE"])
        store.delete(
            queue,
            *store.scan_iter(f"_kombu.binding*{queue}*"),
            *store.scan_iter("unacked*"),
        )
        _empty_tables(worker_app)


def wait_until(predicate, timeout: float = 60, interval: float = 0.1):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def configure_celery(settings: dict[str, object]) -> Flask:
    """Build an app with ``settings`` and make the shared Celery app send through its
    broker: Celery keeps a connection pool for the broker it first used, so drop it."""
    app = make_app(settings)
    jobs.breaker.reset()  # a new broker: not known to be down
    celery._pool = None
    if "amqp" in celery.__dict__:
        celery.amqp._producer_pool = None
    return app


@pytest.fixture(autouse=True)
def celery_on_redis(worker_settings: dict[str, object]) -> Iterator[None]:
    """Point the shared Celery app at the test queue on real Redis (other tests may have
    pointed it elsewhere)."""
    configure_celery(worker_settings)
    yield
    jobs.breaker.reset()


class SmtpSink:
    """A real local SMTP server (aiosmtpd) that keeps every message it accepted, in
    order, with its Message-ID. ``fail_next`` answers the next message with a
    temporary failure; ``quit_delay`` makes the server slow to say goodbye."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []  # (recipient, Message-ID)
        self.received: list[Message] = []  # every accepted message, parsed
        self.refused: list[str] = []  # Message-IDs answered with a failure
        self.fail_next = 0
        self.quit_delay = 0.0
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    @property
    def port(self) -> int:
        return int(self.controller.port)

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        parsed = message_from_bytes(envelope.original_content or envelope.content)
        message_id = str(parsed.get("Message-ID", ""))
        if self.fail_next:
            self.fail_next -= 1
            self.refused.append(message_id)
            return "451 Try again later"
        for recipient in envelope.rcpt_tos:
            self.messages.append((recipient, message_id))
        self.received.append(parsed)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        await asyncio.sleep(self.quit_delay)
        return "221 Bye"

    def to(self, recipient: str) -> list[str]:
        """The Message-IDs of the messages accepted for ``recipient``."""
        return [mid for rcpt, mid in list(self.messages) if rcpt == recipient]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.controller.start()
    try:
        yield sink
    finally:
        sink.controller.stop()
