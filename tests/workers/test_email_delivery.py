"""Email leaves through a real worker, and the outbox survives Redis being down."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from pdhub import jobs, tasks
from pdhub.accounts.models import User
from pdhub.extensions import db
from pdhub.notifications.models import EmailMessage
from pdhub.notifications.service import Message, tell
from tests.factories import PASSWORD_HASH
from tests.workers.conftest import Worker, configure_celery, wait_until


def _queue_reset_email(app: Flask, address: str) -> int:
    with app.app_context():
        user = User(email=address, name="Robin Reader", password_hash=PASSWORD_HASH)
        db.session.add(user)
        db.session.flush()
        (message_id,) = tell(
            db.session,
            Message(
                key=f"reset:{address}",
                to=user,
                subject="Reset",
                template="password_reset",
                context={"user": user, "link": "http://localhost/x"},
            ),
        )
        db.session.commit()
        return message_id


def _sent_at(app: Flask, message_id: int):  # type: ignore[no-untyped-def]
    with app.app_context():
        try:
            return db.session.get(EmailMessage, message_id).sent_at
        finally:
            db.session.remove()


def test_a_committed_email_is_delivered_by_the_worker_process(worker: Worker) -> None:
    message_id = _queue_reset_email(worker.app, "robin@example.org")
    wait_until(lambda: _sent_at(worker.app, message_id))
    mail_log = Path(worker.env["PDHUB_INSTANCE_PATH"]) / "mail.log"
    assert "To: robin@example.org" in mail_log.read_text()
    assert tasks.DELIVER_EMAIL in worker.log()


def test_email_saved_while_redis_is_down_is_sent_by_the_sweep(
    worker: Worker, worker_settings: dict[str, object]
) -> None:
    offline = configure_celery(
        {**worker_settings, "PDHUB_REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    try:
        message_id = _queue_reset_email(offline, "sam@example.org")  # no error for Sam
        assert _sent_at(offline, message_id) is None
    finally:
        with offline.app_context():
            db.engine.dispose()
        configure_celery(worker_settings)  # the shared Celery app uses real Redis again
    with worker.app.app_context():
        from pdhub.notifications.service import unsent_email_ids

        assert unsent_email_ids(db.session, older_than_seconds=0) == [message_id]
        db.session.remove()
        jobs.send_now(tasks.SWEEP_OUTBOX)
    wait_until(lambda: _sent_at(worker.app, message_id))
