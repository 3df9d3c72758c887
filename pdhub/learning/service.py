"""Learning rules: the catalog, enrollment, lesson progress, knowledge checks and the
PD-hours transcript."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import flask_babel
from flask import current_app
from sqlalchemy import Integer, String, cast, func, select
from sqlalchemy.orm import aliased, selectinload

from pdhub import jobs, tasks
from pdhub.accounts.models import Role, User
from pdhub.credentials.models import Award, IssuedCredential
from pdhub.db import DbSession, utcnow
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.i18n import DEFAULT_LANGUAGE
from pdhub.learning import completion, policies
from pdhub.learning.localized import (
    LocalizedModule,
    language_for,
    lazy_title,
    localized,
    title_in,
)
from pdhub.learning.models import (
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    Module,
    QuizAttempt,
    QuizAttemptGrant,
    QuizAttemptStatus,
)
from pdhub.learning.packages import (
    QuestionType,
    Quiz,
    parse_number,
    quiz_from_data,
    score_quiz,
)
from pdhub.learning.packages.model import MAX_ANSWER_CHARS
from pdhub.learning.texts import _l, ngettext
from pdhub.learning.texts import gettext as _
from pdhub.notifications import service as notifications
from pdhub.review.policies import scope_clause
from pdhub.submissions.models import Submission
from pdhub.submissions.states import SubmissionStatus
from pdhub.workshops.models import Workshop, WorkshopAward

PAGE_SIZE = 12
SORTS = {
    "title": _l("Title (A to Z)"),
    "hours": _l("Hours (fewest first)"),
    "newest": _l("Newest"),
}


# --- the catalog ---------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogQuery:
    q: str = ""
    topic: str = ""
    grade_band: str = ""
    standard: str = ""
    hours_min: float | None = None
    hours_max: float | None = None
    sort: str = "title"
    page: int = 1


@dataclass(frozen=True)
class CatalogFacets:
    topics: list[str]
    grade_bands: list[str]
    standards: list[tuple[str, str]]  # (code, "code: name")


@dataclass(frozen=True)
class CatalogPage:
    #: Each with its texts in the reader's language where it has them.
    modules: list[LocalizedModule]
    total: int
    page: int
    pages: int
    facets: CatalogFacets
    #: The signed-in user's enrollment per module slug.
    enrollments: dict[str, Enrollment]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _json_contains(column: Any, text: str) -> Any:
    # JSON columns are stored as text with json.dumps spacing on both PostgreSQL (json,
    # not jsonb, keeps the text) and SQLite, so a quoted LIKE is portable and exact.
    return cast(column, String).like(f"%{_like_escape(text)}%", escape="\\")


GRADE_ORDER = ["PreK", "K-2", "3-5", "6-8", "9-12", "Higher education", "Adult"]


def catalog(
    session: DbSession,
    user: User | None,
    query: CatalogQuery,
    language: str = DEFAULT_LANGUAGE,
) -> CatalogPage:
    """One page of current modules matching ``query``, with the filter choices;
    each module's texts in ``language`` where it has them, else in English.

    Runs a fixed number of SQL statements whatever the catalog's size: facets, count,
    page, and the user's enrollments.
    """
    current = select(Module).where(Module.is_current.is_(True))
    conditions: list[Any] = []
    for word in query.q.lower().split()[:10]:
        conditions.append(
            Module.search_text.like(f"%{_like_escape(word)}%", escape="\\")
        )
    if query.topic:
        conditions.append(_json_contains(Module.topics, f'"{query.topic}"'))
    if query.grade_band:
        conditions.append(_json_contains(Module.grade_bands, f'"{query.grade_band}"'))
    if query.standard:
        conditions.append(
            _json_contains(Module.standards, f'"code": "{query.standard}"')
        )
    if query.hours_min is not None:
        conditions.append(Module.hours >= query.hours_min)
    if query.hours_max is not None:
        conditions.append(Module.hours <= query.hours_max)
    filtered = current.where(*conditions)

    facet_rows = session.execute(
        select(Module.topics, Module.grade_bands, Module.standards).where(
            Module.is_current.is_(True)
        )
    ).all()
    topics: set[str] = set()
    bands: set[str] = set()
    standards: dict[str, str] = {}
    for row_topics, row_bands, row_standards in facet_rows:
        topics.update(row_topics)
        bands.update(row_bands)
        for standard in row_standards:
            standards.setdefault(
                standard["code"],
                f"{standard['code']}: {standard['name'].split(':')[0]}",
            )
    facets = CatalogFacets(
        topics=sorted(topics),
        grade_bands=sorted(
            bands, key=lambda b: (GRADE_ORDER.index(b) if b in GRADE_ORDER else 99, b)
        ),
        standards=sorted(standards.items()),
    )

    total = session.scalar(select(func.count()).select_from(filtered.subquery())) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, query.page), pages)
    order = {
        "title": (Module.title.asc(),),
        "hours": (Module.hours.asc(), Module.title.asc()),
        "newest": (Module.imported_at.desc(), Module.id.desc()),
    }.get(query.sort, (Module.title.asc(),))
    modules = list(
        session.scalars(
            filtered.order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        )
    )
    return CatalogPage(
        [LocalizedModule(module, language) for module in modules],
        total,
        page,
        pages,
        facets,
        enrollments_by_slug(session, user),
    )


def enrollments_by_slug(session: DbSession, user: User | None) -> dict[str, Enrollment]:
    """The user's enrollments keyed by module slug (one query)."""
    if user is None or not user.is_authenticated:
        return {}
    rows = session.execute(
        select(Module.slug, Enrollment)
        .join(Enrollment.module)
        .where(Enrollment.user_id == user.id)
    ).all()
    return {slug: enrollment for slug, enrollment in rows}  # noqa: C416 - Row pairs


