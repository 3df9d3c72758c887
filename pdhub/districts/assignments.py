"""Assigned modules with due dates: who each assignment covers, where each person
stands (done, on track, late), and the reminders before and after the due date."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload
from sqlalchemy.sql import ColumnElement, Select

from pdhub.accounts import timezones
from pdhub.accounts.models import Role, User
from pdhub.db import DbSession, utcnow
from pdhub.districts import policies
from pdhub.districts.models import (
    Assignment,
    AssignmentPerson,
    AssignmentReminder,
    AssignmentTarget,
    District,
    ReminderStage,
    School,
)
from pdhub.errors import InvalidInput, NotFound, PermissionDenied
from pdhub.learning.localized import localized
from pdhub.learning.models import Enrollment, EnrollmentStatus, Module
from pdhub.notifications import service as notifications

#: The "due soon" reminder goes out this many days before the due date.
DUE_SOON_DAYS = 3
#: Overdue reminders stop this long after the due date (an old assignment is not
#: news any more).
OVERDUE_REMINDER_DAYS = 30
#: Only teachers take modules (learning.policies.can_enroll).
LEARNERS = (Role.TEACHER,)


class Standing(enum.StrEnum):
    DONE = "done"
    ON_TRACK = "on_track"
    LATE = "late"

    @property
    def label(self) -> str:
        return str(
            {
                "done": _("Done"),
                "on_track": _("On track"),
                "late": _("Late"),
            }[self.value]
        )


STANDING_CHOICES = [
    ("", _l("Any")),
    (Standing.ON_TRACK.value, _l("On track")),
    (Standing.LATE.value, _l("Late")),
    (Standing.DONE.value, _l("Done")),
]


@dataclass(frozen=True)
class Scope:
    """What a viewer may see: their district, and only one school for a school
    leader (none at all for a school leader without a school)."""

    district_id: int
    school_id: int | None = None
    school_only: bool = False


def scope_for(user: User) -> Scope:
    if user.district_id is None:
        raise PermissionDenied(_("You are not in a district."))
    if user.role is Role.SCHOOL_LEADER:
        return Scope(user.district_id, user.school_id, school_only=True)
    if user.role is Role.DISTRICT_ADMIN:
        return Scope(user.district_id)
    raise PermissionDenied(_("You can't see your district's progress."))


def district_today(district: District) -> date:
    """Today where the district is (due dates are the district's calendar days)."""
    zone = timezones.zone_named(district.time_zone)
    return utcnow().astimezone(zone).date()


def module_choices(session: DbSession) -> list[tuple[str, str]]:
    return [
        (slug, title)
        for slug, title in session.execute(
            select(Module.slug, Module.title)
            .where(Module.is_current.is_(True))
            .order_by(Module.title)
        )
    ]


def create(
    session: DbSession,
    actor: User,
    district: District,
    *,
    module_slug: str,
    due_date: date,
    target: AssignmentTarget,
    school: School | None = None,
    people: list[User] | None = None,
) -> Assignment:
    """Assign a module to the district's teachers (all, one school's, or a list).
    Raises PermissionDenied, InvalidInput."""
    if not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    module_id = session.scalar(
        select(Module.id).where(Module.slug == module_slug, Module.is_current.is_(True))
    )
    if module_id is None:
        raise InvalidInput(_("Choose a module from the catalog."), field="module")
    if due_date < district_today(district):
        raise InvalidInput(_("Choose a due date that is not in the past."), field="due")
    if target is AssignmentTarget.SCHOOL and (
        school is None or school.district_id != district.id
    ):
        raise InvalidInput(_("Choose a school in this district."), field="school")
    chosen = people or []
    if target is AssignmentTarget.PEOPLE:
        if not chosen:
            raise InvalidInput(_("Choose at least one person."), field="people")
        if any(p.district_id != district.id for p in chosen):
            raise InvalidInput(_("Choose people in this district."), field="people")
    assignment = Assignment(
        district_id=district.id,
        module_slug=module_slug,
        target=target,
        school_id=school.id if target is AssignmentTarget.SCHOOL and school else None,
        due_date=due_date,
        created_by_id=actor.id,
    )
    if target is AssignmentTarget.PEOPLE:
        assignment.people = [AssignmentPerson(user_id=p.id) for p in chosen]
    session.add(assignment)
    session.flush()
    return assignment


def get(session: DbSession, scope: Scope, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.district_id != scope.district_id:
        raise NotFound(_("There is no such assignment."))
    return assignment


def cancel(session: DbSession, actor: User, assignment: Assignment) -> None:
    district = session.get(District, assignment.district_id)
    if district is None or not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    if assignment.cancelled_at is None:
        assignment.cancelled_at = utcnow()
    session.flush()


def active_assignments(session: DbSession, district_id: int) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .where(
                Assignment.district_id == district_id,
                Assignment.cancelled_at.is_(None),
            )
            .options(selectinload(Assignment.people), selectinload(Assignment.school))
            .order_by(Assignment.due_date, Assignment.id)
        )
    )


