"""The task base: an app context per task, one commit, retries with backoff, and late
acknowledgement so a job lost with its worker runs again. A job that still fails after
its bounded retries is recorded as a JobFailure for administrators."""

from __future__ import annotations

import logging
import random
from typing import Any

from celery import Task
from celery.exceptions import Retry
from flask import Flask, current_app, has_app_context
from sqlalchemy.exc import DBAPIError, OperationalError

from pdhub.admin import service as admin
from pdhub.extensions import celery, db
from pdhub.submissions.storage import StorageUnavailable

log = logging.getLogger(__name__)


class TransientError(Exception):
    """A failure worth retrying (a service that may come back)."""


class AppTask(Task[Any, Any]):
    acks_late = True
    reject_on_worker_lost = True
    #: Errors retried with exponential backoff (PDHUB_TASK_RETRY_BACKOFF_SECONDS,
    #: doubling, at most 5 minutes apart) up to PDHUB_TASK_MAX_RETRIES times. A task
    #: whose every failure may be passing (files, other services) sets (Exception,).
    retry_for: tuple[type[Exception], ...] = (
        TransientError,
        OperationalError,
        DBAPIError,
        ConnectionError,
        # The file store (an object store) is down or refusing: it may come back.
        StorageUnavailable,
    )
    retry_backoff_max = 300

    def _flask_app(self) -> Flask:
        if has_app_context():
            return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]
        return celery.flask_app  # type: ignore[attr-defined,no-any-return]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # A fresh app context gives the task its own SQLAlchemy session, even when it
        # runs eagerly inside a web request (the embedded default).
        app = self._flask_app()
        with app.app_context():
            try:
                result = self.run(*args, **kwargs)
                db.session.commit()
                return result
            except Retry:
                db.session.rollback()
                raise
            except self.retry_for as error:
                db.session.rollback()
                if self.request.is_eager:
                    # In process (no Redis) there is nobody to retry later: fail now,
                    # and the failure is recorded for an administrator to resend.
                    raise
                raise self.retry(
                    exc=error,
                    countdown=self.backoff(app, self.request.retries),
                    max_retries=app.config["PDHUB_TASK_MAX_RETRIES"],
                ) from error
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    def backoff(self, app: Flask, retries: int) -> float:
        """Seconds before retry number ``retries + 1``: doubling, jittered by ±20%,
        and at most half the visibility timeout (a worker holds a retry's message
        unacknowledged while it waits; past the timeout Redis would hand it out again).
        """
        base: float = app.config["PDHUB_TASK_RETRY_BACKOFF_SECONDS"] * 2**retries
        cap: float = min(
            self.retry_backoff_max, app.config["PDHUB_TASK_VISIBILITY_TIMEOUT"] / 2
        )
        return min(base, cap) * random.uniform(0.8, 1.2)  # noqa: S311

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        """Record the failure once for the administrators' failed-jobs page."""
        try:
            with self._flask_app().app_context():
                try:
                    admin.record_job_failure(
                        db.session,
                        task_id=task_id,
                        task_name=self.name,
                        args=list(args or ()),
                        error=f"{type(exc).__name__}: {exc}"[:4000],
                        attempts=self.request.retries + 1,
                    )
                    db.session.commit()
                finally:
                    db.session.remove()
        except Exception:  # the database itself may be what failed; the log keeps it
            log.exception("could not record the failure of %s %s", self.name, task_id)