def current_module(session: DbSession, slug: str) -> Module:
    """The current version of ``slug`` with its lessons; NotFound otherwise."""
    module = session.scalar(
        select(Module)
        .where(Module.slug == slug, Module.is_current.is_(True))
        .options(selectinload(Module.lessons))
    )
    if module is None:
        raise NotFound(_("There is no module at this address."))
    return module


def module_version(session: DbSession, slug: str, version: int | None) -> Module:
    """A given version of ``slug`` (the current one when ``version`` is None)."""
    if version is None:
        return current_module(session, slug)
    module = session.scalar(
        select(Module).where(Module.slug == slug, Module.version == version)
    )
    if module is None:
        raise NotFound(_("There is no module at this address."))
    return module


# --- enrollment and lessons ---------------------------------------------------------


def enrollment_for(session: DbSession, user: User, slug: str) -> Enrollment | None:
    """The user's enrollment in any version of ``slug``, if they have one."""
    return session.scalar(
        select(Enrollment)
        .join(Enrollment.module)
        .where(Enrollment.user_id == user.id, Module.slug == slug)
        .order_by(Enrollment.started_at.desc())
        .limit(1)
    )


def enroll(
    session: DbSession, actor: User, module: Module, language: str = DEFAULT_LANGUAGE
) -> Enrollment:
    """Enroll ``actor`` in ``module``, taking it in ``language`` when the module has
    it (else English: the credential is issued in that language); an existing
    enrollment in any version of it is returned as it is (the teacher keeps the
    version and the language they started with)."""
    existing = enrollment_for(session, actor, module.slug)
    if existing is not None:
        return existing
    if not actor.email_verified:
        # Badges are bound to the address: it must be the teacher's own.
        raise PermissionDenied(_("Confirm your email address before you enroll."))
    if not module.is_current:
        raise Conflict(_("This version of the module is no longer offered."))
    enrollment = Enrollment(
        user_id=actor.id,
        module_id=module.id,
        language=language_for(module, language),
        current_lesson_id=module.lessons[0].id if module.lessons else None,
    )
    session.add(enrollment)
    session.flush()
    return enrollment


