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
