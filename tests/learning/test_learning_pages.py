"""The catalog, module pages, lessons and knowledge checks as a teacher uses them."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.learning import service
from pdhub.learning.models import Enrollment, QuizAttempt, QuizAttemptStatus
from tests.factories import EnrollmentFactory, ModuleFactory, UserFactory
from tests.helpers import sign_in, text


@pytest.fixture
def teacher(session: Session):
    return UserFactory()


@pytest.fixture
def browser(client: FlaskClient, teacher) -> FlaskClient:
    sign_in(client, teacher)
    return client


def test_catalog_searches_filters_and_sorts(
    session: Session, browser: FlaskClient
) -> None:
    ModuleFactory(
        title="Accessible slides",
        hours=2.0,
        topics=["accessibility"],
        grade_bands=["K-2"],
        search_text="accessible slides screen readers",
    )
    ModuleFactory(
        title="Bias in AI tools",
        hours=5.0,
        topics=["ai"],
        grade_bands=["9-12"],
        search_text="bias in ai tools",
    )
    ModuleFactory(title="Old version", is_current=False, search_text="accessible old")
    page = text(browser.get("/modules?q=screen+readers"))
    assert "Accessible slides" in page and "Bias in AI tools" not in page
    assert "Old version" not in text(browser.get("/modules?q=accessible"))
    page = text(browser.get("/modules?topic=ai"))
    assert "Bias in AI tools" in page and "Accessible slides" not in page
    page = text(browser.get("/modules?grade_band=K-2"))
    assert "Accessible slides" in page and "Bias in AI tools" not in page
    page = text(browser.get("/modules?hours_min=3&hours_max=6"))
    assert "Bias in AI tools" in page and "Accessible slides" not in page
    page = text(browser.get("/modules?sort=hours"))
    assert page.index("Accessible slides") < page.index("Bias in AI tools")
    page = text(browser.get("/modules?q=%25"))  # a LIKE wildcard is just a character
    assert "0 modules" in page


def test_catalog_filters_by_standard_code(
    session: Session, browser: FlaskClient
) -> None:
    ModuleFactory(
        title="Aligned",
        standards=[
            {"framework": "ISTE", "code": "2.7.a", "name": "Analyst: x", "url": None}
        ],
    )
    ModuleFactory(title="Elsewhere")
    page = text(browser.get("/modules?standard=2.7.a"))
    assert "Aligned" in page and "Elsewhere" not in page


def test_catalog_pages_through_many_modules(
    session: Session, browser: FlaskClient
) -> None:
    for number in range(service.PAGE_SIZE + 3):
        ModuleFactory(title=f"Paged module {number:02d}", lessons=0)
    first = text(browser.get("/modules?q=paged"))
    assert "Page 1 of 2" in first and "Paged module 00" in first
    second = text(browser.get("/modules?q=paged&page=2"))
    assert "Paged module 14" in second and "Paged module 00" not in second
    assert "Page 2 of 2" in text(browser.get("/modules?q=paged&page=999"))


def test_bad_catalog_input_gets_a_message_not_an_error(browser: FlaskClient) -> None:
    response = browser.get("/modules?hours_min=lots&page=x&sort=evil")
    assert response.status_code == 200
    assert "Not a valid decimal value" in text(response) or "number" in text(response)


@pytest.mark.parametrize("path", ["/modules", "/modules/{slug}"])
def test_catalog_and_module_pages_run_a_fixed_number_of_queries(
    session: Session, browser: FlaskClient, count_queries: list[str], path: str
) -> None:
    def queries(total: int) -> int:
        modules = [ModuleFactory(lessons=4) for _ in range(total)]
        EnrollmentFactory(user=UserFactory(), module=modules[0])
        url = path.format(slug=modules[0].slug)
        browser.get(url)  # warm caches
        count_queries.clear()
        assert browser.get(url).status_code == 200
        return len(count_queries)

    small = queries(3)
    large = queries(30)
    assert small == large


def test_module_page_shows_everything_a_teacher_needs(
    session: Session, browser: FlaskClient
) -> None:
    module = ModuleFactory(title="Designing for all", hours=4.0)
    page = text(browser.get(f"/modules/{module.slug}"))
    for expected in (
        "Competency",
        module.competency,
        "Key method",
        "Plan, teach, reflect.",
        "4 PD hours",
        "Lesson 1",
        "What you will submit",
        "Describe your class.",
        "Rubric",
        "Proficient context.",
        "Someone (2020). A study.",
        "2.5.a",
        "Enroll in this module",
    ):
        assert expected in page
    badge = browser.get(f"/modules/{module.slug}/badge")
    assert badge.mimetype == "image/svg+xml" and badge.data.startswith(b"<svg")
    assert f'alt="{module.badge_alt}"' in page
    assert browser.get("/modules/no-such-module").status_code == 404


def test_enrolling_goes_to_the_first_lesson_and_continue_resumes(
    session: Session, browser: FlaskClient, teacher
) -> None:
    module = ModuleFactory()
    response = browser.post(f"/modules/{module.slug}/enroll")
    assert response.status_code == 303
    enrollment = session.scalar(
        select(Enrollment).where(Enrollment.user_id == teacher.id)
    )
    assert response.headers["Location"].endswith(
        f"/learn/{enrollment.id}/lessons/lesson-1"
    )
    lesson = text(browser.get(f"/learn/{enrollment.id}/lessons/lesson-1"))
    assert "Lesson 1 of 3" in lesson and "<strong>useful</strong>" in lesson
    assert "Progress: 0 of 5 steps done" in lesson
    response = browser.post(f"/learn/{enrollment.id}/lessons/lesson-1/complete")
    assert response.headers["Location"].endswith("/lessons/lesson-2")
    page = text(browser.get(f"/modules/{module.slug}"))
    assert "Continue where you left off" in page and "1 of 5 steps done" in page
    resume = browser.get(f"/learn/{enrollment.id}")
    assert resume.headers["Location"].endswith("/lessons/lesson-2")
    # Enrolling again keeps the one enrollment.
    browser.post(f"/modules/{module.slug}/enroll")
    assert len(session.scalars(select(Enrollment)).all()) == 1
    previous_next = text(browser.get(f"/learn/{enrollment.id}/lessons/lesson-2"))
    assert "Previous: Lesson 1" in previous_next and "Next: Lesson 3" in previous_next


def test_coaches_browse_but_do_not_enroll(
    session: Session, client: FlaskClient
) -> None:
    coach = UserFactory(coach=True)
    module = ModuleFactory()
    sign_in(client, coach)
    page = text(client.get(f"/modules/{module.slug}"))
    assert "Rubric" in page and "Enroll in this module" not in page
    assert client.post(f"/modules/{module.slug}/enroll").status_code == 403


def test_other_teachers_cannot_open_an_enrollment(
    session: Session, browser: FlaskClient
) -> None:
    someone_else = EnrollmentFactory()
    for path in ("/lessons/lesson-1", "/quiz", "/quiz/attempts/1", "/evidence", ""):
        assert browser.get(f"/learn/{someone_else.id}{path}").status_code == 404
    assert (
        browser.post(
            f"/learn/{someone_else.id}/quiz", data={"q-q1": "a", "q-q2": "4"}
        ).status_code
        == 404
    )
    assert (
        browser.post(
            f"/learn/{someone_else.id}/evidence", data={"context": "mine now"}
        ).status_code
        == 404
    )


def test_a_passed_knowledge_check_shows_score_and_feedback(
    session: Session, browser: FlaskClient, teacher
) -> None:
    enrollment = EnrollmentFactory(user=teacher)
    response = browser.post(
        f"/learn/{enrollment.id}/quiz", data={"q-q1": "a", "q-q2": "4,0"}
    )
    assert response.status_code == 303
    page = text(browser.get(response.headers["Location"]))
    assert "You scored 100%" in page and "Passed" in page and "Yes." in page
    attempt = session.scalar(select(QuizAttempt))
    assert attempt.status is QuizAttemptStatus.GRADED and attempt.passed


def test_a_failed_check_can_be_retaken_up_to_the_limit(
    session: Session, browser: FlaskClient, teacher
) -> None:
    enrollment = EnrollmentFactory(user=teacher)
    for _ in range(3):
        response = browser.post(
            f"/learn/{enrollment.id}/quiz", data={"q-q1": "b", "q-q2": "5"}
        )
        assert response.status_code == 303
        page = text(browser.get(response.headers["Location"]))
        assert "You scored 0%" in page and "What to review" in page
        assert "It is a." not in page  # a failed try never gives the answer away
    assert "used all 3 tries" in page
    response = browser.post(
        f"/learn/{enrollment.id}/quiz", data={"q-q1": "a", "q-q2": "4"}
    )
    assert response.status_code == 422
    assert len(session.scalars(select(QuizAttempt)).all()) == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"q-q1": "a", "q-q2": "4", "q-q99": "a"}, "isn't in this knowledge check"),
        ({"q-q1": "zzz", "q-q2": "4"}, "That choice isn't one of the options"),
        ({"q-q1": "a", "q-q2": "four"}, "Enter a number"),
        ({"q-q1": "a"}, "Type an answer."),
        ({"q-q1": ["a", "b"], "q-q2": "4"}, "Choose only one answer."),
    ],
)
def test_bad_quiz_answers_get_a_message_and_keep_what_was_typed(
    session: Session, browser: FlaskClient, teacher, data, message
) -> None:
    enrollment = EnrollmentFactory(user=teacher)
    response = browser.post(f"/learn/{enrollment.id}/quiz", data=data)
    assert response.status_code == 422
    page = text(response)
    assert message in page and "There is a problem" in page
    assert session.scalar(select(QuizAttempt)) is None
    if data.get("q-q2") == "four":
        assert 'value="four"' in page


def test_an_attempt_still_being_scored_refreshes_itself(
    session: Session, browser: FlaskClient, teacher
) -> None:
    enrollment = EnrollmentFactory(user=teacher)
    session.add(
        QuizAttempt(
            enrollment_id=enrollment.id, number=1, answers={"q1": "a", "q2": "4"}
        )
    )
    session.flush()
    page = browser.get(f"/learn/{enrollment.id}/quiz/attempts/1").get_data(as_text=True)
    assert "Scoring your answers" in page
    assert '<meta http-equiv="refresh" content="2">' in page


def test_grading_twice_scores_once(session: Session) -> None:
    enrollment = EnrollmentFactory()
    attempt = QuizAttempt(
        enrollment_id=enrollment.id, number=1, answers={"q1": "a", "q2": "3"}
    )
    session.add(attempt)
    session.flush()
    graded = service.grade_quiz_attempt(session, attempt.id)
    assert graded.status is QuizAttemptStatus.GRADED
    assert graded.score_percent == 50 and graded.passed is False
    first_time = graded.graded_at
    assert service.grade_quiz_attempt(session, attempt.id).graded_at == first_time
    assert [r["correct"] for r in graded.results] == [True, False]
