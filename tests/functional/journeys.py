"""Whole journeys across features, written once and run on PostgreSQL and SQLite."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
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
    response = browser.post(
        "/signin", data={"email": admin.email, "password": admin.password}
    )
    assert response.headers["Location"].startswith("/signin/code")
    code = pyotp.TOTP(admin.totp_secret).now()
    assert browser.post("/signin/code", data={"code": code}).status_code == 303
    assert browser.get("/district").status_code == 200
    response = browser.post(
        "/district/schools", data={"school-name": "Northside Academy"}
    )
    assert response.status_code == 303
    response = browser.post(
        "/district/invitations",
        data={
            "invite-email": "jordan@example.org",
            "invite-role": "teacher",
            "invite-school": "",
        },
    )
    assert response.status_code == 303
    page = browser.get("/district").get_data(as_text=True)
    assert "Northside Academy" in page and "jordan@example.org" in page

    link = re.search(r"http://localhost(/invitations/\S+)", mail_log.read_text()).group(
        1
    )
    teacher = app.test_client()
    response = teacher.post(
        link, data={"name": "Jordan Rivers", "password": "blue kites over the school"}
    )
    assert response.status_code == 303
    assert "Hello, Jordan" in teacher.get("/dashboard").get_data(as_text=True)
    teacher.post("/signout")
    assert teacher.get("/dashboard").status_code == 302
    response = teacher.post(
        "/signin",
        data={"email": "jordan@example.org", "password": "blue kites over the school"},
    )
    assert response.status_code == 303


# --- learning: catalog to submitted evidence ------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def correct_answers(quiz: dict) -> dict[str, list[str]]:
    """Form fields answering every question of a stored quiz correctly."""
    fields: dict[str, list[str]] = {}
    for question in quiz["questions"]:
        key = f"q-{question['id']}"
        if question["type"] in ("single", "multiple"):
            fields[key] = [c["id"] for c in question["choices"] if c.get("correct")]
        elif question["type"] == "text":
            fields[key] = [question["accepted"][0]]
        else:
            fields[key] = [f"{question['answer']:g}"]
    return fields


def learning_journey(app: Flask) -> None:
    """The demo teacher finds a module in the catalog, enrolls, reads every lesson,
    passes the knowledge check and submits evidence with a file and a link."""
    import io

    from pdhub.learning import importer
    from pdhub.learning.models import Module

    with app.app_context():
        demo.seed(db.session)
        for folder in importer.package_folders(app.config["PDHUB_MODULES_PATH"]):
            importer.import_folder(db.session, folder)
        db.session.commit()
        module = db.session.scalar(
            db.select(Module).where(Module.slug == "student-data-privacy")
        )
        quiz, evidence = module.quiz, module.evidence
        lesson_slugs = [lesson.slug for lesson in module.lessons]
        title = module.title
    teacher = next(a for a in demo.ACCOUNTS if a.role.value == "teacher")
    browser = app.test_client()
    assert (
        browser.post(
            "/signin", data={"email": teacher.email, "password": teacher.password}
        ).status_code
        == 303
    )

    page = browser.get("/modules?q=privacy").get_data(as_text=True)
    assert "/modules/student-data-privacy" in page
    page = browser.get("/modules/student-data-privacy").get_data(as_text=True)
    assert "Enroll in this module" in page and "Rubric" in page
    response = browser.post("/modules/student-data-privacy/enroll")
    assert response.status_code == 303
    location = response.headers["Location"]
    enrollment_id = int(re.search(r"/learn/(\d+)/lessons/", location).group(1))
    assert location.endswith(f"/lessons/{lesson_slugs[0]}")

    for number, slug in enumerate(lesson_slugs, start=1):
        lesson_url = f"/learn/{enrollment_id}/lessons/{slug}"
        page = browser.get(lesson_url).get_data(as_text=True)
        assert f"Lesson {number} of {len(lesson_slugs)}" in page
        response = browser.post(f"/learn/{enrollment_id}/lessons/{slug}/complete")
        assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/learn/{enrollment_id}/quiz")

    response = browser.post(f"/learn/{enrollment_id}/quiz", data=correct_answers(quiz))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "You scored 100%" in page and "Passed" in page

    words = " ".join(
        ["classroom"]
        * max(evidence["context"]["min_words"], evidence["reflection"]["min_words"])
    )
    response = browser.post(
        f"/learn/{enrollment_id}/evidence",
        data={
            "context": words,
            "reflection": words,
            "link_url": "https://example.org/my-lesson",
            "link_title": "My lesson",
            "upload": (io.BytesIO(PDF_BYTES), "lesson-plan.pdf"),
            "action": "submit",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    page = browser.get(f"/learn/{enrollment_id}/evidence").get_data(as_text=True)
    # Screening ran right after the commit (embedded default): complete, so a coach
    # will score it.
    assert "In review — waiting for a coach to score it" in page
    assert "lesson-plan.pdf" in page and "Submit for review" not in page
    file_url = re.search(r'href="(/files/\d+)"', page).group(1)
    download = browser.get(file_url)
    assert download.data == PDF_BYTES
    assert download.headers["Content-Disposition"].startswith("attachment")

    dashboard = browser.get("/dashboard").get_data(as_text=True)
    assert title in dashboard and "Your next step" in dashboard
    learning = browser.get("/learn").get_data(as_text=True)
    assert title in learning and "In progress" in learning


def coach_review_journey(app: Flask) -> None:
    """The demo coach finds the demo teachers' evidence waiting, claims Leo's, scores
    every criterion and passes it; Leo sees "Passed" with the feedback, and his
    enrollment earns its Award."""
    from sqlalchemy import func, select

    from pdhub.credentials.models import Award

    with app.app_context():
        demo.prepare(db.session, app.config["PDHUB_MODULES_PATH"])
        db.session.commit()
    coach = next(a for a in demo.ACCOUNTS if a.role.value == "coach")
    leo = demo.REVIEW_ACCOUNTS[0]
    browser = app.test_client()
    browser.post("/signin", data={"email": coach.email, "password": coach.password})
    browser.post("/signin/code", data={"code": pyotp.TOTP(coach.totp_secret).now()})
    queue = browser.get("/review").get_data(as_text=True)
    assert "2 submissions waiting" in queue, re.sub(r"\s+", " ", queue)[-2500:]
    assert queue.index("Leo Martinez") < queue.index("Priya Shah")
    assert "Sam Okafor" not in queue  # returned as incomplete: no coach time
    claim = re.search(r'action="(/review/\d+/claim)"', queue).group(1)
    review_url = browser.post(claim).headers["Location"]
    page = browser.get(review_url).get_data(as_text=True)
    criteria = re.findall(
        r'name="(level_[\w-]+)" type="radio" value="proficient"', page
    )
    assert len(criteria) >= 3
    data = dict.fromkeys(criteria, "proficient")
    data["decision"] = "passed"
    data["overall_feedback"] = "Clear redesign with evidence of impact."
    assert browser.post(review_url, data=data).status_code == 303

    teacher = app.test_client()
    teacher.post("/signin", data={"email": leo.email, "password": leo.password})
    submission_url = "/submissions/" + review_url.rsplit("/", 1)[1]
    status = teacher.get(submission_url).get_data(as_text=True)
    assert "Passed" in status and "Clear redesign with evidence of impact." in status
    with app.app_context():
        from pdhub.submissions.models import Submission

        reviewed = db.session.get(Submission, int(review_url.rsplit("/", 1)[1]))
        assert reviewed is not None
        # The passed submission's enrollment earned its one Award (Leo's other demo
        # badge, the one that expires soon, is another module's).
        earned = select(func.count(Award.id)).where(
            Award.enrollment_id == reviewed.enrollment_id
        )
        assert db.session.scalar(earned) == 1


# --- accounts nobody can take over (issue 14) -----------------------------------------


def _mail(mail_log: Path, to: str, path: str) -> list[str]:
    """The site paths of every ``path`` link mailed to ``to``, oldest first; each
    link must be on PDHUB_BASE_URL's origin."""
    found = []
    for message in mail_log.read_text().split("-" * 72):
        if f"To: {to}\n" not in message:
            continue
        for origin, rest in re.findall(r"(\S+?)(" + re.escape(path) + r"\S+)", message):
            assert origin == "http://localhost", origin + rest
            found.append(rest)
    return found


