"""The de-identified research export (/district/impact/research.csv).

One row per enrollment of the district's teachers in a module with a survey, with
nothing that names a person: no name, email, account id or free text (comments and
lesson reports are left out). Each person is a pseudonym drawn at random for this
export only (two exports cannot be joined on it), and the school is a letter drawn
the same way. A module, or a school within a module, with fewer than
``MIN_GROUP`` people is suppressed: its rows are left out and the summary says how
many were. Dates are coarsened to the month."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from pdhub.accounts.models import Role, User
from pdhub.db import DbSession
from pdhub.districts.models import District
from pdhub.exports import Cell
from pdhub.impact.models import ModuleFeedback, SurveyPhase, SurveyResponse
from pdhub.learning.models import Enrollment, EnrollmentStatus, Module
from pdhub.submissions.models import Submission
from pdhub.submissions.states import SubmissionStatus

#: Any group (a module, or a school within a module) with fewer people than this is
#: suppressed.
MIN_GROUP = 10


def suppressed(people: int) -> bool:
    """Whether a figure describing ``people`` people is hidden to protect their
    privacy: one to ``MIN_GROUP - 1`` people (nobody is nothing to hide). The
    research export, the district's impact page and its CSV all ask this."""
    return 0 < people < MIN_GROUP


HEADER = (
    "person",
    "school_group",
    "module",
    "module_version",
    "status",
    "started_month",
    "completed_month",
    "evidence_passed",
    "rating",
    "survey_phase",
    "item",
    "answer",
)


@dataclass
class Export:
    header: tuple[str, ...]
    rows: list[list[Cell]]
    people: int
    suppressed_groups: int


def suppressed_group(enrollments: list[Enrollment]) -> bool:
    return suppressed(len({e.user_id for e in enrollments}))


def _month(value: Any) -> str:
    return value.strftime("%Y-%m") if value is not None else ""


def export(session: DbSession, district: District) -> Export:
    enrollments = session.scalars(
        select(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .join(Module, Module.id == Enrollment.module_id)
        .where(User.district_id == district.id, User.role == Role.TEACHER)
        .order_by(Enrollment.id)
    ).all()
    by_module: dict[str, list[Enrollment]] = defaultdict(list)
    for enrollment in enrollments:
        if enrollment.module.survey:
            by_module[enrollment.module.slug].append(enrollment)
    kept: list[Enrollment] = []
    left_out = 0
    for found in by_module.values():
        if suppressed_group(found):
            left_out += 1
            continue
        by_school: dict[int | None, list[Enrollment]] = defaultdict(list)
        for enrollment in found:
            by_school[enrollment.user.school_id].append(enrollment)
        for group in by_school.values():
            if suppressed_group(group):
                left_out += 1
                continue
            kept.extend(group)
    ids = [e.id for e in kept]
    answers: dict[int, list[SurveyResponse]] = defaultdict(list)
    ratings: dict[int, int] = {}
    passed: set[int] = set()
    if ids:
        for item in session.scalars(
            select(SurveyResponse).where(SurveyResponse.enrollment_id.in_(ids))
        ):
            answers[item.enrollment_id].append(item)
        for enrollment_id, rating in session.execute(
            select(ModuleFeedback.enrollment_id, ModuleFeedback.rating).where(
                ModuleFeedback.enrollment_id.in_(ids)
            )
        ):
            ratings[enrollment_id] = rating
        passed = set(
            session.scalars(
                select(Submission.enrollment_id).where(
                    Submission.enrollment_id.in_(ids),
                    Submission.status == SubmissionStatus.PASSED,
                )
            )
        )
    # Random per export: drawn afresh each time, in a shuffled order.
    people: dict[int, str] = {}
    schools: dict[int | None, str] = {}
    rows: list[list[Cell]] = []
    order = list(kept)
    secrets.SystemRandom().shuffle(order)
    for enrollment in order:
        person = people.setdefault(enrollment.user_id, "p-" + secrets.token_hex(6))
        school = schools.setdefault(
            enrollment.user.school_id, f"school-{len(schools) + 1}"
        )
        base: list[Cell] = [
            person,
            school,
            enrollment.module.slug,
            enrollment.module.version,
            "completed"
            if enrollment.status is EnrollmentStatus.COMPLETED
            else "in_progress",
            _month(enrollment.started_at),
            _month(enrollment.completed_at),
            "yes" if enrollment.id in passed else "no",
            ratings.get(enrollment.id),
        ]
        responses = sorted(
            answers[enrollment.id], key=lambda r: list(SurveyPhase).index(r.phase)
        )
        if not responses:
            rows.append([*base, "", "", None])
        for response in responses:
            for item_id, value in sorted(response.answers.items()):
                rows.append([*base, response.phase.value, item_id, int(value)])
    return Export(HEADER, rows, len(people), left_out)
