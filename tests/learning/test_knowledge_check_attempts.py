"""Knowledge checks that never lock a teacher out for good: each try draws its own
paper (shuffled questions and options, possibly fewer questions than the module
defines), a failed try says what to review without giving the answers away, and a
coach or district administrator can give more tries, on the record, telling the
teacher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.db import utcnow
from pdhub.learning import service
from pdhub.learning.models import QuizAttempt, QuizAttemptGrant
from pdhub.learning.packages import validate_package
from pdhub.notifications.models import EmailMessage, Notification
from tests.factories import (
    CoachAssignmentFactory,
    DistrictFactory,
    EnrollmentFactory,
    ModuleFactory,
    UserFactory,
)
from tests.helpers import sign_in, text
from tests.learning.test_packages import edit, problem_for, write_sample


def _single(qid: str, lesson: str | None = None) -> dict[str, Any]:
    question: dict[str, Any] = {
        "id": qid,
        "type": "single",
        "prompt": f"Question {qid}: pick the right one.",
        "choices": [
            {"id": "right", "text": f"Right for {qid}", "correct": True},
            {"id": "w1", "text": f"Wrong one for {qid}"},
            {"id": "w2", "text": f"Wrong two for {qid}"},
            {"id": "w3", "text": f"Wrong three for {qid}"},
        ],
        "feedback": {
            "correct": "Well done.",
            "incorrect": f"The answer was right-{qid}.",
        },
    }
    if lesson:
        question["lesson"] = lesson
    return question


def _module(per_attempt: int | None = 5, questions: int = 7) -> Any:
    quiz: dict[str, Any] = {
        "passing_score": 80,
        "max_attempts": 3,
        "questions": [
            _single(f"q{n}", lesson="lesson-2" if n == 1 else None)
            for n in range(1, questions + 1)
        ],
    }
    if per_attempt:
        quiz["questions_per_attempt"] = per_attempt
    return ModuleFactory(quiz=quiz)


def _answers(paper: Any, right: bool) -> dict[str, str]:
    return {f"q-{q.id}": "right" if right else "w1" for q in paper.questions}


@pytest.fixture
def teacher(session: Session) -> Any:
    return UserFactory(name="Tess Teacher")


@pytest.fixture
def browser(client: FlaskClient, teacher: Any) -> FlaskClient:
    sign_in(client, teacher)
    return client


def test_each_try_asks_its_own_shuffled_paper_of_the_set_size(
    session: Session, browser: FlaskClient, teacher: Any
) -> None:
    enrollment = EnrollmentFactory(user=teacher, module=_module(per_attempt=5))
    first = service.next_paper(session, enrollment)
    assert len(first.questions) == 5
    # The same try shows the same paper every time its page is drawn.
    page = text(browser.get(f"/learn/{enrollment.id}/quiz"))
    assert page.count('class="question') == 5
    positions = [page.index(q.prompt) for q in first.questions]
    assert positions == sorted(positions)
    assert "5 questions" in page

    # A question that is not on this paper is refused with a clear message.
    skipped = {f"q{n}" for n in range(1, 8)} - {q.id for q in first.questions}
    answers = _answers(first, right=False)
    answers[f"q-{sorted(skipped)[0]}"] = "right"
    response = browser.post(f"/learn/{enrollment.id}/quiz", data=answers)
    assert response.status_code == 422
    assert "isn't in this knowledge check" in text(response)

    response = browser.post(
        f"/learn/{enrollment.id}/quiz", data=_answers(first, right=False)
    )
    assert response.status_code == 303
    attempt = session.scalars(select(QuizAttempt)).one()
    assert attempt.paper["questions"] == [q.id for q in first.questions]
    second = service.next_paper(session, enrollment)
    assert [q.id for q in second.questions] != [q.id for q in first.questions]


def test_options_are_shuffled_per_try_and_grading_follows_the_paper(
    session: Session, browser: FlaskClient, teacher: Any
) -> None:
    module = _module(per_attempt=None, questions=5)
    orders = set()
    for _ in range(6):
        enrollment = EnrollmentFactory(user=UserFactory(), module=module)
        paper = service.next_paper(session, enrollment)
        orders.add(tuple(c.id for q in paper.questions for c in q.choices))
    assert len(orders) > 1  # not the module's fixed order every time

    enrollment = EnrollmentFactory(user=teacher, module=_module(per_attempt=5))
    paper = service.next_paper(session, enrollment)
    response = browser.post(
        f"/learn/{enrollment.id}/quiz", data=_answers(paper, right=True)
    )
    page = text(browser.get(response.headers["Location"]))
    assert "You scored 100%" in page and "Passed" in page


def test_a_failed_try_names_what_to_review_and_never_the_answer(
    session: Session, browser: FlaskClient, teacher: Any
) -> None:
    enrollment = EnrollmentFactory(user=teacher, module=_module(per_attempt=None))
    paper = service.next_paper(session, enrollment)
    response = browser.post(
        f"/learn/{enrollment.id}/quiz", data=_answers(paper, right=False)
    )
    page = text(browser.get(response.headers["Location"]))
    assert "You scored 0%" in page and "Not yet" in page
    assert "The answer was" not in page
    # q1 names lesson-2: a link to it.
    link = f'<a href="/learn/{enrollment.id}/lessons/lesson-2">Lesson 2</a>'
    assert f"What to review: {link}" in page
    assert "the lessons of this module" in page  # questions naming no lesson


def _use_every_try(session: Session, enrollment: Any) -> None:
    for number in (1, 2, 3):
        paper = service.draw_paper(
            service.module_quiz(enrollment.module), enrollment.id, number
        )
        session.add(
            QuizAttempt(
                enrollment_id=enrollment.id,
                number=number,
                answers={},
                paper=service.paper_record(paper),
                status="graded",
                score_percent=20,
                passed=False,
                graded_at=utcnow(),
            )
        )
    session.flush()


def test_a_serving_coach_gives_another_try_on_the_record_and_the_teacher_is_told(
    session: Session, client: FlaskClient, teacher: Any
) -> None:
    district = teacher.district
    coach = UserFactory(coach=True, district=district, name="Carlos Coach")
    CoachAssignmentFactory(coach=coach, district=district)
    enrollment = EnrollmentFactory(user=teacher, module=_module())
    _use_every_try(session, enrollment)
    assert service.attempts_left(session, enrollment) == 0

    sign_in(client, coach)
    assert "1 teacher is out of knowledge-check tries" in text(client.get("/dashboard"))
    listing = text(client.get("/learn/out-of-tries"))
    assert "Tess Teacher" in listing and "3 tries used" in listing
    response = client.post(
        f"/learn/{enrollment.id}/quiz/grant",
        data={"note": "Reread lesson 2 first."},
    )
    assert response.status_code == 303
    assert "can try the knowledge check" in text(client.get("/learn/out-of-tries"))

    grant = session.scalars(select(QuizAttemptGrant)).one()
    assert (grant.granted_by_id, grant.attempts) == (coach.id, 1)
    assert grant.note == "Reread lesson 2 first."
    assert service.attempts_left(session, enrollment) == 1
    note = session.scalars(
        select(Notification).where(Notification.user_id == teacher.id)
    ).one()
    assert "Carlos Coach gave you another attempt" in note.message
    mail = session.scalars(
        select(EmailMessage).where(EmailMessage.to == teacher.email)
    ).one()
    assert "Reread lesson 2 first." in mail.body

    # Granting again while a try is left changes nothing.
    client.post(f"/learn/{enrollment.id}/quiz/grant", data={"note": ""})
    assert len(session.scalars(select(QuizAttemptGrant)).all()) == 1

    teacher_browser = client.application.test_client()
    sign_in(teacher_browser, teacher)
    page = text(teacher_browser.get(f"/learn/{enrollment.id}/quiz"))
    assert "You have 1 of 4 tries left" in page
    paper = service.next_paper(session, enrollment)
    response = teacher_browser.post(
        f"/learn/{enrollment.id}/quiz", data=_answers(paper, right=True)
    )
    assert response.status_code == 303
    assert session.scalars(select(QuizAttempt).where(QuizAttempt.number == 4)).one()


def test_only_people_who_serve_the_teacher_can_give_tries(
    session: Session, client: FlaskClient, teacher: Any
) -> None:
    enrollment = EnrollmentFactory(user=teacher, module=_module())
    _use_every_try(session, enrollment)
    other_district = DistrictFactory()
    unassigned_coach = UserFactory(coach=True, district=teacher.district)
    elsewhere_coach = UserFactory(coach=True, district=other_district)
    CoachAssignmentFactory(coach=elsewhere_coach, district=other_district)
    elsewhere_admin = UserFactory(district_admin=True, district=other_district)
    own_admin = UserFactory(district_admin=True, district=teacher.district)

    for outsider in (unassigned_coach, elsewhere_coach, elsewhere_admin):
        browser = client.application.test_client()
        sign_in(browser, outsider)
        assert "Tess Teacher" not in text(browser.get("/learn/out-of-tries"))
        response = browser.post(f"/learn/{enrollment.id}/quiz/grant", data={})
        assert response.status_code == 404
    peer = UserFactory(district=teacher.district)
    browser = client.application.test_client()
    sign_in(browser, peer)
    assert browser.post(f"/learn/{enrollment.id}/quiz/grant").status_code == 403
    assert browser.get("/learn/out-of-tries").status_code == 403
    assert session.scalars(select(QuizAttemptGrant)).all() == []

    browser = client.application.test_client()
    sign_in(browser, own_admin)
    assert "Tess Teacher" in text(browser.get("/learn/out-of-tries"))
    assert browser.post(f"/learn/{enrollment.id}/quiz/grant").status_code == 303
    assert session.scalars(select(QuizAttemptGrant)).one().granted_by_id == own_admin.id


def test_the_module_format_checks_papers_and_lessons(tmp_path: Path) -> None:
    sample = write_sample(tmp_path / "sample-module")
    edit(
        sample, "  max_attempts: 3\n", "  max_attempts: 3\n  questions_per_attempt: 9\n"
    )
    edit(
        sample,
        '      feedback: {correct: "Yes.", incorrect: "It is a."}\n',
        "      lesson: nowhere\n"
        '      feedback: {correct: "Yes.", incorrect: "It is a."}\n',
    )
    problems = validate_package(sample)
    assert (
        "the module has only"
        in problem_for(problems, "quiz.questions_per_attempt").message
    )
    assert "nowhere" in problem_for(problems, "quiz.questions[0].lesson").message