def get_enrollment(session: DbSession, actor: User, enrollment_id: int) -> Enrollment:
    """The enrollment, only for the teacher who owns it (NotFound for anyone else)."""
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.user_id != actor.id:
        raise NotFound(_("There is no enrollment at this address."))
    return enrollment


def find_lesson(enrollment: Enrollment, slug: str) -> Lesson:
    for lesson in enrollment.module.lessons:
        if lesson.slug == slug:
            return lesson
    raise NotFound(_("This module has no lesson at this address."))


def open_lesson(
    session: DbSession, actor: User, enrollment: Enrollment, lesson: Lesson
) -> None:
    """Remember ``lesson`` as where the teacher resumes."""
    if enrollment.user_id != actor.id:
        raise PermissionDenied(_("Only the enrolled teacher can do this."))
    if enrollment.current_lesson_id != lesson.id:
        enrollment.current_lesson_id = lesson.id
    enrollment.last_activity_at = utcnow()
    session.flush()


def complete_lesson(
    session: DbSession, actor: User, enrollment: Enrollment, lesson: Lesson
) -> Lesson | None:
    """Mark ``lesson`` done (once) and move the resume point on; returns the next
    lesson, or None after the last one."""
    if enrollment.user_id != actor.id:
        raise PermissionDenied(_("Only the enrolled teacher can do this."))
    if lesson.module_id != enrollment.module_id:
        raise NotFound(_("This module has no such lesson."))
    done = session.scalar(
        select(LessonProgress.id).where(
            LessonProgress.enrollment_id == enrollment.id,
            LessonProgress.lesson_id == lesson.id,
        )
    )
    if done is None:
        session.add(LessonProgress(enrollment_id=enrollment.id, lesson_id=lesson.id))
    lessons = enrollment.module.lessons
    index = lessons.index(lesson)
    following = lessons[index + 1] if index + 1 < len(lessons) else None
    enrollment.current_lesson_id = (following or lesson).id
    enrollment.last_activity_at = utcnow()
    session.flush()
    return following


# --- progress -----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    #: The lesson's title; for the knowledge check and the evidence, the step's name
    #: in English (``label`` gives it in the reader's language).
    title: str
    url_kind: str  # "lesson", "quiz" or "evidence"
    lesson_slug: str | None
    done: bool

    @property
    def label(self) -> str:
        return self.title if self.url_kind == "lesson" else _(self.title)


@dataclass(frozen=True)
class Progress:
    steps: list[Step]
    lessons_done: int
    lessons_total: int
    quiz_passed: bool
    evidence_status: SubmissionStatus | None

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def next_step(self) -> Step | None:
        return next((step for step in self.steps if not step.done), None)


