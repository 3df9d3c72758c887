"""Celery tasks: each takes ids, re-checks state, calls one service function."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from flask import current_app

from pdhub import jobs, tasks
from pdhub.db import utcnow
from pdhub.extensions import celery, db
from pdhub.learning import service as learning
from pdhub.notifications import service as notifications
from pdhub.review import screening
from pdhub.review import service as review
from pdhub.verification import batches as verification_batches
from workers.base import AppTask

#: Awards per bulk issuing job sent by the sweep.
SWEEP_CHUNK = 100


@celery.task(base=AppTask, name=tasks.DELIVER_EMAIL)
def deliver_email(message_id: int) -> bool:
    return notifications.deliver_email(db.session, message_id)


@celery.task(base=AppTask, name=tasks.DELIVER_EMAILS)
def deliver_emails(message_ids: list[int]) -> int:
    """Deliver a batch of outbox messages; each is committed as sent on its own, so a
    rerun after a crash or a failed send sends only those not sent yet."""
    sent = 0
    for message_id in message_ids:
        sent += notifications.deliver_email(db.session, message_id)
        db.session.commit()
    return sent


@celery.task(base=AppTask, name=tasks.SWEEP_OUTBOX)
def sweep_outbox() -> int:
    """Re-send the jobs whose rows were saved but whose job never ran (Redis down)."""
    sent = 0
    for message_id in notifications.unsent_email_ids(db.session):
        sent += jobs.send_now(tasks.DELIVER_EMAIL, message_id)
    for attempt_id in learning.ungraded_attempt_ids(db.session, _sweep_cutoff()):
        sent += jobs.send_now(tasks.GRADE_QUIZ_ATTEMPT, attempt_id)
    return sent


@celery.task(base=AppTask, name=tasks.ISSUE_CREDENTIAL)
def issue_credential(award_id: int) -> str | None:
    """Issue the award's Open Badges credential once (a rerun finds the first)."""
    from pdhub.credentials import service as credentials

    credential = credentials.issue_credential(db.session, award_id)
    return credential.id if credential is not None else None


@celery.task(base=AppTask, name=tasks.ISSUE_PATHWAY_CREDENTIAL)
def issue_pathway_credential(completion_id: int) -> str | None:
    """Sign a completed pathway's milestone credential once (a rerun finds it)."""
    from pdhub.pathways import service as pathways

    completion = pathways.issue_milestone(db.session, completion_id)
    return completion.credential_id if completion is not None else None


@celery.task(base=AppTask, name=tasks.ISSUE_WORKSHOP_AWARDS)
def issue_workshop_awards(run_id: int) -> bool:
    """Issue a confirmed workshop award run, one committed chunk at a time so its
    progress shows and a rerun resumes (nobody is awarded twice)."""
    from pdhub.workshops import service as workshops

    while not workshops.issue_chunk(db.session, run_id):
        db.session.commit()
    return True


@celery.task(base=AppTask, name=tasks.SEND_EXPIRY_REMINDERS)
def send_expiry_reminders() -> int:
    """Remind teachers of badges ending in 60 and in 14 days, once per stage."""
    from pdhub.credentials import expiry

    return expiry.send_expiry_reminders(db.session)


@celery.task(base=AppTask, name=tasks.CHECK_PATHWAY)
def check_pathway(pathway_id: int) -> int:
    """Record the completions of people who already completed a new pathway."""
    from pdhub.pathways import service as pathways

    return pathways.check_pathway(db.session, pathway_id)


@celery.task(base=AppTask, name=tasks.SWEEP_COMPLETIONS)
def sweep_completions() -> int:
    """Complete enrollments whose knowledge check and evidence both passed but that
    have no Award (a completion missed by a crash); their issuing follows the commit."""
    from pdhub.learning import completion

    return completion.complete_enrollments(
        db.session, completion.incomplete_enrollment_ids(db.session)
    )


