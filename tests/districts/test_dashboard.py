"""The district dashboard at /district: charts with their tables, filters in the URL,
CSV of every table, the hours target, review turnaround, the same queries for 5
teachers or 50, and that nobody sees another district's or school's figures."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.db import utcnow
from pdhub.districts import credit
from pdhub.districts.dashboard import percentile
from pdhub.districts.models import Assignment, AssignmentTarget, HoursTarget
from pdhub.learning.models import EnrollmentStatus
from pdhub.review.models import Decision, Review
from pdhub.submissions.models import SubmissionVersion
from tests.factories import (
    AwardFactory,
    EnrollmentFactory,
    ModuleFactory,
    SchoolFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.helpers import sign_in, text


def _browser(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    sign_in(client, user)
    return client


def _in_year(month: int = 9, day: int = 15) -> datetime:
    year = credit.year_of(utcnow().date(), 7)
    when = date(year, month, day) if month >= 7 else date(year + 1, month, day)
    if when > utcnow().date():
        when = utcnow().date() - timedelta(days=1)
    return datetime.combine(when, datetime.min.time()).astimezone()


def _complete(user: User, module: object, when: datetime) -> None:
    AwardFactory(
        enrollment__user=user,
        enrollment__module=module,
        enrollment__status=EnrollmentStatus.COMPLETED,
        enrollment__completed_at=when,
        enrollment__started_at=when - timedelta(days=3),
        awarded_at=when,
    )


def _district(session: Session) -> dict[str, object]:
    admin = UserFactory(district_admin=True)
    district = admin.district
    north = SchoolFactory(district=district, name="North School")
    south = SchoolFactory(district=district, name="South School")
    ana = UserFactory(district=district, school=north, name="Ana North")
    cy = UserFactory(district=district, school=north, name="Cy North")
    ben = UserFactory(district=district, school=south, name="Ben South")
    leader = UserFactory(district=district, school=north, school_leader=True)
    reading = ModuleFactory(title="Reading Workshop", hours=4.0)
    maths = ModuleFactory(title="Maths Talks", hours=2.0)
    when = _in_year()
    _complete(ana, reading, when)
    EnrollmentFactory(user=cy, module=reading)  # in progress
    EnrollmentFactory(user=ben, module=maths)  # in progress
    session.add(
        Assignment(
            district_id=district.id, module_slug=maths.slug,
            target=AssignmentTarget.EVERYONE,
            due_date=utcnow().date() - timedelta(days=5),
        )
    )  # fmt: skip
    session.flush()
    return {
        "admin": admin, "district": district, "north": north, "south": south,
        "ana": ana, "cy": cy, "ben": ben, "leader": leader, "reading": reading,
        "maths": maths, "when": when,
    }  # fmt: skip


def _csv(client: FlaskClient, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_dashboard_draws_each_chart_with_its_table_and_csv(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    response = _browser(app, s["admin"]).get("/district")  # type: ignore[arg-type]
    assert response.status_code == 200
    page = text(response)
    svgs = re.findall(r"<svg role=\"img\".*?</svg>", page, re.S)
    # Five charts; review turnaround has no decisions yet and says so.
    assert len(svgs) == 5
    assert "Nothing to show for these filters yet." in page
    for svg in svgs:
        assert "<title" in svg and "<desc" in svg
    assert "Completion by school" in page and "Review turnaround" in page
    # North: Ana completed, Cy in progress = 50 %; South: Ben in progress = 0 %.
    schools = re.search(r'id="schools".*?</section>', page, re.S)
    assert schools is not None
    assert re.search(r"North School</a></th><td>50%</td>", schools.group(0))
    assert f'href="/district/staff?school={s["north"].id}"' in page  # type: ignore[attr-defined]
    for name in ("schools", "modules", "badges", "overdue", "hours", "turnaround"):
        assert f"/district.csv?table={name}" in page
    # The district still manages itself below the dashboard.
    assert "Send invitation" in page
    assert len(response.data) < 60_000


def test_filters_stay_in_the_url_and_narrow_every_table_and_csv(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    admin = _browser(app, s["admin"])  # type: ignore[arg-type]
    north, maths = s["north"], s["maths"]
    page = text(admin.get(f"/district?school={north.id}&module={maths.slug}"))  # type: ignore[attr-defined]
    assert f'value="{north.id}" selected' in page  # type: ignore[attr-defined]
    assert f'value="{maths.slug}" selected' in page  # type: ignore[attr-defined]
    year = credit.year_of(utcnow().date(), 7)
    assert (
        f"/district.csv?table=schools&year={year}&school={north.id}"  # type: ignore[attr-defined]
        f"&module={maths.slug}"  # type: ignore[attr-defined]
    ) in page
    rows = _csv(admin, f"/district.csv?table=schools&school={north.id}")  # type: ignore[attr-defined]
    assert rows[0] == ["School", "Completion rate", "Enrolled", "Completed"]
    assert [row[0] for row in rows[1:]] == ["North School"]
    assert rows[1][1:] == ["0.5", "2", "1"]
    modules = _csv(admin, f"/district.csv?table=modules&module={maths.slug}")  # type: ignore[attr-defined]
    assert [row[0] for row in modules[1:]] == ["Maths Talks"]
    # The overdue assignment: everyone but no one has done Maths Talks.
    overdue = _csv(admin, "/district.csv?table=overdue")
    assert overdue[1][:2] == ["Maths Talks", "3"]
    north_only = _csv(admin, f"/district.csv?table=overdue&school={north.id}")  # type: ignore[attr-defined]
    assert north_only[1][:2] == ["Maths Talks", "2"]


def test_the_module_drill_down_opens_the_staff_list_for_that_module(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    admin = _browser(app, s["admin"])  # type: ignore[arg-type]
    page = text(admin.get("/district"))
    link = re.search(r'href="(/district/staff\?assignment=\d+&status=late)"', page)
    assert link is not None
    staff = text(admin.get(link.group(1).replace("&amp;", "&")))
    assert "Ben South" in staff and "Ana North" in staff
    maths = s["maths"]
    by_module = text(admin.get(f"/district/staff?module={maths.slug}"))  # type: ignore[attr-defined]
    assert "Maths Talks" in by_module or maths.slug in by_module  # type: ignore[attr-defined]
    assert "3 assigned modules" in by_module
    assert "0 assigned modules" in text(
        admin.get(f"/district/staff?module={s['reading'].slug}")  # type: ignore[attr-defined]
    )


def test_an_unknown_table_is_a_friendly_404(app: Flask, session: Session) -> None:
    s = _district(session)
    admin = _browser(app, s["admin"])  # type: ignore[arg-type]
    response = admin.get("/district.csv?table=salaries")
    assert response.status_code == 404
    assert "There is no such table" in text(response)
    assert admin.get("/district?year=abc&school=x&module=%00").status_code == 200


def test_the_people_list_is_paged_and_the_page_stays_small(
    app: Flask, session: Session
) -> None:
    """A district of 120 people: the district page lists 50 at a time (it listed
    everyone: 2 MB at 10,000 people), each person once across the pages."""
    admin = UserFactory(district_admin=True)
    for n in range(119):
        UserFactory(district=admin.district, name=f"Person {n:03d}")
    session.flush()
    client = _browser(app, admin)
    pages = [text(client.get(f"/district?people={n}")) for n in (1, 2, 3)]
    assert all("People (120)" in page for page in pages)
    assert "Page 1 of 3" in pages[0] and "Page 3 of 3" in pages[2]
    seen = [n for page in pages for n in range(119) if f"Person {n:03d}</a>" in page]
    assert sorted(seen) == list(range(119))
    assert len(pages[0].encode()) < 60_000
    assert "Page 3 of 3" in text(client.get("/district?people=99"))


def test_the_staff_list_is_paged_with_its_filters_kept(
    app: Flask, session: Session
) -> None:
    """150 people with one assignment: 100 rows a page, the second page has the
    rest, the pager keeps the filter, and url_for's own options in the query are
    ignored rather than answered with an error."""
    admin = UserFactory(district_admin=True)
    for n in range(149):
        UserFactory(district=admin.district, name=f"Staff {n:03d}")
    module = ModuleFactory()
    session.flush()
    client = _browser(app, admin)
    made = client.post(
        "/district/assignments",
        data={"module": module.slug, "target": "everyone", "due": "2099-01-01"},
    )
    assert made.status_code == 303, text(made)[-2000:]
    first = text(client.get("/district/staff?standing=on_track"))
    second = text(client.get("/district/staff?standing=on_track&page=2"))
    assert "Page 1 of 2" in first and "page=2" in first and "standing=on_track" in first
    shown = [
        n for page in (first, second) for n in range(149) if f"Staff {n:03d}<" in page
    ]
    assert sorted(shown) == list(range(149))
    assert len(first.encode()) < 60_000
    odd = client.get("/district/staff?_external=1&_scheme=javascript&_anchor=x")
    assert odd.status_code == 200


def test_the_hours_target_is_set_per_school_year_and_counts_teachers_reaching_it(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    admin = _browser(app, s["admin"])  # type: ignore[arg-type]
    year = credit.year_of(utcnow().date(), 7)
    bad = admin.post(
        "/district/hours-target", data={"target-year": year, "target-hours": "-3"}
    )
    assert bad.status_code == 422 and "Give 0 to 1000 hours" in text(bad)
    response = admin.post(
        "/district/hours-target", data={"target-year": year, "target-hours": "4"}
    )
    assert response.status_code == 303
    target = session.get(HoursTarget, (s["district"].id, year))  # type: ignore[attr-defined]
    assert target is not None and target.hours == 4.0
    page = text(admin.get("/district"))
    assert "target: 4 hours per teacher" in page
    rows = _csv(admin, "/district.csv?table=hours")
    north = next(row for row in rows if row[0] == "North School")
    # Ana earned 4 hours (the target), Cy none: average 2, one teacher at the target.
    assert north[1:4] == ["2.0", "2", "1"]
    # A school leader cannot set it.
    leader = _browser(app, s["leader"])  # type: ignore[arg-type]
    assert (
        leader.post(
            "/district/hours-target", data={"target-year": year, "target-hours": "9"}
        ).status_code
        == 403
    )


def test_review_turnaround_is_the_median_and_90th_percentile_of_days(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    decided = _in_year()
    for days in (1, 2, 3, 4, 10):
        submission = SubmissionFactory(
            in_review=True,
            enrollment__user=s["ana"],
            submitted_at=decided - timedelta(days=days),
        )
        version = session.scalars(
            select(SubmissionVersion).where(
                SubmissionVersion.submission_id == submission.id
            )
        ).one()
        session.add(
            Review(
                version_id=version.id, submission_id=submission.id, scores={},
                decision=Decision.PASSED, started_at=decided, decided_at=decided,
            )
        )  # fmt: skip
    session.flush()
    rows = _csv(_browser(app, s["admin"]), "/district.csv?table=turnaround")  # type: ignore[arg-type]
    assert rows[1] == ["North School", "3.0", "10.0", "5"]
    assert percentile([1, 2, 3, 4, 10], 0.9) == 10


def test_badges_are_counted_by_month_of_the_school_year(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    rows = _csv(_browser(app, s["admin"]), "/district.csv?table=badges")  # type: ignore[arg-type]
    assert len(rows) == 13  # the header and twelve months
    when: datetime = s["when"]  # type: ignore[assignment]
    month = f"{when.year:04d}-{when.month:02d}"
    assert [month, "1"] in rows
    assert sum(int(row[1]) for row in rows[1:]) == 1


def test_a_school_leader_sees_only_their_school_whatever_the_url_says(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    leader = _browser(app, s["leader"])  # type: ignore[arg-type]
    south = s["south"]
    page = text(leader.get(f"/district?school={south.id}"))  # type: ignore[attr-defined]
    assert "North School" in page and "South School" not in page
    assert "Send invitation" not in page and "Join code" not in page
    for name in ("schools", "hours", "overdue", "turnaround"):
        rows = _csv(leader, f"/district.csv?table={name}&school={south.id}")  # type: ignore[attr-defined]
        assert all("South" not in cell for row in rows for cell in row)
    overdue = _csv(leader, "/district.csv?table=overdue")
    assert overdue[1][:2] == ["Maths Talks", "2"]


def test_another_districts_people_never_appear(app: Flask, session: Session) -> None:
    s = _district(session)
    other = _district(session)
    other_school = other["north"]
    admin = _browser(app, s["admin"])  # type: ignore[arg-type]
    rows = _csv(admin, f"/district.csv?table=schools&school={other_school.id}")  # type: ignore[attr-defined]
    assert rows[1:] == []
    overdue = _csv(admin, "/district.csv?table=overdue")
    assert overdue[1][:2] == ["Maths Talks", "3"]  # not 6
    page = text(admin.get(f"/district?school={other_school.id}"))  # type: ignore[attr-defined]
    assert other_school.name not in page.split("Manage the district")[0] or (  # type: ignore[attr-defined]
        "Nothing to show" in page
    )


def test_teachers_and_coaches_cannot_open_the_dashboard(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    for user in (s["ana"], UserFactory(coach=True, district=s["district"])):
        client = _browser(app, user)  # type: ignore[arg-type]
        assert client.get("/district").status_code == 403
        assert client.get("/district.csv?table=schools").status_code == 403


def test_the_dashboard_runs_the_same_queries_for_5_teachers_or_50(
    app: Flask, session: Session, count_queries: list[str]
) -> None:
    admin = UserFactory(district_admin=True)
    district = admin.district
    schools = [SchoolFactory(district=district) for _ in range(3)]
    module = ModuleFactory()

    def add(n: int) -> None:
        for i in range(n):
            person = UserFactory(district=district, school=schools[i % 3])
            if i % 2:
                _complete(person, module, _in_year())
            else:
                EnrollmentFactory(user=person, module=module)

    add(5)
    client = _browser(app, admin)
    client.get("/district")
    count_queries.clear()
    assert client.get("/district").status_code == 200
    few = len(count_queries)
    add(45)
    count_queries.clear()
    page = text(client.get("/district"))
    assert len(count_queries) == few
    assert "50" in page
