"""The whole journey of a teacher who reads PD Hub in Spanish, on the demo site: the
catalog, the lessons, the knowledge check, the evidence, the coach's feedback, the
badge and the transcript, every page without a sentence of the English interface;
the coach reviews the same submission in English; each gets email in their own
language.

The check for leaks is general: every message of the catalog (messages.po) longer
than three words, in English, must not appear in a page a Spanish reader sees (and
every Spanish message must not appear in the coach's English pages).
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable
from pathlib import Path

import pyotp
import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub import demo
from pdhub.credentials.models import IssuedCredential
from pdhub.extensions import db
from pdhub.i18n import TRANSLATIONS_PATH
from pdhub.learning.models import Enrollment, Module
from pdhub.submissions.models import Submission
from tests.functional.journeys import PDF_BYTES, correct_answers

ES = {"Accept-Language": "es-MX,es;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}

#: English that a Spanish page may show, each with the reason.
ALLOWED_ENGLISH: dict[str, str] = {
    # The name of a standards framework, written in English by its authors.
    "ISTE Standards for Educators": "a standard's proper name",
}


def _fragments(message: str) -> Iterable[str]:
    """The literal stretches of a message between its placeholders and HTML tags."""
    for part in re.split(r"%\([a-z_]+\)[sd]|%[sd]|<[^>]+>", message):
        part = " ".join(part.split()).strip(" .,:;()\"'«»")
        if len(part.split()) > 3:
            yield part


def _catalog() -> list[tuple[str, str]]:
    """(English, Spanish) of every message in the Spanish catalog."""
    path = TRANSLATIONS_PATH / "es" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = (
            message.string if isinstance(message.string, tuple) else (message.string,)
        )
        for english in ids:
            for spanish in strings:
                pairs.append((english, spanish))
    return pairs


CATALOG = _catalog()
ENGLISH = sorted(
    {f for english, _ in CATALOG for f in _fragments(english)} - set(ALLOWED_ENGLISH)
)
SPANISH = sorted({f for _, spanish in CATALOG for f in _fragments(spanish)})


def readable(body: str) -> str:
    """What a reader meets on a page: its text and the words of its alt, title,
    aria-label and placeholder attributes, entities decoded, spaces collapsed."""
    attributes = re.findall(
        r'\s(?:alt|title|aria-label|placeholder)="([^"]*)"', body, flags=re.I
    )
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", body, flags=re.S)
    words = re.sub(r"<[^>]+>", " ", body)
    return " ".join(html.unescape(" ".join([words, *attributes])).split())


def assert_no_english(page: str, where: str) -> None:
    leaks = [sentence for sentence in ENGLISH if sentence in page]
    assert not leaks, f"English on the Spanish {where}: {leaks}"


def assert_no_spanish(page: str, where: str) -> None:
    leaks = [sentence for sentence in SPANISH if sentence in page]
    assert not leaks, f"Spanish on the English {where}: {leaks}"


def visit(client: FlaskClient, url: str, headers: dict[str, str]) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return readable(response.get_data(as_text=True))


def spanish_page(client: FlaskClient, url: str) -> str:
    page = visit(client, url, ES)
    assert_no_english(page, url)
    return page


def english_page(client: FlaskClient, url: str) -> str:
    page = visit(client, url, EN)
    assert_no_spanish(page, url)
    return page


def mails(mail_log: Path, to: str) -> list[str]:
    """The subject lines and bodies mailed to ``to``, oldest first."""
    found = []
    for message in mail_log.read_text(encoding="utf-8").split("-" * 72):
        if f"\nTo: {to}\n" in message:
            found.append(" ".join(message.split("Message-ID:")[0].split()[4:]) + " ")
            found[-1] += " ".join(message.split("\n\n", 1)[-1].split())
    return found


def test_the_leak_check_finds_english_and_spanish_sentences() -> None:
    """The lists are the catalog's: the check is as wide as the interface."""
    assert len(ENGLISH) > 300 and len(SPANISH) > 300
    assert "Check my answers" not in ENGLISH  # three words: too short to be a sentence
    page = readable(
        '<p>Hola</p><img alt="Modules you complete appear here, with their PD hours.">'
    )
    with pytest.raises(AssertionError, match="Modules you complete appear here"):
        assert_no_english(page, "sample")


@pytest.fixture
def demo_site(app: Flask, session: Session, mail_log: Path) -> Path:
    with app.app_context():
        demo.prepare(db.session, app.config["PDHUB_MODULES_PATH"])
        db.session.commit()
    mail_log.unlink(missing_ok=True)
    return mail_log


