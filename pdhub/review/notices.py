"""What the teacher is told at each step of the review workflow, in the app and by
email (sent with ``notifications.service.tell``)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from pdhub.accounts.models import User
from pdhub.learning.localized import lazy_title
from pdhub.learning.models import Module
from pdhub.notifications.service import Message, absolute_link
from pdhub.submissions.models import Submission, SubmissionVersion

#: Per step: the in-app text and the email subject, in the reader's language when
#: formatted (lazy strings).
MESSAGES = {
    "screened": (
        _l("Your evidence for %(module)s is complete and waiting for a coach."),
        _l("Your evidence is with a coach: %(module)s"),
    ),
    "returned": (
        _l("Your evidence for %(module)s was returned as incomplete: see what to add."),
        _l("Your evidence needs a few more things: %(module)s"),
    ),
    "needs_revision": (
        _l("A coach reviewed your evidence for %(module)s: it needs revision."),
        _l("Your coach's feedback is ready: %(module)s"),
    ),
    "passed": (
        _l("A coach reviewed your evidence for %(module)s: it passed."),
        _l("Your evidence passed: %(module)s"),
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
        # Formatted when read: ``tell`` reads them in the teacher's language.
        text=LazyString(lambda: str(text) % {"module": lazy_title(module)}),
        link=path,
        subject=LazyString(lambda: str(subject) % {"module": lazy_title(module)}),
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
