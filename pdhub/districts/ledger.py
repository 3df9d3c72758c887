"""The hours ledger: per teacher, per school and per school year, the hours earned on
PD Hub, the hours of workshop badges the district awarded, the credit the district
grants for modules, learning done elsewhere (approved and waiting), badges, modules
in progress and overdue assignments.

Platform hours, workshop hours, district credit and external hours stay apart: they
answer different questions (what was learned here, what the district gave in
person, what it pays or recertifies for, what was learned elsewhere). Every figure
comes from one aggregate query per kind, whatever the number of people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from pdhub.accounts import timezones
from pdhub.accounts.models import Role, User
from pdhub.credentials.models import Award, IssuedCredential
from pdhub.db import DbSession
from pdhub.districts import credit
from pdhub.districts.assignments import LEARNERS, Scope, covers_sql, district_today
from pdhub.districts.models import (
    Assignment,
    CreditPolicy,
    District,
    ExternalLearning,
    ExternalStatus,
    ModuleCredit,
    School,
)
from pdhub.learning.models import Enrollment, EnrollmentStatus, Module
from pdhub.workshops.models import Workshop, WorkshopAward

#: A badge counts (and its hours do) unless it is revoked or suspended.
_IN_GOOD_STANDING = and_(
    IssuedCredential.revoked_at.is_(None), IssuedCredential.suspended_at.is_(None)
)


@dataclass
class Figures:
    """One line of the ledger (a teacher, a school, or the whole district)."""

    platform_hours: float = 0.0
    # Hours of workshop badges the district awarded (in-person PD), not revoked.
    workshop_hours: float = 0.0
    salary_credit: float = 0.0
    recertification_credit: float = 0.0
    external_approved: float = 0.0
    external_pending: float = 0.0
    badges: int = 0
    in_progress: int = 0
    overdue: int = 0

    def add(self, other: Figures) -> None:
        # Field by field, written out: this runs twice per teacher of a district.
        self.platform_hours += other.platform_hours
        self.workshop_hours += other.workshop_hours
        self.salary_credit += other.salary_credit
        self.recertification_credit += other.recertification_credit
        self.external_approved += other.external_approved
        self.external_pending += other.external_pending
        self.badges += other.badges
        self.in_progress += other.in_progress
        self.overdue += other.overdue


@dataclass
class TeacherLine:
    user_id: int
    name: str
    email: str
    school_id: int | None
    school_name: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class SchoolLine:
    school_id: int | None
    name: str
    teachers: int = 0
    figures: Figures = field(default_factory=Figures)


@dataclass
class Ledger:
    district: District
    policy: CreditPolicy
    year: int
    year_label: str
    teachers: list[TeacherLine]
    schools: list[SchoolLine]
    total: Figures


def current_year(district: District, policy: CreditPolicy) -> int:
    return credit.year_of(district_today(district), policy.year_start_month)


def year_choices(district: District, policy: CreditPolicy) -> list[tuple[int, str]]:
    """This school year and the four before it, newest first."""
    now = current_year(district, policy)
    return [
        (year, credit.year_label(year, policy.year_start_month))
        for year in range(now, now - 5, -1)
    ]


def _people_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    conditions = [
        User.district_id == scope.district_id,
        User.role.in_(LEARNERS),
        User.active.is_(True),
    ]
    if scope.school_only:
        conditions.append(User.school_id == (scope.school_id or -1))
    return conditions


def _completions(
    district_id: int,
    people: Sequence[ColumnElement[bool]],
    since: datetime | None = None,
    until: datetime | None = None,
) -> Any:
    """Per person (and completion time when no year is given): platform hours,
    salary and recertification credit, badges in good standing."""
    good = or_(IssuedCredential.id.is_(None), _IN_GOOD_STANDING)
    counted_hours = func.sum(case((good, Module.hours), else_=0.0))
    salary = func.sum(
        case((and_(good, ModuleCredit.salary.is_(True)), ModuleCredit.units), else_=0.0)
    )
    recert = func.sum(
        case(
            (and_(good, ModuleCredit.recertification.is_(True)), ModuleCredit.units),
            else_=0.0,
        )
    )
    badges = func.count(case((and_(Award.id.is_not(None), good), Award.id), else_=None))
    query = (
        select(Enrollment.user_id, counted_hours, salary, recert, badges)
        .join(User, User.id == Enrollment.user_id)
        .join(Module, Module.id == Enrollment.module_id)
        .outerjoin(Award, Award.enrollment_id == Enrollment.id)
        .outerjoin(IssuedCredential, IssuedCredential.current_award_id == Award.id)
        .outerjoin(
            ModuleCredit,
            and_(
                ModuleCredit.district_id == district_id,
                ModuleCredit.module_slug == Module.slug,
            ),
        )
        .where(
            *people,
            Enrollment.status == EnrollmentStatus.COMPLETED,
            Enrollment.completed_at.is_not(None),
        )
        .group_by(Enrollment.user_id)
    )
    if since is not None and until is not None:
        query = query.where(
            Enrollment.completed_at >= since, Enrollment.completed_at < until
        )
    return query


def _external(
    people: Sequence[ColumnElement[bool]],
    since: date | None = None,
    until: date | None = None,
) -> Any:
    approved = func.sum(
        case(
            (
                ExternalLearning.status == ExternalStatus.APPROVED,
                ExternalLearning.hours,
            ),
            else_=0.0,
        )
    )
    pending = func.sum(
        case(
            (
                ExternalLearning.status.in_(
                    [ExternalStatus.WITH_SCHOOL, ExternalStatus.WITH_DISTRICT]
                ),
                ExternalLearning.hours,
            ),
            else_=0.0,
        )
    )
    query = (
        select(ExternalLearning.user_id, approved, pending)
        .join(User, User.id == ExternalLearning.user_id)
        .where(*people)
        .group_by(ExternalLearning.user_id)
    )
    if since is not None and until is not None:
        query = query.where(
            ExternalLearning.ended_on >= since, ExternalLearning.ended_on < until
        )
    return query


def _workshops(
    people: Sequence[ColumnElement[bool]],
    since: date | None = None,
    until: date | None = None,
) -> Any:
    """Per person: the hours of their workshop badges not revoked (by session
    date within the school year when one is given)."""
    query = (
        select(WorkshopAward.user_id, func.sum(Workshop.hours))
        .join(User, User.id == WorkshopAward.user_id)
        .join(Workshop, Workshop.id == WorkshopAward.workshop_id)
        .where(*people, WorkshopAward.revoked_at.is_(None))
        .group_by(WorkshopAward.user_id)
    )
    if since is not None and until is not None:
        query = query.where(
            WorkshopAward.session_date >= since, WorkshopAward.session_date < until
        )
    return query


def _in_progress(people: Sequence[ColumnElement[bool]]) -> Any:
    return (
        select(Enrollment.user_id, func.count(Enrollment.id))
        .join(User, User.id == Enrollment.user_id)
        .where(*people, Enrollment.status == EnrollmentStatus.IN_PROGRESS)
        .group_by(Enrollment.user_id)
    )


def late_pairs(
    district_id: int, people: Sequence[ColumnElement[bool]], today: date
) -> Any:
    """(user_id, assignment_id) of every open assignment of the district past its
    due date that covers one of ``people`` whose module they have not completed (any
    version). The completions checked are the district's own, for those modules
    only (a small grouped set joined by user and slug), never every district's."""
    covers = covers_sql()
    past_due = (
        select(Assignment.module_slug)
        .where(
            Assignment.district_id == district_id,
            Assignment.cancelled_at.is_(None),
            Assignment.due_date < today,
        )
        .correlate(None)
    )
    learner = aliased(User)
    done = (
        select(Enrollment.user_id.label("user_id"), Module.slug.label("slug"))
        .join(learner, learner.id == Enrollment.user_id)
        .join(Module, Module.id == Enrollment.module_id)
        .where(
            learner.district_id == district_id,
            learner.role.in_(LEARNERS),
            learner.active.is_(True),
            Enrollment.status == EnrollmentStatus.COMPLETED,
            Module.slug.in_(past_due),
        )
        .group_by(Enrollment.user_id, Module.slug)
        .subquery("done")
    )
    return (
        select(User.id.label("user_id"), Assignment.id.label("assignment_id"))
        .select_from(User)
        .join(Assignment, Assignment.district_id == User.district_id)
        .outerjoin(
            done,
            and_(done.c.user_id == User.id, done.c.slug == Assignment.module_slug),
        )
        .where(
            *people,
            Assignment.district_id == district_id,
            Assignment.cancelled_at.is_(None),
            Assignment.due_date < today,
            covers,
            done.c.user_id.is_(None),
        )
    )


