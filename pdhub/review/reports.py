"""Review turnaround for administrators: how many wait, and how long teachers wait
from submitting a version to a coach's review (median and 90th percentile)."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from pdhub.accounts.models import Role, User
from pdhub.db import DbSession, utcnow
from pdhub.learning.localized import localized
from pdhub.learning.models import Enrollment, Module
from pdhub.learning.texts import gettext as _
from pdhub.review.models import Review
from pdhub.submissions.models import Submission, SubmissionVersion
from pdhub.submissions.states import SubmissionStatus

#: Reviews older than this are history, not turnaround.
WINDOW = timedelta(days=365)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (0 < fraction <= 1)."""
    rank = max(1, math.ceil(fraction * len(values)))
    return values[rank - 1]


@dataclass
class Turnaround:
    """Hours from submission to review for one group of reviews."""

    label: str
    hours: list[float] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.hours)

    @property
    def median(self) -> float | None:
        return statistics.median(self.hours) if self.hours else None

    @property
    def p90(self) -> float | None:
        return percentile(sorted(self.hours), 0.9) if self.hours else None


@dataclass
class TurnaroundReport:
    waiting: int
    oldest_wait: timedelta | None
    overall: Turnaround
    per_coach: list[Turnaround]
    per_module: list[Turnaround]


def turnaround(session: DbSession, actor: User) -> TurnaroundReport:
    """The report over the actor's district (district admins) or everything (admins)."""
    teacher = aliased(User)
    coach = aliased(User)
    district_id = None if actor.role is Role.ADMIN else (actor.district_id or 0)

    waiting_query = (
        select(func.count(Submission.id), func.min(Submission.submitted_at))
        .join(Enrollment, Enrollment.id == Submission.enrollment_id)
        .join(teacher, teacher.id == Enrollment.user_id)
        .where(Submission.status == SubmissionStatus.IN_REVIEW)
    )
    rows_query = (
        select(Review.decided_at, SubmissionVersion.submitted_at, coach.name, Module)
        .join(SubmissionVersion, SubmissionVersion.id == Review.version_id)
        .join(Submission, Submission.id == Review.submission_id)
        .join(Enrollment, Enrollment.id == Submission.enrollment_id)
        .join(teacher, teacher.id == Enrollment.user_id)
        .join(Module, Module.id == Enrollment.module_id)
        .outerjoin(coach, coach.id == Review.coach_id)
        .where(Review.decided_at >= utcnow() - WINDOW)
    )
    if district_id is not None:
        waiting_query = waiting_query.where(teacher.district_id == district_id)
        rows_query = rows_query.where(teacher.district_id == district_id)
    waiting, oldest = session.execute(waiting_query).one()

    overall = Turnaround(_("All reviews"))
    per_coach: dict[str, Turnaround] = defaultdict(lambda: Turnaround(""))
    per_module: dict[str, Turnaround] = defaultdict(lambda: Turnaround(""))
    for decided_at, submitted_at, coach_name, module in session.execute(rows_query):
        module_title = localized(module).title  # in the reader's language
        hours = max((decided_at - submitted_at).total_seconds(), 0) / 3600
        overall.hours.append(hours)
        name = coach_name or _("A former coach")
        per_coach[name].label = name
        per_coach[name].hours.append(hours)
        per_module[module_title].label = module_title
        per_module[module_title].hours.append(hours)
    return TurnaroundReport(
        waiting=waiting or 0,
        oldest_wait=(utcnow() - oldest) if oldest else None,
        overall=overall,
        per_coach=sorted(per_coach.values(), key=lambda t: t.label),
        per_module=sorted(per_module.values(), key=lambda t: t.label),
    )
