"""Jobs leave the process only after their transaction commits."""

from __future__ import annotations

import secrets

import redis as redis_lib
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub import jobs, tasks
from pdhub.notifications.models import EmailMessage
from pdhub.notifications.service import Message, tell
from tests.factories import UserFactory


def queue_length(redis_url: str, queue: str) -> int:
    return redis_lib.Redis.from_url(redis_url).llen(queue)


def test_an_eager_job_runs_after_commit_and_not_before(
    app: Flask, session: Session, mail_log
) -> None:
    (message_id,) = tell(
        session,
        Message(
            key="reset:a@example.org",
            to="a@example.org",
            subject="Hello",
            template="password_reset",
            context={"user": UserFactory(), "link": "http://x"},
        ),
    )
    assert jobs.pending(session()) == [(tasks.DELIVER_EMAIL, (message_id,), None)]
    assert not mail_log.exists()
    session.commit()
    assert "To: a@example.org" in mail_log.read_text()
    assert session.get(EmailMessage, message_id).sent_at is not None


def test_a_savepoint_released_mid_transaction_does_not_send_the_jobs_early(
    app_factory, redis_url: str, session: Session
) -> None:
    """Releasing a savepoint (a service's begin_nested) fires SQLAlchemy's
    after_commit too: the jobs queued before it still wait for the real commit, and
    a rollback after it still discards them."""
    queue = f"test-{secrets.token_hex(4)}"
    other = app_factory(PDHUB_REDIS_URL=redis_url, PDHUB_TASK_QUEUE=queue)

    def queue_email(to: str) -> None:
        tell(
            session,
            Message(
                key=f"reset:{to}",
                to=to,
                subject="Hello",
                template="password_reset",
                context={"user": UserFactory(), "link": "http://x"},
            ),
        )

    try:
        with other.app_context():
            queue_email("d@example.org")
            with session.begin_nested():
                UserFactory()
            assert queue_length(redis_url, queue) == 0
            assert len(jobs.pending(session())) == 1
            session.rollback()  # the whole transaction: its job goes with it
            assert jobs.pending(session()) == []
            queue_email("e@example.org")
            with session.begin_nested():
                UserFactory()
            session.commit()
            assert queue_length(redis_url, queue) == 1
    finally:
        redis_lib.Redis.from_url(redis_url).delete(queue)


def test_a_rolled_back_transaction_sends_nothing_to_redis(
    app_factory, redis_url: str, session: Session
) -> None:
    queue = f"test-{secrets.token_hex(4)}"
    other = app_factory(PDHUB_REDIS_URL=redis_url, PDHUB_TASK_QUEUE=queue)
    try:
        with other.app_context():
            tell(
                session,
                Message(
                    key="reset:b@example.org",
                    to="b@example.org",
                    subject="Hello",
                    template="password_reset",
                    context={"user": UserFactory(), "link": "http://x"},
                ),
            )
            session.rollback()
            assert jobs.pending(session()) == []
            assert (
                session.scalar(
                    select(EmailMessage).where(EmailMessage.to == "b@example.org")
                )
                is None
            )
            assert queue_length(redis_url, queue) == 0
            # The same work committed does reach Redis.
            tell(
                session,
                Message(
                    key="reset:c@example.org",
                    to="c@example.org",
                    subject="Hello",
                    template="password_reset",
                    context={"user": UserFactory(), "link": "http://x"},
                ),
            )
            session.commit()
            assert queue_length(redis_url, queue) == 1
    finally:
        store = redis_lib.Redis.from_url(redis_url)
        store.delete(queue, *store.scan_iter(f"_kombu.binding*{queue}"))
        app_factory(
            PDHUB_TASK_QUEUE="pdhub"
        )  # give the shared Celery app back its settings
