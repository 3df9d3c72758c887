"""Retention, run by a real worker: people are warned once, 14 days ahead; what is
past its period and its notice is purged; every run is recorded."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from pdhub import jobs, tasks
from pdhub.accountdata.models import RetentionKind, RetentionNotice, RetentionRun
from pdhub.accounts.models import User
from pdhub.db import utcnow
from pdhub.extensions import db
from pdhub.notifications.models import EmailMessage
from pdhub.submissions.models import Artifact, Submission
from pdhub.submissions.states import SubmissionStatus
from tests.factories import (
    ArtifactFactory,
    DistrictFactory,
    EnrollmentFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.workers.conftest import Worker, wait_until


def _passed(user: User, days_ago: int, text: str) -> Submission:
    return SubmissionFactory(
        enrollment=EnrollmentFactory(user=user),
        status=SubmissionStatus.PASSED,
        submitted_at=utcnow() - timedelta(days=days_ago + 1),
        status_changed_at=utcnow() - timedelta(days=days_ago),
        context_text=text,
        version=False,
    )


def _run_and_wait(app: Flask, runs_before: int) -> RetentionRun:
    assert jobs.send_now(tasks.APPLY_RETENTION)

    def finished() -> RetentionRun | None:
        db.session.remove()
        runs = db.session.scalars(
            select(RetentionRun)
            .where(RetentionRun.finished_at.is_not(None))
            .order_by(RetentionRun.id)
        ).all()
        return runs[-1] if len(runs) > runs_before else None

    found = wait_until(finished, timeout=60)
    assert isinstance(found, RetentionRun)
    return found


def test_the_worker_warns_once_then_purges_evidence_and_idle_accounts(
    worker: Worker,
) -> None:
    app = worker.app
    with app.app_context():
        now = utcnow()
        district = DistrictFactory(evidence_retention_days=30, inactive_account_days=90)
        soon = UserFactory(district=district, email="soon@example.org")
        due = UserFactory(district=district, email="due@example.org")
        idle = UserFactory(
            district=district,
            email="idle@example.org",
            created_at=now - timedelta(days=80),
        )
        gone = UserFactory(
            district=district,
            email="gone@example.org",
            created_at=now - timedelta(days=200),
        )
        fresh = UserFactory(district=district, email="fresh@example.org")
        soon_work = _passed(soon, days_ago=20, text="Keep me a little longer")
        due_work = _passed(due, days_ago=60, text="Old evidence")
        artifact = ArtifactFactory(submission=due_work)
        stored = (
            Path(app.instance_path)
            / "uploads"
            / artifact.storage_key[:2]
            / artifact.storage_key
        )
        assert stored.exists()
        _passed(fresh, days_ago=1, text="Brand new")
        # Already warned 15 days ago, and past both the period and the notice.
        db.session.add_all(
            [
                RetentionNotice(
                    kind=RetentionKind.EVIDENCE,
                    subject_id=due_work.id,
                    user_id=due.id,
                    purge_after=now - timedelta(days=1),
                    notified_at=now - timedelta(days=15),
                ),
                RetentionNotice(
                    kind=RetentionKind.ACCOUNT,
                    subject_id=gone.id,
                    user_id=gone.id,
                    purge_after=now - timedelta(days=1),
                    notified_at=now - timedelta(days=15),
                ),
            ]
        )
        db.session.commit()
        ids = {
            "soon": soon.id,
            "due": due.id,
            "idle": idle.id,
            "gone": gone.id,
            "fresh": fresh.id,
            "soon_work": soon_work.id,
            "due_work": due_work.id,
        }
        db.session.remove()

        run = _run_and_wait(app, 0)
        assert run.notices_sent == 2  # soon's evidence, idle's account
        assert run.evidence_purged == 1 and run.details["submissions"] == [
            ids["due_work"]
        ]
        assert run.accounts_erased == 1 and run.details["users"] == [ids["gone"]]

        purged = db.session.get(Submission, ids["due_work"])
        assert purged is not None and purged.context_text == ""
        assert purged.evidence_purged_at is not None
        assert purged.status is SubmissionStatus.PASSED  # the decision stays
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Artifact)
                .where(Artifact.submission_id == ids["due_work"])
            )
            == 0
        )
        wait_until(lambda: not stored.exists(), timeout=30)
        kept = db.session.get(Submission, ids["soon_work"])
        assert kept is not None and kept.context_text == "Keep me a little longer"
        erased = db.session.get(User, ids["gone"])
        assert erased is not None and erased.erased_at is not None
        assert erased.email != "gone@example.org"
        assert db.session.get(User, ids["idle"]).erased_at is None  # type: ignore[union-attr]

        def mail_to(address: str) -> list[str]:
            return list(
                db.session.scalars(
                    select(EmailMessage.subject).where(EmailMessage.to == address)
                )
            )

        [warning] = mail_to("soon@example.org")
        assert warning.startswith("Your evidence for ")
        assert warning.endswith(" will be deleted soon")
        assert mail_to("idle@example.org") == [
            "Your PD Hub account will be erased soon"
        ]
        assert mail_to("fresh@example.org") == []

        # A second run tells nobody again and purges nothing new.
        again = _run_and_wait(app, 1)
        assert (again.notices_sent, again.evidence_purged, again.accounts_erased) == (
            0,
            0,
            0,
        )
        assert len(mail_to("soon@example.org")) == 1
        assert len(mail_to("idle@example.org")) == 1


def test_a_worker_builds_the_export_and_emails_its_link(worker: Worker) -> None:
    from pdhub.accountdata.models import DataExport, ExportStatus
    from tests.helpers import sign_in

    app = worker.app
    with app.app_context():
        teacher = UserFactory(email="export@example.org")
        SubmissionFactory(
            enrollment=EnrollmentFactory(user=teacher), context_text="For the copy"
        )
        db.session.commit()
        client = app.test_client()
        sign_in(client, teacher)
        db.session.remove()
        assert client.post("/account/data/export").status_code == 303

        def ready() -> DataExport | None:
            db.session.remove()
            found = db.session.scalars(select(DataExport)).one()
            return found if found.status is ExportStatus.READY else None

        export = wait_until(ready, timeout=60)
        assert export.storage_key is not None
        stored = Path(app.instance_path) / "uploads" / export.storage_key[:2]
        assert (stored / export.storage_key).exists()
        assert wait_until(
            lambda: db.session.scalars(
                select(EmailMessage.subject).where(
                    EmailMessage.to == "export@example.org",
                    EmailMessage.sent_at.is_not(None),
                )
            ).all(),
            timeout=60,
        ) == ["Your PD Hub data is ready to download"]