def _overdue(
    district_id: int, people: Sequence[ColumnElement[bool]], today: date
) -> Any:
    """Per person: how many assignments they are late on (``late_pairs``)."""
    pairs = late_pairs(district_id, people, today).subquery()
    return select(pairs.c.user_id, func.count()).group_by(pairs.c.user_id)


def district_ledger(
    session: DbSession,
    scope: Scope,
    year: int | None = None,
    *,
    hours_only: bool = False,
) -> Ledger | None:
    """The ledger of one school year for everyone ``scope`` covers (a school leader:
    their school), in a fixed number of queries. ``hours_only`` (the dashboard's
    hours table) leaves modules in progress and overdue assignments at 0 and does
    not count them."""
    district = session.get(District, scope.district_id)
    if district is None:
        return None
    policy = credit.policy_for(session, district.id)
    if year is None:
        year = current_year(district, policy)
    since, until = credit.year_moments(district, year, policy.year_start_month)
    first_day, next_first_day = credit.year_dates(year, policy.year_start_month)
    people = _people_conditions(scope)
    teachers = [
        TeacherLine(user_id, name, email, school_id, school_name or "")
        for user_id, name, email, school_id, school_name in session.execute(
            select(User.id, User.name, User.email, User.school_id, School.name)
            .outerjoin(School, School.id == User.school_id)
            .where(*people)
            .order_by(User.name, User.id)
        )
    ]
    by_id = {line.user_id: line for line in teachers}
    for user_id, hours, salary, recert, badges in session.execute(
        _completions(district.id, people, since, until)
    ):
        if user_id in by_id:
            figures = by_id[user_id].figures
            figures.platform_hours = float(hours or 0)
            figures.salary_credit = float(salary or 0)
            figures.recertification_credit = float(recert or 0)
            figures.badges = int(badges or 0)
    for user_id, approved, pending in session.execute(
        _external(people, first_day, next_first_day)
    ):
        if user_id in by_id:
            by_id[user_id].figures.external_approved = float(approved or 0)
            by_id[user_id].figures.external_pending = float(pending or 0)
    for user_id, hours in session.execute(
        _workshops(people, first_day, next_first_day)
    ):
        if user_id in by_id:
            by_id[user_id].figures.workshop_hours = float(hours or 0)
    if hours_only:
        return _lines(district, policy, year, teachers)
    for user_id, count in session.execute(_in_progress(people)):
        if user_id in by_id:
            by_id[user_id].figures.in_progress = int(count)
    for user_id, count in session.execute(
        _overdue(district.id, people, district_today(district))
    ):
        if user_id in by_id:
            by_id[user_id].figures.overdue = int(count)
    return _lines(district, policy, year, teachers)


