"""Impact and continuous improvement: the rules. Teachers rate a completed module and
report a lesson that is out of date; they answer a module's survey when they start
(pre), when they complete (post) and once 30 to 60 days later (follow-up); districts
see the change, set goals and take a de-identified research export (research.py).

Services flush and never commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pdhub.accounts.models import Role, User
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.credentials.models import Award
from pdhub.db import DbSession, utcnow
from pdhub.districts.assignments import Scope, district_today
from pdhub.districts.models import District, School
from pdhub.errors import InvalidInput, NotFound, PermissionDenied
from pdhub.exports import Cell
from pdhub.impact import research
from pdhub.impact.models import (
    FollowUpInvitation,
    GoalKind,
    ImpactGoal,
    LessonReport,
    ModuleFeedback,
    SurveyPhase,
    SurveyResponse,
)
from pdhub.learning.models import Enrollment, EnrollmentStatus, Lesson, Module
from pdhub.notifications import service as notifications
from pdhub.submissions.models import Submission
from pdhub.submissions.states import SubmissionStatus

#: The agreement scale of every survey item, 1 to 5.
SCALE = (1, 2, 3, 4, 5)
#: The follow-up survey is sent this many days after completion, and not after the
#: last day (someone who completed long ago is not asked).
FOLLOW_UP_AFTER = timedelta(days=30)
FOLLOW_UP_UNTIL = timedelta(days=60)
#: The equity scale's "developing": an equity-plan goal wants a plan for every area
#: rated below it.
DEVELOPING = 2
#: The longest comment or lesson report.
MAX_TEXT = 2000


def scale_labels() -> dict[int, str]:
    return {
        1: _("Strongly disagree"),
        2: _("Disagree"),
        3: _("Neither agree nor disagree"),
        4: _("Agree"),
        5: _("Strongly agree"),
    }


# --- the module's survey ---------------------------------------------------------


def _part(phase: SurveyPhase) -> str:
    return "follow_up" if phase is SurveyPhase.FOLLOW_UP else "items"


def survey_items(
    module: Module, phase: SurveyPhase, language: str = "en"
) -> list[tuple[str, str]]:
    """The (id, text) of the items asked in ``phase``, in ``language`` where the
    module is translated, else in English."""
    part = _part(phase)
    texts: Mapping[str, str] = (
        (module.translations or {}).get(language, {}).get("survey", {}).get(part, {})
    )
    return [
        (item["id"], texts.get(item["id"], item["text"]))
        for item in (module.survey or {}).get(part, [])
    ]


def response(
    session: DbSession, enrollment: Enrollment, phase: SurveyPhase
) -> SurveyResponse | None:
    found: SurveyResponse | None = session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.enrollment_id == enrollment.id,
            SurveyResponse.phase == phase,
        )
    )
    return found


def follow_up_sent(session: DbSession, enrollment: Enrollment) -> bool:
    return (
        session.scalar(
            select(FollowUpInvitation.id).where(
                FollowUpInvitation.enrollment_id == enrollment.id
            )
        )
        is not None
    )


def open_phases(session: DbSession, enrollment: Enrollment) -> list[SurveyPhase]:
    """The phases the teacher may answer now: pre while the module is in progress,
    post once it is complete, follow-up once it was sent; none the module has no
    items for."""
    if not survey_items(enrollment.module, SurveyPhase.PRE):
        return []
    if enrollment.status is EnrollmentStatus.IN_PROGRESS:
        return [SurveyPhase.PRE]
    if enrollment.status is not EnrollmentStatus.COMPLETED:
        return []
    phases = [SurveyPhase.POST]
    if survey_items(enrollment.module, SurveyPhase.FOLLOW_UP) and follow_up_sent(
        session, enrollment
    ):
        phases.append(SurveyPhase.FOLLOW_UP)
    return phases


def survey_to_offer(session: DbSession, enrollment: Enrollment) -> SurveyPhase | None:
    """The survey the teacher has not answered yet and may answer now."""
    for phase in open_phases(session, enrollment):
        if response(session, enrollment, phase) is None:
            return phase
    return None


def _own(user: User, enrollment: Enrollment) -> None:
    if enrollment.user_id != user.id:
        raise NotFound(_("That enrollment was not found."))


def save_survey(
    session: DbSession,
    user: User,
    enrollment: Enrollment,
    phase: SurveyPhase,
    answers: Mapping[str, Any],
) -> SurveyResponse:
    """Save (or change) the teacher's answers: every item of the phase, 1 to 5."""
    _own(user, enrollment)
    if phase not in open_phases(session, enrollment):
        raise InvalidInput(_("This survey is not open for this module now."))
    clean: dict[str, int] = {}
    for item_id, _text in survey_items(enrollment.module, phase):
        value = answers.get(item_id)
        try:
            number = int(str(value))
        except ValueError:
            number = 0
        if number not in SCALE:
            raise InvalidInput(_("Choose an answer for every statement."))
        clean[item_id] = number
    found = response(session, enrollment, phase)
    if found is None:
        found = SurveyResponse(enrollment_id=enrollment.id, phase=phase, answers=clean)
        session.add(found)
    else:
        found.answers = clean
        found.submitted_at = utcnow()
    session.flush()
    return found


