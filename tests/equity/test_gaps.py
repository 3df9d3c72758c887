"""From gaps to professional learning: modules declare the equity areas and divides
they address (validated), the district sees those that address its gaps, and the
administrator assigns one to a school in one step."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub.config import MODULES_PATH
from pdhub.db import utcnow
from pdhub.districts.models import Assignment, AssignmentTarget
from pdhub.equity import instrument as instrument_file
from pdhub.equity.models import EquityConsensus, EquityCycle
from pdhub.learning.packages import load_package, validate_package
from tests.factories import ModuleFactory, SchoolFactory, UserFactory
from tests.helpers import sign_in, text

INSTRUMENT = instrument_file.load("en")


def _gap_in_classroom_use(session: Session, district_id: int) -> EquityCycle:
    cycle = EquityCycle(district_id=district_id, name="Fall", instrument_version="1")
    session.add(cycle)
    session.flush()
    for indicator in INSTRUMENT.indicators:
        gap = indicator.area_id == "classroom" and indicator.divide == "use"
        session.add(
            EquityConsensus(
                cycle_id=cycle.id, indicator_id=indicator.id, level=1 if gap else 3
            )
        )
    session.flush()
    return cycle


def test_the_administrator_assigns_a_module_that_addresses_a_gap_to_a_school(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    district = admin.district
    north = SchoolFactory(district=district, name="North School")
    fits = ModuleFactory(
        title="Active Use Studio", equity={"areas": ["classroom"], "divides": ["use"]}
    )
    ModuleFactory(
        title="Budget Planning", equity={"areas": ["conditions"], "divides": ["use"]}
    )
    ModuleFactory(title="Unrelated Module")
    _gap_in_classroom_use(session, district.id)
    browser = app.test_client()
    sign_in(browser, admin)
    page = text(browser.get("/district/equity"))
    gaps = page[page.index("From gaps to professional learning") :]
    assert "Active Use Studio" in gaps
    assert "Digital equity in the classroom · Use (Beginning)" in gaps
    assert "Budget Planning" not in gaps and "Unrelated Module" not in gaps
    due = (utcnow().date() + timedelta(days=14)).isoformat()
    response = browser.post(
        "/district/equity/assign",
        data={"module": fits.slug, "school": str(north.id), "due": due},
    )
    assert response.status_code == 303, text(response)[:2000]
    assignment = session.scalars(select(Assignment)).one()
    assert assignment.module_slug == fits.slug
    assert assignment.target is AssignmentTarget.SCHOOL
    assert assignment.school_id == north.id
    assert "Assigned" in text(browser.get("/district/equity"))
    refused = browser.post(
        "/district/equity/assign",
        data={"module": "unrelated-module", "school": "", "due": due},
    )
    assert refused.status_code == 422
    assert "Choose a module recommended for one of your gaps." in text(refused)
    assert session.scalar(select(func.count(Assignment.id))) == 1


def test_a_school_leader_sees_the_recommendations_but_cannot_assign(
    app: Flask, session: Session
) -> None:
    leader = UserFactory(school_leader=True)
    fits = ModuleFactory(
        title="Active Use Studio", equity={"areas": ["classroom"], "divides": ["use"]}
    )
    _gap_in_classroom_use(session, leader.district_id)
    browser = app.test_client()
    sign_in(browser, leader)
    page = text(browser.get("/district/equity"))
    assert "Active Use Studio" in page
    assert "Assign Active Use Studio" not in page
    due = (utcnow().date() + timedelta(days=14)).isoformat()
    response = browser.post(
        "/district/equity/assign", data={"module": fits.slug, "school": "", "due": due}
    )
    assert response.status_code == 403
    assert session.scalar(select(func.count(Assignment.id))) == 0


def test_a_module_may_declare_only_areas_of_the_self_assessment(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "udl-assistive-technology"
    shutil.copytree(MODULES_PATH / "udl-assistive-technology", folder)
    assert load_package(folder).equity_areas == ("classroom",)
    manifest = folder / "module.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "areas: [classroom]", "areas: [classroom, cafeteria]"
        ),
        encoding="utf-8",
    )
    problems = [str(p) for p in validate_package(folder)]
    assert any(
        "'cafeteria' is not an area of the equity self-assessment" in p
        for p in problems
    ), problems
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "divides: [access, design]", "divides: [bandwidth]"
        ),
        encoding="utf-8",
    )
    assert any("bandwidth" in str(p) for p in validate_package(folder))
