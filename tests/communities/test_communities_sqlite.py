"""Communities on the embedded SQLite default: the migration goes down and up, and
search falls back to LIKE with the same visibility rules."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from pdhub.accounts import passwords
from pdhub.accounts.models import User
from pdhub.communities import digest, service
from pdhub.db import utcnow
from pdhub.districts.models import District
from pdhub.extensions import db


def _person(name: str, district: District) -> User:
    user = User(
        email=f"{name.lower()}@example.org",
        name=name,
        password_hash=passwords.hash_password("x" * 12),
        district_id=district.id,
    )
    db.session.add(user)
    db.session.flush()
    return user


def test_search_and_migrations_on_sqlite(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        here = District(name="Here", join_code="HERE1234")
        there = District(name="There", join_code="THERE123")
        db.session.add_all([here, there])
        db.session.flush()
        maya, olga = _person("Maya", here), _person("Olga", there)
        mine = service.visible_communities(db.session, maya)[0]
        theirs = service.visible_communities(db.session, olga)[0]
        service.start_thread(
            db.session, maya, mine, title="Fractions", body="Fraction strips 50%"
        )
        service.start_thread(
            db.session, olga, theirs, title="Fractions too", body="Fraction secrets"
        )
        db.session.commit()
        found = service.search(db.session, maya, "FRACTION")
        assert [p.thread.title for p in found.posts] == ["Fractions"]
        assert service.search(db.session, maya, "50%").total == 1
        assert service.search(db.session, maya, "strip_").total == 0  # _ is literal
        assert service.search(db.session, olga, "strips").total == 0
        # The digest's one query per batch (UNION, row_number()) runs here too.
        sam = _person("Sam", here)
        service.reply(db.session, sam, found.posts[0].thread, body="Try strips")
        service.follow(db.session, maya, community=mine)
        digest.set_frequency(db.session, maya, "daily")
        db.session.commit()
        assert digest.send_digests(db.session, utcnow() + timedelta(days=1)) == 1
        db.session.commit()
        db.session.remove()
        downgrade(revision="0021_languages")
        assert "community_posts" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "community_posts" in inspect(db.engine).get_table_names()
        indexes = {i["name"] for i in inspect(db.engine).get_indexes("community_posts")}
        assert "ix_community_posts_thread_id_created_at_id" in indexes
        assert "ix_community_posts_thread_visible" in indexes
