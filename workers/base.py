"""The task base: an app context per task, one commit, retries with backoff, and late
acknowledgement so a job lost with its worker runs again."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from flask import Flask, current_app, has_app_context
from sqlalchemy.exc import DBAPIError, OperationalError

from pdhub.extensions import celery, db

log = logging.getLogger(__name__)


class TransientError(Exception):
    """A failure worth retrying (a service that may come back)."""


class AppTask(Task):  # type: ignore[misc]
    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (TransientError, OperationalError, DBAPIError, ConnectionError)
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 6

    def _flask_app(self) -> Flask:
        if has_app_context():
            return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]
        return celery.flask_app  # type: ignore[attr-defined,no-any-return]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # A fresh app context gives the task its own SQLAlchemy session, even when it
        # runs eagerly inside a web request (the embedded default).
        with self._flask_app().app_context():
            try:
                result = self.run(*args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()