@celery.task(base=AppTask, name=tasks.SWEEP_AWARDS)
def sweep_awards() -> int:
    """Re-send issuing for awards saved while Redis was down (their job never ran)."""
    from pdhub.credentials import service as credentials

    sent = 0
    pending = credentials.awards_without_credential(db.session)
    for start in range(0, len(pending), SWEEP_CHUNK):
        chunk = pending[start : start + SWEEP_CHUNK]
        sent += len(chunk) * jobs.send_now(tasks.ISSUE_CREDENTIALS, chunk)
    return sent


@celery.task(base=AppTask, name=tasks.GRADE_QUIZ_ATTEMPT)
def grade_quiz_attempt(attempt_id: int) -> bool:
    """Score one knowledge-check attempt (a graded attempt is left as it is)."""
    attempt = learning.grade_quiz_attempt(db.session, attempt_id)
    return attempt is not None


def _sweep_cutoff() -> datetime:
    seconds = current_app.config["PDHUB_SWEEP_AFTER_SECONDS"]
    return utcnow() - timedelta(seconds=seconds)


@celery.task(base=AppTask, name=tasks.VERIFY_BATCH_CHUNK)
def verify_batch_chunk(batch_id: int, start: int, end: int) -> int:
    """Verify one chunk of a district's batch (items already checked are skipped)."""
    return verification_batches.verify_chunk(db.session, batch_id, start, end)


@celery.task(base=AppTask, name=tasks.FINISH_VERIFICATION_BATCH)
def finish_verification_batch(batch_id: int) -> bool:
    """Sign the batch's report once every item is checked (else a no-op)."""
    return verification_batches.finish_batch(db.session, batch_id)


@celery.task(base=AppTask, name=tasks.SCREEN_SUBMISSION, retry_for=(Exception,))
def screen_submission(version_id: int) -> int:
    """Screen a submitted version and route it (returned, or into the coach queue),
    with up to ``screening.BATCH_SIZE - 1`` other waiting versions no other job holds;
    returns how many were routed. The job of a version already routed does nothing.

    Two commits on purpose: the first makes "being checked" visible to the teachers
    while the checks run; a rerun after a crash finds that state and finishes once.
    """
    claimed = screening.claim(db.session, version_id)
    if not claimed:
        return 0
    db.session.commit()
    delay = current_app.config["PDHUB_SCREENING_DELAY_SECONDS"]
    if delay:
        time.sleep(delay)
    return len(screening.route(db.session, claimed, own=version_id))


@celery.task(base=AppTask, name=tasks.SWEEP_SUBMISSIONS)
def sweep_submissions() -> int:
    """Re-send screening for versions whose job never ran (Redis was down) or died."""
    return sum(
        jobs.send_now(tasks.SCREEN_SUBMISSION, version_id)
        for version_id in screening.stuck_version_ids(db.session)
    )


@celery.task(base=AppTask, name=tasks.ISSUE_CREDENTIALS)
def issue_credentials(award_ids: list[int]) -> int:
    """Issue the credentials of a chunk of awards, each exactly once (bulk path)."""
    from pdhub.credentials import service as credentials

    return credentials.issue_credentials(db.session, award_ids)


@celery.task(base=AppTask, name=tasks.SEND_COACH_DIGESTS)
def send_coach_digests() -> int:
    """The daily summary of new evidence for each coach (once per coach and day)."""
    return review.send_coach_digests(db.session)


@celery.task(base=AppTask, name=tasks.SEND_COMMUNITY_DIGESTS)
def send_community_digests() -> int:
    """Each community digest of the last complete day or week, once per person."""
    from pdhub.communities import digest

    return digest.send_digests(db.session)


@celery.task(base=AppTask, name=tasks.APPLY_ROSTER_IMPORT)
def apply_roster_import(import_id: int) -> bool:
    """Apply a confirmed roster, one committed chunk at a time so its progress shows
    and a rerun after a crash resumes from the last chunk."""
    from pdhub.districts import roster

    while not roster.apply_chunk(db.session, import_id):
        db.session.commit()
    return True


