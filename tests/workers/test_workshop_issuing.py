"""A real worker issues a confirmed workshop award run: every attendee's credential
once, the run marked finished with its count, and a redelivered job adds nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pdhub import jobs, tasks
from pdhub.extensions import db
from pdhub.workshops import service as workshops
from pdhub.workshops.models import RunStatus, WorkshopAward, WorkshopRun
from tests.factories import UserFactory
from tests.workers.conftest import Worker, wait_until


def _run(worker: Worker, run_id: int) -> tuple[str, int, int]:
    with worker.app.app_context():
        try:
            run = db.session.get(WorkshopRun, run_id)
            assert run is not None
            return run.status, run.processed, run.issued
        finally:
            db.session.remove()


def test_the_worker_issues_a_workshop_run_once(worker: Worker) -> None:
    with worker.app.app_context():
        admin = UserFactory(district_admin=True)
        people = [UserFactory(district=admin.district) for _ in range(3)]
        workshop = workshops.create_workshop(
            db.session,
            admin,
            name="Summer institute",
            description="A day of practice.",
            criteria="Attended the day.",
            hours=6,
            image="blue",
        )
        run = workshops.preview_csv(
            db.session,
            admin,
            workshop,
            date(2026, 7, 14),
            "people.csv",
            "\n".join(p.email for p in people).encode(),
        )
        workshops.confirm(db.session, admin, run)
        run_id = run.id
        db.session.commit()  # the job goes to the worker after the commit
        db.session.remove()
    assert wait_until(lambda: _run(worker, run_id)[0] == RunStatus.DONE, timeout=60)
    assert _run(worker, run_id) == (RunStatus.DONE, 3, 3)
    with worker.app.app_context():
        jobs.send_now(tasks.ISSUE_WORKSHOP_AWARDS, run_id)  # a redelivery
        db.session.remove()
    wait_until(lambda: worker.log().count(tasks.ISSUE_WORKSHOP_AWARDS) >= 4, timeout=60)
    with worker.app.app_context():
        assert db.session.scalar(select(func.count(WorkshopAward.id))) == 3
        db.session.remove()