def _titles(session: DbSession, slugs: set[str]) -> dict[str, str]:
    """Each module's title in the language being spoken (the reader's)."""
    return {
        module.slug: localized(module).title
        for module in session.scalars(
            select(Module).where(Module.slug.in_(slugs), Module.is_current.is_(True))
        )
    }


def _covers(assignment: Assignment, person: User) -> bool:
    if assignment.target is AssignmentTarget.EVERYONE:
        return True
    if assignment.target is AssignmentTarget.SCHOOL:
        return person.school_id == assignment.school_id
    return any(p.user_id == person.id for p in assignment.people)


@dataclass(frozen=True)
class Row:
    """One person's standing on one assignment."""

    assignment: Assignment
    module_title: str
    person: User
    standing: Standing
    started: bool
    completed_at: datetime | None


@dataclass(frozen=True)
class Filters:
    school_id: int | None = None
    standing: Standing | None = None
    assignment_id: int | None = None
    module_slug: str | None = None


def _learners(session: DbSession, scope: Scope) -> list[User]:
    query = (
        select(User)
        .where(
            User.district_id == scope.district_id,
            User.role.in_(LEARNERS),
            User.active.is_(True),
        )
        .options(selectinload(User.school))
        .order_by(User.name, User.id)
    )
    if scope.school_only:
        query = query.where(User.school_id == (scope.school_id or -1))
    return list(session.scalars(query))


def progress(
    session: DbSession, scope: Scope, filters: Filters | None = None
) -> Iterator[Row]:
    """Every (person, assignment) the viewer may see, in due-date then name order."""
    filters = filters or Filters()
    district = session.get(District, scope.district_id)
    if district is None:
        return
    today = district_today(district)
    assignments = [
        a
        for a in active_assignments(session, scope.district_id)
        if (filters.assignment_id is None or a.id == filters.assignment_id)
        and (filters.module_slug is None or a.module_slug == filters.module_slug)
    ]
    if not assignments:
        return
    people = [
        p
        for p in _learners(session, scope)
        if filters.school_id is None or p.school_id == filters.school_id
    ]
    titles = _titles(session, {a.module_slug for a in assignments})
    states: dict[tuple[int, str], tuple[EnrollmentStatus | None, datetime | None]]
    states = {}
    for user_id, slug, found, finished_at in session.execute(
        select(
            Enrollment.user_id, Module.slug, Enrollment.status, Enrollment.completed_at
        )
        .join(Module, Module.id == Enrollment.module_id)
        .join(User, User.id == Enrollment.user_id)
        .where(
            User.district_id == scope.district_id,
            Module.slug.in_({a.module_slug for a in assignments}),
            Enrollment.status != EnrollmentStatus.WITHDRAWN,
        )
    ):
        key = (user_id, slug)
        if states.get(key, (None, None))[0] is not EnrollmentStatus.COMPLETED:
            states[key] = (found, finished_at)
    for assignment in assignments:
        for person in people:
            if not _covers(assignment, person):
                continue
            status, completed_at = states.get(
                (person.id, assignment.module_slug), (None, None)
            )
            if status is EnrollmentStatus.COMPLETED:
                standing = Standing.DONE
            elif today > assignment.due_date:
                standing = Standing.LATE
            else:
                standing = Standing.ON_TRACK
            if filters.standing is not None and standing is not filters.standing:
                continue
            yield Row(
                assignment,
                titles.get(assignment.module_slug, assignment.module_slug),
                person,
                standing,
                status is not None,
                completed_at,
            )


# --- the same rows, counted, paged and streamed in SQL ------------------------------
#
# The staff list and its CSV read (person, assignment) pairs from one statement
# scoped to the district first: its teachers, its open assignments, and a per
# (teacher, module) summary of the district's own enrollments, so a page costs a
# count and a LIMIT whatever the number of people, and the CSV reads the pairs from
# a server-side cursor as it writes them.

