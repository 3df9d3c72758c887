"""The impact demo: the demo district's teachers' survey answers, a rating with a
comment, a lesson report and two goals, all through pdhub.impact.service.
Idempotent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pdhub.accounts.models import Role, User
from pdhub.db import DbSession
from pdhub.districts.assignments import district_today
from pdhub.districts.models import District
from pdhub.impact import service
from pdhub.impact.models import GoalKind, ImpactGoal, SurveyPhase
from pdhub.learning.models import Enrollment, EnrollmentStatus

#: The demo teacher answers the pre-survey of her completed module as she starts it
#: (pdhub.demo.seed_credentials_demo calls answer_pre) and the post-survey here.
PRE = (2, 2, 1)
POST = (4, 4, 3)


def _answers(
    enrollment: Enrollment, phase: SurveyPhase, values: tuple[int, ...]
) -> dict[str, int]:
    items = service.survey_items(enrollment.module, phase)
    return {item_id: values[i % len(values)] for i, (item_id, _t) in enumerate(items)}


def answer_pre(session: DbSession, teacher: User, enrollment: Enrollment) -> None:
    """The pre-survey, answered when the teacher starts the module."""
    if SurveyPhase.PRE in service.open_phases(session, enrollment):
        service.save_survey(
            session,
            teacher,
            enrollment,
            SurveyPhase.PRE,
            _answers(enrollment, SurveyPhase.PRE, PRE),
        )


def seed(session: DbSession, district: District) -> None:
    enrollments = session.scalars(
        select(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .where(User.district_id == district.id, User.role == Role.TEACHER)
        .order_by(Enrollment.id)
    ).all()
    for enrollment in enrollments:
        teacher = enrollment.user
        if (
            enrollment.status is EnrollmentStatus.COMPLETED
            and SurveyPhase.POST in service.open_phases(session, enrollment)
            and service.response(session, enrollment, SurveyPhase.POST) is None
        ):
            service.save_survey(
                session,
                teacher,
                enrollment,
                SurveyPhase.POST,
                _answers(enrollment, SurveyPhase.POST, POST),
            )
            service.save_feedback(
                session,
                teacher,
                enrollment,
                4,
                "The source-checking routine worked with my sixth graders; "
                "lesson 2 needs a newer example.",
            )
            if enrollment.module.lessons:
                service.report_lesson(
                    session,
                    teacher,
                    enrollment,
                    enrollment.module.lessons[1 % len(enrollment.module.lessons)],
                    "The example site in this lesson no longer exists.",
                )
    admin = session.scalar(
        select(User)
        .where(User.district_id == district.id, User.role == Role.DISTRICT_ADMIN)
        .order_by(User.id)
        .limit(1)
    )
    has_goals = session.scalar(
        select(ImpactGoal.id).where(ImpactGoal.district_id == district.id).limit(1)
    )
    if admin is None or has_goals is not None:
        return
    today = district_today(district)
    june = date(today.year, 6, 30)
    if june <= today:  # the due date of a new goal is after today
        june = date(today.year + 1, 6, 30)
    service.create_goal(
        session,
        admin,
        district,
        kind=GoalKind.BADGE_SHARE,
        module_slug="digital-citizenship",
        target_percent=60,
        due_date=june,
    )
    service.create_goal(
        session,
        admin,
        district,
        kind=GoalKind.EQUITY_PLAN,
        divide="design",
        due_date=june,
    )
