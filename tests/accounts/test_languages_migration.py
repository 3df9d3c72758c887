"""Migration 0023_lang on PostgreSQL and SQLite: people and districts gain an empty
language (automatic), which keeps what they had and goes down and up again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from pdhub.extensions import db
from tests.conftest import RUN_ID, _postgres_database, make_app


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pdhub.sqlite'}"
    else:
        yield from _postgres_database(f"pdhub_test_{RUN_ID}_m21")


def _columns(table: str) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns(table)}


def test_languages_start_empty_and_the_migration_goes_down_and_up(
    settings: dict[str, object], tmp_path: Path, database: str
) -> None:
    app = make_app(
        settings, PDHUB_DATABASE_URL=database, PDHUB_INSTANCE_PATH=str(tmp_path)
    )
    now = datetime.now(UTC)
    with app.app_context():
        try:
            upgrade(revision="0022_communities")
            db.session.execute(
                text(
                    "INSERT INTO users (email, name, password_hash, role, active,"
                    " password_changed_at, created_at, updated_at) VALUES"
                    " ('ana@example.org', 'Ana', 'x', 'teacher', :yes, :now, :now,"
                    " :now)"
                ),
                {"now": now, "yes": True},
            )
            db.session.commit()
            upgrade(revision="0023_lang")
            language = db.session.scalar(text("SELECT language FROM users"))
            assert language is None  # automatic: browser, district, English
            assert "default_language" in _columns("districts")
            db.session.commit()
            downgrade(revision="0022_communities")
            assert "language" not in _columns("users")
            assert "default_language" not in _columns("districts")
            upgrade()
            assert "language" in _columns("users")
        finally:
            db.session.remove()
            db.engine.dispose()