def _lines(
    district: District, policy: CreditPolicy, year: int, teachers: list[TeacherLine]
) -> Ledger:
    """The ledger of ``teachers``' figures, with its school and district totals."""
    schools: dict[int | None, SchoolLine] = {}
    total = Figures()
    for line in teachers:
        school = schools.setdefault(
            line.school_id, SchoolLine(line.school_id, line.school_name)
        )
        school.teachers += 1
        school.figures.add(line.figures)
        total.add(line.figures)
    return Ledger(
        district,
        policy,
        year,
        credit.year_label(year, policy.year_start_month),
        teachers,
        sorted(schools.values(), key=lambda s: (s.school_id is None, s.name.lower())),
        total,
    )


# --- a teacher's own ledger -----------------------------------------------------------


@dataclass
class YearLine:
    year: int
    label: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class TeacherLedger:
    policy: CreditPolicy | None  # None outside a district: platform hours only
    years: list[YearLine]
    in_progress: int = 0
    overdue: int = 0


def teacher_ledger(session: DbSession, user: User) -> TeacherLedger:
    """A teacher's figures by school year (their district's year; July to June
    outside a district), newest first, in a fixed number of queries."""
    district = session.get(District, user.district_id) if user.district_id else None
    policy = credit.policy_for(session, district.id) if district else None
    start_month = policy.year_start_month if policy else credit.DEFAULT_YEAR_START_MONTH
    zone = timezones.zone_named(district.time_zone if district else None)
    people = [User.id == user.id]
    years: dict[int, YearLine] = {}

    def line(day: date) -> Figures:
        year = credit.year_of(day, start_month)
        found = years.setdefault(
            year, YearLine(year, credit.year_label(year, start_month))
        )
        return found.figures

    good = or_(IssuedCredential.id.is_(None), _IN_GOOD_STANDING)
    for (
        completed_at,
        hours,
        salary,
        recert,
        units,
        has_award,
        standing,
    ) in session.execute(
        select(
            Enrollment.completed_at,
            Module.hours,
            ModuleCredit.salary,
            ModuleCredit.recertification,
            ModuleCredit.units,
            Award.id.is_not(None),
            good,
        )
        .join(Module, Module.id == Enrollment.module_id)
        .outerjoin(Award, Award.enrollment_id == Enrollment.id)
        .outerjoin(IssuedCredential, IssuedCredential.current_award_id == Award.id)
        .outerjoin(
            ModuleCredit,
            and_(
                ModuleCredit.district_id == (user.district_id or -1),
                ModuleCredit.module_slug == Module.slug,
            ),
        )
        .where(
            Enrollment.user_id == user.id,
            Enrollment.status == EnrollmentStatus.COMPLETED,
            Enrollment.completed_at.is_not(None),
        )
    ):
        if not standing or completed_at is None:
            continue
        figures = line(completed_at.astimezone(zone).date())
        figures.platform_hours += float(hours)
        if salary:
            figures.salary_credit += float(units)
        if recert:
            figures.recertification_credit += float(units)
        if has_award:
            figures.badges += 1
    for ended_on, status, hours in session.execute(
        select(
            ExternalLearning.ended_on, ExternalLearning.status, ExternalLearning.hours
        ).where(ExternalLearning.user_id == user.id)
    ):
        figures = line(ended_on)
        if status is ExternalStatus.APPROVED:
            figures.external_approved += float(hours)
        elif status in (ExternalStatus.WITH_SCHOOL, ExternalStatus.WITH_DISTRICT):
            figures.external_pending += float(hours)
    for session_date, hours in session.execute(
        select(WorkshopAward.session_date, Workshop.hours)
        .join(Workshop, Workshop.id == WorkshopAward.workshop_id)
        .where(WorkshopAward.user_id == user.id, WorkshopAward.revoked_at.is_(None))
    ):
        line(session_date).workshop_hours += float(hours)
    in_progress = session.scalar(
        select(func.count(Enrollment.id)).where(
            Enrollment.user_id == user.id,
            Enrollment.status == EnrollmentStatus.IN_PROGRESS,
        )
    )
    overdue = 0
    if district is not None and user.role is Role.TEACHER:
        overdue = sum(
            int(count)
            for _id, count in session.execute(
                _overdue(district.id, people, district_today(district))
            )
        )
    return TeacherLedger(
        policy,
        sorted(years.values(), key=lambda y: -y.year),
        int(in_progress or 0),
        overdue,
    )
