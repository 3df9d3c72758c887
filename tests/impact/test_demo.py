"""The demo's impact data: Dana, the demo district's administrator, sees real
figures for the module last term's cohort completed and "hidden" for the small
groups beside it; the demo assigns a module from an equity gap. Both seeds run twice
and change nothing the second time."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub import demo
from pdhub.accounts.models import User
from pdhub.districts.models import Assignment
from pdhub.equity import demo as equity_demo
from pdhub.impact import demo as impact_demo
from pdhub.impact.models import ModuleFeedback, SurveyResponse
from pdhub.learning import importer
from tests.helpers import sign_in, text

MODULES = Path(__file__).resolve().parents[2] / "modules"
HIDDEN = "fewer than 10 people — hidden to protect privacy"
DANA = demo.ACCOUNTS[2]


def _row(page: str, heading: str) -> str:
    """The table row whose header cell is ``heading``, tags stripped."""
    found = re.search(
        r"<tr>\s*<th scope=\"row\">[^<]*" + re.escape(heading) + r".*?</tr>", page, re.S
    )
    assert found, heading
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def _counts(session: Session) -> tuple[int | None, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (User, SurveyResponse, ModuleFeedback, Assignment)
    )


def _demo_district(session: Session) -> object:
    district, _accounts = demo.seed(session)
    for slug in (
        impact_demo.COHORT_MODULE,
        demo.CREDENTIAL_DEMO_MODULE,
        equity_demo.GAP_MODULE,
    ):
        importer.import_folder(session, MODULES / slug)
    # Maya completes the digital-citizenship module (the demo's badge), alone.
    demo.seed_credentials_demo(session)
    return district


def test_dana_sees_the_cohorts_figures_and_the_small_groups_hidden(
    app: Flask, session: Session
) -> None:
    district = _demo_district(session)
    impact_demo.seed(session, district)  # type: ignore[arg-type]
    before = _counts(session)
    impact_demo.seed(session, district)  # type: ignore[arg-type]
    assert _counts(session) == before  # idempotent
    dana = session.scalar(select(User).where(User.email == DANA.email))
    assert dana is not None
    browser = app.test_client()
    sign_in(browser, dana, DANA.password)
    page = text(browser.get("/district/impact"))
    # Twelve teachers answered both surveys, rated the module and eleven said
    # whether they still use it: real averages.
    cohort = _row(page, "Closing the Digital Divides in Your Classroom")
    assert HIDDEN not in cohort
    assert re.search(r" 12 2\.0 3\.67 \+1\.67 12 ", cohort), cohort
    assert "4.0 (12 ratings)" in cohort
    assert "(11 answers)" in cohort
    # Maya alone completed digital citizenship: hidden, not shown as 1.
    assert HIDDEN in _row(page, "Digital Citizenship and Online Safety")
    # Ten of the cohort and Maya teach at the elementary school; two at Lakeview.
    assert HIDDEN not in _row(page, "Riverside Elementary School")
    assert " 11 " in _row(page, "Riverside Elementary School")
    assert HIDDEN in _row(page, "Lakeview Middle School")
    feedback = text(browser.get("/modules/digital-equity-classroom/feedback"))
    assert "12 ratings, 4.0 on average out of 5" in feedback
    assert "(10 reports)" in feedback
    assert "The broadband figures in this lesson are from 2019." in feedback


def test_the_demo_assigns_a_module_from_an_equity_gap(
    app: Flask, session: Session
) -> None:
    district = _demo_district(session)
    equity_demo.seed(session, district)  # type: ignore[arg-type]
    equity_demo.seed(session, district)  # idempotent
    dana = session.scalar(select(User).where(User.email == DANA.email))
    assert dana is not None
    [assigned] = session.scalars(
        select(Assignment).where(Assignment.module_slug == equity_demo.GAP_MODULE)
    ).all()
    assert assigned.created_by_id == dana.id
    browser = app.test_client()
    sign_in(browser, dana, DANA.password)
    page = text(browser.get("/district/equity"))
    gaps = page[page.index("From gaps to professional learning") :]
    assert re.search(r"<h3>Learning Together[^<]*<span[^>]*>Assigned</span>", gaps)
