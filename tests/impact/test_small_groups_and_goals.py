"""Small groups stay hidden on the district's impact page, in its CSV and in a
district's view of a module's feedback (the research export's threshold); a
district's goals can be opened, edited and deleted (after a confirmation page), are
validated and audited, and another district's goal answers 404 by id."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.audit.models import AuditAction, AuditEvent
from pdhub.db import utcnow
from pdhub.impact import research, service
from pdhub.impact.models import GoalKind, ImpactGoal, SurveyPhase
from pdhub.learning.models import EnrollmentStatus
from tests.factories import AwardFactory, EnrollmentFactory, ModuleFactory, UserFactory
from tests.helpers import sign_in, text

SURVEY = {
    "items": [
        {"id": "one", "text": "I can name the three divides in my class."},
        {"id": "two", "text": "I plan lessons that need no home internet."},
    ],
}
HIDDEN = "fewer than 10 people — hidden to protect privacy"


def _browser(app: Flask, user: Any) -> FlaskClient:
    browser = app.test_client()
    sign_in(browser, user)
    return browser


def _responses(
    session: Session, district: Any, module: Any, people: int, rating: int
) -> None:
    """``people`` teachers who answered the pre (2) and post (4) surveys, completed
    the module, rated it ``rating`` with a comment and reported its first lesson."""
    for n in range(people):
        teacher = UserFactory(district=district)
        enrollment = EnrollmentFactory(user=teacher, module=module)
        service.save_survey(
            session, teacher, enrollment, SurveyPhase.PRE, {"one": 2, "two": 2}
        )
        enrollment.status, enrollment.completed_at = (
            EnrollmentStatus.COMPLETED,
            utcnow(),
        )
        service.save_survey(
            session, teacher, enrollment, SurveyPhase.POST, {"one": 4, "two": 4}
        )
        service.save_feedback(
            session, teacher, enrollment, rating, f"{module.title} comment {n}"
        )
        service.report_lesson(
            session, teacher, enrollment, module.lessons[0], f"{module.title} report"
        )
    session.flush()


def test_threshold_is_the_research_exports() -> None:
    assert research.MIN_GROUP == 10
    assert [research.suppressed(n) for n in (0, 1, 9, 10, 11)] == [
        False,
        True,
        True,
        False,
        False,
    ]


def test_a_module_with_three_responses_shows_no_average_ten_does_and_the_csv_agrees(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    few = ModuleFactory(survey=SURVEY, title="Few Module")
    many = ModuleFactory(survey=SURVEY, title="Many Module")
    _responses(session, admin.district, few, 3, 3)
    _responses(session, admin.district, many, 10, 5)
    browser = _browser(app, admin)
    page = text(browser.get("/district/impact"))
    cells = "".join(page.split())
    few_row = page[
        page.index("Few Module</th>") : page.index(
            "</tr>", page.index("Few Module</th>")
        )
    ]
    many_row = page[
        page.index("Many Module</th>") : page.index(
            "</tr>", page.index("Many Module</th>")
        )
    ]
    # Three people: no average, no count, no rating; each figure says why.
    assert "2.0" not in few_row and "3.0" not in few_row and "rating" not in few_row
    # The surveys, completed and rating: hidden; applied (nobody) is shown as 0.
    assert few_row.count(HIDDEN) == 3
    # Ten people: the averages, the change and the rating show.
    assert HIDDEN not in many_row
    assert "<td>10</td><td>2.0</td><td>4.0</td><td>+2.00</td>" in "".join(
        many_row.split()
    )
    assert "5.0 (10 ratings)" in many_row
    assert "+2.00" in cells
    # The chart of change has only the module it may show.
    chart = page[page.index("<svg") : page.index("</svg>")]
    assert "Many Module" in chart and "Few Module" not in chart
    # The CSV agrees: blank where the page hides, the figures where it shows them.
    response = browser.get("/district/impact.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = {
        row["name"]: row
        for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    }
    assert {k: rows["Few Module"][k] for k in ("before", "after", "change")} == {
        "before": "",
        "after": "",
        "change": "",
    }
    assert rows["Few Module"]["teachers_with_both_surveys"] == ""
    assert rows["Few Module"]["completed"] == ""
    assert (rows["Few Module"]["ratings"], rows["Few Module"]["rating"]) == ("", "")
    assert rows["Many Module"]["teachers_with_both_surveys"] == "10"
    assert (rows["Many Module"]["before"], rows["Many Module"]["after"]) == (
        "2.0",
        "4.0",
    )
    assert rows["Many Module"]["change"] == "2.0"
    assert (rows["Many Module"]["ratings"], rows["Many Module"]["rating"]) == (
        "10",
        "5.0",
    )
    # No school: thirteen teachers in all, so the school row shows.
    assert rows["No school"]["teachers_with_both_surveys"] == "13"


def test_a_districts_view_of_module_feedback_hides_small_groups(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    few = ModuleFactory(survey=SURVEY, title="Few Module", slug="few-module")
    many = ModuleFactory(survey=SURVEY, title="Many Module", slug="many-module")
    _responses(session, admin.district, few, 3, 3)
    _responses(session, admin.district, many, 10, 5)
    browser = _browser(app, admin)
    page = text(browser.get("/modules/few-module/feedback"))
    assert "Ratings: fewer than 10 people — hidden to protect privacy." in page
    assert "on average" not in page
    assert "Few Module comment" not in page and "Few Module report" not in page
    assert "3 reports" not in page and HIDDEN in page
    page = text(browser.get("/modules/many-module/feedback"))
    assert "10 ratings, 5.0 on average out of 5." in page
    assert "Many Module comment 3" in page and "10 reports" in page
    assert HIDDEN not in page
    # The module's authors (platform administrators) still read every rating.
    authors = text(
        _browser(app, UserFactory(admin=True)).get("/modules/few-module/feedback")
    )
    assert "3 ratings, 3.0 on average out of 5." in authors
    assert "Few Module comment 0" in authors


def _goal_data(module: Any, percent: str, due: str = "") -> dict[str, str]:
    return {
        "goal-kind": "badge_share",
        "goal-module": module.slug,
        "goal-percent": percent,
        "goal-due": due,
    }


def test_goals_are_edited_validated_audited_and_deleted_after_confirming(
    app: Flask, session: Session
) -> None:
    badge = ModuleFactory(title="Digital Equity in the Classroom")
    admin = UserFactory(district_admin=True)
    district = admin.district
    teachers = [UserFactory(district=district) for _ in range(5)]
    for teacher in teachers[:2]:
        AwardFactory(enrollment__user=teacher, enrollment__module=badge)
    session.flush()
    browser = _browser(app, admin)
    today = utcnow().date()
    # A new goal's date is after today.
    refused = browser.post(
        "/district/impact/goals",
        data=_goal_data(badge, "60", (today - timedelta(days=1)).isoformat()),
    )
    assert refused.status_code == 422
    assert "Choose a date after today." in text(refused)
    june = (today + timedelta(days=180)).isoformat()
    assert (
        browser.post(
            "/district/impact/goals", data=_goal_data(badge, "60", june)
        ).status_code
        == 303
    )
    goal = session.scalars(
        select(ImpactGoal).where(ImpactGoal.district_id == district.id)
    ).one()
    label = "60% of teachers hold the badge of Digital Equity in the Classroom"
    # The goal's own page, linked from the impact page.
    impact = text(browser.get("/district/impact"))
    assert f"/district/impact/goals/{goal.id}/edit" in impact
    assert f"/district/impact/goals/{goal.id}/delete" in impact
    shown = text(browser.get(f"/district/impact/goals/{goal.id}"))
    assert label in shown and "2 of 5 teachers (40.0%)" in shown
    # The edit form starts from the goal as it is.
    form = text(browser.get(f"/district/impact/goals/{goal.id}/edit"))
    assert 'value="60"' in form and f'value="{june}"' in form
    # Out of range: 0 and 101 are refused, next to the field, nothing changes.
    for percent in ("0", "101"):
        bad = browser.post(
            f"/district/impact/goals/{goal.id}/edit",
            data=_goal_data(badge, percent, june),
        )
        assert bad.status_code == 422
        assert "Enter a share from 1 to 100 percent." in text(bad)
        assert 'aria-invalid="true"' in text(bad)
    session.expire_all()
    assert session.get(ImpactGoal, goal.id).target_percent == 60  # type: ignore[union-attr]
    # Lowered to 40%: met at once, here and on the dashboard.
    saved = browser.post(
        f"/district/impact/goals/{goal.id}/edit", data=_goal_data(badge, "40", june)
    )
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"/district/impact/goals/{goal.id}")
    lowered = "40% of teachers hold the badge of Digital Equity in the Classroom"
    dashboard = text(browser.get("/district"))
    assert f"{lowered}: 2 of 5 teachers (40.0%) · met" in dashboard
    assert label not in dashboard
    page = text(browser.get("/district/impact"))
    assert lowered in page and "Yes" in page
    # An edit may keep a date that has since passed, but not move it to the past.
    session.get(ImpactGoal, goal.id).due_date = today - timedelta(days=3)  # type: ignore[union-attr]
    session.flush()
    past = (today - timedelta(days=3)).isoformat()
    assert (
        browser.post(
            f"/district/impact/goals/{goal.id}/edit", data=_goal_data(badge, "50", past)
        ).status_code
        == 303
    )
    moved = browser.post(
        f"/district/impact/goals/{goal.id}/edit",
        data=_goal_data(badge, "50", (today - timedelta(days=9)).isoformat()),
    )
    assert moved.status_code == 422 and "Choose a date after today." in text(moved)
    # Each change is on the district's audit trail.
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "impact_goal")
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == [
        AuditAction.GOAL_ADD.value,
        AuditAction.GOAL_CHANGE.value,
        AuditAction.GOAL_CHANGE.value,
    ]
    assert {e.district_id for e in events} == {district.id}
    assert events[1].detail["percent"] == 40
    # Delete asks first (a page of its own, no script), then deletes.
    confirm = text(browser.get(f"/district/impact/goals/{goal.id}/delete"))
    assert "Delete this goal?" in confirm and "Yes, delete the goal" in confirm
    assert session.get(ImpactGoal, goal.id) is not None
    goal_id = goal.id
    done = browser.post(f"/district/impact/goals/{goal_id}/delete")
    assert done.status_code == 303
    session.expire_all()
    assert session.get(ImpactGoal, goal_id) is None
    assert "No goals yet." in text(browser.get("/district"))
    assert session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.action == AuditAction.GOAL_REMOVE.value,
            AuditEvent.object_id == str(goal_id),
        )
    )


def test_another_districts_goal_by_id_is_not_found(
    app: Flask, session: Session
) -> None:
    module = ModuleFactory(title="Digital Citizenship")
    theirs_admin = UserFactory(district_admin=True)
    goal = service.create_goal(
        session,
        theirs_admin,
        theirs_admin.district,
        kind=GoalKind.BADGE_SHARE,
        module_slug=module.slug,
        target_percent=60,
    )
    session.flush()
    ours = _browser(app, UserFactory(district_admin=True))
    leader = _browser(app, UserFactory(school_leader=True))
    for address in (
        f"/district/impact/goals/{goal.id}",
        f"/district/impact/goals/{goal.id}/edit",
        f"/district/impact/goals/{goal.id}/delete",
    ):
        assert ours.get(address).status_code == 404, address
    assert leader.get(f"/district/impact/goals/{goal.id}").status_code == 404
    assert (
        ours.post(
            f"/district/impact/goals/{goal.id}/edit", data=_goal_data(module, "10")
        ).status_code
        == 404
    )
    assert ours.post(f"/district/impact/goals/{goal.id}/delete").status_code == 404
    assert ours.get("/district/impact/goals/987654321").status_code == 404
    session.expire_all()
    kept = session.get(ImpactGoal, goal.id)
    assert kept is not None and kept.target_percent == 60
