"""Migration 0014_accounts on PostgreSQL and SQLite: existing addresses take their
canonical form, and sent emails lose the live links they kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from pdhub.extensions import db
from tests.conftest import RUN_ID, _postgres_database, make_app


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pdhub.sqlite'}"
    else:
        yield from _postgres_database(f"pdhub_test_{RUN_ID}_m14")


def test_existing_addresses_are_normalized_and_sent_links_purged(
    settings: dict[str, object], tmp_path: Path, database: str
) -> None:
    app = make_app(
        settings, PDHUB_DATABASE_URL=database, PDHUB_INSTANCE_PATH=str(tmp_path)
    )
    now = datetime.now(UTC)
    row = {"created_at": now, "updated_at": now, "active": True}
    with app.app_context():
        try:
            upgrade(revision="0015_sessions")
            for n, email in enumerate(
                [
                    " Priya@\uff52iverside.example.org",  # full-width r, capitals
                    "priya@riverside.example.org ",
                    "sam@riverside.example.org",
                ]
            ):
                db.session.execute(
                    text(
                        "INSERT INTO users (email, name, password_hash, role, active,"
                        " password_changed_at, created_at, updated_at) VALUES (:email,"
                        " :name, 'x', 'teacher', :active, :created_at, :created_at,"
                        " :updated_at)"
                    ),
                    {**row, "email": email, "name": f"Person {n}"},
                )
            for body in (
                "Reset here: http://localhost/password/reset/LIVE-TOKEN",
                "Congratulations on your badge.",
            ):
                db.session.execute(
                    text(
                        'INSERT INTO email_messages ("to", subject, body, created_at,'
                        " sent_at, attempts) VALUES ('a@b.org', 's', :body,"
                        " :created_at, :created_at, 1)"
                    ),
                    {"body": body, "created_at": now},
                )
            db.session.commit()
            upgrade()
            emails = db.session.scalars(text("SELECT email FROM users ORDER BY id"))
            # The second would clash with the first: it is left for an administrator.
            assert list(emails) == [
                "priya@riverside.example.org",
                "priya@riverside.example.org ",
                "sam@riverside.example.org",
            ]
            bodies = list(
                db.session.scalars(text("SELECT body FROM email_messages ORDER BY id"))
            )
            assert "LIVE-TOKEN" not in bodies[0] and "Removed once sent" in bodies[0]
            assert bodies[1] == "Congratulations on your badge."
            db.session.commit()
            downgrade(revision="0015_sessions")
            upgrade()
        finally:
            db.session.remove()
            db.engine.dispose()
