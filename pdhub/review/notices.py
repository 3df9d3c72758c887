"""What the teacher is told at each step of the review workflow, in the app and by
email (sent with ``notifications.service.tell``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from pdhub.accounts.models import User
from pdhub.learning.models import Module
from pdhub.notifications.service import Message, absolute_link
from pdhub.submissions.models import Submission, SubmissionVersion

#: What the teacher reads at each step: the in-app text (of the module's title) and
#: the email's subject. Lazy, so ``tell`` writes them in the teacher's language.
MESSAGES: dict[str, tuple[Callable[[str], LazyString], LazyString]] = {
    "screened": (
        lambda module: _l(
            "Your evidence for %(module)s is complete and waiting for a coach.",
            module=module,
        ),
        _l("Your evidence is with a coach"),
    ),
    "returned": (
        lambda module: _l(
            "Your evidence for %(module)s was returned as incomplete: see what to add.",
            module=module,
        ),
        _l("Your evidence needs a few more things"),
    ),
    "needs_revision": (
        lambda module: _l(
            "A coach reviewed your evidence for %(module)s: it needs revision.",
            module=module,
        ),
        _l("Your coach's feedback is ready"),
    ),
    "passed": (
        lambda module: _l(
            "A coach reviewed your evidence for %(module)s: it passed.", module=module
        ),
        _l("Your evidence passed"),
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
        text=text(module.title),
        link=path,
        subject=_l("%(subject)s: %(module)s", subject=subject, module=module.title),
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
