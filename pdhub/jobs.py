"""Send background jobs only after the transaction that made their data real commits.

``enqueue`` records a job on the current SQLAlchemy session. When that session commits,
the job is handed to Celery (Redis); when it rolls back, the job is dropped. In the
embedded default (no PDHUB_REDIS_URL) the job runs in this process right after the
commit, so ``pdhub demo`` is the whole platform in one process. If Redis is down at
commit time the job is logged and left: the saved rows are the outbox, and a periodic
sweep re-sends whatever never ran.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from pdhub.db import DbSession
from pdhub.extensions import celery, db

log = logging.getLogger(__name__)

PENDING_KEY = "pdhub.pending_jobs"


class _Breaker:
    """Remembers, per process, until when the broker is taken as down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self._down_until

    def trip(self, seconds: float) -> None:
        with self._lock:
            self._down_until = time.monotonic() + seconds

    def reset(self) -> None:
        with self._lock:
            self._down_until = 0.0


breaker = _Breaker()


def task(task_name: str) -> Any:
    """The registered Celery task object called ``task_name``.

    The tasks live in the workers package, which Celery imports through its
    ``include`` setting the first time a task is looked up (pdhub never imports it).
    """
    if task_name not in celery.tasks:
        celery.loader.import_default_modules()
    try:
        return celery.tasks[task_name]
    except KeyError:
        raise LookupError(f"no task named {task_name!r} is registered") from None


def enqueue(task_name: str, *args: Any, countdown: float | None = None) -> None:
    """Schedule the Celery task ``task_name`` with ``args`` for after the commit."""
    task(task_name)  # fail now, inside the request, on a misspelt name
    session = db.session()
    session.info.setdefault(PENDING_KEY, []).append((task_name, args, countdown))


def pending(session: DbSession) -> list[tuple[str, tuple[Any, ...], float | None]]:
    """The jobs waiting for ``session`` to commit (for tests and diagnostics)."""
    return list(session.info.get(PENDING_KEY, []))


def send_now(task_name: str, *args: Any, countdown: float | None = None) -> bool:
    """Hand one job to Celery at once (or run it, when eager); False if Redis refused.

    Only for callers that already committed: the periodic sweep and the CLI.
    """
    job = task(task_name)
    if current_app.config["PDHUB_TASKS_EAGER"]:
        job.apply(args=args)
        return True
    if breaker.is_open():
        log.info("broker down; %s%r is left for the sweep", task_name, args)
        return False
    try:
        job.apply_async(args=args, countdown=countdown)
    except Exception:  # kombu raises several unrelated types when Redis is unreachable
        breaker.trip(current_app.config["PDHUB_BROKER_DOWN_SECONDS"])
        log.warning(
            "could not send %s%r (broker down; not trying again for %s s); "
            "the sweep will send it",
            task_name,
            args,
            current_app.config["PDHUB_BROKER_DOWN_SECONDS"],
        )
        return False
    return True


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a savepoint is released (begin_nested):
    # the work is not committed yet, so its jobs wait for the outermost commit. (Sent
    # at the savepoint, a job could run before its rows were visible, and on the
    # embedded default it ran inside the unfinished transaction and was lost.)
    if session.in_nested_transaction():
        return
    jobs = session.info.pop(PENDING_KEY, None)
    if not jobs:
        return
    for task_name, args, countdown in jobs:
        send_now(task_name, *args, countdown=countdown)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous: SessionTransaction) -> None:
    # Only the outermost transaction's rollback discards jobs: a service that rolls
    # back a savepoint (say, after an IntegrityError) keeps what it queued before it,
    # so it must enqueue only after its savepoint work has succeeded.
    if previous.parent is None:
        session.info.pop(PENDING_KEY, None)


def init_app(app: Any) -> None:
    """Configure the shared Celery app from the Flask config (PDHUB_REDIS_URL)."""
    redis_url = app.config["PDHUB_REDIS_URL"] or "memory://"
    celery.conf.update(
        broker_url=redis_url,
        result_backend=None,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=app.config["PDHUB_TASK_QUEUE"],
        # A web request must not hang when Redis is down: fail fast, the saved rows
        # are the outbox and the sweep re-sends.
        broker_connection_retry_on_startup=True,
        task_publish_retry=False,
        broker_transport_options={
            "visibility_timeout": app.config["PDHUB_TASK_VISIBILITY_TIMEOUT"],
            # One connection attempt when sending (kombu otherwise retries for ~6 s);
            # the worker's consumer reconnects by its own, explicit policy.
            "max_retries": 0,
            "socket_timeout": 2,
            "socket_connect_timeout": 2,
        },
        timezone="UTC",
        enable_utc=True,
    )
    celery.flask_app = app  # type: ignore[attr-defined]
    app.extensions["celery"] = celery
