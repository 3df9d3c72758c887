"""Who may see and change evidence and its files."""

from __future__ import annotations

from pdhub.accounts.models import User
from pdhub.submissions.models import Artifact, Submission


def can_edit(user: User, submission: Submission) -> bool:
    """The enrolled teacher, while the status allows editing."""
    return submission.enrollment.user_id == user.id and submission.status.editable


def can_download(user: User, artifact: Artifact) -> bool:
    """Only the teacher who uploaded a file (coach access comes with review)."""
    return artifact.submission.enrollment.user_id == user.id
