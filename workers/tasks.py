"""Celery tasks: each takes ids, re-checks state, calls one service function."""

from __future__ import annotations

import time

from flask import current_app

from pdhub import jobs
from pdhub.extensions import celery, db
from pdhub.notifications import service as notifications
from pdhub.review import screening
from workers.base import AppTask


@celery.task(base=AppTask, name="pdhub.deliver_email")
def deliver_email(message_id: int) -> bool:
    return notifications.deliver_email(db.session, message_id)


@celery.task(base=AppTask, name="pdhub.sweep_outbox")
def sweep_outbox() -> int:
    """Re-send the jobs whose rows were saved but whose job never ran (Redis was down)."""
    sent = 0
    for message_id in notifications.unsent_email_ids(db.session):
        sent += jobs.send_now("pdhub.deliver_email", message_id)
    return sent


@celery.task(base=AppTask, name="pdhub.screen_submission", retry_for=(Exception,))
def screen_submission(version_id: int) -> str | None:
    """Screen a submitted version and route it (returned, or into the coach queue).

    Two commits on purpose: the first makes "being checked" visible to the teacher
    while the checks run; a rerun after a crash finds that state and finishes once.
    """
    if screening.begin_screening(db.session, version_id):
        db.session.commit()
    delay = current_app.config["PDHUB_SCREENING_DELAY_SECONDS"]
    if delay:
        time.sleep(delay)
    status = screening.finish_screening(db.session, version_id)
    return status.value if status else None


@celery.task(base=AppTask, name="pdhub.sweep_submissions")
def sweep_submissions() -> int:
    """Re-send screening for versions whose job never ran (Redis was down) or died."""
    return sum(jobs.send_now("pdhub.screen_submission", version_id)
               for version_id in screening.stuck_version_ids(db.session))
