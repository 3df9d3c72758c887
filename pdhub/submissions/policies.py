"""Who may see and change evidence and its files."""

from __future__ import annotations

from pdhub.accounts.models import User
from pdhub.db import DbSession
from pdhub.review.policies import can_view_submission
from pdhub.submissions.models import Artifact, Submission


def can_edit(user: User, submission: Submission) -> bool:
    """The enrolled teacher, while the status allows editing."""
    return submission.enrollment.user_id == user.id and submission.status.editable


def can_download(session: DbSession, user: User, artifact: Artifact) -> bool:
    """Whoever may see the evidence the file belongs to: the teacher who uploaded it,
    a coach who serves them, their district's administrators, and administrators."""
    return can_view_submission(session, user, artifact.submission.enrollment.user)
