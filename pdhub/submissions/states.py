"""The evidence submission workflow: its states and the only transitions allowed.

draft --submit--> submitted --screening--> returned (incomplete)
                                      \\--> in_review --coach--> passed
                                                        \\--> needs_revision
returned / needs_revision --teacher edits and resubmits--> submitted ...
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from pdhub.db import utcnow
from pdhub.errors import Conflict
from pdhub.learning.texts import _l
from pdhub.learning.texts import gettext as _

if TYPE_CHECKING:
    from pdhub.submissions.models import Submission


class SubmissionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCREENING = "screening"
    RETURNED = "returned"  # returned as incomplete by screening, no coach time used
    IN_REVIEW = "in_review"
    NEEDS_REVISION = "needs_revision"
    PASSED = "passed"

    @property
    def label(self) -> str:
        """The status in the reader's language."""
        return _(LABELS[self])

    @property
    def editable(self) -> bool:
        """The teacher may change the evidence in these states."""
        return self in {
            SubmissionStatus.DRAFT,
            SubmissionStatus.RETURNED,
            SubmissionStatus.NEEDS_REVISION,
        }


LABELS = {
    SubmissionStatus.DRAFT: _l("Draft"),
    SubmissionStatus.SUBMITTED: _l("Submitted"),
    SubmissionStatus.SCREENING: _l("Being checked"),
    SubmissionStatus.RETURNED: _l("Returned as incomplete"),
    SubmissionStatus.IN_REVIEW: _l("In review"),
    SubmissionStatus.NEEDS_REVISION: _l("Needs revision"),
    SubmissionStatus.PASSED: _l("Passed"),
}

TRANSITIONS: dict[SubmissionStatus, frozenset[SubmissionStatus]] = {
    SubmissionStatus.DRAFT: frozenset({SubmissionStatus.SUBMITTED}),
    SubmissionStatus.SUBMITTED: frozenset({SubmissionStatus.SCREENING}),
    SubmissionStatus.SCREENING: frozenset(
        {SubmissionStatus.RETURNED, SubmissionStatus.IN_REVIEW}
    ),
    SubmissionStatus.RETURNED: frozenset({SubmissionStatus.SUBMITTED}),
    SubmissionStatus.IN_REVIEW: frozenset(
        {SubmissionStatus.PASSED, SubmissionStatus.NEEDS_REVISION}
    ),
    SubmissionStatus.NEEDS_REVISION: frozenset({SubmissionStatus.SUBMITTED}),
    SubmissionStatus.PASSED: frozenset(),
}


class IllegalTransition(Conflict):
    """The submission is not in a state that allows this step."""


def check_transition(current: SubmissionStatus, target: SubmissionStatus) -> None:
    """Raise IllegalTransition unless ``current -> target`` is in TRANSITIONS."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(
            _(
                "A submission that is %(current)s can't become %(target)s.",
                current=current.label.lower(),
                target=target.label.lower(),
            )
        )


def move(submission: Submission, target: SubmissionStatus) -> None:
    """Change the submission's status through TRANSITIONS (IllegalTransition
    otherwise) and stamp when it changed. The only place a status is written."""
    check_transition(submission.status, target)
    submission.status = target
    submission.status_changed_at = utcnow()