@celery.task(base=AppTask, name=tasks.SYNC_ROSTER)
def sync_roster(sync_id: int) -> None:
    """Read a district's OneRoster provider into a preview, committing the sync's
    progress after each page (a scheduled, clean sync is applied in the last
    commit, whole)."""
    from pdhub.districts import rostersync

    rostersync.run_sync(db.session, sync_id, db.session.commit)


@celery.task(base=AppTask, name=tasks.APPLY_ROSTER_SYNC)
def apply_roster_sync(sync_id: int) -> None:
    """Apply a confirmed roster sync in one transaction (AppTask commits once)."""
    from pdhub.districts import rostersync

    rostersync.apply_sync(db.session, sync_id)


@celery.task(base=AppTask, name=tasks.START_DAILY_ROSTER_SYNCS)
def start_daily_roster_syncs() -> list[int]:
    """Queue the sync of every district whose roster connection is set to daily."""
    from pdhub.districts import rostersync

    return rostersync.start_daily_syncs(db.session)


@celery.task(base=AppTask, name=tasks.SEND_ASSIGNMENT_REMINDERS)
def send_assignment_reminders() -> int:
    """Remind people of assignments due soon or overdue, once per person, assignment
    and stage."""
    from pdhub.districts import assignments

    return assignments.send_reminders(db.session)


@celery.task(base=AppTask, name=tasks.BUILD_DATA_EXPORT)
def build_data_export(export_id: int) -> bool:
    """Build the export's ZIP and email its link (an export already built is left)."""
    from pdhub.accountdata import service as accountdata

    return accountdata.build_export(db.session, export_id)


@celery.task(base=AppTask, name=tasks.DELETE_STORED_FILES)
def delete_stored_files(keys: list[str]) -> int:
    """Remove stored files (a file already gone is fine)."""
    from pdhub.accountdata import service as accountdata

    return accountdata.delete_stored_files(keys)


@celery.task(base=AppTask, name=tasks.APPLY_RETENTION)
def apply_retention() -> int:
    """Warn 14 days ahead, then purge what the districts' retention periods expired
    (the run is recorded), delete the files of export links that expired unused, and
    delete expired account tokens."""
    from pdhub.accountdata import retention
    from pdhub.accountdata import service as accountdata
    from pdhub.accounts import service as accounts

    run = retention.apply_retention(db.session)
    accountdata.expire_old_exports(db.session)
    accounts.purge_dead_tokens(db.session)
    return run.id


@celery.task(base=AppTask, name=tasks.SEND_OFFICE_HOUR_REMINDERS)
def send_office_hour_reminders() -> int:
    """Remind the teacher and coach of each office-hours booking about to start,
    once per booking."""
    from pdhub.coaching import service as coaching

    return coaching.send_reminders(db.session)


@celery.task(base=AppTask, name=tasks.SEND_EQUITY_REMINDERS)
def send_equity_reminders() -> int:
    """Remind owners of equity plan actions due soon or overdue, once per action and
    stage."""
    from pdhub.equity import plan

    return plan.send_reminders(db.session)


@celery.task(base=AppTask, name=tasks.SEND_FOLLOW_UP_SURVEYS)
def send_follow_up_surveys() -> int:
    """Invite teachers to a module's follow-up survey 30 to 60 days after they
    completed it, once per completion."""
    from pdhub.impact import service

    return service.send_follow_ups(db.session)


@celery.task(base=AppTask, name=tasks.POST_LTI_SCORE, retry_for=(Exception,))
def post_lti_score(link_id: int) -> bool:
    """Post a completed module's score to the LMS line item once (a rerun finds it
    sent). Any failure is retried: the platform may come back."""
    from pdhub.lti import service as lti

    return lti.post_completion_score(db.session, link_id)