#: Rows fetched from the server-side cursor at a time by ``progress_lines``.
STREAM_BATCH = 1000


def covers_sql() -> ColumnElement[bool]:
    """Whether the assignment in the statement covers the user in it."""
    return or_(
        Assignment.target == AssignmentTarget.EVERYONE,
        and_(
            Assignment.target == AssignmentTarget.SCHOOL,
            Assignment.school_id == User.school_id,
        ),
        and_(
            Assignment.target == AssignmentTarget.PEOPLE,
            exists().where(
                AssignmentPerson.assignment_id == Assignment.id,
                AssignmentPerson.user_id == User.id,
            ),
        ),
    )


def _learner_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    learner = [
        User.district_id == scope.district_id,
        User.role.in_(LEARNERS),
        User.active.is_(True),
    ]
    if scope.school_only:
        learner.append(User.school_id == (scope.school_id or -1))
    return learner


def _state(scope: Scope, user_ids: set[int] | None = None) -> Any:
    """Per (teacher, module slug) of the district's open assignments: done 1/0 and
    when it was completed, from the district's own non-withdrawn enrollments (of
    ``user_ids`` only, when given)."""
    open_slugs = (
        select(Assignment.module_slug)
        .where(
            Assignment.district_id == scope.district_id,
            Assignment.cancelled_at.is_(None),
        )
        .correlate(None)
    )
    completed = Enrollment.status == EnrollmentStatus.COMPLETED
    query = (
        select(
            Enrollment.user_id.label("user_id"),
            Module.slug.label("slug"),
            func.max(case((completed, 1), else_=0)).label("done"),
            func.max(case((completed, Enrollment.completed_at), else_=None)).label(
                "completed_at"
            ),
        )
        .join(User, User.id == Enrollment.user_id)
        .join(Module, Module.id == Enrollment.module_id)
        .where(
            *_learner_conditions(scope),
            Enrollment.status != EnrollmentStatus.WITHDRAWN,
            Module.slug.in_(open_slugs),
        )
        .group_by(Enrollment.user_id, Module.slug)
    )
    if user_ids is not None:
        query = query.where(Enrollment.user_id.in_(sorted(user_ids)))
    return query.subquery("state")


def _pairs(
    scope: Scope,
    filters: Filters,
    today: date,
    *columns: Any,
    with_state: bool = True,
) -> Select[Any]:
    """``columns`` of every (person, assignment) pair the viewer may see, followed
    (``with_state``) by the pair's summary from ``_state``: done 1/0, completed_at,
    started. Without them, and without a standing filter, PostgreSQL drops the
    state join (unique per pair) from the plan."""
    learner = _learner_conditions(scope)
    state = _state(scope)
    done = func.coalesce(state.c.done, 0)
    conditions: list[ColumnElement[bool]] = [
        Assignment.district_id == scope.district_id,
        Assignment.cancelled_at.is_(None),
        *learner,
    ]
    if filters.school_id is not None:
        conditions.append(User.school_id == filters.school_id)
    if filters.assignment_id is not None:
        conditions.append(Assignment.id == filters.assignment_id)
    if filters.module_slug is not None:
        conditions.append(Assignment.module_slug == filters.module_slug)
    if filters.standing is Standing.DONE:
        conditions.append(done == 1)
    elif filters.standing is Standing.LATE:
        conditions.extend([done == 0, Assignment.due_date < today])
    elif filters.standing is Standing.ON_TRACK:
        conditions.extend([done == 0, Assignment.due_date >= today])
    summary = (
        [
            done.label("done"),
            state.c.completed_at,
            state.c.user_id.is_not(None).label("started"),
        ]
        if with_state
        else []
    )
    return (
        select(*columns, *summary)
        .select_from(Assignment)
        .join(User, and_(User.district_id == Assignment.district_id, covers_sql()))
        .outerjoin(School, School.id == User.school_id)
        .outerjoin(
            state,
            and_(state.c.user_id == User.id, state.c.slug == Assignment.module_slug),
        )
        .where(*conditions)
    )


def _standing(done: int, due_date: date, today: date) -> Standing:
    if done:
        return Standing.DONE
    return Standing.LATE if today > due_date else Standing.ON_TRACK


def _today(session: DbSession, scope: Scope) -> date | None:
    district = session.get(District, scope.district_id)
    return district_today(district) if district is not None else None


