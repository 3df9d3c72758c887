"""Test fixtures: a throwaway PostgreSQL database built by the migrations, one
rolled-back transaction per test, real Redis, and factories."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis as redis_lib
from cryptography.fernet import Fernet
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from pdhub import create_app
from pdhub.extensions import db
from tests.helpers import OwnRedis
from tests.objectstore import seaweedfs  # noqa: F401 - the S3 server fixture

ROOT = Path(__file__).resolve().parents[1]
ADMIN_DSN = os.environ.get(
    "PDHUB_TEST_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PDHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = secrets.token_hex(4)


#: The roles whose browser tests run in the second browser process (each process has its
#: own Chromium and demo server); the public, teacher and coach pages, the tests not
#: about one role, and the script-injection corpus run in the first.
_SECOND_BROWSER = {"district_admin", "school_leader", "admin"}


def _browser_group(item: pytest.Item) -> str:
    """Split the browser tests by role into two groups of similar length, so the two
    processes crawl at once; every test of one role stays in one process, which crawls
    that role's pages once and shares the crawl (English, Spanish and phone)."""
    callspec = getattr(item, "callspec", None)
    role = callspec.params.get("role") if callspec is not None else None
    if role in _SECOND_BROWSER or (role is None and "xss" not in item.path.name):
        return "browser-2"
    return "browser-1"


