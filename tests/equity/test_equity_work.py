"""The district's equity work at /district/equity: the administrator forms the team,
members rate each indicator and see each other's ratings once shared, the lead
records the consensus, the plan has goals and owned action items (CSV, PDF, print),
owners are reminded once per stage, a second cycle shows change, and nobody outside
the district (or outside the team) gets in."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub.db import utcnow
from pdhub.equity import instrument as instrument_file
from pdhub.equity import plan, service
from pdhub.equity.models import (
    ActionStatus,
    EquityAction,
    EquityActionReminder,
    EquityConsensus,
    EquityCycle,
    EquityGoal,
    EquityTeamMember,
    TeamRole,
)
from pdhub.notifications.models import EmailMessage, Notification
from tests.factories import SchoolFactory, UserFactory
from tests.helpers import sign_in, text

INSTRUMENT = instrument_file.load("en")
INDICATORS = [i.id for i in INSTRUMENT.indicators]


def _district(session: Session) -> dict[str, Any]:
    admin = UserFactory(district_admin=True, name="Dana Admin")
    district = admin.district
    school = SchoolFactory(district=district, name="North School")
    lead = UserFactory(district=district, school=school, name="Lee Lead", coach=True)
    ana = UserFactory(district=district, school=school, name="Ana Member")
    outsider = UserFactory(district=district, school=school, name="Otto Notonteam")
    leader = UserFactory(
        district=district, school=school, name="Sal Leader", school_leader=True
    )
    return {
        "admin": admin, "district": district, "lead": lead, "ana": ana,
        "outsider": outsider, "leader": leader,
    }  # fmt: skip


def _team(session: Session, s: dict[str, Any]) -> EquityCycle:
    session.add_all(
        [
            EquityTeamMember(
                district_id=s["district"].id, user_id=s["lead"].id, role=TeamRole.LEAD
            ),
            EquityTeamMember(
                district_id=s["district"].id, user_id=s["ana"].id, role=TeamRole.MEMBER
            ),
        ]
    )
    cycle = EquityCycle(
        district_id=s["district"].id, name="Fall 2026", instrument_version="2026.1"
    )
    session.add(cycle)
    session.flush()
    return cycle


def _browser(app: Flask, user: Any) -> FlaskClient:
    browser = app.test_client()
    sign_in(browser, user)
    return browser


def _ratings(level: int, *, action: str = "submit") -> dict[str, str]:
    data = {"action": action}
    for indicator_id in INDICATORS:
        data[f"level_{indicator_id}"] = str(level)
        data[f"comment_{indicator_id}"] = f"Why {level}"
        data[f"evidence_{indicator_id}"] = ""
    return data


def test_administrator_forms_the_team_and_the_new_member_is_told(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    admin = _browser(app, s["admin"])
    page = text(admin.get("/district/equity"))
    assert "WHO needs WHAT to learn HOW?" in page
    assert "Nobody is on the team yet." in page
    response = admin.post(
        "/district/equity/team",
        data={"member-person": str(s["lead"].id), "member-role": "lead"},
    )
    assert response.status_code == 303, text(response)[:2000]
    admin.post(
        "/district/equity/team",
        data={"member-person": str(s["ana"].id), "member-role": "member"},
    )
    page = text(admin.get("/district/equity"))
    assert "Lee Lead" in page and "Ana Member" in page
    assert page.index("Lee Lead") < page.index("Ana Member")  # the lead first
    dashboard = text(_browser(app, s["ana"]).get("/dashboard"))
    assert "Your district's digital equity team" in dashboard
    assert "digital equity team" not in text(
        _browser(app, s["outsider"]).get("/dashboard")
    )
    told = session.scalars(
        select(Notification.message).where(Notification.user_id == s["ana"].id)
    ).all()
    assert any("digital equity team" in m for m in told)
    # Someone from another district cannot be added, even by id.
    stranger = UserFactory(name="Stranger Elsewhere")
    refused = admin.post(
        "/district/equity/team",
        data={"member-person": str(stranger.id), "member-role": "member"},
    )
    assert refused.status_code == 422
    assert (
        session.scalar(
            select(func.count(EquityTeamMember.id)).where(
                EquityTeamMember.user_id == stranger.id
            )
        )
        == 0
    )


def test_members_see_each_others_ratings_only_once_shared_and_the_lead_agrees_one(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    cycle = _team(session, s)
    ana = _browser(app, s["ana"])
    draft = ana.post(
        f"/district/equity/cycles/{cycle.id}/rate", data=_ratings(1, action="save")
    )
    assert draft.status_code == 303
    lead = _browser(app, s["lead"])
    side_by_side = text(lead.get(f"/district/equity/cycles/{cycle.id}"))
    assert "Ana Member" not in side_by_side  # a draft is its author's alone
    # Sharing needs every indicator rated.
    partial = _ratings(2)
    partial[f"level_{INDICATORS[-1]}"] = ""
    refused = lead.post(f"/district/equity/cycles/{cycle.id}/rate", data=partial)
    assert refused.status_code == 422
    assert "Rate every indicator before you share your ratings." in text(refused)
    bad_link = _ratings(2)
    bad_link[f"evidence_{INDICATORS[0]}"] = "javascript:alert(1)"
    refused = lead.post(f"/district/equity/cycles/{cycle.id}/rate", data=bad_link)
    assert refused.status_code == 422
    assert "web address starting with https://" in text(refused)
    good = _ratings(2)
    good[f"evidence_{INDICATORS[0]}"] = "https://example.org/survey"
    assert (
        lead.post(f"/district/equity/cycles/{cycle.id}/rate", data=good).status_code
        == 303
    )
    assert (
        ana.post(
            f"/district/equity/cycles/{cycle.id}/rate", data=_ratings(1)
        ).status_code
        == 303
    )
    page = text(ana.get(f"/district/equity/cycles/{cycle.id}"))
    assert "Lee Lead" in page and "Ana Member" in page
    assert "https://example.org/survey" in ana.get(
        f"/district/equity/cycles/{cycle.id}"
    ).get_data(as_text=True)
    assert "Save the team's ratings" not in page  # only the lead records consensus
    refused = ana.post(
        f"/district/equity/cycles/{cycle.id}/consensus",
        data={f"level_{i}": "3" for i in INDICATORS},
    )
    assert refused.status_code == 403
    assert "Only the team lead records the consensus." in text(refused)
    assert session.scalar(select(func.count(EquityConsensus.id))) == 0
    consensus = {f"level_{i}": "1" for i in INDICATORS}
    consensus[f"level_{INDICATORS[0]}"] = "3"
    consensus[f"note_{INDICATORS[0]}"] = "Strong family liaisons"
    saved = lead.post(f"/district/equity/cycles/{cycle.id}/consensus", data=consensus)
    assert saved.status_code == 303, text(saved)[:2000]
    agreed = service.consensus(session, cycle)
    assert agreed[INDICATORS[0]].level == 3 and agreed[INDICATORS[1]].level == 1
    assert "Strong family liaisons" in text(
        ana.get(f"/district/equity/cycles/{cycle.id}")
    )


def test_the_plan_has_goals_and_owned_actions_and_exports_as_csv_pdf_and_print(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    _team(session, s)
    ana = _browser(app, s["ana"])
    due = (utcnow().date() + timedelta(days=30)).isoformat()
    assert (
        ana.post(
            "/district/equity/plan/reflections/classroom",
            data={"r-classroom-answer_student-day": "Maya has no laptop at home."},
        ).status_code
        == 303
    )
    assert (
        ana.post(
            "/district/equity/plan/goals",
            data={"goal-area": "classroom", "goal-text": "Every student has a device"},
        ).status_code
        == 303
    )
    added = ana.post(
        "/district/equity/plan/actions",
        data={
            "action-area": "classroom",
            "action-title": "Survey home access",
            "action-owner": str(s["lead"].id),
            "action-due": due,
            "action-status": "in_progress",
            "action-evidence_url": "https://example.org/results",
        },
    )
    assert added.status_code == 303, text(added)[:2000]
    # The owner must be on the team.
    refused = ana.post(
        "/district/equity/plan/actions",
        data={
            "action-area": "classroom", "action-title": "Ask Otto",
            "action-owner": str(s["outsider"].id), "action-due": due,
            "action-status": "not_started",
        },
    )  # fmt: skip
    assert refused.status_code == 422
    page = text(ana.get("/district/equity/plan"))
    assert "Maya has no laptop at home." in page
    assert "Every student has a device" in page
    assert "Survey home access" in page and "In progress" in page
    download = ana.get("/district/equity/plan.csv")
    assert download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0] == ["Area", "Action", "Owner", "Due date", "Status",
                       "Evidence of progress"]  # fmt: skip
    assert rows[1] == [
        "Digital equity in the classroom", "Survey home access", "Lee Lead", due,
        "In progress", "https://example.org/results",
    ]  # fmt: skip
    pdf = ana.get("/district/equity/plan.pdf")
    assert pdf.mimetype == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF")
    printable = text(ana.get("/district/equity/plan/print"))
    assert (
        "Survey home access" in printable and "Every student has a device" in printable
    )
    action = session.scalars(select(EquityAction)).one()
    edited = ana.post(
        f"/district/equity/plan/actions/{action.id}",
        data={
            "area": "classroom", "title": "Survey home access",
            "owner": str(s["lead"].id), "due": due, "status": "done",
            "evidence_url": "",
        },
    )  # fmt: skip
    assert edited.status_code == 303
    session.refresh(action)
    assert action.status is ActionStatus.DONE


def test_a_spanish_reader_gets_the_instrument_in_spanish(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    s["admin"].language = "es"
    session.flush()
    admin = _browser(app, s["admin"])
    page = text(admin.get("/district/equity"))
    assert "¿QUIÉN necesita QUÉ para aprender CÓMO?" in page
    assert "Acceso" in page


def test_owners_are_reminded_once_per_action_and_stage(session: Session) -> None:
    s = _district(session)
    cycle = _team(session, s)
    today = utcnow().date()
    soon = EquityAction(
        cycle_id=cycle.id, area_id="classroom", title="Order hotspots",
        owner_id=s["ana"].id, due_date=today + timedelta(days=2),
    )  # fmt: skip
    late = EquityAction(
        cycle_id=cycle.id, area_id="conditions", title="Budget repairs",
        owner_id=s["lead"].id, due_date=today - timedelta(days=1),
    )  # fmt: skip
    done = EquityAction(
        cycle_id=cycle.id, area_id="conditions", title="Already done",
        owner_id=s["lead"].id, due_date=today + timedelta(days=1),
        status=ActionStatus.DONE,
    )  # fmt: skip
    later = EquityAction(
        cycle_id=cycle.id, area_id="conditions", title="Next year",
        owner_id=s["lead"].id, due_date=today + timedelta(days=40),
    )  # fmt: skip
    session.add_all([soon, late, done, later])
    session.flush()
    assert plan.send_reminders(session) == 2
    assert plan.send_reminders(session) == 0
    stages = sorted(
        session.execute(
            select(EquityActionReminder.action_id, EquityActionReminder.stage)
        ).all()
    )
    assert stages == sorted([(soon.id, "due_soon"), (late.id, "overdue")])
    subjects = sorted(session.scalars(select(EmailMessage.subject)))
    assert subjects == ["Due soon: Order hotspots", "Overdue: Budget repairs"]


def test_a_second_cycle_shows_change_per_area_and_divide_in_a_chart_and_table(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    first = _team(session, s)
    for indicator_id in INDICATORS:
        session.add(
            EquityConsensus(cycle_id=first.id, indicator_id=indicator_id, level=1)
        )
    session.flush()
    lead = _browser(app, s["lead"])
    started = lead.post("/district/equity/cycles", data={"cycle-name": "Spring 2027"})
    assert started.status_code == 303
    duplicate = lead.post("/district/equity/cycles", data={"cycle-name": "Spring 2027"})
    assert duplicate.status_code == 422
    second = session.scalars(
        select(EquityCycle).where(EquityCycle.name == "Spring 2027")
    ).one()
    access = {"team-voices", "classroom-access", "infrastructure", "access-monitoring"}
    for indicator_id in INDICATORS:
        level = 3 if indicator_id in access else 1
        session.add(
            EquityConsensus(cycle_id=second.id, indicator_id=indicator_id, level=level)
        )
    session.flush()
    page = lead.get("/district/equity").get_data(as_text=True)
    assert len(page.encode()) < 60_000
    assert "<svg" in page and 'role="img"' in page
    assert "Consensus by divide" in page
    table = page[page.index('id="by-divide-title"') :]
    access_row = table[table.index('<th scope="row">Access</th>') :][:200]
    assert "<td>1.0</td><td>3.0</td>" in access_row
    # The first cycle is closed: ratings there are refused.
    closed = lead.post(f"/district/equity/cycles/{first.id}/rate", data=_ratings(2))
    assert closed.status_code == 422 or "closed" in text(closed)
    assert "This cycle is closed" in text(closed)


def test_school_leaders_read_but_do_not_change_and_other_staff_are_refused(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    cycle = _team(session, s)
    leader = _browser(app, s["leader"])
    assert leader.get("/district/equity").status_code == 200
    assert leader.get(f"/district/equity/cycles/{cycle.id}").status_code == 200
    plan_page = text(leader.get("/district/equity/plan"))
    assert "Add an action" not in plan_page
    assert (
        leader.post(
            "/district/equity/plan/goals",
            data={"goal-area": "classroom", "goal-text": "Sneaky goal"},
        ).status_code
        == 403
    )
    started = leader.post("/district/equity/cycles", data={"cycle-name": "Mine"})
    assert started.status_code == 403
    assert session.scalar(select(func.count(EquityGoal.id))) == 0
    assert leader.post("/district/equity/team", data={}).status_code == 403
    assert leader.get(f"/district/equity/cycles/{cycle.id}/rate").status_code == 403
    teacher = _browser(app, s["outsider"])
    assert teacher.get("/district/equity").status_code == 403
    assert teacher.get("/district/equity/plan.csv").status_code == 403


def test_another_districts_cycle_plan_and_items_are_not_found(
    app: Flask, session: Session
) -> None:
    s = _district(session)
    cycle = _team(session, s)
    goal = EquityGoal(cycle_id=cycle.id, area_id="classroom", text="Theirs")
    action = EquityAction(
        cycle_id=cycle.id, area_id="classroom", title="Their action",
        owner_id=s["ana"].id, due_date=utcnow().date(),
    )  # fmt: skip
    session.add_all([goal, action])
    session.flush()
    member = session.scalars(select(EquityTeamMember)).first()
    assert member is not None
    other = UserFactory(district_admin=True)
    browser = _browser(app, other)
    assert browser.get(f"/district/equity/cycles/{cycle.id}").status_code == 404
    assert browser.get(f"/district/equity/cycles/{cycle.id}/rate").status_code == 404
    assert (
        browser.post(f"/district/equity/cycles/{cycle.id}/consensus").status_code == 404
    )
    assert browser.get(f"/district/equity/plan/actions/{action.id}").status_code == 404
    assert (
        browser.post(f"/district/equity/plan/goals/{goal.id}/remove").status_code == 404
    )
    assert browser.post(f"/district/equity/team/{member.id}/remove").status_code == 404
    # Their own district has no cycle yet: they are sent to start one, never shown
    # this district's plan.
    theirs = browser.get("/district/equity/plan")
    assert theirs.status_code == 303
    assert theirs.headers["Location"].endswith("/district/equity")
    assert "Their action" not in text(browser.get("/district/equity"))
    session.refresh(goal)
    assert goal.text == "Theirs"
