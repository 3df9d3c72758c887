"""What the teacher is told at each step of the review workflow, in the app and by
email (sent with ``notifications.service.tell``)."""

from __future__ import annotations

from typing import Any

from pdhub.accounts.models import User
from pdhub.learning.models import Module
from pdhub.notifications.service import Message, absolute_link
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


def submission_message(
    submission: Submission, version: SubmissionVersion, step: str, **context: Any
) -> Message:
    """What the teacher is told, in the app and by email, at ``step`` of ``version``;
    keyed by submission, version and step so a rerun tells them once."""
    teacher: User = submission.enrollment.user
    module: Module = submission.enrollment.module
    text, subject = MESSAGES[step]
    path = f"/submissions/{submission.id}"
    return Message(
        key=f"submission:{submission.id}:v{version.number}:{step}",
        to=teacher,
        text=text.format(module=module.title),
        link=path,
        subject=f"{subject}: {module.title}",
        template="submission_update",
        context={
            "teacher": teacher,
            "module": module,
            "step": step,
            "version": version,
            "link": absolute_link(path),
            **context,
        },
    )