def test_a_spanish_teacher_does_the_whole_journey_and_an_english_coach_reviews(
    app: Flask, session: Session, demo_site: Path
) -> None:
    mail_log = demo_site
    marisol = demo.SPANISH_ACCOUNTS[0]
    coach_account = next(a for a in demo.ACCOUNTS if a.role.value == "coach")
    module = session.scalar(
        select(Module).where(
            Module.slug == "digital-equity-classroom", Module.is_current.is_(True)
        )
    )
    assert module is not None
    spanish = module.translations["es"]
    enrollment = session.scalar(
        select(Enrollment)
        .join(Enrollment.user)
        .where(Enrollment.module_id == module.id)
        .where(Enrollment.user.has(email=marisol.email))
    )
    assert enrollment is not None and enrollment.language == "es"

    teacher = app.test_client()
    response = teacher.post(
        "/signin",
        data={"email": marisol.email, "password": marisol.password},
        headers=ES,
    )
    assert response.status_code == 303

    # Dashboard and catalog: the module by its Spanish title.
    page = spanish_page(teacher, "/dashboard")
    assert spanish["title"] in page and module.title not in page
    page = spanish_page(teacher, "/modules")
    assert spanish["title"] in page
    page = spanish_page(teacher, f"/modules/{module.slug}")
    assert spanish["title"] in page and spanish["badge"]["name"] in page

    # Every lesson, in Spanish.
    lessons = [lesson.slug for lesson in module.lessons]
    for number, slug in enumerate(lessons, start=1):
        url = f"/learn/{enrollment.id}/lessons/{slug}"
        page = spanish_page(teacher, url)
        assert f"Lección {number} de {len(lessons)}" in page
        assert spanish["lessons"][slug]["title"] in page
        response = teacher.post(f"{url}/complete", headers=ES)
        assert response.status_code == 303

    # The knowledge check: a blank form first (named problems in Spanish), then passed.
    quiz_url = f"/learn/{enrollment.id}/quiz"
    page = spanish_page(teacher, quiz_url)
    first_question = next(iter(spanish["quiz"].values()))
    assert first_question["prompt"] in page
    response = teacher.post(quiz_url, data={}, headers=ES)
    assert response.status_code == 422
    assert_no_english(readable(response.get_data(as_text=True)), "blank quiz")
    response = teacher.post(quiz_url, data=correct_answers(module.quiz), headers=ES)
    assert response.status_code == 303
    page = spanish_page(teacher, response.headers["Location"])
    assert "Obtuvo un 100 %" in page

    # Evidence: written in Spanish, a link and a PDF, submitted; screening passes it.
    evidence = module.evidence
    words = " ".join(
        ["aula"]
        * max(evidence["context"]["min_words"], evidence["reflection"]["min_words"])
    )
    evidence_url = f"/learn/{enrollment.id}/evidence"
    page = spanish_page(teacher, evidence_url)
    assert spanish["evidence"]["context"]["prompt"].split("\n")[0][:40] in page
    response = teacher.post(
        evidence_url,
        data={
            "context": words,
            "reflection": words,
            "link_url": "https://example.org/mi-leccion",
            "link_title": "Mi lección rediseñada",
            "upload": (io.BytesIO(PDF_BYTES), "plan-de-leccion.pdf"),
            "action": "submit",
        },
        content_type="multipart/form-data",
        headers=ES,
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = spanish_page(teacher, evidence_url)
    assert "En revisión" in page
    submission_id = session.scalar(
        select(Submission.id).where(Submission.enrollment_id == enrollment.id)
    )

    # The coach, in English: the queue and the review name the module in English.
    coach = app.test_client()
    coach.post(
        "/signin",
        data={"email": coach_account.email, "password": coach_account.password},
        headers=EN,
    )
    coach.post(
        "/signin/code",
        data={"code": pyotp.TOTP(coach_account.totp_secret).now()},
        headers=EN,
    )
    queue = english_page(coach, "/review")
    assert "Marisol Rivera" in queue and module.title in queue
    assert spanish["title"] not in queue
    response = coach.post(f"/review/{submission_id}/claim", headers=EN)
    assert response.status_code == 303
    review_url = f"/review/{submission_id}"
    page = english_page(coach, review_url)
    assert module.title in page and spanish["title"] not in page
    levels = re.findall(
        r'name="(level_[\w-]+)" type="radio" value="proficient"',
        coach.get(review_url, headers=EN).get_data(as_text=True),
    )
    assert len(levels) >= 3
    data = dict.fromkeys(levels, "proficient")
    data["decision"] = "passed"
    data["overall_feedback"] = "Clear redesign: every student built on the laptop."
    response = coach.post(review_url, data=data, headers=EN)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    english_page(coach, "/dashboard")

    # Back to Marisol: the feedback, her notifications, the badge and the transcript.
    page = spanish_page(teacher, f"/submissions/{submission_id}")
    assert "Aprobada" in page
    assert "Clear redesign: every student built on the laptop." in page
    page = spanish_page(teacher, "/notifications")
    assert spanish["title"] in page and module.title not in page
    page = spanish_page(teacher, "/badges")
    assert spanish["badge"]["name"] in page and module.badge_name not in page
    credential = session.scalar(
        select(IssuedCredential).where(IssuedCredential.user_id == enrollment.user_id)
    )
    assert credential is not None
    achievement = credential.document["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == "es"
    assert achievement["name"] == spanish["badge"]["name"]
    page = spanish_page(teacher, f"/credentials/{credential.id}")
    assert spanish["badge"]["name"] in page
    page = spanish_page(teacher, "/learn")
    assert spanish["title"] in page and module.title not in page
    page = spanish_page(teacher, "/transcript")
    assert spanish["title"] in page and module.title not in page
    hours = f"{module.hours:g}".replace(".", ",")
    assert hours in page
    rows = list(
        csv.reader(io.StringIO(teacher.get("/transcript.csv", headers=ES).text))
    )
    assert rows[0][0] == "Módulo" and rows[1][0] == spanish["title"]

    # Email: Marisol's in Spanish (even the one the English coach's decision sent),
    # the coach's daily summary in English.
    for message in mails(mail_log, marisol.email):
        assert_no_english(message, "email to Marisol")
        assert module.title not in message
    assert any(spanish["badge"]["name"] in m for m in mails(mail_log, marisol.email))
    assert len(mails(mail_log, marisol.email)) >= 3  # with a coach, passed, badge
    from pdhub.review import service as review

    with app.app_context():
        review.send_coach_digests(db.session)
        db.session.commit()
    (digest,) = mails(mail_log, coach_account.email)
    assert_no_spanish(digest, "email to the coach")
    assert "waiting for your review" in digest


def test_wtforms_own_messages_follow_the_reader(
    client: FlaskClient, session: Session
) -> None:
    """A built-in WTForms message (hours that are not a number, in the catalog's
    filter) in plain Spanish for a Spanish reader, in English for an English one."""
    from tests.factories import UserFactory
    from tests.helpers import sign_in

    sign_in(client, UserFactory())
    page = visit(client, "/modules?hours_min=mucho", ES)
    assert "Escriba un número." in page and "Not a valid decimal value." not in page
    page = visit(client, "/modules?hours_min=lots", EN)
    assert "Not a valid decimal value." in page and "Escriba un número." not in page


def test_staff_pages_name_modules_and_write_hours_in_the_readers_language(
    client: FlaskClient, session: Session
) -> None:
    """A coach or administrator who reads Spanish sees the Spanish title in the review
    queue, its filter and the turnaround report, and 1,5 h; in English, the English
    title and 1.5 h."""
    from datetime import timedelta

    from pdhub.db import utcnow
    from pdhub.review.models import Decision, Review
    from pdhub.submissions.states import SubmissionStatus
    from tests.factories import (
        CoachAssignmentFactory,
        DistrictFactory,
        EnrollmentFactory,
        ModuleFactory,
        SubmissionFactory,
        UserFactory,
    )
    from tests.helpers import sign_in

    district = DistrictFactory()
    module = ModuleFactory(
        title="Equity by design", translations={"es": {"title": "Equidad por diseño"}}
    )
    coach = UserFactory(coach=True, district=district)
    CoachAssignmentFactory(coach=coach, district=district)
    SubmissionFactory(
        enrollment=EnrollmentFactory(
            user=UserFactory(district=district), module=module
        ),
        in_review=True,
    )
    now = utcnow()
    done = SubmissionFactory(
        enrollment=EnrollmentFactory(
            user=UserFactory(district=district), module=module
        ),
        status=SubmissionStatus.PASSED,
        submitted_at=now - timedelta(minutes=90),
    )
    done.versions[0].submitted_at = now - timedelta(minutes=90)
    session.add(
        Review(
            version_id=done.versions[0].id,
            submission_id=done.id,
            coach_id=coach.id,
            scores={},
            decision=Decision.PASSED,
            started_at=now,
            decided_at=now,
        )
    )
    session.flush()

    sign_in(client, coach)
    queue = visit(client, "/review", ES)
    assert "Equidad por diseño" in queue and "Equity by design" not in queue
    queue = visit(client, "/review", EN)
    assert "Equity by design" in queue and "Equidad por diseño" not in queue

    client.post("/signout")
    sign_in(client, UserFactory(district_admin=True, district=district))
    report = visit(client, "/review/turnaround", ES)
    assert "Equidad por diseño" in report and "1,5 h" in report
    report = visit(client, "/review/turnaround", EN)
    assert "Equity by design" in report and "1.5 h" in report
