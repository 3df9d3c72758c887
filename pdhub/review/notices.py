"""What the teacher is told at each step of the review workflow, in the app and by
email; keyed by submission, version and step so a rerun tells them once."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.learning.models import Module
from pdhub.notifications.service import notify, queue_email
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


def tell_teacher(
    session: Session,
    submission: Submission,
    version: SubmissionVersion,
    step: str,
    **context: Any,
) -> None:
    """Notify the teacher in the app and queue one email for ``step`` of ``version``."""
    teacher: User = submission.enrollment.user
    module: Module = submission.enrollment.module
    message, subject = MESSAGES[step]
    key = f"submission:{submission.id}:v{version.number}:{step}"
    path = f"/submissions/{submission.id}"
    notify(session, teacher, key, message.format(module=module.title), link=path)
    queue_email(
        session,
        teacher.email,
        f"{subject}: {module.title}",
        "submission_update",
        key=f"email:{key}",
        teacher=teacher,
        module=module,
        step=step,
        version=version,
        link=current_app.config["PDHUB_BASE_URL"] + path,
        **context,
    )