def progress_for(
    session: DbSession, enrollments: Sequence[Enrollment]
) -> dict[int, Progress]:
    """Progress for several enrollments in a fixed number of queries."""
    ids = [enrollment.id for enrollment in enrollments]
    if not ids:
        return {}
    module_ids = {enrollment.module_id for enrollment in enrollments}
    lessons: dict[int, list[Lesson]] = {}
    for lesson in session.scalars(
        select(Lesson).where(Lesson.module_id.in_(module_ids)).order_by(Lesson.position)
    ):
        lessons.setdefault(lesson.module_id, []).append(lesson)
    done = {
        (row.enrollment_id, row.lesson_id)
        for row in session.execute(
            select(LessonProgress.enrollment_id, LessonProgress.lesson_id).where(
                LessonProgress.enrollment_id.in_(ids)
            )
        )
    }
    passed = set(
        session.scalars(
            select(QuizAttempt.enrollment_id).where(
                QuizAttempt.enrollment_id.in_(ids), QuizAttempt.passed.is_(True)
            )
        )
    )
    statuses: dict[int, SubmissionStatus] = {  # noqa: C416 - Row pairs, not tuples
        enrollment_id: status
        for enrollment_id, status in session.execute(
            select(Submission.enrollment_id, Submission.status).where(
                Submission.enrollment_id.in_(ids)
            )
        )
    }
    result = {}
    for enrollment in enrollments:
        module_lessons = lessons.get(enrollment.module_id, [])
        status = statuses.get(enrollment.id)
        evidence_done = status is not None and status is not SubmissionStatus.DRAFT
        # Lesson titles in the reader's language (the module is already loaded: a
        # many-to-one by primary key is read from the session, not the database).
        in_language = localized(enrollment.module)
        steps = [
            Step(
                in_language.localize_lesson(lesson).title,
                "lesson",
                lesson.slug,
                (enrollment.id, lesson.id) in done,
            )
            for lesson in module_lessons
        ]
        steps.append(Step(_l("Knowledge check"), "quiz", None, enrollment.id in passed))
        steps.append(
            Step(_l("Evidence from your classroom"), "evidence", None, evidence_done)
        )
        result[enrollment.id] = Progress(
            steps=steps,
            lessons_done=sum(step.done for step in steps[:-2]),
            lessons_total=len(module_lessons),
            quiz_passed=enrollment.id in passed,
            evidence_status=status,
        )
    return result


def progress(session: DbSession, enrollment: Enrollment) -> Progress:
    return progress_for(session, [enrollment])[enrollment.id]


# --- knowledge checks ---------------------------------------------------------------


def module_quiz(module: Module) -> Quiz:
    return quiz_from_data(module.quiz)


def attempts(session: DbSession, enrollment: Enrollment) -> list[QuizAttempt]:
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.enrollment_id == enrollment.id)
            .order_by(QuizAttempt.number)
        )
    )


def current_attempts(session: DbSession, enrollment: Enrollment) -> list[QuizAttempt]:
    """The attempts that count now: all of them, or, while the teacher renews a
    badge, those made since the renewal began."""
    from pdhub.credentials import renewal

    window = renewal.open_for(session, enrollment)
    found = attempts(session, enrollment)
    if window is None:
        return found
    return [a for a in found if a.submitted_at >= window.started_at]


def granted_attempts(session: DbSession, enrollment: Enrollment) -> int:
    """Attempts given beyond the module's own by a coach or administrator."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(QuizAttemptGrant.attempts), 0)).where(
                QuizAttemptGrant.enrollment_id == enrollment.id
            )
        )
        or 0
    )


def allowed_attempts(session: DbSession, enrollment: Enrollment) -> int:
    return module_quiz(enrollment.module).max_attempts + granted_attempts(
        session, enrollment
    )


def attempts_left(session: DbSession, enrollment: Enrollment) -> int:
    return max(
        0,
        allowed_attempts(session, enrollment) - len(attempts(session, enrollment)),
    )


def draw_paper(quiz: Quiz, enrollment_id: int, number: int) -> Quiz:
    """The questions attempt ``number`` asks, and their choices, in a shuffled order
    drawn from the app's secret, the enrollment and the number: the same paper every
    time that attempt's page is shown, a different one for the next attempt, and only
    ``questions_per_attempt`` of the module's questions when it asks fewer."""
    seed = hmac.new(
        current_app.secret_key.encode()
        if isinstance(current_app.secret_key, str)
        else bytes(current_app.secret_key or b""),
        f"quiz-paper:{enrollment_id}:{number}".encode(),
        hashlib.sha256,
    ).digest()
    rng = random.Random(seed)  # noqa: S311 (an order for a page, not a secret)
    questions = list(quiz.questions)
    rng.shuffle(questions)
    asked = [
        dataclasses.replace(q, choices=tuple(rng.sample(q.choices, len(q.choices))))
        for q in questions[: quiz.asked_per_attempt]
    ]
    return dataclasses.replace(quiz, questions=tuple(asked), questions_per_attempt=None)


