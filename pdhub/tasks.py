"""The name of every background task, one constant each.

pdhub never imports ``workers`` (imports go badges <- pdhub <- workers), so product code
cannot hold the task objects themselves. It refers to a task by one of these constants:
``jobs.enqueue(tasks.SCREEN_SUBMISSION, version.id)``. ``workers/tasks.py`` registers
each task under its constant (``@celery.task(name=tasks.SCREEN_SUBMISSION)``) and
``workers/app.py`` schedules the periodic ones by them, so "find usages" on a constant
shows who queues a task and which function runs it. tests/test_structure.py checks that
each constant names a registered task and that no other string names one.
"""

from __future__ import annotations

#: Screen a submitted evidence version and route it (returned, or to the coaches).
SCREEN_SUBMISSION = "pdhub.screen_submission"
#: Score one knowledge-check attempt; a pass may complete the enrollment.
GRADE_QUIZ_ATTEMPT = "pdhub.grade_quiz_attempt"
#: Sign and bake the credential of one recorded Award.
ISSUE_CREDENTIAL = "pdhub.issue_credential"
#: Issue the credentials of a chunk of Awards (bulk path used by the sweep).
ISSUE_CREDENTIALS = "pdhub.issue_credentials"
#: Deliver one outbox email / a batch of them.
DELIVER_EMAIL = "pdhub.deliver_email"
DELIVER_EMAILS = "pdhub.deliver_emails"
#: Verify one chunk of a district's verification batch / sign its finished report.
VERIFY_BATCH_CHUNK = "pdhub.verify_batch_chunk"
FINISH_VERIFICATION_BATCH = "pdhub.finish_verification_batch"
#: Periodic (workers/app.py beat schedule): re-send jobs whose rows were saved while
#: Redis was down, complete enrollments whose completion was missed, and the daily
#: coach digest.
SWEEP_OUTBOX = "pdhub.sweep_outbox"
SWEEP_COMPLETIONS = "pdhub.sweep_completions"
SWEEP_AWARDS = "pdhub.sweep_awards"
SWEEP_SUBMISSIONS = "pdhub.sweep_submissions"
SEND_COACH_DIGESTS = "pdhub.send_coach_digests"
#: Apply a confirmed roster import, committing its progress every chunk.
APPLY_ROSTER_IMPORT = "pdhub.apply_roster_import"
#: Read a district's OneRoster provider into a preview (a scheduled sync is applied
#: at once when clean); apply a previewed sync in one transaction; and, periodic,
#: start the daily syncs.
SYNC_ROSTER = "pdhub.sync_roster"
APPLY_ROSTER_SYNC = "pdhub.apply_roster_sync"
START_DAILY_ROSTER_SYNCS = "pdhub.start_daily_roster_syncs"
#: Periodic: remind people of assignments due soon or overdue (once per stage).
SEND_ASSIGNMENT_REMINDERS = "pdhub.send_assignment_reminders"
#: Build one data export (a person's or a district's ZIP) and email its link.
BUILD_DATA_EXPORT = "pdhub.build_data_export"
#: Remove stored files whose rows an erasure or a purge removed (after the commit).
DELETE_STORED_FILES = "pdhub.delete_stored_files"
#: Periodic: warn 14 days ahead, then purge evidence and accounts past the
#: district's retention periods.
APPLY_RETENTION = "pdhub.apply_retention"
#: Periodic: each community digest of the last day or week, once per person and period.
SEND_COMMUNITY_DIGESTS = "pdhub.send_community_digests"
#: Periodic: remind the teacher and coach of an office-hours booking, once each.
SEND_OFFICE_HOUR_REMINDERS = "pdhub.send_office_hour_reminders"
#: Periodic: remind owners of equity plan actions due soon or overdue (once per stage).
SEND_EQUITY_REMINDERS = "pdhub.send_equity_reminders"
#: Periodic: invite teachers to a module's follow-up survey 30 to 60 days after they
#: completed it (once per completion).
SEND_FOLLOW_UP_SURVEYS = "pdhub.send_follow_up_surveys"
#: Sign the milestone credential of one completed pathway.
ISSUE_PATHWAY_CREDENTIAL = "pdhub.issue_pathway_credential"
#: Record the completion of everyone who already completed a newly defined pathway.
CHECK_PATHWAY = "pdhub.check_pathway"

#: Issue the credentials of one confirmed workshop award run, a chunk per commit.
ISSUE_WORKSHOP_AWARDS = "pdhub.issue_workshop_awards"

#: Periodic: remind teachers of badges that expire in 60 and in 14 days (once each).
SEND_EXPIRY_REMINDERS = "pdhub.send_expiry_reminders"

#: Post a teacher's module completion to their LMS gradebook (LTI AGS score).
POST_LTI_SCORE = "pdhub.post_lti_score"

#: Every task name above.
ALL = frozenset(
    {
        SCREEN_SUBMISSION,
        GRADE_QUIZ_ATTEMPT,
        ISSUE_CREDENTIAL,
        ISSUE_CREDENTIALS,
        DELIVER_EMAIL,
        DELIVER_EMAILS,
        VERIFY_BATCH_CHUNK,
        FINISH_VERIFICATION_BATCH,
        SWEEP_OUTBOX,
        SWEEP_COMPLETIONS,
        SWEEP_AWARDS,
        SWEEP_SUBMISSIONS,
        SEND_COACH_DIGESTS,
        APPLY_ROSTER_IMPORT,
        SYNC_ROSTER,
        APPLY_ROSTER_SYNC,
        START_DAILY_ROSTER_SYNCS,
        SEND_ASSIGNMENT_REMINDERS,
        BUILD_DATA_EXPORT,
        DELETE_STORED_FILES,
        APPLY_RETENTION,
        SEND_COMMUNITY_DIGESTS,
        SEND_OFFICE_HOUR_REMINDERS,
        SEND_EQUITY_REMINDERS,
        SEND_FOLLOW_UP_SURVEYS,
        ISSUE_PATHWAY_CREDENTIAL,
        CHECK_PATHWAY,
        SEND_EXPIRY_REMINDERS,
        ISSUE_WORKSHOP_AWARDS,
        POST_LTI_SCORE,
    }
)
