"""The impact demo: the demo district's teachers' survey answers, a rating with a
comment, a lesson report and two goals, all through pdhub.impact.service; and a
cohort of teachers who took the digital-equity module last term, so the district's
impact page has groups large enough to show (``research.MIN_GROUP``) beside the
small ones it hides. Idempotent."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy import select

from pdhub.accounts import passwords
from pdhub.accounts.models import Role, User
from pdhub.db import DbSession, utcnow
from pdhub.districts.assignments import district_today
from pdhub.districts.models import District, School
from pdhub.impact import service
from pdhub.impact.models import (
    FollowUpInvitation,
    GoalKind,
    ImpactGoal,
    LessonReport,
    ModuleFeedback,
    SurveyPhase,
    SurveyResponse,
)
from pdhub.learning.models import (
    Enrollment,
    EnrollmentStatus,
    LessonProgress,
    Module,
)

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
    seed_cohort(session, district)
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


# --- last term's cohort ---------------------------------------------------------

#: The module the cohort completed (its survey has pre/post and follow-up items).
COHORT_MODULE = "digital-equity-classroom"
#: Teachers of the demo district who took the module last term: ten at Riverside
#: Elementary and two at Lakeview Middle, so the impact page shows the module and
#: the elementary school and hides Lakeview's two (with Leo, three) as too few.
COHORT = (
    ("Ana Lopez", 0),
    ("Ben Carter", 0),
    ("Chloe Nguyen", 0),
    ("David Kim", 0),
    ("Elena Petrova", 0),
    ("Farah Haddad", 0),
    ("Grace Mensah", 0),
    ("Hiro Tanaka", 0),
    ("Isabel Costa", 0),
    ("Jonas Berg", 0),
    ("Kofi Boateng", 1),
    ("Lena Fischer", 1),
)
#: How many of them answered the follow-up survey ("still using"): enough to show.
FOLLOW_UP_ANSWERS = 11
#: How many reported the same out-of-date lesson: a district sees that report once
#: ten people made it.
LESSON_REPORTS = 10


def cohort_email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@riverside.example.org"


def seed_cohort(session: DbSession, district: District) -> None:
    """Twelve teachers who completed the digital-equity module 40 days ago: their
    pre, post and follow-up answers, ratings with comments and lesson reports, added
    in bulk (once). Their completions stand for last term's work: the demo records
    no evidence or badge for them (the demo's credentials stay Maya's and Leo's),
    and nobody signs in as them (their password is random and never shown)."""
    emails = [cohort_email(name) for name, _school in COHORT]
    if session.scalar(select(User.id).where(User.email.in_(emails)).limit(1)):
        return
    module = session.scalar(
        select(Module).where(Module.slug == COHORT_MODULE, Module.is_current.is_(True))
    )
    schools = list(
        session.scalars(
            select(School).where(School.district_id == district.id).order_by(School.id)
        )
    )
    if module is None or not module.lessons or not schools:
        return
    now = utcnow()
    started, completed = now - timedelta(days=75), now - timedelta(days=40)
    locked = passwords.hash_password(secrets.token_urlsafe(24))
    teachers = [
        User(
            email=email,
            name=name,
            password_hash=locked,
            role=Role.TEACHER,
            district_id=district.id,
            school_id=schools[min(school, len(schools) - 1)].id,
            email_verified_at=started,
            created_at=started,
        )
        for (name, school), email in zip(COHORT, emails, strict=True)
    ]
    session.add_all(teachers)
    session.flush()
    enrollments = [
        Enrollment(
            user_id=teacher.id,
            module_id=module.id,
            status=EnrollmentStatus.COMPLETED,
            current_lesson_id=module.lessons[-1].id,
            started_at=started,
            last_activity_at=completed,
            completed_at=completed,
        )
        for teacher in teachers
    ]
    session.add_all(enrollments)
    session.flush()
    pre_items = [i for i, _t in service.survey_items(module, SurveyPhase.PRE)]
    follow_items = [i for i, _t in service.survey_items(module, SurveyPhase.FOLLOW_UP)]
    rows: list[object] = []
    for n, enrollment in enumerate(enrollments):
        rows += [
            LessonProgress(
                enrollment_id=enrollment.id, lesson_id=lesson.id, completed_at=completed
            )
            for lesson in module.lessons
        ]
        # Before: mostly "disagree"; after: mostly "agree", a few unchanged.
        pre = {item: 1 + (n + k) % 3 for k, item in enumerate(pre_items)}
        post = {
            item: min(5, pre[item] + 1 + (n + k) % 3)
            for k, item in enumerate(pre_items)
        }
        rows += [
            SurveyResponse(
                enrollment_id=enrollment.id,
                phase=SurveyPhase.PRE,
                answers=pre,
                submitted_at=started,
            ),
            SurveyResponse(
                enrollment_id=enrollment.id,
                phase=SurveyPhase.POST,
                answers=post,
                submitted_at=completed,
            ),
            ModuleFeedback(
                enrollment_id=enrollment.id,
                module_id=module.id,
                rating=(5, 4, 4, 3)[n % 4],
                comment=_COMMENTS[n % len(_COMMENTS)],
                created_at=completed,
                updated_at=completed,
            ),
            FollowUpInvitation(
                enrollment_id=enrollment.id, sent_at=completed + timedelta(days=31)
            ),
        ]
        if n < FOLLOW_UP_ANSWERS and follow_items:
            rows.append(
                SurveyResponse(
                    enrollment_id=enrollment.id,
                    phase=SurveyPhase.FOLLOW_UP,
                    answers=dict.fromkeys(follow_items, (5, 4, 4, 3)[n % 4]),
                    submitted_at=completed + timedelta(days=33),
                )
            )
        if n < LESSON_REPORTS:
            rows.append(
                LessonReport(
                    enrollment_id=enrollment.id,
                    lesson_id=module.lessons[0].id,
                    text=_REPORTS[n % len(_REPORTS)],
                    created_at=completed,
                )
            )
    session.add_all(rows)
    session.flush()


_COMMENTS = (
    "The access inventory changed how I plan homework.",
    "Useful, and short enough to finish in a week of planning periods.",
    "I wanted more examples for secondary maths.",
    "",
    "Rotating roles at the laptop cart worked from the first lesson.",
    "The redesign cycle was the most practical part.",
    "",
    "More time for the inventory conversation with families, please.",
    "My grade team now plans units starting from what students have at home.",
    "Good, but the first lesson repeats what we did in our induction.",
    "",
    "I would like a version of the access survey for younger children.",
)
#: What the cohort reported about the first lesson ("out of date or wrong").
_REPORTS = (
    "The broadband figures in this lesson are from 2019.",
    "The national broadband statistics need updating.",
    "The home-internet numbers look several years old.",
)