def paper_record(paper: Quiz) -> dict[str, Any]:
    """How an attempt's paper is stored (QuizAttempt.paper)."""
    return {
        "questions": [q.id for q in paper.questions],
        "choices": {q.id: [c.id for c in q.choices] for q in paper.questions},
    }


def attempt_quiz(attempt: QuizAttempt) -> Quiz:
    """The questions ``attempt`` was given, in the order it showed them."""
    quiz = module_quiz(attempt.enrollment.module)
    if not attempt.paper:
        return quiz
    paper = quiz.only(attempt.paper["questions"])
    orders = attempt.paper.get("choices", {})
    return dataclasses.replace(
        paper,
        questions=tuple(
            dataclasses.replace(
                q,
                choices=tuple(
                    {c.id: c for c in q.choices}[cid]
                    for cid in orders.get(q.id, [c.id for c in q.choices])
                ),
            )
            for q in paper.questions
        ),
    )


def next_paper(session: DbSession, enrollment: Enrollment) -> Quiz:
    """The paper the teacher's next attempt asks."""
    number = len(attempts(session, enrollment)) + 1
    return draw_paper(module_quiz(enrollment.module), enrollment.id, number)


class AnswerProblems(InvalidInput):
    """Some answers were not acceptable; ``problems`` maps question id (or "" for the
    form) to a message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(_("Some answers need fixing."))
        self.problems = problems


def clean_answers(quiz: Quiz, form: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Turn posted fields ``q-<id>`` into answers; AnswerProblems with a message per
    question for an unknown question or choice, a missing or malformed answer."""
    problems: dict[str, str] = {}
    by_id = {question.id: question for question in quiz.questions}
    for key in form:
        if key.startswith("q-") and key[2:] not in by_id:
            problems[""] = _(
                "The form had an answer to a question that isn't in this "
                "knowledge check. Please reload the page and try again."
            )
    answers: dict[str, Any] = {}
    for question in quiz.questions:
        values = [value for value in form.get(f"q-{question.id}", []) if value.strip()]
        if any(len(value) > MAX_ANSWER_CHARS for value in values):
            problems[question.id] = _("This answer is too long.")
            continue
        if not values:
            problems[question.id] = (
                _("Choose an answer.") if question.choices else _("Type an answer.")
            )
            continue
        if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            known = {choice.id for choice in question.choices}
            if not set(values) <= known:
                problems[question.id] = _(
                    "That choice isn't one of the options. Please choose again."
                )
                continue
            if question.type is QuestionType.SINGLE and len(values) > 1:
                problems[question.id] = _("Choose only one answer.")
                continue
            answers[question.id] = (
                values if question.type is QuestionType.MULTIPLE else values[0]
            )
        else:
            if len(values) > 1:
                problems[question.id] = _("Give one answer.")
                continue
            if (
                question.type is QuestionType.NUMERIC
                and parse_number(values[0]) is None
            ):
                problems[question.id] = _("Enter a number, like 25 or 2.5.")
                continue
            answers[question.id] = values[0]
    if problems:
        raise AnswerProblems(problems)
    return answers


def submit_quiz(
    session: DbSession,
    actor: User,
    enrollment: Enrollment,
    form: Mapping[str, Sequence[str]],
) -> QuizAttempt:
    """Save a knowledge-check attempt as SUBMITTED; the grading job that scores it is
    sent after the caller's commit.

    Raises AnswerProblems for bad answers and Conflict when no attempts are left or
    the check was already passed.
    """
    if enrollment.user_id != actor.id:
        raise PermissionDenied(_("Only the enrolled teacher can do this."))
    quiz = module_quiz(enrollment.module)
    every = attempts(session, enrollment)
    previous = current_attempts(session, enrollment)
    if any(attempt.passed for attempt in previous):
        raise Conflict(_("You have already passed this knowledge check."))
    if any(attempt.status is QuizAttemptStatus.SUBMITTED for attempt in previous):
        raise Conflict(
            _("Your last attempt is still being scored. Please wait a moment.")
        )
    allowed = allowed_attempts(session, enrollment)
    if len(previous) >= allowed:
        raise Conflict(
            ngettext(
                "You have used your %(num)d attempt at this knowledge check.",
                "You have used all %(num)d attempts at this knowledge check.",
                allowed,
            )
        )
    number = len(every) + 1
    paper = draw_paper(quiz, enrollment.id, number)
    answers = clean_answers(paper, form)
    attempt = QuizAttempt(
        enrollment_id=enrollment.id,
        number=number,
        answers=answers,
        status=QuizAttemptStatus.SUBMITTED,
        paper=paper_record(paper),
    )
    session.add(attempt)
    enrollment.last_activity_at = utcnow()
    session.flush()
    jobs.enqueue(tasks.GRADE_QUIZ_ATTEMPT, attempt.id)
    return attempt


