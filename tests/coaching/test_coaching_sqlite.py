"""Office hours on the embedded SQLite default: the migration goes down and up, the
partial unique index refuses a second live booking, and a reminder is claimed once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from pdhub.accounts import passwords
from pdhub.accounts.models import Role, User
from pdhub.coaching import service
from pdhub.db import utcnow
from pdhub.districts.models import District
from pdhub.errors import Conflict
from pdhub.extensions import db
from pdhub.notifications.models import EmailMessage
from pdhub.review.models import CoachAssignment


def _person(name: str, district: District, role: Role = Role.TEACHER) -> User:
    user = User(
        email=f"{name.lower()}@example.org",
        name=name,
        role=role,
        password_hash=passwords.hash_password("x" * 12),
        district_id=district.id,
    )
    db.session.add(user)
    db.session.flush()
    return user


def test_office_hours_and_migrations_on_sqlite(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        district = District(name="Here", join_code="HERE1234")
        db.session.add(district)
        db.session.flush()
        coach = _person("Carlos", district, Role.COACH)
        db.session.add(CoachAssignment(coach_id=coach.id, district_id=district.id))
        maya, sam = _person("Maya", district), _person("Sam", district)
        slot = service.publish_slot(
            db.session, coach, starts_at=utcnow() + timedelta(hours=2),
            duration_minutes=30, place="Room 4",
        )  # fmt: skip
        service.book(db.session, maya, slot)
        with pytest.raises(Conflict):
            service.book(db.session, sam, slot)
        assert service.send_reminders(db.session) == 1
        assert service.send_reminders(db.session) == 0
        db.session.commit()
        assert sorted(db.session.scalars(select(EmailMessage.to))) == [
            "carlos@example.org",
            "maya@example.org",
        ]
        db.session.remove()
        downgrade(revision="0028_district_dash")  # the revision before 0026_cohorts
        assert "office_hour_bookings" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "cohorts" in inspect(db.engine).get_table_names()
