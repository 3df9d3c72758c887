"""Modules in more than one language: translations/<language>.yaml supplies texts for
the ids of module.yaml (and nothing else), the pages show a module in the reader's
language or say it is English only, a knowledge check grades the same in either
language, and the credential is issued in the language the module was taken in."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from badges.dids import Resolver
from badges.schema import schema_errors
from badges.verify import verify_credential
from pdhub.credentials import service as credentials
from pdhub.extensions import db
from pdhub.learning import service
from pdhub.learning.importer import import_folder
from pdhub.learning.models import Module
from pdhub.learning.packages import load_package, score_quiz, validate_package
from tests.conftest import RUN_ID, _postgres_database, make_app
from tests.factories import AwardFactory, UserFactory
from tests.helpers import sign_in, text

ROOT = Path(__file__).resolve().parents[2]
EQUITY = ROOT / "modules" / "digital-equity-classroom"
PRIVACY = ROOT / "modules" / "student-data-privacy"
CITIZENSHIP = ROOT / "modules" / "digital-citizenship"
SPANISH = {"Accept-Language": "es"}


def copy_module(tmp_path: Path) -> Path:
    target = tmp_path / EQUITY.name
    shutil.copytree(EQUITY, target)
    return target


def edit_translation(folder: Path, old: str, new: str) -> None:
    path = folder / "translations" / "es.yaml"
    source = path.read_text()
    assert old in source, old
    path.write_text(source.replace(old, new, 1))


def messages(folder: Path) -> list[str]:
    return [f"{p.field}: {p.message}" for p in validate_package(folder)]


# --- the format and its validator ----------------------------------------------------


def test_the_two_translated_modules_validate_and_the_others_have_no_translation() -> (
    None
):
    for folder in (EQUITY, PRIVACY):
        assert validate_package(folder) == []
        texts = load_package(folder).translations["es"]
        assert texts["language"] == "es"
        assert set(texts["lessons"]) == {
            lesson.slug for lesson in load_package(folder).lessons
        }
    assert load_package(CITIZENSHIP).translations == {}


def test_a_translation_missing_a_question_or_with_an_extra_one_is_rejected(
    tmp_path: Path,
) -> None:
    folder = copy_module(tmp_path)
    edit_translation(folder, "  q8:\n", "  q99:\n")
    found = messages(folder)
    assert "quiz: no translation for question 'q8'" in found
    assert any(m.startswith("quiz.q99: 'q99' is not a question") for m in found)
    # The problem names the translation file and its line.
    problem = next(p for p in validate_package(folder) if p.field == "quiz.q99")
    assert problem.file.endswith("translations/es.yaml") and problem.line


def test_a_translation_must_cover_every_choice_level_and_criterion_and_no_more(
    tmp_path: Path,
) -> None:
    folder = copy_module(tmp_path)
    edit_translation(folder, '      d: "Ninguna brecha', '      e: "Ninguna brecha')
    edit_translation(folder, '    exemplary: "Ejemplar"\n', "")
    edit_translation(folder, "    reflection-impact:\n", "    reflection:\n")
    found = messages(folder)
    assert "quiz.q1.choices: no translation for choice 'd'" in found
    assert any(m.startswith("quiz.q1.choices.e: 'e' is not a choice") for m in found)
    assert "rubric.levels: no translation for level 'exemplary'" in found
    assert "rubric.criteria: no translation for criterion 'reflection-impact'" in found
    assert any(
        m.startswith("rubric.criteria.reflection: 'reflection' is not a criterion")
        for m in found
    )


def test_a_translation_changes_texts_only_never_answers_or_structure(
    tmp_path: Path,
) -> None:
    folder = copy_module(tmp_path)
    # A different answer for a choice question, and a missing guideline.
    edit_translation(folder, "  q3:\n", '    accepted: ["Una conexión"]\n  q3:\n')
    edit_translation(
        folder,
        '    - "Entregue trabajo de una clase real, impartida en los últimos doce'
        ' meses."\n',
        "",
    )
    found = messages(folder)
    assert any(m.startswith("quiz.q2.accepted: only text questions") for m in found)
    assert any(
        m.startswith("evidence.guidelines: has 3 guidelines; module.yaml has 4")
        for m in found
    )


def test_a_missing_lesson_file_or_unknown_language_is_reported(tmp_path: Path) -> None:
    folder = copy_module(tmp_path)
    (folder / "translations" / "es" / "02-mapear-el-acceso.md").unlink()
    shutil.copy(
        folder / "translations" / "es.yaml", folder / "translations" / "fr.yaml"
    )
    found = messages(folder)
    assert (
        "lessons.mapping-access.file: lesson file "
        "'translations/es/02-mapear-el-acceso.md' does not exist" in found
    )
    assert any("is not a translation" in m for m in found)


# --- the pages ----------------------------------------------------------------------


@pytest.fixture
def catalog(session: Session) -> dict[str, Module]:
    return {
        folder.name: import_folder(session, folder).module
        for folder in (EQUITY, PRIVACY, CITIZENSHIP)
    }


@pytest.fixture
def teacher(session: Session) -> Any:
    return UserFactory()


@pytest.fixture
def browser(client: FlaskClient, teacher: Any) -> FlaskClient:
    sign_in(client, teacher)
    return client


def test_the_catalog_in_spanish_shows_spanish_titles_and_says_which_are_english_only(
    catalog: dict[str, Module], browser: FlaskClient
) -> None:
    page = text(browser.get("/modules", headers=SPANISH))
    assert "Cerrar las brechas digitales en su aula" in page
    assert "Proteger los datos del alumnado" in page
    assert "Closing the Digital Divides in Your Classroom" not in page
    # The untranslated module is shown in English, marked as such for screen readers.
    assert f'<h3 lang="en"><a href="/modules/{CITIZENSHIP.name}">' in page
    assert page.count("Este módulo solo está en inglés.") == 1
    english = text(browser.get("/modules"))
    assert "Closing the Digital Divides in Your Classroom" in english
    assert (
        "in English only" not in english
        and 'lang="en"' not in english.split("<main", 1)[1]
    )


def test_the_module_page_shows_the_spanish_rubric_with_the_same_levels(
    catalog: dict[str, Module], browser: FlaskClient
) -> None:
    page = text(browser.get(f"/modules/{EQUITY.name}", headers=SPANISH))
    assert "<h1>Cerrar las brechas digitales en su aula</h1>" in page
    for shown in (
        "Análisis del acceso y del uso",
        "Todavía no",
        "Ejemplar",
        "Mapear el acceso sin señalar a nadie",
        "Profesional de la equidad digital",
    ):
        assert shown in page
    assert "Este módulo solo está en inglés." not in page
    other = text(browser.get(f"/modules/{CITIZENSHIP.name}", headers=SPANISH))
    assert "Este módulo solo está en inglés." in other
    assert '<h1 lang="en">' in other


def test_lessons_and_the_knowledge_check_follow_the_readers_language(
    session: Session,
    catalog: dict[str, Module],
    browser: FlaskClient,
    teacher: Any,
) -> None:
    response = browser.post(f"/modules/{EQUITY.name}/enroll", headers=SPANISH)
    assert response.status_code == 303
    enrollment = service.enrollment_for(session, teacher, EQUITY.name)
    assert enrollment is not None and enrollment.language == "es"
    lesson = text(
        browser.get(f"/learn/{enrollment.id}/lessons/three-divides", headers=SPANISH)
    )
    assert "<h1>Las brechas de acceso, de uso y de diseño</h1>" in lesson
    assert "brecha de las tareas" in lesson
    quiz = text(browser.get(f"/learn/{enrollment.id}/quiz", headers=SPANISH))
    assert "¿Qué brecha muestra este contraste?" in quiz
    assert 'value="b"' in quiz  # the same choice ids as in English
    english = text(browser.get(f"/learn/{enrollment.id}/quiz"))
    assert "Which divide does this contrast show?" in english


def test_enrolling_in_spanish_in_an_english_only_module_takes_it_in_english(
    session: Session, catalog: dict[str, Module], teacher: Any
) -> None:
    enrollment = service.enroll(session, teacher, catalog[CITIZENSHIP.name], "es")
    assert enrollment.language == "en"


def test_the_knowledge_check_grades_the_same_answers_the_same_in_either_language(
    catalog: dict[str, Module],
) -> None:
    quiz = service.module_quiz(catalog[EQUITY.name])
    right = {
        "q1": "b",
        "q2": ["a", "b", "c"],
        "q4": "25",
        "q5": "c",
        "q6": ["a", "b"],
        "q8": "15",
    }
    in_english = score_quiz(quiz, {**right, "q3": "homework gap", "q7": "design"})
    in_spanish = score_quiz(
        quiz, {**right, "q3": "La brecha de las tareas", "q7": "diseño", "q4": "25,0"}
    )
    assert in_english.passed and in_spanish.passed
    assert in_english.points == in_spanish.points == quiz.max_points
    wrong = {**right, "q3": "brecha digital", "q7": "acceso"}
    assert score_quiz(quiz, wrong).points == quiz.max_points - 2


def test_quiz_feedback_is_shown_in_the_readers_language(
    session: Session,
    catalog: dict[str, Module],
    browser: FlaskClient,
    teacher: Any,
) -> None:
    enrollment = service.enroll(session, teacher, catalog[EQUITY.name], "es")
    session.commit()
    form = {
        "q-q1": "b",
        "q-q2": ["a", "b", "c"],
        "q-q3": "brecha de las tareas",
        "q-q4": "25",
        "q-q5": "c",
        "q-q6": ["a", "b"],
        "q-q7": "diseño",
        "q-q8": "15",
    }
    response = browser.post(f"/learn/{enrollment.id}/quiz", data=form, headers=SPANISH)
    assert response.status_code == 303
    page = text(browser.get(response.headers["Location"], headers=SPANISH))
    assert "Correcto: la brecha de las tareas (en inglés, homework gap)." in page


# --- the credential -----------------------------------------------------------------


def _issue(session: Session, module: Module, language: str) -> Any:
    award = AwardFactory(enrollment__module=module, enrollment__language=language)
    credential = credentials.issue_credential(session, award.id)
    assert credential is not None
    return credential


def _verify(data: Any, client: FlaskClient) -> Any:
    def fetch(url: str) -> bytes:
        response = client.get(url.removeprefix("http://localhost"))
        assert response.status_code == 200, url
        return response.get_data()

    return verify_credential(data, resolver=Resolver(), status_fetcher=fetch)


def test_a_module_taken_in_spanish_earns_a_spanish_credential_that_verifies(
    session: Session, client: FlaskClient, catalog: dict[str, Module]
) -> None:
    module = catalog[EQUITY.name]
    credential = _issue(session, module, "es")
    document = credential.document
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["name"] == "Profesional de la equidad digital"
    assert achievement["description"].startswith("Otorgada a docentes")
    assert achievement["inLanguage"] == "es"
    assert document["name"] == "Profesional de la equidad digital"
    assert achievement["id"] == f"http://localhost/achievements/{EQUITY.name}-v1-es"
    assert achievement["related"] == [
        {
            "id": f"http://localhost/achievements/{EQUITY.name}-v1",
            "type": ["Related"],
            "inLanguage": "en",
            "version": "1",
        }
    ]
    assert achievement["criteria"]["narrative"].startswith("Competencia: El o la")
    assert (
        "Crédito: 4 horas de desarrollo profesional."
        in (achievement["criteria"]["narrative"])
    )
    names = [r["name"] for r in achievement["resultDescription"]]
    assert "Análisis del acceso y del uso" in names
    assert schema_errors(document) == []
    for form in ("json", "jwt", "png"):
        data = (
            credential.credential_json
            if form == "json"
            else credentials.download(session, credential, form)
        )
        report = _verify(data, client)
        assert report.verified, (form, report.to_json())
    # Its achievement is served in Spanish at its id; an unknown edition is not.
    served = client.get(f"/achievements/{EQUITY.name}-v1-es").get_json()
    assert served["name"] == "Profesional de la equidad digital"
    assert client.get(f"/achievements/{EQUITY.name}-v1-fr").status_code == 404
    assert client.get(f"/achievements/{CITIZENSHIP.name}-v1-es").status_code == 404


def test_a_module_taken_in_english_keeps_its_english_credential(
    session: Session, client: FlaskClient, catalog: dict[str, Module]
) -> None:
    credential = _issue(session, catalog[EQUITY.name], "en")
    achievement = credential.document["credentialSubject"]["achievement"]
    assert achievement["name"] == "Digital Equity Practitioner"
    assert achievement["inLanguage"] == "en"
    assert achievement["id"].endswith(f"/achievements/{EQUITY.name}-v1")
    assert achievement["related"][0]["inLanguage"] == "es"
    assert achievement["criteria"]["narrative"].startswith("Competency: The educator")
    assert _verify(credential.credential_json, client).verified


def test_pages_show_the_credentials_own_words_marked_with_their_language(
    session: Session, client: FlaskClient, catalog: dict[str, Module]
) -> None:
    credential = _issue(session, catalog[PRIVACY.name], "es")
    credential.shared = True
    session.flush()
    page = text(client.get(f"/credentials/{credential.id}"))
    assert (
        '<h1 lang="es">Responsable de la privacidad de los datos del alumnado</h1>'
        in page
    )
    verified = text(
        client.post(
            "/verify",
            data={"credential": credential.credential_json},
            content_type="multipart/form-data",
        )
    )
    assert (
        '<span lang="es">Responsable de la privacidad de los datos del alumnado</span>'
        in verified
    )


# --- the migration ------------------------------------------------------------------


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pdhub.sqlite'}"
    else:
        yield from _postgres_database(f"pdhub_test_{RUN_ID}_m21")


def test_the_migration_keeps_earlier_enrollments_in_english(
    settings: dict[str, object], tmp_path: Path, database: str
) -> None:
    app: Flask = make_app(
        settings, PDHUB_DATABASE_URL=database, PDHUB_INSTANCE_PATH=str(tmp_path)
    )
    with app.app_context():
        try:
            upgrade(revision="0010_status")
            upgrade()
            columns = {
                row[0]
                for row in db.session.execute(
                    sql(
                        "SELECT column_name FROM information_schema.columns"
                        " WHERE table_name = 'enrollments'"
                    )
                    if database.startswith("postgresql")
                    else sql("SELECT name FROM pragma_table_info('enrollments')")
                )
            }
            assert "language" in columns
            downgrade(revision="0010_status")
            upgrade()
        finally:
            db.session.remove()
            db.engine.dispose()
