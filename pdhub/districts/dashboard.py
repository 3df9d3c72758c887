"""The district dashboard: completion by school and by module, badges by month,
overdue assignments, hours against the district's target and review turnaround, for
one school year, filtered by school and module. Every figure comes from one
aggregate query per table, whatever the number of people (a test counts them)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, distinct, extract, func, or_, select
from sqlalchemy.sql import ColumnElement

from pdhub.accounts.models import User
from pdhub.credentials.models import Award, IssuedCredential
from pdhub.db import DbSession
from pdhub.districts import credit, ledger
from pdhub.districts.assignments import LEARNERS, Scope, district_today
from pdhub.districts.models import (
    Assignment,
    CreditPolicy,
    District,
    HoursTarget,
    School,
)
from pdhub.errors import InvalidInput, PermissionDenied
from pdhub.exports import Cell
from pdhub.learning.models import Enrollment, EnrollmentStatus, Module
from pdhub.review.models import Review
from pdhub.submissions.models import Submission, SubmissionVersion

#: The tables of the dashboard, by the name /district.csv?table= takes.
TABLES = ("schools", "modules", "badges", "overdue", "hours", "turnaround")

#: The largest hours target a district may set for one school year.
MAX_TARGET_HOURS = 1000.0


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: one school (or all the viewer may see), one module
    (by slug) or all, and one school year."""

    school_id: int | None = None
    module_slug: str | None = None
    year: int | None = None


@dataclass
class Table:
    """One table of the dashboard: its header, its rows (cells as exported) and, per
    row, where a click on its first cell leads (the staff list, filtered)."""

    name: str
    title: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    links: list[dict[str, Any] | None] = field(default_factory=list)
    # The column the chart draws, the label column, and the chart's largest value.
    chart_column: int = 1
    chart_max: float | None = None
    percent: bool = False


@dataclass
class Dashboard:
    district: District
    policy: CreditPolicy
    filters: Filters
    year: int
    year_label: str
    target: float | None
    schools: list[School]
    modules: list[tuple[str, str]]
    tables: dict[str, Table]


def _people(scope: Scope, filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        User.district_id == scope.district_id,
        User.role.in_(LEARNERS),
        User.active.is_(True),
    ]
    if scope.school_only:
        conditions.append(User.school_id == (scope.school_id or -1))
    elif filters.school_id is not None:
        conditions.append(User.school_id == filters.school_id)
    return conditions