def grade_quiz_attempt(session: DbSession, attempt_id: int) -> QuizAttempt | None:
    """Score a submitted attempt, store per-question results, mark it GRADED and, when
    it passed, complete the enrollment if the evidence has passed too (completion).
    Safe to run twice: a graded attempt is left alone."""
    attempt = session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.status is QuizAttemptStatus.GRADED:
        return attempt
    score = score_quiz(attempt_quiz(attempt), attempt.answers)
    attempt.results = [dataclasses.asdict(result) for result in score.results]
    attempt.score_percent = math.floor(score.percent)
    attempt.passed = score.passed
    attempt.status = QuizAttemptStatus.GRADED
    attempt.graded_at = utcnow()
    session.flush()
    if attempt.passed:
        from pdhub.credentials import renewal

        completion.complete_if_done(session, attempt.enrollment)
        renewal.finish_if_renewing(session, attempt)
    return attempt


def ungraded_attempt_ids(session: DbSession, older_than: datetime) -> list[int]:
    """Attempts saved before ``older_than`` and never scored (for the outbox sweep)."""
    return list(
        session.scalars(
            select(QuizAttempt.id).where(
                QuizAttempt.status == QuizAttemptStatus.SUBMITTED,
                QuizAttempt.submitted_at < older_than,
            )
        )
    )


# --- the teacher's own learning -----------------------------------------------------


@dataclass(frozen=True)
class MyLearning:
    in_progress: list[Enrollment]
    completed: list[Enrollment]
    progress: dict[int, Progress]
    awards: list[Award]
    #: Each award's current credential (by award id), once issued: its status.
    credentials: dict[int, IssuedCredential] = dataclasses.field(default_factory=dict)


def my_learning(session: DbSession, user: User) -> MyLearning:
    """The teacher's enrollments with their progress, and their awards."""
    enrollments = list(
        session.scalars(
            select(Enrollment)
            .where(
                Enrollment.user_id == user.id,
                Enrollment.status != EnrollmentStatus.WITHDRAWN,
            )
            .options(selectinload(Enrollment.module))
            .order_by(Enrollment.last_activity_at.desc())
        )
    )
    awards = list(
        session.scalars(
            select(Award)
            .where(Award.user_id == user.id)
            .options(selectinload(Award.module))
            .order_by(Award.awarded_at.desc())
        )
    )
    return MyLearning(
        in_progress=[
            e for e in enrollments if e.status is EnrollmentStatus.IN_PROGRESS
        ],
        completed=[e for e in enrollments if e.status is EnrollmentStatus.COMPLETED],
        progress=progress_for(session, enrollments),
        awards=awards,
        credentials=_current_credentials(session, awards),
    )


def _current_credentials(
    session: DbSession, awards: Sequence[Award]
) -> dict[int, IssuedCredential]:
    if not awards:
        return {}
    found = session.scalars(
        select(IssuedCredential).where(
            IssuedCredential.current_award_id.in_([a.id for a in awards])
        )
    )
    return {credential.award_id: credential for credential in found}