def progress_count(
    session: DbSession, scope: Scope, filters: Filters | None = None
) -> int:
    """How many rows ``progress`` yields, counted in SQL."""
    today = _today(session, scope)
    if today is None:
        return 0
    pairs = _pairs(
        scope, filters or Filters(), today, Assignment.id, with_state=False
    ).subquery()
    return int(session.scalar(select(func.count()).select_from(pairs)) or 0)


def progress_page(
    session: DbSession,
    scope: Scope,
    filters: Filters | None,
    offset: int,
    limit: int,
) -> list[Row]:
    """Rows ``offset`` to ``offset + limit`` of ``progress``, read with LIMIT."""
    today = _today(session, scope)
    if today is None:
        return []
    statement = (
        _pairs(scope, filters or Filters(), today, Assignment, User, with_state=False)
        .options(contains_eager(User.school))
        .order_by(Assignment.due_date, Assignment.id, User.name, User.id)
        .offset(offset)
        .limit(limit)
    )
    # Only the pairs' ids and order come from the whole district (PostgreSQL drops
    # the state join it does not need); each shown pair's state is then read for
    # the page's people alone.
    found = [(row[0], row[1]) for row in session.execute(statement).all()]
    if not found:
        return []
    state = _state(scope, {person.id for _a, person in found})
    states = {
        (user_id, slug): (done, completed_at)
        for user_id, slug, done, completed_at in session.execute(select(state))
    }
    titles = _titles(session, {assignment.module_slug for assignment, _p in found})
    rows = []
    for assignment, person in found:
        known = states.get((person.id, assignment.module_slug))
        done, completed_at = known if known is not None else (0, None)
        rows.append(
            Row(
                assignment,
                titles.get(assignment.module_slug, assignment.module_slug),
                person,
                _standing(done, assignment.due_date, today),
                known is not None,
                completed_at,
            )
        )
    return rows


class Line(NamedTuple):
    """One row of the staff CSV: plain values, no ORM objects kept."""

    name: str
    email: str
    school: str
    module_title: str
    due_date: date
    standing: Standing
    completed_at: datetime | None