def _rate(done: int, total: int) -> float:
    return round(done / total, 3) if total else 0.0


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` percentile of ``values`` (nearest rank), None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def set_target(
    session: DbSession, actor: User, district: District, year: int, hours: float
) -> HoursTarget:
    """Set the hours each teacher is expected to earn in school year ``year`` (0
    removes the target). Raises PermissionDenied, InvalidInput."""
    from pdhub.districts import policies

    if not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    if not 0 <= hours <= MAX_TARGET_HOURS or math.isnan(hours):
        raise InvalidInput(
            _("Give a number of hours from 0 to %(max)d.", max=int(MAX_TARGET_HOURS)),
            field="hours",
        )
    found = session.get(HoursTarget, (district.id, year))
    if found is None:
        found = HoursTarget(district_id=district.id, year=year, hours=hours)
        session.add(found)
    found.hours = round(hours, 2)
    session.flush()
    return found


def dashboard(session: DbSession, scope: Scope, filters: Filters) -> Dashboard | None:
    """Every table of the dashboard for ``scope`` (a school leader: their school
    only, whatever the filter says), in a fixed number of queries."""
    district = session.get(District, scope.district_id)
    if district is None:
        return None
    policy = credit.policy_for(session, district.id)
    known_years = {year for year, _label in ledger.year_choices(district, policy)}
    year = filters.year if filters.year in known_years else None
    if year is None:
        year = ledger.current_year(district, policy)
    school_id = scope.school_id if scope.school_only else filters.school_id
    filters = Filters(school_id, filters.module_slug or None, year)
    since, until = credit.year_moments(district, year, policy.year_start_month)
    target_row = session.get(HoursTarget, (district.id, year))
    target = target_row.hours if target_row is not None and target_row.hours else None
    schools = [
        school
        for school in session.scalars(
            select(School)
            .where(School.district_id == district.id)
            .order_by(School.name, School.id)
        )
        if not scope.school_only or school.id == scope.school_id
    ]
    modules = [
        (slug, title)
        for slug, title in session.execute(
            select(Module.slug, Module.title)
            .where(Module.is_current.is_(True))
            .order_by(Module.title)
        )
    ]
    names = {school.id: school.name for school in schools}
    titles = dict(modules)
    people = _people(scope, filters)
    tables = {
        "schools": _by_school(session, people, filters, since, until, names),
        "modules": _by_module(session, people, filters, since, until, titles),
        "badges": _badges(session, district, people, filters, since, until),
        "overdue": _overdue(session, district, people, filters, titles),
        "hours": _hours(session, scope, filters, year, target, names),
        "turnaround": _turnaround(session, people, filters, since, until, names),
    }
    return Dashboard(
        district,
        policy,
        filters,
        year,
        credit.year_label(year, policy.year_start_month),
        target,
        schools,
        modules,
        tables,
    )


def _enrollments(
    people: Sequence[ColumnElement[bool]],
    filters: Filters,
    since: datetime,
    until: datetime,
) -> list[ColumnElement[bool]]:
    """Enrollments open at some point of the school year, of the chosen module."""
    conditions = [
        *people,
        Enrollment.status != EnrollmentStatus.WITHDRAWN,
        Enrollment.started_at < until,
        or_(Enrollment.completed_at.is_(None), Enrollment.completed_at >= since),
    ]
    if filters.module_slug:
        conditions.append(Module.slug == filters.module_slug)
    return conditions


def _completed(since: datetime, until: datetime) -> Any:
    return func.count(
        case(
            (
                and_(
                    Enrollment.status == EnrollmentStatus.COMPLETED,
                    Enrollment.completed_at >= since,
                    Enrollment.completed_at < until,
                ),
                Enrollment.id,
            ),
            else_=None,
        )
    )


def _by_school(
    session: DbSession,
    people: Sequence[ColumnElement[bool]],
    filters: Filters,
    since: datetime,
    until: datetime,
    names: dict[int, str],
) -> Table:
    table = Table(
        "schools",
        _("Completion by school"),
        [_("School"), _("Completion rate"), _("Enrolled"), _("Completed")],
        percent=True,
        chart_max=1.0,
    )
    for school_id, enrolled, completed in session.execute(
        select(User.school_id, func.count(Enrollment.id), _completed(since, until))
        .join(User, User.id == Enrollment.user_id)
        .join(Module, Module.id == Enrollment.module_id)
        .where(*_enrollments(people, filters, since, until))
        .group_by(User.school_id)
    ):
        table.rows.append(
            [
                names.get(school_id, _("No school")),
                _rate(int(completed), int(enrolled)),
                int(enrolled),
                int(completed),
            ]
        )
        table.links.append({"school": school_id} if school_id else None)
    _sort(table, 0)
    return table


def _by_module(
    session: DbSession,
    people: Sequence[ColumnElement[bool]],
    filters: Filters,
    since: datetime,
    until: datetime,
    titles: dict[str, str],
) -> Table:
    table = Table(
        "modules",
        _("Completion by module"),
        [_("Module"), _("Completion rate"), _("Enrolled"), _("Completed")],
        percent=True,
        chart_max=1.0,
    )
    for slug, title, enrolled, completed in session.execute(
        select(
            Module.slug,
            func.max(Module.title),
            func.count(Enrollment.id),
            _completed(since, until),
        )
        .join(Module, Module.id == Enrollment.module_id)
        .join(User, User.id == Enrollment.user_id)
        .where(*_enrollments(people, filters, since, until))
        .group_by(Module.slug)
    ):
        table.rows.append(
            [
                titles.get(slug, title),
                _rate(int(completed), int(enrolled)),
                int(enrolled),
                int(completed),
            ]
        )
        table.links.append(
            {
                "module": slug,
                **({"school": filters.school_id} if filters.school_id else {}),
            }
        )
    _sort(table, 0)
    return table


def _badges(
    session: DbSession,
    district: District,
    people: Sequence[ColumnElement[bool]],
    filters: Filters,
    since: datetime,
    until: datetime,
) -> Table:
    """Badges in good standing earned each month of the school year (by the
    district's calendar), every month shown, none left out for having no badge."""
    from pdhub.accounts import timezones

    table = Table("badges", _("Badges earned by month"), [_("Month"), _("Badges")])
    zone = timezones.zone_named(district.time_zone)
    conditions = [
        *people,
        Award.awarded_at >= since,
        Award.awarded_at < until,
        or_(
            IssuedCredential.id.is_(None),
            and_(
                IssuedCredential.revoked_at.is_(None),
                IssuedCredential.suspended_at.is_(None),
            ),
        ),
    ]
    if filters.module_slug:
        conditions.append(Module.slug == filters.module_slug)
    counts: dict[tuple[int, int], int] = {}
    first = since.astimezone(zone)
    months: list[tuple[int, int]] = []
    y, m = first.year, first.month
    for _step in range(12):
        months.append((y, m))
        counts[(y, m)] = 0
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    if session.get_bind().dialect.name == "postgresql":
        # The month in the district's zone, counted by PostgreSQL: twelve rows.
        bucket: Any = func.to_char(func.timezone(zone.key, Award.awarded_at), "YYYY-MM")
    else:
        # SQLite knows no zones: it counts per hour in UTC, and each hour falls in
        # the district's month here (zones are whole or half hours, and an hour's
        # start decides consistently). At most 24 x 366 rows, never one per badge.
        bucket = func.strftime("%Y-%m-%d %H:00:00", Award.awarded_at)
    for key_text, count in session.execute(
        select(bucket, func.count(Award.id))
        .join(User, User.id == Award.user_id)
        .join(Module, Module.id == Award.module_id)
        .outerjoin(IssuedCredential, IssuedCredential.current_award_id == Award.id)
        .where(*conditions)
        .group_by(bucket)
    ):
        if len(key_text) == 7:
            key = (int(key_text[:4]), int(key_text[5:7]))
        else:
            hour = datetime.fromisoformat(key_text).replace(tzinfo=UTC)
            local = hour.astimezone(zone)
            key = (local.year, local.month)
        if key in counts:
            counts[key] += int(count)
    for key in months:
        table.rows.append([f"{key[0]:04d}-{key[1]:02d}", counts[key]])
        table.links.append(None)
    return table


def _overdue(
    session: DbSession,
    district: District,
    people: Sequence[ColumnElement[bool]],
    filters: Filters,
    titles: dict[str, str],
) -> Table:
    table = Table(
        "overdue",
        _("Overdue assignments"),
        [_("Module"), _("People late"), _("Due date")],
    )
    pairs = ledger.late_pairs(district.id, people, district_today(district))
    if filters.module_slug:
        pairs = pairs.where(Assignment.module_slug == filters.module_slug)
    found = pairs.subquery()
    for assignment_id, slug, due_date, late in session.execute(
        select(
            Assignment.id,
            Assignment.module_slug,
            Assignment.due_date,
            func.count(distinct(found.c.user_id)),
        )
        .join(found, found.c.assignment_id == Assignment.id)
        .group_by(Assignment.id, Assignment.module_slug, Assignment.due_date)
        .order_by(Assignment.due_date, Assignment.id)
    ):
        table.rows.append([titles.get(slug, slug), int(late), due_date.isoformat()])
        link: dict[str, Any] = {"assignment": assignment_id, "status": "late"}
        if filters.school_id:
            link["school"] = filters.school_id
        table.links.append(link)
    return table


def _hours(
    session: DbSession,
    scope: Scope,
    filters: Filters,
    year: int,
    target: float | None,
    names: dict[int, str],
) -> Table:
    """Per school: the hours of the school year (on PD Hub, and approved elsewhere),
    the average per teacher and how many teachers reached the district's target."""
    narrowed = (
        Scope(scope.district_id, filters.school_id, school_only=True)
        if filters.school_id is not None and not scope.school_only
        else scope
    )
    table = Table(
        "hours",
        _("Hours against the target"),
        [
            _("School"),
            _("Average hours per teacher"),
            _("Teachers"),
            _("Teachers at the target"),
            _("Platform hours"),
            _("External hours approved"),
        ],
        chart_max=target,
    )
    found = ledger.district_ledger(session, narrowed, year, hours_only=True)
    if found is None:
        return table
    reached: dict[int | None, int] = {}
    for line in found.teachers:
        hours = (
            line.figures.platform_hours
            + line.figures.workshop_hours
            + line.figures.external_approved
        )
        if target is not None and hours >= target:
            reached[line.school_id] = reached.get(line.school_id, 0) + 1
    for school in found.schools:
        hours = (
            school.figures.platform_hours
            + school.figures.workshop_hours
            + school.figures.external_approved
        )
        table.rows.append(
            [
                names.get(school.school_id or -1, school.name or _("No school")),
                round(hours / school.teachers, 1) if school.teachers else 0.0,
                school.teachers,
                reached.get(school.school_id, 0) if target is not None else None,
                round(school.figures.platform_hours, 2),
                round(school.figures.external_approved, 2),
            ]
        )
        table.links.append({"school": school.school_id} if school.school_id else None)
    return table


def _turnaround(
    session: DbSession,
    people: Sequence[ColumnElement[bool]],
    filters: Filters,
    since: datetime,
    until: datetime,
    names: dict[int, str],
) -> Table:
    """Days from a version's submission to the coach's decision on it, for the
    decisions of the school year: the median and the 90th percentile, per school and
    for everyone shown."""
    table = Table(
        "turnaround",
        _("Review turnaround"),
        [_("School"), _("Median days"), _("90th percentile days"), _("Decisions")],
    )
    conditions = [*people, Review.decided_at >= since, Review.decided_at < until]
    if filters.module_slug:
        conditions.append(Module.slug == filters.module_slug)
    joined = (
        select(User.school_id)
        .select_from(Review)
        .join(SubmissionVersion, SubmissionVersion.id == Review.version_id)
        .join(Submission, Submission.id == Review.submission_id)
        .join(Enrollment, Enrollment.id == Submission.enrollment_id)
        .join(Module, Module.id == Enrollment.module_id)
        .join(User, User.id == Enrollment.user_id)
        .where(*conditions)
    )
    # (median, 90th percentile, decisions) per school, and for everyone shown.
    figures: dict[int | None, tuple[float | None, float | None, int]] = {}
    everyone: tuple[float | None, float | None, int] = (None, None, 0)
    if session.get_bind().dialect.name == "postgresql":
        # Nearest-rank percentiles (percentile_disc) computed by PostgreSQL, per
        # school and, through ROLLUP, for all of them: one row per school.
        seconds = extract("epoch", Review.decided_at - SubmissionVersion.submitted_at)
        days = func.greatest(seconds, 0) / 86400
        for school_id, total, median, p90, count in session.execute(
            joined.with_only_columns(
                User.school_id,
                func.grouping(User.school_id),
                func.percentile_disc(0.5).within_group(days),
                func.percentile_disc(0.9).within_group(days),
                func.count(),
            ).group_by(func.rollup(User.school_id))
        ):
            found = (
                float(median) if median is not None else None,
                float(p90) if p90 is not None else None,
                int(count),
            )
            if total:
                everyone = found
            else:
                figures[school_id] = found
    else:
        # SQLite has no percentile aggregate: the durations are read and ranked
        # here (development databases only).
        values: dict[int | None, list[float]] = {}
        for school_id, submitted_at, decided_at in session.execute(
            joined.add_columns(SubmissionVersion.submitted_at, Review.decided_at)
        ):
            seconds_ = (decided_at - submitted_at).total_seconds()
            values.setdefault(school_id, []).append(max(seconds_, 0.0) / 86400)
        for school_id, items in values.items():
            figures[school_id] = (
                percentile(items, 0.5),
                percentile(items, 0.9),
                len(items),
            )
        every = [value for items in values.values() for value in items]
        everyone = (percentile(every, 0.5), percentile(every, 0.9), len(every))

    def line(label: str, found: tuple[float | None, float | None, int]) -> list[Cell]:
        median, p90, count = found
        return [
            label,
            round(median, 1) if median is not None else None,
            round(p90, 1) if p90 is not None else None,
            count,
        ]

    for school_id, found in sorted(
        figures.items(),
        key=lambda item: (item[0] is None, names.get(item[0] or -1, "")),
    ):
        table.rows.append(line(names.get(school_id or -1, _("No school")), found))
        table.links.append({"school": school_id} if school_id else None)
    if len(figures) > 1:
        table.rows.append(line(_("All schools shown"), everyone))
        table.links.append(None)
    return table


def _sort(table: Table, column: int) -> None:
    pairs = sorted(
        zip(table.rows, table.links, strict=True),
        key=lambda p: str(p[0][column]).lower(),
    )
    table.rows = [row for row, _link in pairs]
    table.links = [link for _row, link in pairs]
