"""Whole journeys across features, written once and run on PostgreSQL and SQLite."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
from flask import Flask

from pdhub import demo
from pdhub.extensions import db


def district_onboarding_journey(app: Flask, mail_log: Path) -> None:
    """The demo district admin signs in with two-factor, adds a school and invites a
    teacher, who accepts, signs out, and signs back in."""
    with app.app_context():
        demo.seed(db.session)
        db.session.commit()
    admin = next(a for a in demo.ACCOUNTS if a.role.value == "district_admin")
    browser = app.test_client()
    response = browser.post("/signin", data={"email": admin.email,
                                              "password": admin.password})
    assert response.headers["Location"].startswith("/signin/code")
    code = pyotp.TOTP(admin.totp_secret).now()
    assert browser.post("/signin/code", data={"code": code}).status_code == 303
    assert browser.get("/district").status_code == 200
    response = browser.post("/district/schools", data={"school-name": "Northside Academy"})
    assert response.status_code == 303
    response = browser.post("/district/invitations", data={
        "invite-email": "jordan@example.org", "invite-role": "teacher",
        "invite-school": ""})
    assert response.status_code == 303
    page = browser.get("/district").get_data(as_text=True)
    assert "Northside Academy" in page and "jordan@example.org" in page

    link = re.search(r"http://localhost(/invitations/\S+)", mail_log.read_text()).group(1)
    teacher = app.test_client()
    response = teacher.post(link, data={"name": "Jordan Rivers",
                                        "password": "blue kites over the school"})
    assert response.status_code == 303
    assert "Hello, Jordan" in teacher.get("/dashboard").get_data(as_text=True)
    teacher.post("/signout")
    assert teacher.get("/dashboard").status_code == 302
    response = teacher.post("/signin", data={"email": "jordan@example.org",
                                             "password": "blue kites over the school"})
    assert response.status_code == 303


def coach_review_journey(app: Flask) -> None:
    """The demo coach finds the demo teachers' evidence waiting, claims Leo's, scores
    every criterion and passes it; Leo sees "Passed" with the feedback, and his
    enrollment earns its Award."""
    from sqlalchemy import func, select

    from pdhub.credentials.models import Award

    with app.app_context():
        demo.seed(db.session)
        db.session.commit()
    coach = next(a for a in demo.ACCOUNTS if a.role.value == "coach")
    leo = demo.REVIEW_ACCOUNTS[0]
    browser = app.test_client()
    browser.post("/signin", data={"email": coach.email, "password": coach.password})
    browser.post("/signin/code", data={"code": pyotp.TOTP(coach.totp_secret).now()})
    queue = browser.get("/review").get_data(as_text=True)
    assert "2 submissions waiting" in queue
    assert queue.index("Leo Martinez") < queue.index("Priya Shah")
    assert "Sam Okafor" not in queue  # returned as incomplete: no coach time
    claim = re.search(r'action="(/review/\d+/claim)"', queue).group(1)
    review_url = browser.post(claim).headers["Location"]
    page = browser.get(review_url).get_data(as_text=True)
    criteria = re.findall(r'name="(level_[\w-]+)" type="radio" value="proficient"', page)
    assert len(criteria) >= 3
    data = {name: "proficient" for name in criteria}
    data["decision"] = "passed"
    data["overall_feedback"] = "Clear redesign with evidence of impact."
    assert browser.post(review_url, data=data).status_code == 303

    teacher = app.test_client()
    teacher.post("/signin", data={"email": leo.email, "password": leo.password})
    submission_url = "/submissions/" + review_url.rsplit("/", 1)[1]
    status = teacher.get(submission_url).get_data(as_text=True)
    assert "Passed" in status and "Clear redesign with evidence of impact." in status
    with app.app_context():
        assert db.session.scalar(select(func.count(Award.id))) == 1
