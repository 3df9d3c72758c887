"""The worker entry point: ``celery -A workers.app worker`` (or ``pdhub worker``)."""

from __future__ import annotations

from pathlib import Path

from celery.schedules import crontab

from pdhub import create_app, tasks
from pdhub.extensions import celery

#: No ``SELECT 1`` before each checkout (``pool_pre_ping``): a task that meets a dropped
#: connection fails with an OperationalError, which AppTask retries.
flask_app = create_app({"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False}})

#: Periodic jobs, all in one place, every PDHUB_SWEEP_INTERVAL_SECONDS.
_every = float(flask_app.config["PDHUB_SWEEP_INTERVAL_SECONDS"])
celery.conf.beat_schedule = {
    "sweep-outbox": {"task": tasks.SWEEP_OUTBOX, "schedule": _every},
    "sweep-completions": {"task": tasks.SWEEP_COMPLETIONS, "schedule": _every},
    "sweep-awards": {"task": tasks.SWEEP_AWARDS, "schedule": _every},
    "sweep-submissions": {"task": tasks.SWEEP_SUBMISSIONS, "schedule": _every},
    # Once a day, before the school day in the Americas (12:00 UTC).
    "coach-digests": {
        "task": tasks.SEND_COACH_DIGESTS,
        "schedule": crontab(minute=0, hour=12),
    },
    # Hourly: each digest covers the last complete day or week (UTC) and is keyed by
    # person and period, so running hourly sends it soon after midnight, and once.
    "community-digests": {
        "task": tasks.SEND_COMMUNITY_DIGESTS,
        "schedule": crontab(minute=30),
    },
    # Hourly: districts whose roster connection is "daily" and was last synced 20
    # hours ago or more are synced (so about once a day, at the hour it was set up).
    "roster-syncs": {
        "task": tasks.START_DAILY_ROSTER_SYNCS,
        "schedule": crontab(minute=5),
    },
    # Hourly: a reminder goes out within the hour a stage begins, and only once.
    "assignment-reminders": {
        "task": tasks.SEND_ASSIGNMENT_REMINDERS,
        "schedule": crontab(minute=15),
    },
    # Hourly: retention notices and purges (each notice and purge happens once).
    "retention": {
        "task": tasks.APPLY_RETENTION,
        "schedule": crontab(minute=40),
    },
    # Every ten minutes: a booking's reminder goes out about a day before, once.
    "office-hour-reminders": {
        "task": tasks.SEND_OFFICE_HOUR_REMINDERS,
        "schedule": crontab(minute="*/10"),
    },
    # Hourly: a badge's expiry reminders (60 and 14 days ahead), once per stage.
    "expiry-reminders": {
        "task": tasks.SEND_EXPIRY_REMINDERS,
        "schedule": crontab(minute=50),
    },
    "equity-reminders": {
        "task": tasks.SEND_EQUITY_REMINDERS,
        "schedule": crontab(minute=20),
    },
    # Hourly: the follow-up survey 30-60 days after a completion, once each.
    "follow-up-surveys": {
        "task": tasks.SEND_FOLLOW_UP_SURVEYS,
        "schedule": crontab(minute=50),
    },
}

#: Beat keeps its last-run times in the instance folder, beside the embedded database,
#: not in whatever folder the worker happened to start from.
celery.conf.beat_schedule_filename = str(
    Path(flask_app.instance_path) / "celerybeat-schedule"
)

__all__ = ["celery", "flask_app"]