BADGE_STANDING = {
    "Valid": _l("Valid"),
    "Revoked": _l("Revoked"),
    "Suspended": _l("Suspended"),
    "Lapsed": _l("Lapsed"),
}


@dataclass(frozen=True)
class TranscriptRow:
    module: str
    version: int
    hours: float
    completed: datetime
    #: The badge's standing: "Valid", "Revoked", "Suspended" or "Lapsed" (its
    #: validity period ended; "Valid" too while the badge is being issued).
    status: str = "Valid"

    @property
    def status_label(self) -> str:
        """The badge's standing in the reader's language."""
        return _(BADGE_STANDING.get(self.status, self.status))

    @property
    def counted(self) -> bool:
        """Whether its hours count: not while its badge is revoked or suspended (a
        lapsed badge's learning was done: its hours still count)."""
        return self.status in ("Valid", "Lapsed")


def transcript(
    session: DbSession, user: User, language: str = DEFAULT_LANGUAGE
) -> list[TranscriptRow]:
    """Completed modules with their PD hours and their badge's standing, oldest
    completion first; each module's title in ``language`` where it has one."""
    rows = session.execute(
        select(
            Module,
            Module.version,
            Module.hours,
            Enrollment.completed_at,
            IssuedCredential.revoked_at,
            IssuedCredential.suspended_at,
            IssuedCredential.valid_until,
        )
        .join(Enrollment.module)
        .outerjoin(Award, Award.enrollment_id == Enrollment.id)
        .outerjoin(IssuedCredential, IssuedCredential.current_award_id == Award.id)
        .where(
            Enrollment.user_id == user.id,
            Enrollment.status == EnrollmentStatus.COMPLETED,
            Enrollment.completed_at.is_not(None),
        )
        .order_by(Enrollment.completed_at, Module.title)
    ).all()
    now = utcnow()
    return [
        TranscriptRow(
            title_in(module, language),
            version,
            hours,
            completed,
            "Revoked"
            if revoked
            else "Suspended"
            if suspended
            else "Lapsed"
            if ends is not None and ends <= now
            else "Valid",
        )
        for module, version, hours, completed, revoked, suspended, ends in rows
        if completed is not None  # the query leaves out the others
    ]


def transcript_total(rows: Sequence[TranscriptRow]) -> float:
    """The PD hours that count: those whose badge is in good standing."""
    return sum(row.hours for row in rows if row.counted)


@dataclass(frozen=True)
class WorkshopRow:
    """A workshop badge the teacher's district awarded them: the workshop, the
    session's date, its PD hours and whether they count (not once revoked)."""

    name: str
    session_date: date
    hours: float
    revoked: bool

    @property
    def counted(self) -> bool:
        return not self.revoked

    @property
    def status(self) -> str:
        return "Revoked" if self.revoked else "Valid"

    @property
    def status_label(self) -> str:
        return _(BADGE_STANDING[self.status])


def workshop_rows(session: DbSession, user: User) -> list[WorkshopRow]:
    """The teacher's workshop badges, oldest session first, in one query."""
    return [
        WorkshopRow(name, session_date, float(hours), revoked is not None)
        for name, session_date, hours, revoked in session.execute(
            select(
                Workshop.name,
                WorkshopAward.session_date,
                Workshop.hours,
                WorkshopAward.revoked_at,
            )
            .join(Workshop, Workshop.id == WorkshopAward.workshop_id)
            .where(WorkshopAward.user_id == user.id)
            .order_by(WorkshopAward.session_date, Workshop.name, WorkshopAward.id)
        )
    ]


def workshop_total(rows: Sequence[WorkshopRow]) -> float:
    """The workshop hours that count: those not revoked."""
    return sum(row.hours for row in rows if row.counted)


# --- more attempts for a teacher who used them all -----------------------------------


@dataclass(frozen=True)
class OutOfTries:
    """A teacher who used every knowledge-check attempt without passing."""

    enrollment: Enrollment
    used: int
    last_score: int | None


