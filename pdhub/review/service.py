"""Coach review rules: assignments, the queue, claims, and scored decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import lazy_ngettext
from sqlalchemy import and_, case, delete, exists, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from pdhub.accounts.models import Role, User
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District, School
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.learning import completion
from pdhub.learning.localized import localized
from pdhub.learning.models import Enrollment, Module
from pdhub.learning.texts import gettext as _
from pdhub.learning.texts import ngettext
from pdhub.notifications import service as notifications
from pdhub.notifications.service import Message, absolute_link
from pdhub.review import notices, policies
from pdhub.review.models import CoachAssignment, Decision, Review, ReviewClaim
from pdhub.review.policies import scope_clause
from pdhub.submissions.models import Submission, SubmissionVersion
from pdhub.submissions.states import SubmissionStatus, move

# --- assignments -------------------------------------------------------------------


def assignments(session: DbSession, actor: User) -> list[CoachAssignment]:
    """The assignments an administrator (all) or a district admin (theirs) manages."""
    statement = select(CoachAssignment).join(User, User.id == CoachAssignment.coach_id)
    if actor.role is not Role.ADMIN:
        statement = statement.where(
            CoachAssignment.district_id == (actor.district_id or 0)
        )
    return list(session.scalars(statement.order_by(User.name, CoachAssignment.id)))


def assign_coach(
    session: DbSession,
    actor: User,
    coach: User,
    district: District,
    school: School | None = None,
) -> CoachAssignment:
    """Let ``coach`` review the teachers of ``district`` (or of one ``school`` of it).

    District admins assign their own district's coaches; admins assign any coach.
    """
    if not policies.can_manage_assignments(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    if actor.role is not Role.ADMIN and coach.district_id != district.id:
        # Nothing about people outside the actor's district, not even a name.
        raise NotFound(
            _("We couldn't find that coach in your district."), field="coach"
        )
    if coach.role is not Role.COACH:
        raise InvalidInput(
            _("%(name)s is not a coach.", name=coach.name), field="coach"
        )
    if school is not None and school.district_id != district.id:
        raise InvalidInput(_("Choose a school in this district."), field="scope")
    duplicate = session.scalar(
        select(CoachAssignment.id).where(
            CoachAssignment.coach_id == coach.id,
            CoachAssignment.district_id == district.id,
            CoachAssignment.school_id.is_(None)
            if school is None
            else CoachAssignment.school_id == school.id,
        )
    )
    if duplicate:
        raise InvalidInput(
            _(
                "%(name)s already serves %(place)s.",
                name=coach.name,
                place=school.name if school else district.name,
            ),
            field="scope",
        )
    assignment = CoachAssignment(
        coach_id=coach.id,
        district_id=district.id,
        school_id=school.id if school else None,
        created_by_id=actor.id,
    )
    session.add(assignment)
    session.flush()
    return assignment


def remove_assignment(
    session: DbSession, actor: User, assignment: CoachAssignment
) -> None:
    if not policies.can_manage_assignments(actor, assignment.district):
        raise PermissionDenied("You don't manage this district.")
    session.delete(assignment)
    session.flush()


# --- the queue ---------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    module_id: int | None = None
    district_id: int | None = None
    school_id: int | None = None
    waited_days: int | None = None  # only submissions waiting at least this long


@dataclass(frozen=True)
class QueueEntry:
    submission: Submission
    teacher: User
    module: Module
    district: District | None
    school: School | None
    claim: ReviewClaim | None
    claim_coach: User | None
    now: datetime

    @property
    def waited(self) -> timedelta:
        return self.now - (self.submission.submitted_at or self.now)

    @property
    def holder(self) -> User | None:
        """The coach holding an unexpired claim on it, if any."""
        if self.claim is None or self.claim.expires_at <= self.now:
            return None
        return self.claim_coach


def queue(
    session: DbSession,
    coach: User,
    filters: QueueFilters | None = None,
    limit: int = 100,
) -> list[QueueEntry]:
    """Submissions waiting for review from the teachers ``coach`` serves (never the
    coach's own), oldest first, with who has claimed each."""
    filters = filters or QueueFilters()
    now = utcnow()
    teacher = aliased(User)
    claim_coach = aliased(User)
    statement = (
        select(Submission, teacher, Module, District, School, ReviewClaim, claim_coach)
        .join(Enrollment, Enrollment.id == Submission.enrollment_id)
        .join(teacher, teacher.id == Enrollment.user_id)
        .join(Module, Module.id == Enrollment.module_id)
        .outerjoin(District, District.id == teacher.district_id)
        .outerjoin(School, School.id == teacher.school_id)
        .outerjoin(ReviewClaim, ReviewClaim.submission_id == Submission.id)
        .outerjoin(claim_coach, claim_coach.id == ReviewClaim.coach_id)
        .where(
            Submission.status == SubmissionStatus.IN_REVIEW,
            teacher.id != coach.id,
            scope_clause(coach, teacher),
        )
        .order_by(Submission.submitted_at, Submission.id)
        .limit(limit)
    )
    if filters.module_id:
        statement = statement.where(Module.id == filters.module_id)
    if filters.district_id:
        statement = statement.where(teacher.district_id == filters.district_id)
    if filters.school_id:
        statement = statement.where(teacher.school_id == filters.school_id)
    if filters.waited_days:
        statement = statement.where(
            Submission.submitted_at <= now - timedelta(days=filters.waited_days)
        )
    return [QueueEntry(*row, now=now) for row in session.execute(statement)]


def queue_choices(session: DbSession, coach: User) -> dict[str, list[tuple[int, str]]]:
    """The modules, districts and schools the coach's queue can be filtered by."""
    served = list(
        session.execute(
            select(District, School)
            .join(CoachAssignment, CoachAssignment.district_id == District.id)
            .outerjoin(
                School,
                or_(
                    School.id == CoachAssignment.school_id,
                    and_(
                        CoachAssignment.school_id.is_(None),
                        School.district_id == District.id,
                    ),
                ),
            )
            .where(CoachAssignment.coach_id == coach.id)
        )
    )
    districts = sorted({(d.id, d.name) for d, _ in served}, key=lambda x: x[1])
    schools = sorted(
        {(s.id, s.name) for _, s in served if s is not None}, key=lambda x: x[1]
    )
    modules = [
        (m.id, f"{localized(m).title} (v{m.version})")
        for m in session.scalars(
            select(Module)
            .where(exists().where(Enrollment.module_id == Module.id))
            .order_by(Module.title, Module.version)
        )
    ]
    return {"modules": modules, "districts": districts, "schools": schools}


# --- claims ------------------------------------------------------------------------


def get_submission(session: DbSession, submission_id: int) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(_("We couldn't find that submission."))
    return submission


def _check_reviewer(session: DbSession, coach: User, submission: Submission) -> None:
    teacher = submission.enrollment.user
    if coach.id == teacher.id:
        raise PermissionDenied(_("You can't review your own submission."))
    if not policies.can_review(session, coach, teacher):
        raise PermissionDenied(_("You are not assigned to review this teacher's work."))
    if submission.status is not SubmissionStatus.IN_REVIEW:
        raise Conflict(
            _(
                "This submission is %(status)s, not waiting for review.",
                status=submission.status.label.lower(),
            )
        )


def current_claim(session: DbSession, submission: Submission) -> ReviewClaim | None:
    """The unexpired claim on ``submission``, if any."""
    claim = session.get(ReviewClaim, submission.id, populate_existing=True)
    if claim is None or claim.expires_at <= utcnow():
        return None
    return claim


def claim(session: DbSession, coach: User, submission: Submission) -> ReviewClaim:
    """Give ``coach`` the submission for PDHUB_REVIEW_CLAIM_MINUTES.

    A conditional UPDATE (or an INSERT guarded by the primary key) makes sure two
    coaches can't both hold it: the loser gets Conflict. The holder may renew.
    """
    _check_reviewer(session, coach, submission)
    now = utcnow()
    expires = now + timedelta(minutes=current_app.config["PDHUB_REVIEW_CLAIM_MINUTES"])
    claimed = session.execute(
        update(ReviewClaim)
        .where(
            ReviewClaim.submission_id == submission.id,
            or_(ReviewClaim.expires_at <= now, ReviewClaim.coach_id == coach.id),
        )
        .values(
            coach_id=coach.id,
            expires_at=expires,
            claimed_at=case(
                (ReviewClaim.coach_id == coach.id, ReviewClaim.claimed_at), else_=now
            ),
        )
        .execution_options(synchronize_session=False)
    )
    taken = cast(CursorResult[Any], claimed).rowcount
    if not taken:
        holder = session.get(ReviewClaim, submission.id, populate_existing=True)
        if holder is not None:
            raise Conflict(
                _("%(name)s is reviewing this submission.", name=holder.coach.name)
            )
        try:
            with session.begin_nested():
                session.add(
                    ReviewClaim(
                        submission_id=submission.id,
                        coach_id=coach.id,
                        claimed_at=now,
                        expires_at=expires,
                    )
                )
        except IntegrityError:
            raise Conflict(
                _("Another coach claimed this submission a moment ago.")
            ) from None
    result = session.get(ReviewClaim, submission.id, populate_existing=True)
    assert result is not None
    return result


def release(session: DbSession, coach: User, submission: Submission) -> None:
    """Give a claimed submission back to the queue."""
    session.execute(
        delete(ReviewClaim).where(
            ReviewClaim.submission_id == submission.id, ReviewClaim.coach_id == coach.id
        )
    )
    session.flush()


# --- decisions ---------------------------------------------------------------------


def latest_version(session: DbSession, submission: Submission) -> SubmissionVersion:
    version = session.scalar(
        select(SubmissionVersion)
        .where(SubmissionVersion.submission_id == submission.id)
        .order_by(SubmissionVersion.number.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(_("This submission has no submitted version."))
    return version


def check_scores(
    rubric: dict[str, Any],
    scores: dict[str, dict[str, str]],
    overall: str,
    decision: Decision,
) -> dict[str, dict[str, str]]:
    """Apply the rubric: every criterion at one of its levels; "passed" only with at
    least ``passing.min_criteria_demonstrated`` criteria at a demonstrated level; "needs
    revision" with overall feedback and feedback on each criterion not yet demonstrated.
    Returns the cleaned scores; raises InvalidInput naming the field to fix."""
    levels = {level["id"]: level for level in rubric["levels"]}
    cleaned: dict[str, dict[str, str]] = {}
    demonstrated = 0
    for criterion in rubric["criteria"]:
        cid = criterion["id"]
        given = scores.get(cid, {})
        level = given.get("level") or ""
        if level not in levels:
            raise InvalidInput(
                _("Choose a level for “%(name)s”.", name=criterion["name"]),
                field=f"level_{cid}",
            )
        feedback = (given.get("feedback") or "").strip()
        if len(feedback) > 5000:
            raise InvalidInput(
                _("Keep feedback under 5,000 characters."),
                field=f"feedback_{cid}",
            )
        shown = bool(levels[level]["demonstrated"])
        demonstrated += shown
        if decision is Decision.NEEDS_REVISION and not shown and not feedback:
            raise InvalidInput(
                _(
                    "Tell the teacher what would raise “%(name)s” to a "
                    "demonstrated level.",
                    name=criterion["name"],
                ),
                field=f"feedback_{cid}",
            )
        cleaned[cid] = {"level": level, "feedback": feedback}
    needed = int(rubric["passing"]["min_criteria_demonstrated"])
    if decision is Decision.PASSED and demonstrated < needed:
        names = ", ".join(
            level["name"] for level in rubric["levels"] if level["demonstrated"]
        )
        raise InvalidInput(
            ngettext(
                "To pass, at least %(needed)d of %(total)d criteria must be at a "
                "demonstrated level (%(levels)s); %(num)d is. Choose “Needs "
                "revision”, or check the levels.",
                "To pass, at least %(needed)d of %(total)d criteria must be at a "
                "demonstrated level (%(levels)s); %(num)d are. Choose “Needs "
                "revision”, or check the levels.",
                demonstrated,
                needed=needed,
                total=len(rubric["criteria"]),
                levels=names,
            ),
            field="decision",
        )
    if decision is Decision.NEEDS_REVISION and not overall.strip():
        raise InvalidInput(
            _("Write overall feedback so the teacher knows where to start."),
            field="overall_feedback",
        )
    if len(overall) > 10000:
        raise InvalidInput(
            _("Keep the overall feedback under 10,000 characters."),
            field="overall_feedback",
        )
    return cleaned


def decide(
    session: DbSession,
    coach: User,
    submission: Submission,
    *,
    scores: dict[str, dict[str, str]],
    overall_feedback: str,
    decision: Decision,
) -> Review:
    """Record the coach's scored decision on the newest version and route it: PASSED
    (the enrollment may complete) or NEEDS_REVISION (back to the teacher).

    Raises PermissionDenied (own submission, not assigned), Conflict (another coach
    holds the claim, or it is no longer in review) or InvalidInput (rubric rules).
    """
    submission = (
        session.get(
            Submission, submission.id, with_for_update=True, populate_existing=True
        )
        or submission
    )
    _check_reviewer(session, coach, submission)
    held = current_claim(session, submission)
    if held is not None and held.coach_id != coach.id:
        raise Conflict(
            _("%(name)s is reviewing this submission.", name=held.coach.name)
        )
    module = submission.enrollment.module
    cleaned = check_scores(module.rubric, scores, overall_feedback, decision)
    version = latest_version(session, submission)
    mine = session.get(ReviewClaim, submission.id)
    review = Review(
        version_id=version.id,
        submission_id=submission.id,
        coach_id=coach.id,
        scores=cleaned,
        overall_feedback=overall_feedback.strip(),
        decision=decision,
        started_at=mine.claimed_at if mine is not None else utcnow(),
    )
    session.add(review)
    audit.record(
        session,
        AuditAction.REVIEW_DECISION,
        actor=coach,
        subject=submission.enrollment.user,
        object_type="submission",
        object_id=submission.id,
        detail={"decision": decision.value, "version": version.number},
    )
    move(
        submission,
        SubmissionStatus.PASSED
        if decision is Decision.PASSED
        else SubmissionStatus.NEEDS_REVISION,
    )
    session.execute(
        delete(ReviewClaim).where(ReviewClaim.submission_id == submission.id)
    )
    session.flush()
    notifications.tell(
        session,
        notices.submission_message(submission, version, decision.value, review=review),
    )
    if decision is Decision.PASSED:
        completion.complete_if_done(session, submission.enrollment)
    return review


def reviews_by_version(session: DbSession, submission: Submission) -> dict[int, Review]:
    return {
        review.version_id: review
        for review in session.scalars(
            select(Review).where(Review.submission_id == submission.id)
        )
    }


# --- the coach's dashboard and daily digest ----------------------------------------


@dataclass(frozen=True)
class CoachSummary:
    """What a coach sees first: how much waits, what they hold, the oldest wait."""

    waiting: int
    oldest_submitted_at: datetime | None
    claimed: list[QueueEntry]
    assigned: bool
    now: datetime

    @property
    def oldest_wait(self) -> timedelta | None:
        if self.oldest_submitted_at is None:
            return None
        return self.now - self.oldest_submitted_at


def _waiting_clause(coach: User, teacher: Any) -> list[Any]:
    return [
        Submission.status == SubmissionStatus.IN_REVIEW,
        teacher.id != coach.id,
        scope_clause(coach, teacher),
    ]


def coach_summary(session: DbSession, coach: User) -> CoachSummary:
    """Submissions waiting in the coach's scope, the oldest wait, and the ones the coach
    has claimed and not finished (two queries, whatever the queue's length)."""
    now = utcnow()
    teacher = aliased(User)
    waiting, oldest = session.execute(
        select(func.count(Submission.id), func.min(Submission.submitted_at))
        .join(Enrollment, Enrollment.id == Submission.enrollment_id)
        .join(teacher, teacher.id == Enrollment.user_id)
        .where(*_waiting_clause(coach, teacher))
    ).one()
    claimed = [
        entry
        for entry in queue(session, coach, limit=500)
        if entry.claim is not None
        and entry.claim.coach_id == coach.id
        and entry.claim.expires_at > now
    ]
    assigned = session.scalar(
        select(exists().where(CoachAssignment.coach_id == coach.id))
    )
    return CoachSummary(
        waiting=int(waiting or 0),
        oldest_submitted_at=oldest,
        claimed=claimed,
        assigned=bool(assigned),
        now=now,
    )


def send_coach_digests(session: DbSession, now: datetime | None = None) -> int:
    """Tell each coach, once a day, how much new evidence reached their queue in the
    last 24 hours: an in-app notification, and an email unless they turned it off.
    Keyed by coach and day, so a rerun on the same day tells nobody twice."""
    now = now or utcnow()
    since = now - timedelta(days=1)
    teacher = aliased(User)
    coach = aliased(User)
    rows = session.execute(
        select(coach, func.count(func.distinct(Submission.id)))
        .select_from(coach)
        .join(CoachAssignment, CoachAssignment.coach_id == coach.id)
        .join(
            teacher,
            and_(
                teacher.district_id == CoachAssignment.district_id,
                or_(
                    CoachAssignment.school_id.is_(None),
                    CoachAssignment.school_id == teacher.school_id,
                ),
                teacher.id != coach.id,
            ),
        )
        .join(Enrollment, Enrollment.user_id == teacher.id)
        .join(Submission, Submission.enrollment_id == Enrollment.id)
        .where(
            coach.active.is_(True),
            Submission.status == SubmissionStatus.IN_REVIEW,
            Submission.submitted_at >= since,
        )
        .group_by(coach.id)
    ).all()
    day = now.date().isoformat()
    messages: list[Message] = []
    for person, count in rows:
        # Lazy: ``tell`` reads it in the coach's language.
        message = lazy_ngettext(
            "%(num)d new submission is waiting for your review.",
            "%(num)d new submissions are waiting for your review.",
            count,
        )
        email = person.review_digest_email  # the coach may turn the email off
        messages.append(
            Message(
                key=f"coach-digest:{person.id}:{day}",
                to=person,
                text=message,
                link="/review",
                subject=message if email else None,
                template="coach_digest",
                context={
                    "coach": person,
                    "count": count,
                    "link": absolute_link("/review"),
                    "settings_link": absolute_link("/account"),
                },
            )
        )
    notifications.tell(session, *messages)
    return len(messages)
