"""What the teacher is told at each step of the review workflow, in the app and by
email; keyed by submission, version and step so a rerun tells them once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import render_template
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.learning.models import Module
from pdhub.notifications.service import (
    Mail,
    Note,
    absolute_link,
    notify_many,
    queue_emails,
)
from pdhub.submissions.models import Submission, SubmissionVersion

MESSAGES = {
    "screened": (
        "Your evidence for {module} is complete and waiting for a coach.",
        "Your evidence is with a coach",
    ),
    "returned": (
        "Your evidence for {module} was returned as incomplete: see what to add.",
        "Your evidence needs a few more things",
    ),
    "needs_revision": (
        "A coach reviewed your evidence for {module}: it needs revision.",
        "Your coach's feedback is ready",
    ),
    "passed": (
        "A coach reviewed your evidence for {module}: it passed.",
        "Your evidence passed",
    ),
}


@dataclass(frozen=True)
class Tell:
    """One step of one version to tell its teacher about (extra template context)."""

    submission: Submission
    version: SubmissionVersion
    step: str
    context: dict[str, Any] = field(default_factory=dict)


def _messages(tell: Tell) -> tuple[Note, Mail]:
    """The notification and the email for ``tell``, keyed so a rerun adds none."""
    submission, version, step = tell.submission, tell.version, tell.step
    teacher: User = submission.enrollment.user
    module: Module = submission.enrollment.module
    message, subject = MESSAGES[step]
    key = f"submission:{submission.id}:v{version.number}:{step}"
    path = f"/submissions/{submission.id}"
    note = Note(teacher.id, key, message.format(module=module.title), path)
    body = render_template(
        "email/submission_update.txt",
        teacher=teacher,
        module=module,
        step=step,
        version=version,
        link=absolute_link(path),
        **tell.context,
    )
    return note, Mail(f"email:{key}", teacher.email, f"{subject}: {module.title}", body)


def tell_teachers(session: Session, tells: Sequence[Tell]) -> None:
    """Notify each teacher in the app and queue their emails, delivered by one job."""
    if not tells:
        return
    pairs = [_messages(tell) for tell in tells]
    notify_many(session, [note for note, _ in pairs])
    queue_emails(session, [mail for _, mail in pairs])


def tell_teacher(
    session: Session,
    submission: Submission,
    version: SubmissionVersion,
    step: str,
    **context: Any,
) -> None:
    """Notify the teacher in the app and queue one email for ``step`` of ``version``."""
    tell_teachers(session, [Tell(submission, version, step, context)])