def out_of_tries(session: DbSession, actor: User, limit: int = 200) -> list[OutOfTries]:
    """The enrollments in ``actor``'s scope (served teachers for a coach, the district
    for its administrator, everyone for an administrator) whose attempts are all used
    and none passed, most recent first."""
    teacher = aliased(User)
    used = func.count(QuizAttempt.id)
    statement = (
        select(Enrollment, used, func.max(QuizAttempt.number))
        .join(QuizAttempt, QuizAttempt.enrollment_id == Enrollment.id)
        .join(teacher, teacher.id == Enrollment.user_id)
        .where(Enrollment.status == EnrollmentStatus.IN_PROGRESS)
        .group_by(Enrollment.id)
        .having(func.max(cast(QuizAttempt.passed, Integer)) == 0)
        .having(func.count(QuizAttempt.graded_at) == used)
        .order_by(func.max(QuizAttempt.submitted_at).desc())
        .options(selectinload(Enrollment.module), selectinload(Enrollment.user))
    )
    if actor.role is Role.COACH:
        statement = statement.where(
            scope_clause(actor, teacher), teacher.id != actor.id
        )
    elif actor.role is Role.DISTRICT_ADMIN:
        statement = statement.where(teacher.district_id == actor.district_id)
    elif actor.role is not Role.ADMIN:
        return []
    found = []
    for enrollment, count, last in session.execute(statement):
        if count < allowed_attempts(session, enrollment):
            continue
        last_attempt = session.scalar(
            select(QuizAttempt.score_percent).where(
                QuizAttempt.enrollment_id == enrollment.id,
                QuizAttempt.number == last,
            )
        )
        found.append(OutOfTries(enrollment, count, last_attempt))
        if len(found) >= limit:
            break
    return found


def grant_attempts(
    session: DbSession, actor: User, enrollment: Enrollment, note: str, count: int = 1
) -> QuizAttemptGrant:
    """Give the teacher ``attempts`` more tries at the knowledge check, record who did
    it and why, and tell the teacher in the app and by email."""
    teacher = enrollment.user
    if not policies.can_grant_attempts(session, actor, teacher):
        raise NotFound(_("There is no such knowledge check."))
    note = " ".join(note.split())
    if len(note) > 500:
        raise InvalidInput(_("Use at most 500 characters for the note."), field="note")
    if not 1 <= count <= 5:
        raise InvalidInput(_("Give between 1 and 5 more attempts."), field="count")
    previous = attempts(session, enrollment)
    if any(attempt.passed for attempt in previous):
        raise Conflict(
            _("%(name)s has already passed this knowledge check.", name=teacher.name)
        )
    if len(previous) < allowed_attempts(session, enrollment):
        raise Conflict(_("%(name)s still has attempts left.", name=teacher.name))
    grant = QuizAttemptGrant(
        enrollment_id=enrollment.id,
        granted_by_id=actor.id,
        attempts=count,
        note=note,
    )
    session.add(grant)
    session.flush()
    module = enrollment.module
    # Lazy: ``tell`` reads them in the teacher's language, the module's title too.
    message = flask_babel.lazy_ngettext(
        "%(person)s gave you another attempt at the knowledge check for %(module)s.",
        "%(person)s gave you %(num)d more attempts at the knowledge check for "
        "%(module)s.",
        count,
        person=actor.name,
        module=lazy_title(module),
    )
    path = f"/learn/{enrollment.id}/quiz"
    notifications.tell(
        session,
        notifications.Message(
            key=f"quiz-grant:{grant.id}",
            to=teacher,
            text=message,
            link=path,
            subject=flask_babel.lazy_gettext(
                "You can try the knowledge check again: %(module)s",
                module=lazy_title(module),
            ),
            template="quiz_attempts_granted",
            context={
                "teacher": teacher,
                "actor": actor,
                "module": module,
                "count": count,
                "note": note,
                "link": notifications.absolute_link(path),
            },
        ),
    )
    return grant