def account_security_journey(app: Flask, mail_log: Path) -> None:
    """Sign-up confirms the address before enrolling; a forged Host never reaches a
    reset email; a half-finished sign-in dies with a password change; changing the
    email needs the password and can be undone from the old address."""
    from pdhub.learning import importer
    from pdhub.learning.models import Module

    with app.app_context():
        demo.seed(db.session)
        folders = importer.package_folders(app.config["PDHUB_MODULES_PATH"])
        importer.import_folder(db.session, next(iter(folders)))
        db.session.commit()
        slug = db.session.scalar(db.select(Module.slug).limit(1))
    mail_log.unlink(missing_ok=True)

    # Sign-up: the address is confirmed by an emailed link before enrolling.
    newcomer = app.test_client()
    response = newcomer.post(
        "/signup",
        data={
            "name": "Nia Newcomer",
            "email": "Nia@Example.org",
            "password": "lanterns by the harbour",
        },
    )
    assert response.headers["Location"] == "/signin"
    newcomer.post(
        "/signin",
        data={"email": "nia@example.org", "password": "lanterns by the harbour"},
    )
    refused = newcomer.post(f"/modules/{slug}/enroll")
    assert refused.headers["Location"] == "/account/verify-email"
    (link,) = _mail(mail_log, "nia@example.org", "/account/verify-email/")
    assert newcomer.get(link).status_code == 303
    assert "/learn/" in newcomer.post(f"/modules/{slug}/enroll").headers["Location"]

    # A forged Host header: the reset link still points at PDHUB_BASE_URL.
    teacher = next(a for a in demo.ACCOUNTS if a.role.value == "teacher")
    app.test_client().post(
        "/password/forgot",
        data={"email": teacher.email},
        headers={"Host": "evil.example"},
    )
    assert len(_mail(mail_log, teacher.email, "/password/reset/")) == 1

    # Password checked, code pending; the owner changes the password meanwhile.
    coach = next(a for a in demo.ACCOUNTS if a.role.value == "coach")
    totp = pyotp.TOTP(coach.totp_secret)
    attacker = app.test_client()
    response = attacker.post(
        "/signin", data={"email": coach.email, "password": coach.password}
    )
    assert response.headers["Location"].startswith("/signin/code")
    owner = app.test_client()
    owner.post("/signin", data={"email": coach.email, "password": coach.password})
    assert owner.post("/signin/code", data={"code": totp.now()}).status_code == 303
    changed = owner.post(
        "/account/password",
        data={"pw-current_password": coach.password, "pw-password": "new tide pools"},
    )
    assert changed.status_code == 303
    late_code = totp.at(datetime.now(UTC) + timedelta(seconds=30))
    replay = attacker.post("/signin/code", data={"code": late_code})
    assert replay.headers["Location"] == "/signin"
    assert attacker.get("/review").status_code == 302

    # The email changes only with the password and the new address's link; the old
    # address can undo it.
    browser = app.test_client()
    browser.post("/signin", data={"email": teacher.email, "password": teacher.password})
    form = {"name": teacher.name, "email": "maya.new@example.org"}
    assert browser.post("/account", data=form).status_code == 422
    form["confirm"] = teacher.password
    assert browser.post("/account", data=form).status_code == 303
    (confirm,) = _mail(mail_log, "maya.new@example.org", "/account/verify-email/")
    assert browser.get(confirm).status_code == 303
    (undo,) = _mail(mail_log, teacher.email, "/account/undo/")
    assert browser.post(undo).status_code == 303
    assert browser.get("/dashboard").status_code == 302
    signed_in = app.test_client().post(
        "/signin", data={"email": teacher.email, "password": teacher.password}
    )
    assert signed_in.status_code == 303


def account_throttle_journey(app: Flask) -> None:
    """Failed passwords pause the account, whatever Unicode look-alike or letter case
    the address is typed in, and wrong codes count on the same account."""
    with app.app_context():
        demo.seed(db.session)
        db.session.commit()
    coach = next(a for a in demo.ACCOUNTS if a.role.value == "coach")
    local, domain = coach.email.split("@")
    # A full-width first letter of the domain: NFKC makes it the same address.
    look_alike = f"{local}@{chr(ord(domain[0]) - ord('a') + 0xFF41)}{domain[1:]}"
    browser = app.test_client()
    response = browser.post(
        "/signin", data={"email": look_alike, "password": coach.password}
    )
    assert response.headers["Location"].startswith("/signin/code")
    for n in range(4):
        wrong = browser.post(
            "/signin/code", data={"code": "000000", "email": f"decoy{n}@example.org"}
        )
        assert wrong.status_code == 401
    wrong = app.test_client().post(
        "/signin", data={"email": coach.email.upper(), "password": "not it at all"}
    )
    assert wrong.status_code == 401
    paused = app.test_client().post(
        "/signin", data={"email": look_alike, "password": coach.password}
    )
    assert paused.status_code == 429