def progress_lines(
    session: DbSession, scope: Scope, filters: Filters | None = None
) -> Iterator[Line]:
    """The rows of ``progress`` in its order, read from a server-side cursor
    ``STREAM_BATCH`` at a time, for exports of any size in flat memory."""
    today = _today(session, scope)
    if today is None:
        return
    titles = _titles(
        session,
        set(
            session.scalars(
                select(Assignment.module_slug).where(
                    Assignment.district_id == scope.district_id
                )
            )
        ),
    )
    statement = (
        _pairs(
            scope,
            filters or Filters(),
            today,
            User.name,
            User.email,
            School.name,
            Assignment.module_slug,
            Assignment.due_date,
        )
        .order_by(Assignment.due_date, Assignment.id, User.name, User.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for (
        name,
        email,
        school,
        slug,
        due_date,
        done,
        completed_at,
        _started,
    ) in session.execute(statement):
        yield Line(
            name,
            email,
            school or "",
            titles.get(slug, slug),
            due_date,
            _standing(done, due_date, today),
            completed_at,
        )


@dataclass
class Totals:
    assignment: Assignment
    module_title: str
    assigned: int = 0
    done: int = 0
    on_track: int = 0
    late: int = 0


def totals(session: DbSession, scope: Scope) -> list[Totals]:
    """Per assignment: how many people it covers, done, on track and late (one
    grouped statement over the same pairs as ``progress``)."""
    by_id: dict[int, Totals] = {}
    for assignment in active_assignments(session, scope.district_id):
        by_id[assignment.id] = Totals(assignment, assignment.module_slug)
    titles = _titles(session, {t.assignment.module_slug for t in by_id.values()})
    for item in by_id.values():
        item.module_title = titles.get(item.assignment.module_slug, item.module_title)
    today = _today(session, scope)
    if not by_id or today is None:
        return list(by_id.values())
    pairs = _pairs(
        scope,
        Filters(),
        today,
        Assignment.id.label("assignment_id"),
        Assignment.due_date,
    ).subquery()
    late = and_(pairs.c.done == 0, pairs.c.due_date < today)
    for assignment_id, assigned, done, late_count in session.execute(
        select(
            pairs.c.assignment_id,
            func.count(),
            func.sum(pairs.c.done),
            func.sum(case((late, 1), else_=0)),
        ).group_by(pairs.c.assignment_id)
    ):
        item = by_id[assignment_id]
        item.assigned = int(assigned)
        item.done = int(done or 0)
        item.late = int(late_count or 0)
        item.on_track = item.assigned - item.done - item.late
    return list(by_id.values())


@dataclass(frozen=True)
class Assigned:
    """A module assigned to a teacher, for their own pages."""

    module_slug: str
    module_title: str
    due_date: date
    done: bool
    late: bool


def assigned_to(session: DbSession, user: User) -> list[Assigned]:
    """The modules assigned to ``user``, not yet done first, by due date."""
    if user.district_id is None or user.role not in LEARNERS:
        return []
    scope = Scope(user.district_id, user.school_id, school_only=True)
    rows = [row for row in progress(session, scope) if row.person.id == user.id]
    items = [
        Assigned(
            row.assignment.module_slug,
            row.module_title,
            row.assignment.due_date,
            row.standing is Standing.DONE,
            row.standing is Standing.LATE,
        )
        for row in rows
    ]
    # One line per module: the earliest due date of its open assignments wins.
    best: dict[str, Assigned] = {}
    for item in sorted(items, key=lambda i: (i.done, i.due_date)):
        best.setdefault(item.module_slug, item)
    return sorted(best.values(), key=lambda i: (i.done, i.due_date, i.module_title))


# --- reminders -------------------------------------------------------------------


def _insert_reminders(session: DbSession, values: list[dict[str, object]]) -> set[int]:
    """Record reminders not sent before (ON CONFLICT DO NOTHING); the user ids of
    those recorded now."""
    if not values:
        return set()
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(AssignmentReminder)
        .values(values)
        .on_conflict_do_nothing(index_elements=["assignment_id", "user_id", "stage"])
        .returning(AssignmentReminder.user_id)
    )
    return set(session.scalars(statement))


def send_reminders(session: DbSession) -> int:
    """Tell each person whose assignment is due within ``DUE_SOON_DAYS`` days, or is
    overdue, once per stage: the unique (assignment, person, stage) row is claimed
    before anyone is told, so a rerun or a second worker sends nothing twice."""
    sent = 0
    for district in session.scalars(select(District)):
        today = district_today(district)
        scope = Scope(district.id)
        due: dict[tuple[int, ReminderStage], list[Row]] = {}
        for row in progress(session, scope):
            if row.standing is Standing.DONE:
                continue
            days_left = (row.assignment.due_date - today).days
            if 0 <= days_left <= DUE_SOON_DAYS:
                stage = ReminderStage.DUE_SOON
            elif -OVERDUE_REMINDER_DAYS <= days_left < 0:
                stage = ReminderStage.OVERDUE
            else:
                continue
            due.setdefault((row.assignment.id, stage), []).append(row)
        for (assignment_id, stage), rows in due.items():
            claimed = _insert_reminders(
                session,
                [
                    {
                        "assignment_id": assignment_id,
                        "user_id": row.person.id,
                        "stage": stage.value,
                        "sent_at": utcnow(),
                    }
                    for row in rows
                ],
            )
            # Lazy texts: notifications.tell writes each in its recipient's language.
            messages = [
                _reminder(row, stage) for row in rows if row.person.id in claimed
            ]
            if messages:
                notifications.tell(session, *messages)
            sent += len(messages)
    session.flush()
    return sent


def _reminder(row: Row, stage: ReminderStage) -> notifications.Message:
    due = row.assignment.due_date
    if stage is ReminderStage.DUE_SOON:
        text = _l(
            "%(module)s is due on %(date)s.",
            module=row.module_title,
            date=due.isoformat(),
        )
        subject = _l("Due soon: %(module)s", module=row.module_title)
    else:
        text = _l(
            "%(module)s was due on %(date)s. You can still finish it.",
            module=row.module_title,
            date=due.isoformat(),
        )
        subject = _l("Overdue: %(module)s", module=row.module_title)
    return notifications.Message(
        key=f"assignment:{row.assignment.id}:{row.person.id}:{stage.value}",
        to=row.person,
        text=text,
        link=notifications.link_for("learning.module", slug=row.assignment.module_slug),
        subject=subject,
        template="assignment_reminder",
        context={
            "person": row.person,
            "module_title": row.module_title,
            "due_date": due,
            "overdue": stage is ReminderStage.OVERDUE,
            "link": notifications.link_for(
                "learning.module", slug=row.assignment.module_slug
            ),
        },
    )
