"""The district pages at scale (issue 19's benchmark): the staff CSV is streamed
(no Content-Length, written while it is read) in memory that does not grow with its
rows, the staff list is counted and paged in SQL with the same statements for any
number of people, and every total equals a naive count on the same data, with
another district's completions in the database."""

from __future__ import annotations

import csv
import gc
import io
import tracemalloc
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from pdhub import exports
from pdhub.accounts.models import User
from pdhub.db import utcnow
from pdhub.districts import assignments
from pdhub.districts.models import (
    Assignment,
    AssignmentPerson,
    AssignmentTarget,
    District,
    School,
)
from pdhub.districts.views import STAFF_PAGE_ROWS
from pdhub.extensions import db
from pdhub.learning.models import Enrollment, EnrollmentStatus, Module
from tests.factories import (
    AwardFactory,
    EnrollmentFactory,
    ModuleFactory,
    SchoolFactory,
    UserFactory,
)
from tests.helpers import sign_in, text


def _browser(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    sign_in(client, user)
    return client


def _assign(
    session: Session,
    district: District,
    module: Module,
    due: date,
    target: AssignmentTarget = AssignmentTarget.EVERYONE,
    school: School | None = None,
    people: list[User] | None = None,
) -> Assignment:
    assignment = Assignment(
        district_id=district.id,
        module_slug=module.slug,
        target=target,
        school_id=school.id if school else None,
        due_date=due,
    )
    if people:
        assignment.people = [AssignmentPerson(user_id=p.id) for p in people]
    session.add(assignment)
    session.flush()
    return assignment


def _teachers(district: District, schools: list[School], n: int) -> list[User]:
    return [
        UserFactory(district=district, school=schools[i % len(schools)])
        for i in range(n)
    ]


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def _streamed_peak(client: FlaskClient, path: str) -> tuple[int, int, bool]:
    """One download read chunk by chunk, nothing kept: (rows, peak bytes that
    Python allocated during the request, whether it came without a length)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        response = client.get(path, buffered=False)
        assert response.status_code == 200
        streamed = "Content-Length" not in response.headers
        lines = 0
        for chunk in response.response:
            lines += chunk.count(b"\r\n")
        response.close()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return lines - 1, peak, streamed


def test_the_staff_csv_streams_in_memory_that_does_not_grow_with_its_rows(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches and chunks, so a few hundred rows span many of them.
    monkeypatch.setattr(assignments, "STREAM_BATCH", 40)  # several cursor fetches
    monkeypatch.setattr(exports, "STREAM_CHUNK_ROWS", 40, raising=False)
    admin = UserFactory(district_admin=True)
    district = admin.district
    schools = [SchoolFactory(district=district) for _ in range(2)]
    _teachers(district, schools, 30)
    modules = [ModuleFactory() for _ in range(3)]
    for module in modules:
        _assign(session, district, module, utcnow().date() + timedelta(days=9))
    client = _browser(app, admin)
    _streamed_peak(client, "/district/staff.csv")  # warm: imports, compiled SQL
    few_rows, few_peak, streamed = _streamed_peak(client, "/district/staff.csv")
    assert streamed
    assert few_rows == 90
    for i in range(27):
        _assign(session, district, modules[i % 3], utcnow().date() + timedelta(days=i))
    many_rows, many_peak, streamed = _streamed_peak(client, "/district/staff.csv")
    assert streamed
    assert many_rows == 900
    # Ten times the rows (about 90 KB more text): the peak stays within a fifth
    # (old code: the whole file and every row object at once, ~+400 KB).
    assert many_peak < few_peak * 1.2 + 20_000, (few_peak, many_peak)


def test_the_staff_csv_rows_are_every_person_and_assignment_in_order(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    district = admin.district
    north = SchoolFactory(district=district, name="North")
    south = SchoolFactory(district=district, name="South")
    ana = UserFactory(district=district, school=north, name="=Ana Risky")
    ben = UserFactory(district=district, school=south, name="Ben")
    reading = ModuleFactory(title="Reading")
    maths = ModuleFactory(title="Maths")
    finished = utcnow() - timedelta(days=2)
    EnrollmentFactory(
        user=ana,
        module=reading,
        status=EnrollmentStatus.COMPLETED,
        completed_at=finished,
    )
    EnrollmentFactory(user=ben, module=maths)  # started, not done
    today = utcnow().date()
    _assign(session, district, reading, today - timedelta(days=3))
    _assign(
        session,
        district,
        maths,
        today + timedelta(days=5),
        AssignmentTarget.SCHOOL,
        school=south,
    )
    client = _browser(app, admin)
    response = client.get("/district/staff.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert "Content-Length" not in response.headers
    rows = _csv(response.get_data())
    assert rows[1:] == [
        [
            "'=Ana Risky",
            ana.email,
            "North",
            "Reading",
            (today - timedelta(days=3)).isoformat(),
            "Done",
            finished.date().isoformat(),
        ],
        [
            "Ben",
            ben.email,
            "South",
            "Reading",
            (today - timedelta(days=3)).isoformat(),
            "Late",
            "",
        ],
        [
            "Ben",
            ben.email,
            "South",
            "Maths",
            (today + timedelta(days=5)).isoformat(),
            "On track",
            "",
        ],
    ]
    assert client.get("/district/ledger.csv").headers.get("Content-Length") is None


def _naive(session: Session, district: District, today: date) -> dict[str, object]:
    """Every figure counted the slow, obvious way: each teacher, each assignment."""
    teachers = [
        u
        for u in session.query(User).filter_by(district_id=district.id)
        if u.role.value == "teacher" and u.active
    ]
    pairs: dict[int, dict[str, int]] = {}
    late_by_teacher: dict[int, int] = {}
    for a in session.query(Assignment).filter_by(
        district_id=district.id, cancelled_at=None
    ):
        counts = pairs.setdefault(a.id, {"assigned": 0, "done": 0, "late": 0})
        for t in teachers:
            if a.target is AssignmentTarget.SCHOOL and t.school_id != a.school_id:
                continue
            if a.target is AssignmentTarget.PEOPLE and t.id not in {
                p.user_id for p in a.people
            }:
                continue
            done = any(
                e.status is EnrollmentStatus.COMPLETED
                and e.module.slug == a.module_slug
                for e in session.query(Enrollment).filter_by(user_id=t.id)
            )
            counts["assigned"] += 1
            if done:
                counts["done"] += 1
            elif a.due_date < today:
                counts["late"] += 1
                late_by_teacher[t.id] = late_by_teacher.get(t.id, 0) + 1
    return {"pairs": pairs, "late_by_teacher": late_by_teacher}


def test_every_total_equals_a_naive_count(app: Flask, session: Session) -> None:
    admin = UserFactory(district_admin=True)
    district = admin.district
    schools = [SchoolFactory(district=district) for _ in range(3)]
    teachers = _teachers(district, schools, 12)
    modules = [ModuleFactory() for _ in range(3)]
    # Another district takes the same modules: its completions count for nobody here.
    other = UserFactory(district_admin=True).district
    for stranger in _teachers(other, [SchoolFactory(district=other)], 4):
        for module in modules:
            EnrollmentFactory(
                user=stranger,
                module=module,
                status=EnrollmentStatus.COMPLETED,
                completed_at=utcnow() - timedelta(days=1),
            )
    for i, teacher in enumerate(teachers):
        module = modules[i % 3]
        if i % 4 == 0:
            EnrollmentFactory(
                user=teacher,
                module=module,
                status=EnrollmentStatus.COMPLETED,
                completed_at=utcnow() - timedelta(days=1),
            )
        elif i % 4 == 1:
            EnrollmentFactory(user=teacher, module=module)
        elif i % 4 == 2:
            EnrollmentFactory(
                user=teacher, module=module, status=EnrollmentStatus.WITHDRAWN
            )
    today = utcnow().date()
    _assign(session, district, modules[0], today - timedelta(days=4))
    _assign(session, district, modules[1], today + timedelta(days=4))
    _assign(
        session,
        district,
        modules[2],
        today - timedelta(days=1),
        AssignmentTarget.SCHOOL,
        school=schools[1],
    )
    _assign(
        session,
        district,
        modules[1],
        today - timedelta(days=2),
        AssignmentTarget.PEOPLE,
        people=teachers[:5],
    )
    # A badge on a month's edge counts in the district's month (PostgreSQL groups
    # by the month in the district's zone).
    month, _next = _award_at_month_edge(district)
    # Lateness is judged on the district's calendar (Los Angeles is a day behind UTC
    # for the first hours of a UTC day).
    today = assignments.district_today(district)
    session.expire_all()
    naive = _naive(session, district, today)
    pairs = naive["pairs"]
    assert isinstance(pairs, dict)
    scope = assignments.Scope(district.id)

    totals = {t.assignment.id: t for t in assignments.totals(session, scope)}
    for assignment_id, counts in pairs.items():
        found = totals[assignment_id]
        assert (found.assigned, found.done, found.late) == (
            counts["assigned"],
            counts["done"],
            counts["late"],
        )
        assert found.on_track == counts["assigned"] - counts["done"] - counts["late"]
    everything = sum(c["assigned"] for c in pairs.values())
    assert assignments.progress_count(session, scope) == everything
    assert len(list(assignments.progress(session, scope))) == everything
    for standing in assignments.Standing:
        counted = assignments.progress_count(
            session, scope, assignments.Filters(standing=standing)
        )
        assert counted == len(
            [r for r in assignments.progress(session, scope) if r.standing is standing]
        )

    client = _browser(app, admin)
    page = text(client.get("/district/staff"))
    assert f"{everything} assigned modules" in page
    rows = _csv(client.get("/district/staff.csv").get_data())
    assert len(rows) - 1 == everything
    late_rows = _csv(client.get("/district/staff.csv?status=late").get_data())
    assert len(late_rows) - 1 == sum(c["late"] for c in pairs.values())

    # The dashboard's overdue table and the ledger's overdue column.
    overdue = _csv(client.get("/district.csv?table=overdue").get_data())
    late_counts = sorted(int(row[1]) for row in overdue[1:])
    assert late_counts == sorted(c["late"] for c in pairs.values() if c["late"])
    ledger = _csv(client.get("/district/ledger.csv").get_data())
    overdue_column = next(
        i for i, name in enumerate(ledger[0]) if name.lower().startswith("overdue")
    )
    by_email = {row[2]: int(row[overdue_column]) for row in ledger[1:]}
    emails = {t.email for t in teachers}
    late_by_teacher = naive["late_by_teacher"]
    assert isinstance(late_by_teacher, dict)
    assert {e: n for e, n in by_email.items() if e in emails} == {
        t.email: late_by_teacher.get(t.id, 0) for t in teachers
    }
    assert sum(by_email.values()) == sum(late_by_teacher.values())
    badges = _badges(district)
    assert badges[month] == 1 and sum(badges.values()) == 1


def test_the_staff_list_runs_the_same_statements_for_10_rows_or_200(
    app: Flask, session: Session, count_queries: list[str]
) -> None:
    admin = UserFactory(district_admin=True)
    district = admin.district
    schools = [SchoolFactory(district=district) for _ in range(2)]
    module = ModuleFactory()
    _assign(session, district, module, utcnow().date() + timedelta(days=3))
    _teachers(district, schools, 10)
    client = _browser(app, admin)
    sizes = {}
    for path in ("/district/staff", "/district/staff.csv", "/district/ledger.csv"):
        client.get(path).get_data()
        count_queries.clear()
        assert client.get(path).get_data()
        sizes[path] = len(count_queries)
    _teachers(district, schools, 190)
    for i in range(9):
        _assign(session, district, module, utcnow().date() + timedelta(days=i))
    for path, few in sizes.items():
        count_queries.clear()
        response = client.get(path)
        body = response.get_data()
        assert len(count_queries) == few, (path, count_queries)
    # The page reads one page of rows from the database, not every pair.
    fetched: list[int] = []

    def count_rows(conn, cursor, statement, parameters, context, many):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            fetched.append(max(cursor.rowcount, 0))

    event.listen(db.engine, "after_cursor_execute", count_rows)
    try:
        page = text(client.get("/district/staff?page=20"))
    finally:
        event.remove(db.engine, "after_cursor_execute", count_rows)
    assert "2000 assigned modules" in page
    assert page.count("<tr><td>") == STAFF_PAGE_ROWS
    assert sum(fetched) <= STAFF_PAGE_ROWS + 30, fetched
    # ledger.csv: its header and the 200 teachers.
    assert body.count(b"\r\n") == 201


def _award_at_month_edge(district: District) -> tuple[str, int]:
    """A badge awarded at 03:00 UTC on the first of a month of this school year: in
    Los Angeles it is still the last evening of the month before."""
    from pdhub.districts import credit

    district.time_zone = "America/Los_Angeles"
    teacher = UserFactory(district=district)
    year = credit.year_of(utcnow().date(), 7)
    first = date(year, 10, 1) if utcnow().date() >= date(year, 10, 2) else None
    first = first or date(year, 8, 1)
    when = datetime.combine(first, time(3, 0), tzinfo=UTC)
    AwardFactory(
        enrollment__user=teacher,
        enrollment__status=EnrollmentStatus.COMPLETED,
        enrollment__completed_at=when,
        awarded_at=when,
    )
    month = first.month - 1
    return f"{first.year:04d}-{month:02d}", first.month


def _badges(district: District) -> dict[str, int]:
    from pdhub.districts import dashboard

    board = dashboard.dashboard(
        db.session, assignments.Scope(district.id), dashboard.Filters()
    )
    assert board is not None
    return {str(row[0]): int(row[1] or 0) for row in board.tables["badges"].rows}


def test_on_sqlite_the_indexes_migrate_and_the_figures_match(
    sqlite_app: Flask,
) -> None:
    with sqlite_app.app_context():
        names = {i["name"] for i in inspect(db.engine).get_indexes("enrollments")}
        assert "ix_enrollments_user_status_module_completed" in names
        downgrade(revision="0034_text_at_rest")
        names = {i["name"] for i in inspect(db.engine).get_indexes("enrollments")}
        assert "ix_enrollments_user_id_status" in names
        upgrade()
        admin = UserFactory(district_admin=True)
        district = admin.district
        month, _next = _award_at_month_edge(district)
        counts = _badges(district)
        assert counts[month] == 1 and sum(counts.values()) == 1
        module = ModuleFactory()
        _teachers(district, [SchoolFactory(district=district)], 3)
        db.session.add(
            Assignment(
                district_id=district.id,
                module_slug=module.slug,
                target=AssignmentTarget.EVERYONE,
                # Yesterday where the district is (Los Angeles), whatever the hour
                # in UTC.
                due_date=assignments.district_today(district) - timedelta(days=1),
            )
        )
        db.session.flush()
        scope = assignments.Scope(district.id)
        late = assignments.Filters(standing=assignments.Standing.LATE)
        # The three teachers and the one who earned the badge are all late.
        assert assignments.progress_count(db.session, scope, late) == 4
        assert len(assignments.progress_page(db.session, scope, late, 0, 10)) == 4
        db.session.rollback()