# --- feedback ---------------------------------------------------------------------


def feedback_of(session: DbSession, enrollment: Enrollment) -> ModuleFeedback | None:
    found: ModuleFeedback | None = session.scalar(
        select(ModuleFeedback).where(ModuleFeedback.enrollment_id == enrollment.id)
    )
    return found


def save_feedback(
    session: DbSession, user: User, enrollment: Enrollment, rating: int, comment: str
) -> ModuleFeedback:
    """The teacher's rating of a module they completed (given again, it changes)."""
    _own(user, enrollment)
    if enrollment.status is not EnrollmentStatus.COMPLETED:
        raise InvalidInput(_("You can rate a module once you have completed it."))
    if rating not in SCALE:
        raise InvalidInput(_("Choose a rating from 1 to 5."))
    comment = comment.strip()[:MAX_TEXT]
    found = feedback_of(session, enrollment)
    if found is None:
        found = ModuleFeedback(
            enrollment_id=enrollment.id,
            module_id=enrollment.module_id,
            rating=rating,
            comment=comment,
        )
        session.add(found)
    else:
        found.rating, found.comment = rating, comment
    session.flush()
    return found


def report_lesson(
    session: DbSession, user: User, enrollment: Enrollment, lesson: Lesson, text: str
) -> LessonReport:
    """ "Something here is out of date or wrong" on one lesson of the teacher's
    module."""
    _own(user, enrollment)
    if lesson.module_id != enrollment.module_id:
        raise NotFound(_("That lesson was not found."))
    text = text.strip()
    if not text:
        raise InvalidInput(_("Say what is out of date or wrong."))
    report = LessonReport(
        enrollment_id=enrollment.id, lesson_id=lesson.id, text=text[:MAX_TEXT]
    )
    session.add(report)
    session.flush()
    return report


def can_see_feedback(user: User) -> bool:
    """Module authors (platform administrators), coaches and district
    administrators (their district's teachers' feedback only)."""
    return user.is_authenticated and user.role in {
        Role.ADMIN,
        Role.COACH,
        Role.DISTRICT_ADMIN,
    }


@dataclass
class LessonFeedback:
    lesson: Lesson
    reports: list[LessonReport] = field(default_factory=list)
    #: Reported by too few people to show (a district's view).
    hidden: bool = False


@dataclass
class FeedbackPage:
    module: Module
    count: int
    average: float | None
    by_rating: dict[int, int]
    comments: list[ModuleFeedback]
    lessons: list[LessonFeedback]
    #: Rated by too few people to show (a district's view).
    hidden: bool = False


def _viewer_district(viewer: User) -> int | None:
    """The district a viewer's view is limited to; None for every district."""
    if viewer.role is Role.DISTRICT_ADMIN:
        return viewer.district_id or -1
    return None


