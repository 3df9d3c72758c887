"""A real worker issues a pathway's milestone once: the last badge's issuing task
records the completion, the milestone task signs it, and a redelivery and a racing
second job add nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from pdhub import jobs, tasks
from pdhub.extensions import db
from pdhub.pathways import service as pathways
from pdhub.pathways.models import PathwayCompletion
from tests.factories import AwardFactory, ModuleFactory, UserFactory
from tests.workers.conftest import Worker, wait_until


def _milestones(worker: Worker) -> list[str | None]:
    with worker.app.app_context():
        try:
            return list(db.session.scalars(select(PathwayCompletion.credential_id)))
        finally:
            db.session.remove()


def test_the_worker_issues_the_milestone_once_after_the_last_badge(
    worker: Worker,
) -> None:
    with worker.app.app_context():
        teacher = UserFactory()
        modules = [ModuleFactory(), ModuleFactory()]
        pathways.create_pathway(
            db.session,
            UserFactory(district=teacher.district, district_admin=True),
            name="Two badges",
            description="",
            milestone_name="Two-badge holder",
            required=[m.slug for m in modules],
            electives=[],
            electives_required=0,
        )
        awards = [
            AwardFactory(enrollment__user=teacher, enrollment__module=m)
            for m in modules
        ]
        award_ids = [a.id for a in awards]
        db.session.commit()
        db.session.remove()
    # Both badges at once, on the worker's two processes.
    with worker.app.app_context():
        for award_id in award_ids:
            jobs.send_now(tasks.ISSUE_CREDENTIAL, award_id)
        db.session.remove()
    found = wait_until(lambda: [c for c in _milestones(worker) if c], timeout=60)
    worker.wait_for_log(tasks.ISSUE_PATHWAY_CREDENTIAL)
    with worker.app.app_context():
        completion_id = db.session.scalar(select(PathwayCompletion.id))
        jobs.send_now(tasks.ISSUE_PATHWAY_CREDENTIAL, completion_id)  # a redelivery
        jobs.send_now(tasks.ISSUE_PATHWAY_CREDENTIAL, completion_id)
        db.session.remove()
    wait_until(
        lambda: worker.log().count(tasks.ISSUE_PATHWAY_CREDENTIAL) >= 6, timeout=60
    )
    assert _milestones(worker) == found
    with worker.app.app_context():
        assert db.session.scalar(select(func.count(PathwayCompletion.id))) == 1
        db.session.remove()
