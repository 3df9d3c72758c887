"""A 20,000-person roster is applied by a real Celery worker, chunk by chunk, while
its page shows a progress bar that refreshes itself (no JavaScript)."""

from __future__ import annotations

import io
import re

from flask import Flask
from sqlalchemy import func, select

from pdhub.accounts.models import User
from pdhub.districts.models import Invitation, RosterEntry, RosterImport, School
from pdhub.extensions import db
from tests.factories import UserFactory
from tests.helpers import sign_in, text
from tests.workers.conftest import Worker, wait_until

PEOPLE = 20_000


def _roster() -> bytes:
    lines = ["name,email,school,role"]
    lines += [
        f"Teacher {n},teacher{n}@big.example.org,School {n % 40},teacher"
        for n in range(PEOPLE)
    ]
    return ("\n".join(lines) + "\n").encode()


def test_a_20000_row_roster_is_applied_by_the_worker_with_a_progress_bar(
    worker: Worker,
) -> None:
    app: Flask = worker.app
    with app.app_context():
        admin = UserFactory(district_admin=True, email="dana@big.example.org")
        db.session.commit()
        client = app.test_client()
        sign_in(client, admin)
        district_id = admin.district_id
        db.session.remove()

        uploaded = client.post(
            "/district/roster",
            data={"users": (io.BytesIO(_roster()), "staff.csv")},
            content_type="multipart/form-data",
        )
        assert uploaded.status_code == 303, text(uploaded)[:2000]
        page_url = uploaded.headers["Location"]
        preview = text(client.get(page_url))
        assert "invite 20000 new people by email" in preview
        assert "Apply the file" in preview
        import_id = int(re.search(r"(\d+)$", page_url).group(1))  # type: ignore[union-attr]
        assert client.post(f"/district/roster/{import_id}/apply").status_code == 303

        seen: list[tuple[int, int]] = []

        def finished() -> bool:
            page = text(client.get(page_url))
            bar = re.search(
                r'<progress id="roster-progress" max="(\d+)" value="(\d+)"', page
            )
            assert bar is not None
            total, done = int(bar.group(1)), int(bar.group(2))
            seen.append((done, total))
            if done < total:
                # Still going: the page refreshes itself and says so.
                assert '<meta http-equiv="refresh" content="3">' in page
                return False
            return "Finished" in page and "20000 invited" in page

        wait_until(finished, timeout=600, interval=0.5)
        assert any(0 < done < total for done, total in seen), seen
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)

        roster = db.session.get(RosterImport, import_id)
        assert roster is not None and roster.processed == PEOPLE
        assert db.session.scalar(select(func.count(RosterEntry.id))) == PEOPLE
        assert (
            db.session.scalar(
                select(func.count(Invitation.id)).where(Invitation.revoked_at.is_(None))
            )
            == PEOPLE
        )
        assert (
            db.session.scalar(
                select(func.count(School.id)).where(School.district_id == district_id)
            )
            == 40
        )
        assert db.session.scalar(select(func.count(User.id))) == 1  # invited, not made
        db.session.remove()
