"""The journeys on PostgreSQL (rolled back) and on the embedded SQLite default."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from pdhub.extensions import db
from tests.conftest import make_app
from tests.functional.journeys import (
    account_security_journey,
    account_throttle_journey,
    coach_review_journey,
    district_onboarding_journey,
    learning_journey,
)


def test_district_onboarding_on_postgresql(
    app: Flask, session: Session, mail_log
) -> None:
    district_onboarding_journey(app, mail_log)


def test_district_onboarding_on_sqlite(sqlite_app: Flask, tmp_path: Path) -> None:
    district_onboarding_journey(sqlite_app, tmp_path / "mail.log")


def test_teacher_learns_a_module_and_submits_evidence_on_postgresql(
    app: Flask, session: Session
) -> None:
    learning_journey(app)


def test_teacher_learns_a_module_and_submits_evidence_on_sqlite(
    sqlite_app: Flask,
) -> None:
    learning_journey(sqlite_app)


def test_sqlite_migrations_go_down_and_up_again(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        assert "users" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert "users" not in inspect(db.engine).get_table_names()
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert {"users", "districts", "schools", "user_sessions"} <= tables


def test_coach_review_on_postgresql(app: Flask, session: Session) -> None:
    coach_review_journey(app)


def test_coach_review_on_sqlite(sqlite_app: Flask) -> None:
    coach_review_journey(sqlite_app)


def test_account_security_on_postgresql(app: Flask, session: Session, mail_log) -> None:
    account_security_journey(app, mail_log)


def test_account_security_on_sqlite(sqlite_app: Flask, tmp_path: Path) -> None:
    account_security_journey(sqlite_app, tmp_path / "mail.log")


def test_account_throttles_on_sqlite(
    app: Flask, settings: dict[str, object], migrated_sqlite: Path, tmp_path: Path
) -> None:
    from pdhub.extensions import limiter

    shutil.copyfile(migrated_sqlite, tmp_path / "pdhub.sqlite")
    limited = make_app(
        settings,
        PDHUB_DATABASE_URL=f"sqlite:///{tmp_path / 'pdhub.sqlite'}",
        PDHUB_INSTANCE_PATH=str(tmp_path),
        RATELIMIT_ENABLED=True,
        PDHUB_RATELIMIT_STORAGE_URI="memory://",
    )
    try:
        with limited.app_context():
            upgrade()
        account_throttle_journey(limited)
    finally:
        with limited.app_context():
            db.engine.dispose()
        limiter.init_app(app)  # the shared extension goes back to the main test app
