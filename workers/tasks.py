"""Celery tasks: each takes ids, re-checks state, calls one service function."""

from __future__ import annotations

from pdhub import jobs
from pdhub.extensions import celery, db
from pdhub.notifications import service as notifications
from pdhub.verification import batches as verification_batches
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


@celery.task(base=AppTask, name="pdhub.verify_batch_chunk")
def verify_batch_chunk(batch_id: int, start: int, end: int) -> int:
    """Verify one chunk of a district's batch (items already checked are skipped)."""
    return verification_batches.verify_chunk(db.session, batch_id, start, end)


@celery.task(base=AppTask, name="pdhub.finish_verification_batch")
def finish_verification_batch(batch_id: int) -> bool:
    """Sign the batch's report once every item is checked (else a no-op)."""
    return verification_batches.finish_batch(db.session, batch_id)