def _scope(nodeid: str, default: str) -> str:
    """The unit of tests one process runs (see ``pytest_xdist_make_scheduler``)."""
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/browser/") and "::" in nodeid:
        if "xss" in path:
            return "browser-1"
        params = nodeid[nodeid.find("[") + 1 : -1] if nodeid.endswith("]") else ""
        role = params.split("-", 1)[0]
        return "browser-1" if role in {"public", "teacher", "coach"} else "browser-2"
    if path.startswith("tests/workers/"):
        return "worker"
    if path.startswith("tests/interop/"):
        return "interop"
    return default


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Keep the groups in one process each. (xdist's own ``loadgroup`` reads groups by
    renaming node ids, which the pytest this suite runs on no longer takes: the groups
    were ignored and both processes crawled every role.) Tests outside the groups go
    by module, like ``--dist loadscope``."""
    from xdist.scheduler import LoadScopeScheduling

    class Groups(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid, super()._split_scope(nodeid))

    return Groups(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup`` (pyproject's addopts) the tests share two parallel
    processes, except for groups that each stay in one process: the browser tests of a
    group of roles (one headless Chromium and one demo server each, see
    ``_browser_group``) and the tests that start a real Celery worker (they clear the
    broker's shared ``unacked`` bookkeeping)."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if item.get_closest_marker("browser") or "chromium" in fixtures:
            item.add_marker(pytest.mark.xdist_group(_browser_group(item)))
        elif item.get_closest_marker("worker") or "worker" in fixtures:
            item.add_marker(pytest.mark.xdist_group("worker"))
        elif item.path.parent.name == "interop":
            # One `npm ci` into tests/interop/node_modules: two at once clobber it.
            item.add_marker(pytest.mark.xdist_group("interop"))
    # The script-injection corpus stays in the shared demo server once sent: those
    # tests run after every other browser test, so the crawl sees the demo as is.
    items.sort(key=lambda item: item.path.name == "test_communities_xss.py")


def _postgres_database(name: str) -> Iterator[str]:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this run, dropped at the end."""
    yield from _postgres_database(f"pdhub_test_{RUN_ID}")


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def settings(database_url: str, instance_path: Path) -> dict[str, object]:
    """The settings shared by the test app and any worker process it starts."""
    return {
        "PDHUB_DATABASE_URL": database_url,
        "PDHUB_INSTANCE_PATH": str(instance_path),
        "PDHUB_SECRET_KEY": secrets.token_urlsafe(48),
        "PDHUB_DATA_KEY": Fernet.generate_key().decode(),
        "PDHUB_BASE_URL": "http://localhost",
        "PDHUB_MODULES_PATH": str(ROOT / "modules"),
    }


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in a fresh app context, as in production:
    ``g`` (and Flask-Login's cached user) and the request's session start empty. The
    test's own session then sees the request's writes after expire_all()."""

    def open(self, *args: object, **kwargs: object):  # type: ignore[override]
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():  # the test's own session, where it has one
            db.session.expire_all()
        # Werkzeug spools a large multipart body (over 500 KB) to a temporary file that
        # nothing closes; close it now rather than when garbage collection finds it.
        request = getattr(response, "request", None)
        if request is not None:
            body = request.environ.get("wsgi.input")
            if body is not None and hasattr(body, "close"):
                body.close()
        return response


def make_app(settings: dict[str, object], **overrides: object) -> Flask:
    values = {
        **settings,
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
        # Throttle counters of this run only: runs in parallel share the one Redis.
        "RATELIMIT_KEY_PREFIX": f"pdhub-test-{RUN_ID}",
        **overrides,
    }
    application = create_app(values)
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture(scope="session")
def migrated_sqlite(
    settings: dict[str, object], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """An embedded-default (SQLite) database migrated from nothing to the newest
    revision, once per process; each ``sqlite_app`` starts from a copy of it."""
    folder = tmp_path_factory.mktemp("sqlite-migrated")
    path = folder / "pdhub.sqlite"
    template = make_app(
        settings,
        PDHUB_DATABASE_URL=f"sqlite:///{path}",
        PDHUB_INSTANCE_PATH=str(folder),
    )
    with template.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture
def sqlite_app(
    settings: dict[str, object], migrated_sqlite: Path, tmp_path: Path
) -> Iterator[Flask]:
    """The app on its own SQLite database at the newest revision (a copy of
    ``migrated_sqlite``: migrating from nothing takes seconds; copying, none)."""
    path = tmp_path / "pdhub.sqlite"
    shutil.copyfile(migrated_sqlite, path)
    app = make_app(
        settings,
        PDHUB_DATABASE_URL=f"sqlite:///{path}",
        PDHUB_INSTANCE_PATH=str(tmp_path),
    )
    with app.app_context():
        upgrade()  # already at the newest revision: nothing to do
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def app(settings: dict[str, object]) -> Iterator[Flask]:
    """The app on the migrated PostgreSQL database (jobs run eagerly: no Redis)."""
    from flask_migrate import upgrade

    application = make_app(settings)
    with application.app_context():
        upgrade()
        yield application
        db.engine.dispose()  # close pooled connections before the database is dropped


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session whose work, commits included, is rolled back after the test.

    Flask-SQLAlchemy 3 recipe: swap the app's engine for one connection inside an outer
    transaction, and make sessions join it with savepoints, so the code under test
    commits savepoints, never the transaction. Every session (the test's and each
    request's) shares that connection, so they see each other's writes.
    """
    engines = db._app_engines[app]
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection  # type: ignore[assignment]
    app.config["TEST_CONNECTION"] = connection
    original = db.session
    db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
    try:
        yield db.session
    finally:
        db.session.remove()
        db.session = original
        engines[None] = engine
        outer.rollback()
        connection.close()


@pytest.fixture
def app_factory(
    app: Flask, session: Session, settings: dict[str, object]
) -> Iterator[Callable[..., Flask]]:
    """Build extra apps with other settings, sharing the test's connection."""
    made: list[tuple[Flask, Engine]] = []

    def build(**overrides: object) -> Flask:
        other = make_app(settings, **overrides)
        with other.app_context():
            engines = db._app_engines[other]
            made.append((other, engines[None]))
            engines[None] = app.config["TEST_CONNECTION"]
        return other

    yield build
    for other, engine in made:
        engine.dispose()
        db._app_engines.pop(other, None)


@pytest.fixture
def client(app: Flask, session: Session) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """Real Redis; the keys this test writes are removed afterwards."""
    client = redis_lib.Redis.from_url(REDIS_URL)
    client.ping()
    yield REDIS_URL


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    """A Redis of this test's own, which the test may kill and start again."""
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements run while the test body executes."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    target = db.engine
    event.listen(target, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(target, "before_cursor_execute", record)


@pytest.fixture
def mail_log(instance_path: Path) -> Iterator[Path]:
    """The development mail log; emptied before the test."""
    path = instance_path / "mail.log"
    path.unlink(missing_ok=True)
    yield path
