"""Email leaves through a real worker, and the outbox survives Redis being down."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask

from pdhub import jobs
from pdhub.accounts.models import User
from pdhub.extensions import db
from pdhub.notifications.models import EmailMessage
from pdhub.notifications.service import queue_email
from tests.factories import PASSWORD_HASH
from tests.workers.conftest import SmtpSink, Worker, configure_celery, wait_until


def _queue_reset_email(app: Flask, address: str) -> int:
    with app.app_context():
        user = User(email=address, name="Robin Reader", password_hash=PASSWORD_HASH)
        db.session.add(user)
        db.session.flush()
        message = queue_email(
            db.session,
            address,
            "Reset",
            "password_reset",
            user=user,
            link="http://localhost/x",
        )
        db.session.commit()
        return message.id


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
    assert "pdhub.deliver_email" in worker.log()


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
        jobs.send_now("pdhub.sweep_outbox")
    wait_until(lambda: _sent_at(worker.app, message_id))


def _message(app: Flask, message_id: int) -> EmailMessage:
    with app.app_context():
        try:
            message = db.session.get(EmailMessage, message_id)
            db.session.expunge(message)
            return message
        finally:
            db.session.remove()


def _send_through(worker: Worker, sink: SmtpSink) -> None:
    worker.stop()
    worker.env.update(PDHUB_MAIL_SERVER="127.0.0.1", PDHUB_MAIL_PORT=str(sink.port))
    worker.start()


def test_a_resent_email_is_the_same_message_with_its_stored_message_id(
    worker: Worker, smtp_sink: SmtpSink
) -> None:
    _send_through(worker, smtp_sink)
    smtp_sink.fail_next = 1  # the mail server turns the first attempt away
    message_id = _queue_reset_email(worker.app, "ari@example.org")
    wait_until(lambda: smtp_sink.refused)
    with worker.app.app_context():
        jobs.send_now("pdhub.sweep_outbox")  # the sweep sends it again
    wait_until(lambda: _sent_at(worker.app, message_id))
    stored = _message(worker.app, message_id)
    assert stored.message_id and stored.message_id.startswith("<pdhub.")
    assert smtp_sink.refused == [stored.message_id]
    assert smtp_sink.to("ari@example.org") == [stored.message_id]
    assert stored.attempts == 2


def test_a_worker_killed_after_the_server_accepted_a_message_does_not_send_it_again(
    worker: Worker, smtp_sink: SmtpSink
) -> None:
    _send_through(worker, smtp_sink)
    smtp_sink.quit_delay = 60  # a mail server slow to say goodbye
    message_id = _queue_reset_email(worker.app, "kai@example.org")
    wait_until(lambda: smtp_sink.to("kai@example.org"))
    time.sleep(1)
    worker.kill()  # after the server's 250, while the worker waits for QUIT's answer
    worker.stop()
    smtp_sink.quit_delay = 0
    worker.start()
    with worker.app.app_context():
        jobs.send_now("pdhub.sweep_outbox")  # would send anything not marked sent
    wait_until(lambda: _sent_at(worker.app, message_id))
    wait_until(
        lambda: "pdhub.sweep_outbox" in worker.log() and "succeeded" in worker.log()
    )
    time.sleep(2)
    assert len(smtp_sink.to("kai@example.org")) == 1  # sent once
    stored = _message(worker.app, message_id)
    assert smtp_sink.to("kai@example.org") == [stored.message_id]
    assert stored.attempts == 1