def module_feedback(session: DbSession, viewer: User, slug: str) -> FeedbackPage:
    """Ratings, comments and lesson reports of every version of the module ``slug``,
    limited to the viewer's district for a district administrator."""
    if not can_see_feedback(viewer):
        raise PermissionDenied(
            _("Only module authors, coaches and districts see this.")
        )
    current: Module | None = session.scalar(
        select(Module).where(Module.slug == slug, Module.is_current.is_(True))
    )
    if current is None:
        raise NotFound(_("There is no module at this address."))
    versions = select(Module.id).where(Module.slug == slug)
    district_id = _viewer_district(viewer)
    feedback_q = (
        select(ModuleFeedback)
        .join(Enrollment, Enrollment.id == ModuleFeedback.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .where(ModuleFeedback.module_id.in_(versions))
        .order_by(ModuleFeedback.updated_at.desc())
    )
    reports_q = (
        select(LessonReport)
        .join(Enrollment, Enrollment.id == LessonReport.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.module_id.in_(versions))
        .order_by(LessonReport.created_at.desc())
    )
    if district_id is not None:
        feedback_q = feedback_q.where(User.district_id == district_id)
        reports_q = reports_q.where(User.district_id == district_id)
    feedback = list(session.scalars(feedback_q))
    by_rating = dict.fromkeys(SCALE, 0)
    for item in feedback:
        by_rating[item.rating] += 1
    lessons = {lesson.slug: LessonFeedback(lesson) for lesson in current.lessons}
    for report in session.scalars(reports_q):
        entry = lessons.get(report.lesson.slug)
        if entry is None:  # a lesson an older version had
            entry = lessons[report.lesson.slug] = LessonFeedback(report.lesson)
        entry.reports.append(report)
    page = FeedbackPage(
        module=current,
        count=len(feedback),
        average=sum(f.rating for f in feedback) / len(feedback) if feedback else None,
        by_rating=by_rating,
        comments=[f for f in feedback if f.comment],
        lessons=list(lessons.values()),
    )
    if district_id is not None:
        _suppress_small_groups(page, feedback)
    return page


def _suppress_small_groups(page: FeedbackPage, feedback: list[ModuleFeedback]) -> None:
    """A district's view keeps no rating, comment or lesson report of fewer than
    ``research.MIN_GROUP`` of its teachers: with so few, each could be told apart."""
    if research.suppressed(len({f.enrollment.user_id for f in feedback})):
        page.hidden = True
        page.count, page.average, page.by_rating, page.comments = 0, None, {}, []
    for entry in page.lessons:
        if research.suppressed(len({r.enrollment.user_id for r in entry.reports})):
            entry.hidden, entry.reports = True, []


# --- the follow-up survey (beat task) -----------------------------------------------


def send_follow_ups(session: DbSession, now: datetime | None = None) -> int:
    """Invite each teacher who completed a module with follow-up items 30 to 60 days
    ago to the follow-up survey: once per completed enrollment, never again.
    Returns how many were invited."""
    now = now or utcnow()
    due = session.scalars(
        select(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .where(
            Enrollment.status == EnrollmentStatus.COMPLETED,
            Enrollment.completed_at <= now - FOLLOW_UP_AFTER,
            Enrollment.completed_at > now - FOLLOW_UP_UNTIL,
            User.active.is_(True),
            ~select(FollowUpInvitation.id)
            .where(FollowUpInvitation.enrollment_id == Enrollment.id)
            .exists(),
        )
        .order_by(Enrollment.id)
    ).all()
    messages = []
    for enrollment in due:
        if not survey_items(enrollment.module, SurveyPhase.FOLLOW_UP):
            continue
        session.add(FollowUpInvitation(enrollment_id=enrollment.id, sent_at=now))
        title = enrollment.module.title
        link = notifications.link_for(
            "impact.survey", enrollment_id=enrollment.id, phase="follow_up"
        )
        messages.append(
            notifications.Message(
                key=f"impact-follow-up-{enrollment.id}",
                to=enrollment.user,
                text=_l(
                    "Are you still using what you learned in %(module)s?", module=title
                ),
                link=link,
                subject=_l("Two questions about %(module)s", module=title),
                template="impact_follow_up",
                context={"person": enrollment.user, "title": title, "link": link},
            )
        )
    session.flush()
    if messages:
        notifications.tell(session, *messages)
    return len(messages)


# --- the district's picture ---------------------------------------------------------


def _people(scope: Scope) -> Any:
    query = select(User.id).where(
        User.district_id == scope.district_id, User.role == Role.TEACHER
    )
    if scope.school_only:
        query = query.where(User.school_id == (scope.school_id or -1))
    return query


@dataclass
class Change:
    """The mean pre and post answers of the teachers who gave both, and how many."""

    label: str
    people: int
    pre: float | None
    post: float | None

    @property
    def change(self) -> float | None:
        if self.pre is None or self.post is None:
            return None
        return round(self.post - self.pre, 2)


@dataclass
class ModuleImpact:
    slug: str
    title: str
    completed: int
    applied: int  # completed with passed evidence: the practice applied
    ratings: int
    rating: float | None
    change: Change
    follow_up: int
    still_using: float | None  # mean follow-up answer


@dataclass
class GoalProgress:
    goal: ImpactGoal
    label: str
    done: int
    total: int
    met: bool

    @property
    def percent(self) -> float:
        return round(100.0 * self.done / self.total, 1) if self.total else 0.0


@dataclass
class Impact:
    district: District
    modules: list[ModuleImpact]
    schools: list[Change]
    goals: list[GoalProgress]


def _mean(values: Iterable[float]) -> float | None:
    found = list(values)
    return round(sum(found) / len(found), 2) if found else None


def _pairs(
    session: DbSession, scope: Scope
) -> list[tuple[Enrollment, dict[str, Any], dict[str, Any]]]:
    """Each enrollment of the scope's teachers with both a pre and a post answer."""
    pre = session.scalars(
        select(SurveyResponse)
        .join(Enrollment, Enrollment.id == SurveyResponse.enrollment_id)
        .where(
            Enrollment.user_id.in_(_people(scope)),
            SurveyResponse.phase.in_([SurveyPhase.PRE, SurveyPhase.POST]),
        )
    ).all()
    by_enrollment: dict[int, dict[SurveyPhase, SurveyResponse]] = defaultdict(dict)
    for item in pre:
        by_enrollment[item.enrollment_id][item.phase] = item
    pairs = []
    for phases in by_enrollment.values():
        if SurveyPhase.PRE in phases and SurveyPhase.POST in phases:
            post = phases[SurveyPhase.POST]
            pairs.append(
                (post.enrollment, phases[SurveyPhase.PRE].answers, post.answers)
            )
    return pairs


def _score(answers: Mapping[str, Any], items: set[str]) -> float | None:
    """The mean of the answers to ``items`` (the items both surveys asked)."""
    return _mean(float(answers[i]) for i in items if i in answers)


def _change(
    label: str, pairs: list[tuple[Enrollment, dict[str, Any], dict[str, Any]]]
) -> Change:
    pre_scores, post_scores = [], []
    for _enrollment, pre, post in pairs:
        common = set(pre) & set(post)
        before, after = _score(pre, common), _score(post, common)
        if before is not None and after is not None:
            pre_scores.append(before)
            post_scores.append(after)
    return Change(label, len(pre_scores), _mean(pre_scores), _mean(post_scores))


def impact(session: DbSession, scope: Scope) -> Impact | None:
    district = session.get(District, scope.district_id)
    if district is None:
        return None
    people = _people(scope)
    pairs = _pairs(session, scope)
    modules: dict[str, Module] = {
        m.slug: m
        for m in session.scalars(select(Module).where(Module.is_current.is_(True)))
    }
    completed: dict[str, int] = defaultdict(int)
    for slug, count in session.execute(
        select(Module.slug, func.count(Enrollment.id))
        .join(Module, Module.id == Enrollment.module_id)
        .where(
            Enrollment.user_id.in_(people),
            Enrollment.status == EnrollmentStatus.COMPLETED,
        )
        .group_by(Module.slug)
    ):
        completed[slug] = count
    applied: dict[str, int] = defaultdict(int)
    for slug, count in session.execute(
        select(Module.slug, func.count(Submission.id))
        .join(Enrollment, Enrollment.id == Submission.enrollment_id)
        .join(Module, Module.id == Enrollment.module_id)
        .where(
            Enrollment.user_id.in_(people),
            Submission.status == SubmissionStatus.PASSED,
        )
        .group_by(Module.slug)
    ):
        applied[slug] = count
    ratings: dict[str, tuple[int, float]] = {}
    for slug, count, average in session.execute(
        select(
            Module.slug, func.count(ModuleFeedback.id), func.avg(ModuleFeedback.rating)
        )
        .join(Module, Module.id == ModuleFeedback.module_id)
        .join(Enrollment, Enrollment.id == ModuleFeedback.enrollment_id)
        .where(Enrollment.user_id.in_(people))
        .group_by(Module.slug)
    ):
        ratings[slug] = (count, float(average))
    follow: dict[str, list[float]] = defaultdict(list)
    for slug, answers in session.execute(
        select(Module.slug, SurveyResponse.answers)
        .join(Enrollment, Enrollment.id == SurveyResponse.enrollment_id)
        .join(Module, Module.id == Enrollment.module_id)
        .where(
            Enrollment.user_id.in_(people),
            SurveyResponse.phase == SurveyPhase.FOLLOW_UP,
        )
    ):
        score = _mean(float(v) for v in answers.values())
        if score is not None:
            follow[slug].append(score)
    pairs_by_module: dict[str, list[Any]] = defaultdict(list)
    for pair in pairs:
        pairs_by_module[pair[0].module.slug].append(pair)
    rows = []
    for slug in sorted(
        set(completed) | set(pairs_by_module) | set(ratings) | set(follow),
        key=lambda s: modules[s].title if s in modules else s,
    ):
        title = modules[slug].title if slug in modules else slug
        count, average = ratings.get(slug, (0, None))
        rows.append(
            ModuleImpact(
                slug=slug,
                title=title,
                completed=completed.get(slug, 0),
                applied=applied.get(slug, 0),
                ratings=count,
                rating=round(average, 2) if average is not None else None,
                change=_change(title, pairs_by_module.get(slug, [])),
                follow_up=len(follow.get(slug, [])),
                still_using=_mean(follow.get(slug, [])),
            )
        )
    schools = {
        s.id: s.name
        for s in session.scalars(
            select(School).where(School.district_id == district.id)
        )
    }
    pairs_by_school: dict[int | None, list[Any]] = defaultdict(list)
    for pair in pairs:
        pairs_by_school[pair[0].user.school_id].append(pair)
    school_rows = [
        _change(schools.get(school_id, "") if school_id else _("No school"), found)
        for school_id, found in pairs_by_school.items()
        if not scope.school_only or school_id == scope.school_id
    ]
    school_rows.sort(key=lambda change: change.label)
    return Impact(district, rows, school_rows, goal_progress(session, district))


#: The columns of the impact page's CSV (/district/impact.csv).
IMPACT_HEADER = (
    "breakdown",
    "name",
    "teachers_with_both_surveys",
    "before",
    "after",
    "change",
    "completed",
    "applied",
    "ratings",
    "rating",
    "follow_up_answers",
    "still_using",
)


def _shown(people: int, *figures: Cell) -> list[Cell]:
    """``figures`` about ``people`` people, or blanks where they are too few."""
    if research.suppressed(people):
        return [None] * len(figures)
    return list(figures)


def impact_table(found: Impact) -> tuple[tuple[str, ...], list[list[Cell]]]:
    """The impact page's figures as CSV rows, blank wherever the page says a
    group is too small to show (``research.suppressed``)."""
    rows: list[list[Cell]] = []
    for row in found.modules:
        change = row.change
        rows.append(
            [
                "module",
                row.title,
                *_shown(
                    change.people, change.people, change.pre, change.post, change.change
                ),
                *_shown(row.completed, row.completed),
                *_shown(row.applied, row.applied),
                *_shown(row.ratings, row.ratings, row.rating),
                *_shown(row.follow_up, row.follow_up, row.still_using),
            ]
        )
    for school in found.schools:
        rows.append(
            [
                "school",
                school.label,
                *_shown(
                    school.people, school.people, school.pre, school.post, school.change
                ),
                *([None] * 6),
            ]
        )
    return IMPACT_HEADER, rows


# --- goals ------------------------------------------------------------------------


@dataclass
class GoalDetails:
    """What a district administrator sets on a goal (the goal form's fields)."""

    kind: GoalKind
    module_slug: str = ""
    target_percent: int = 100
    divide: str = ""
    due_date: date | None = None


def _check_manager(actor: User, district_id: int) -> None:
    if actor.role is not Role.DISTRICT_ADMIN or actor.district_id != district_id:
        raise NotFound(_("That goal was not found."))


def _clean_goal(
    session: DbSession,
    district: District,
    details: GoalDetails,
    *,
    was_due: date | None = None,
) -> GoalDetails:
    """The details checked: a catalog module and a share of 1 to 100 percent for a
    badge goal, a divide of the instrument for a plan goal, and a due date after
    today in the district's calendar (an edit may keep the date it had)."""
    module_slug, divide, percent = details.module_slug, details.divide, 100
    if details.kind is GoalKind.BADGE_SHARE:
        exists = session.scalar(select(Module.id).where(Module.slug == module_slug))
        if exists is None:
            raise InvalidInput(_("Choose a module from the catalog."), field="module")
        if not 1 <= details.target_percent <= 100:
            raise InvalidInput(
                _("Enter a share from 1 to 100 percent."), field="percent"
            )
        percent, divide = details.target_percent, ""
    else:
        from pdhub.equity.instrument import current

        if divide not in {d.id for d in current().divides}:
            raise InvalidInput(_("Choose a divide."), field="divide")
        module_slug = ""
    due = details.due_date
    if due is not None and due != was_due and due <= district_today(district):
        raise InvalidInput(_("Choose a date after today."), field="due")
    return GoalDetails(details.kind, module_slug, percent, divide, due)


def _goal_audit(
    session: DbSession, actor: User, goal: ImpactGoal, action: AuditAction
) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        object_type="impact_goal",
        object_id=goal.id,
        district_id=goal.district_id,
        detail={
            "kind": goal.kind.value,
            "module": goal.module_slug,
            "percent": goal.target_percent,
            "divide": goal.divide,
            "due": goal.due_date.isoformat() if goal.due_date else None,
        },
    )


def create_goal(
    session: DbSession,
    actor: User,
    district: District,
    *,
    kind: GoalKind,
    module_slug: str = "",
    target_percent: int = 100,
    divide: str = "",
    due_date: date | None = None,
) -> ImpactGoal:
    if actor.role is not Role.DISTRICT_ADMIN or actor.district_id != district.id:
        raise PermissionDenied(_("Only the district's administrators set its goals."))
    clean = _clean_goal(
        session,
        district,
        GoalDetails(kind, module_slug, target_percent, divide, due_date),
    )
    goal = ImpactGoal(
        district_id=district.id,
        kind=clean.kind,
        module_slug=clean.module_slug,
        target_percent=clean.target_percent,
        divide=clean.divide,
        due_date=clean.due_date,
        created_by_id=actor.id,
    )
    session.add(goal)
    session.flush()
    _goal_audit(session, actor, goal, AuditAction.GOAL_ADD)
    return goal


def district_goal(session: DbSession, viewer: User, goal_id: int) -> ImpactGoal:
    """One of the viewer's district's goals; any other id is not found."""
    goal = session.get(ImpactGoal, goal_id)
    if (
        goal is None
        or viewer.district_id is None
        or goal.district_id != viewer.district_id
        or viewer.role not in {Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER}
    ):
        raise NotFound(_("That goal was not found."))
    return goal


def update_goal(
    session: DbSession, actor: User, goal: ImpactGoal, details: GoalDetails
) -> ImpactGoal:
    """Change a goal; its progress is worked out afresh from the new details."""
    _check_manager(actor, goal.district_id)
    district = session.get(District, goal.district_id)
    if district is None:
        raise NotFound(_("That goal was not found."))
    clean = _clean_goal(session, district, details, was_due=goal.due_date)
    goal.kind = clean.kind
    goal.module_slug = clean.module_slug
    goal.target_percent = clean.target_percent
    goal.divide = clean.divide
    goal.due_date = clean.due_date
    session.flush()
    _goal_audit(session, actor, goal, AuditAction.GOAL_CHANGE)
    return goal


def remove_goal(session: DbSession, actor: User, goal: ImpactGoal) -> None:
    _check_manager(actor, goal.district_id)
    _goal_audit(session, actor, goal, AuditAction.GOAL_REMOVE)
    session.delete(goal)
    session.flush()


def progress_of(session: DbSession, goal: ImpactGoal) -> GoalProgress:
    district = session.get(District, goal.district_id)
    if district is None:
        raise NotFound(_("That goal was not found."))
    return _progress(session, district, goal)


def goal_progress(session: DbSession, district: District) -> list[GoalProgress]:
    goals = session.scalars(
        select(ImpactGoal)
        .where(ImpactGoal.district_id == district.id)
        .order_by(ImpactGoal.created_at, ImpactGoal.id)
    ).all()
    return [_progress(session, district, goal) for goal in goals]


def _progress(session: DbSession, district: District, goal: ImpactGoal) -> GoalProgress:
    if goal.kind is GoalKind.BADGE_SHARE:
        staff = _people(Scope(district.id))
        total = session.scalar(select(func.count()).select_from(staff.subquery())) or 0
        holders = (
            session.scalar(
                select(func.count(func.distinct(Award.user_id)))
                .join(Module, Module.id == Award.module_id)
                .where(Module.slug == goal.module_slug, Award.user_id.in_(staff))
            )
            or 0
        )
        module = session.scalar(
            select(Module.title).where(
                Module.slug == goal.module_slug, Module.is_current.is_(True)
            )
        )
        label = _(
            "%(percent)s%% of teachers hold the badge of %(module)s",
            percent=goal.target_percent,
            module=module or goal.module_slug,
        )
        met = total > 0 and holders * 100 >= goal.target_percent * total
        return GoalProgress(goal, label, holders, total, met)
    from pdhub.equity import gaps
    from pdhub.equity import service as equity
    from pdhub.equity.instrument import current
    from pdhub.equity.models import EquityAction

    instrument = current()
    divide = instrument.divide(goal.divide)
    developing = instrument.level(DEVELOPING)
    label = _(
        "Every area below “%(level)s” on the %(divide)s divide has a plan",
        level=developing.title if developing else DEVELOPING,
        divide=divide.title.lower() if divide else goal.divide,
    )
    cycle = gaps.assessed_cycle(session, district)
    if cycle is None:
        return GoalProgress(goal, label, 0, 0, False)
    agreed = equity.consensus(session, cycle)
    below = {
        indicator.area_id
        for indicator in instrument.indicators
        if indicator.divide == goal.divide
        and indicator.id in agreed
        and agreed[indicator.id].level < DEVELOPING
    }
    planned = set(
        session.scalars(
            select(EquityAction.area_id).where(
                EquityAction.cycle_id == cycle.id, EquityAction.area_id.in_(below)
            )
        )
    )
    return GoalProgress(goal, label, len(planned), len(below), planned == below)
