"""Roster sync on the embedded SQLite default: a daily sync reads the loopback
provider and applies it there too, and migration 0044_roster_sync goes down and up."""

from __future__ import annotations

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from pdhub.accounts import passwords
from pdhub.accounts.models import Role, User
from pdhub.districts import rostersync
from pdhub.districts.models import (
    District,
    Invitation,
    RosterSchedule,
    RosterSync,
    RosterSyncStatus,
)
from pdhub.extensions import db
from tests.districts.oneroster_provider import Provider, org, serve, user


def test_a_daily_sync_and_the_migration_on_sqlite(sqlite_app: Flask) -> None:
    provider = Provider(
        orgs=[org("d1", "Riverside", kind="district"), org("s1", "Hillside")],
        users=[
            user("t1", "Ana", "Ruiz", "ana@example.org"),
            user("t2", "Ben", "Ode", "ben@example.org"),
            user("t3", "Cy", "Lo", "cy@example.org"),
        ],
    )
    with serve(provider), sqlite_app.app_context():
        sqlite_app.config["PDHUB_ROSTER_ALLOWED_HOSTS"] = provider.origin
        district = District(name="Here", join_code="HERE1234")
        db.session.add(district)
        db.session.flush()
        dana = User(
            email="dana@example.org",
            name="Dana",
            role=Role.DISTRICT_ADMIN,
            password_hash=passwords.hash_password("x" * 12),
            district_id=district.id,
        )
        db.session.add(dana)
        db.session.flush()
        rostersync.save_connection(
            db.session,
            dana,
            district,
            rostersync.Settings(
                provider.base_url,
                provider.token_url,
                provider.client_id,
                provider.client_secret,
                RosterSchedule.DAILY,
            ),
        )
        assert rostersync.start_daily_syncs(db.session) == [district.id]
        db.session.commit()  # the sync job runs in process, after the commit
        sync = db.session.scalar(select(RosterSync))
        assert sync is not None and sync.status is RosterSyncStatus.DONE, sync.error
        assert sorted(db.session.scalars(select(Invitation.email))) == [
            "ana@example.org",
            "ben@example.org",
            "cy@example.org",
        ]
        db.session.remove()
        downgrade(revision="0043_lti")
        assert "roster_syncs" not in inspect(db.engine).get_table_names()
        upgrade()
        assert {"roster_syncs", "roster_connections"} <= set(
            inspect(db.engine).get_table_names()
        )
