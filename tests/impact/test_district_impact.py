"""The district's impact page: change between the pre and post surveys by module and
school, application (passed evidence), goals with their progress (also on the
district dashboard), and the de-identified research export. A school leader sees
their school; another district's people and goals never show."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.db import utcnow
from pdhub.equity.models import EquityAction, EquityConsensus, EquityCycle
from pdhub.impact import research, service
from pdhub.impact.models import GoalKind, ImpactGoal, SurveyPhase
from pdhub.learning.models import EnrollmentStatus
from pdhub.submissions.states import SubmissionStatus
from tests.factories import (
    AwardFactory,
    EnrollmentFactory,
    ModuleFactory,
    SchoolFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.helpers import sign_in, text

SURVEY = {
    "items": [
        {"id": "one", "text": "I can name the three divides in my class."},
        {"id": "two", "text": "I plan lessons that need no home internet."},
    ],
}


def _browser(app: Flask, user: Any) -> FlaskClient:
    browser = app.test_client()
    sign_in(browser, user)
    return browser


def _took(
    session: Session, teacher: Any, module: Any, pre: int, post: int | None
) -> Any:
    """A teacher who answered the pre-survey and, having completed, the post."""
    enrollment = EnrollmentFactory(user=teacher, module=module)
    service.save_survey(
        session, teacher, enrollment, SurveyPhase.PRE, {"one": pre, "two": pre}
    )
    if post is not None:
        enrollment.status, enrollment.completed_at = (
            EnrollmentStatus.COMPLETED,
            utcnow(),
        )
        service.save_survey(
            session, teacher, enrollment, SurveyPhase.POST, {"one": post, "two": post}
        )
    return enrollment


def test_change_by_module_and_school_application_and_scoping(
    app: Flask, session: Session
) -> None:
    module = ModuleFactory(survey=SURVEY, title="Closing the Divides")
    admin = UserFactory(district_admin=True)
    district = admin.district
    north = SchoolFactory(district=district, name="North School")
    south = SchoolFactory(district=district, name="South School")
    # Ten teachers of North (five from 2 to 4, five from 1 to 4), each applying the
    # practice and rating the module 5; three of South (3 to 3), and one more of
    # South who only answered the pre-survey.
    for n in range(10):
        enrollment = _took(
            session,
            UserFactory(district=district, school=north),
            module,
            2 if n < 5 else 1,
            4,
        )
        SubmissionFactory(enrollment=enrollment, status=SubmissionStatus.PASSED)
        service.save_feedback(session, enrollment.user, enrollment, 5, "")
    for _n in range(3):
        _took(session, UserFactory(district=district, school=south), module, 3, 3)
    _took(session, UserFactory(district=district, school=south), module, 2, None)
    # Another district's teacher with a huge change: never counted here.
    far = UserFactory(district_admin=True)
    _took(session, UserFactory(district=far.district), module, 1, 5)
    session.flush()
    page = text(_browser(app, admin).get("/district/impact"))
    assert "Closing the Divides" in page
    # Module: 13 pairs, before (5×2 + 5×1 + 3×3)/13 = 1.85, after (10×4 + 3×3)/13
    # = 3.77; 13 completed, 10 applied (passed evidence), ten ratings of 5.
    cells = "".join(page.split())
    assert "<td>13</td><td>1.85</td><td>3.77</td><td>+1.92</td>" in cells
    assert "<td>13</td><td>10</td>" in cells
    assert "5.0 (10 ratings)" in page
    assert "<svg" in page and "Change in teachers' self-ratings by module" in page
    # Schools: North +2.50 over 10 teachers; South's three are too few to show.
    assert "North School</th><td>10</td><td>1.5</td><td>4.0</td><td>+2.50</td>" in page
    hidden = "fewer than 10 people — hidden to protect privacy"
    assert f'South School</th><td colspan="4" class="muted">{hidden}</td>' in page
    # A school leader sees their own school only, and no research export.
    leader = UserFactory(district=district, school=south, school_leader=True)
    browser = _browser(app, leader)
    mine = text(browser.get("/district/impact"))
    assert "South School" in mine and "North School" not in mine
    assert "Your school only." in mine
    # South's three pairs and three completions: every figure hidden.
    assert "3.0" not in mine and "<td>3</td>" not in mine and hidden in mine
    assert browser.get("/district/impact/research.csv").status_code == 403
    assert (
        _browser(app, UserFactory(district=district))
        .get("/district/impact")
        .status_code
        == 403
    )


def test_goals_show_progress_here_and_on_the_dashboard(
    app: Flask, session: Session
) -> None:
    module = ModuleFactory(title="Digital Citizenship")
    admin = UserFactory(district_admin=True)
    district = admin.district
    teachers = [UserFactory(district=district) for _ in range(5)]
    for teacher in teachers[:2]:
        AwardFactory(enrollment__user=teacher, enrollment__module=module)
    browser = _browser(app, admin)
    refused = browser.post(
        "/district/impact/goals",
        data={
            "goal-kind": "badge_share",
            "goal-module": module.slug,
            "goal-percent": "0",
        },
    )
    assert refused.status_code == 422
    assert "Enter a share from 1 to 100 percent." in text(refused)
    assert (
        browser.post(
            "/district/impact/goals",
            data={
                "goal-kind": "badge_share",
                "goal-module": module.slug,
                "goal-percent": "60",
                "goal-due": (utcnow().date() + timedelta(days=200)).isoformat(),
            },
        ).status_code
        == 303
    )
    page = text(browser.get("/district/impact"))
    assert "60% of teachers hold the badge of Digital Citizenship" in page
    assert "2 of 5 teachers (40.0%)" in page
    assert "Not yet" in page
    AwardFactory(enrollment__user=teachers[2], enrollment__module=module)
    session.flush()
    dashboard = text(browser.get("/district"))
    badge_goal = "60% of teachers hold the badge of Digital Citizenship"
    assert f"{badge_goal}: 3 of 5 teachers (60.0%) · met" in dashboard
    # An equity-plan goal reads the newest consensus and the plan's actions.
    cycle = EquityCycle(district_id=district.id, name="Fall", instrument_version="1")
    session.add(cycle)
    session.flush()
    from pdhub.equity.instrument import load

    use = [i for i in load("en").indicators if i.divide == "use"]
    areas = sorted({i.area_id for i in use})
    for indicator in use:
        session.add(
            EquityConsensus(cycle_id=cycle.id, indicator_id=indicator.id, level=1)
        )
    session.add(
        EquityAction(
            cycle_id=cycle.id,
            area_id=areas[0],
            title="Plan it",
            due_date=utcnow().date(),
        )
    )
    session.flush()
    assert (
        browser.post(
            "/district/impact/goals",
            data={"goal-kind": "equity_plan", "goal-divide": "use"},
        ).status_code
        == 303
    )
    page = text(browser.get("/district/impact"))
    assert "Every area below “Developing” on the use divide has a plan" in page
    assert f"1 of {len(areas)} areas" in page
    # Another district's administrator neither sees nor removes the goals.
    other = _browser(app, UserFactory(district_admin=True))
    assert "hold the badge of Digital Citizenship" not in text(
        other.get("/district/impact")
    )
    goal = session.scalars(
        select(ImpactGoal).where(ImpactGoal.kind == GoalKind.EQUITY_PLAN)
    ).one()
    assert other.post(f"/district/impact/goals/{goal.id}/delete").status_code == 404
    goal_id = goal.id
    assert browser.post(f"/district/impact/goals/{goal_id}/delete").status_code == 303
    assert session.scalar(select(ImpactGoal.id).where(ImpactGoal.id == goal_id)) is None


def test_research_export_has_no_identifier_and_suppresses_small_groups(
    app: Flask, session: Session
) -> None:
    module = ModuleFactory(survey=SURVEY, title="Closing the Divides")
    admin = UserFactory(
        district_admin=True,
        name="Dana Markeradmin",
        email="dana.markeradmin@example.org",
        district__name="Markerville Unified",
    )
    district = admin.district
    big = SchoolFactory(district=district, name="Marker Big School")
    small = SchoolFactory(district=district, name="Marker Small School")
    markers = [admin.email, admin.name, big.name, small.name, district.name]
    ids: list[str] = []
    for n in range(12):
        school = big if n < 10 else small
        teacher = UserFactory(
            district=district,
            school=school,
            name=f"Zebediah Marker{n}",
            email=f"zeb.marker{n}@example.org",
        )
        enrollment = _took(session, teacher, module, 2, 4)
        service.save_feedback(session, teacher, enrollment, 4, f"Secret comment {n}")
        service.report_lesson(
            session, teacher, enrollment, module.lessons[0], f"Secret report {n}"
        )
        markers += [
            teacher.name,
            teacher.email,
            f"Secret comment {n}",
            f"Secret report {n}",
        ]
        ids.append(str(teacher.id))
    # A module with fewer than ten people is left out whole.
    tiny = ModuleFactory(survey=SURVEY, slug="tiny-module")
    _took(session, UserFactory(district=district, school=big), tiny, 1, 5)
    session.flush()
    browser = _browser(app, admin)
    first = browser.get("/district/impact/research.csv")
    assert first.status_code == 200
    body = first.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    for marker in markers:
        assert marker.lower() not in body.lower(), marker
    assert "tiny-module" not in body
    # No account id: every person is a fresh random code.
    assert all(row["person"].startswith("p-") for row in rows)
    assert not {row["person"].removeprefix("p-") for row in rows} & set(ids)
    # Ten people of the big school, none of the small one (2 people).
    assert len({row["person"] for row in rows}) == 10
    assert {row["school_group"] for row in rows} == {"school-1"}
    assert {(row["survey_phase"], row["answer"]) for row in rows} == {
        ("pre", "2"),
        ("post", "4"),
    }
    assert {row["rating"] for row in rows} == {"4"}
    # Pseudonyms are drawn again for every export.
    again = list(
        csv.DictReader(
            io.StringIO(
                browser.get("/district/impact/research.csv").get_data(as_text=True)
            )
        )
    )
    assert not {row["person"] for row in rows} & {row["person"] for row in again}
    found = research.export(session, district)
    assert (found.people, found.suppressed_groups) == (10, 2)
