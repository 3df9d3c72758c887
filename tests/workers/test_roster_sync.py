"""A roster sync run by a real Celery worker on real Redis: "Preview sync now" reads
the OneRoster provider (a thread on 127.0.0.1, allow-listed for the worker) into a
preview whose page refreshes itself until it is ready, and "Apply" applies it."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from pdhub.districts.models import Invitation, RosterSync, RosterSyncStatus
from pdhub.extensions import db
from tests.conftest import ROOT, make_app
from tests.districts.oneroster_provider import Provider, org, serve, user
from tests.factories import UserFactory
from tests.helpers import sign_in, text
from tests.workers.conftest import Worker, _empty_tables, wait_until


@pytest.fixture
def provider() -> Iterator[Provider]:
    with serve(
        Provider(
            orgs=[org("d1", "Riverside", kind="district"), org("s1", "Hillside")],
            users=[
                user(f"t{n}", "Teacher", f"N{n}", f"t{n}@example.org") for n in range(7)
            ],
        )
    ) as running:
        yield running


@pytest.fixture
def roster_worker(
    worker_app: Flask,
    worker_settings: dict[str, object],
    provider: Provider,
    tmp_path: Path,
) -> Iterator[Worker]:
    settings = {**worker_settings, "PDHUB_ROSTER_ALLOWED_HOSTS": provider.origin}
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("PDHUB_")
    }
    env.update({key: str(value) for key, value in settings.items()})
    env["PYTHONPATH"] = str(ROOT)
    app = make_app(settings)
    running = Worker(app, env, tmp_path / "worker.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        _empty_tables(worker_app)


def test_the_worker_previews_and_applies_a_sync(
    roster_worker: Worker, provider: Provider
) -> None:
    app = roster_worker.app
    with app.app_context():
        admin = UserFactory(district_admin=True)
        db.session.commit()
        client = app.test_client()
        sign_in(client, admin)
        db.session.remove()
        saved = client.post(
            "/district/integrations/roster",
            data={
                "conn-base_url": provider.base_url,
                "conn-token_url": provider.token_url,
                "conn-client_id": provider.client_id,
                "conn-client_secret": provider.client_secret,
                "conn-schedule": "daily",
            },
        )
        assert saved.status_code == 303, text(saved)[:2000]
        started = client.post("/district/integrations/roster/sync")
        assert started.status_code == 303
        page_url = started.headers["Location"]
        first = text(client.get(page_url))
        assert any(
            words in first
            for words in ("Waiting to start", "Reading the provider", "is ready")
        )

        def ready() -> str | None:
            page = text(client.get(page_url))
            if "The roster is ready" in page:
                return page
            assert "could not be read" not in page, page
            # Not yet: the page says where it is and refreshes itself.
            assert '<meta http-equiv="refresh" content="3">' in page
            return None

        page = wait_until(ready, timeout=60, interval=0.3)
        assert "invite 7 new people by email" in page
        assert sum("/users" in r for r in provider.requests) == 4  # 7 users, 2 a page

        sync_id = int(re.search(r"(\d+)$", page_url).group(1))  # type: ignore[union-attr]
        applied = client.post(f"/district/integrations/roster/syncs/{sync_id}/apply")
        assert applied.status_code == 303

        def finished() -> str | None:
            page = text(client.get(page_url))
            return page if "Finished" in page else None

        page = wait_until(finished, timeout=60, interval=0.3)
        assert "7 invited" in page
        assert '<progress id="roster-progress" max="7" value="7">' in page
        sync = db.session.get(RosterSync, sync_id)
        assert sync is not None and sync.status is RosterSyncStatus.DONE
        assert db.session.scalar(select(func.count(Invitation.id))) == 7
        db.session.remove()
