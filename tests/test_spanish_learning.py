"""The learning, evidence and review pages speak Spanish to a reader who asks for it:
a teacher from the catalog to the transcript, a coach in the queue and on the review
screen, and the screening reasons stored in English by the background job."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.learning.models import EnrollmentStatus
from pdhub.review import screening
from pdhub.submissions.states import SubmissionStatus
from tests.factories import (
    CoachAssignmentFactory,
    DistrictFactory,
    EnrollmentFactory,
    ModuleFactory,
    QuizAttemptFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.helpers import sign_in, text
from tests.review.conftest import complete_evidence

ES = {"Accept-Language": "es-MX,es;q=0.9"}


def seen(client: FlaskClient, url: str, **kwargs: object) -> str:
    """The page in Spanish (asked with ?lang=es), as a reader sees its text."""
    response = client.get(url, query_string={"lang": "es"}, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, url
    return " ".join(re.sub(r"<[^>]+>", "", text(response)).split())


def test_a_teacher_learns_in_spanish_from_the_catalog_to_the_knowledge_check(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory()
    module = ModuleFactory(title="Aula sin pantallas")
    enrollment = EnrollmentFactory(user=teacher, module=module)
    sign_in(client, teacher)

    catalog = seen(client, "/modules")
    assert "Catálogo de módulos" in catalog
    assert "Mostrar módulos" in catalog and "Cualquier tema" in catalog
    assert "3 horas de DP" in catalog
    assert "Module catalog" not in catalog and "Show modules" not in catalog

    page = seen(client, f"/modules/{module.slug}")
    assert "Su avance" in page and "Continuar donde lo dejó" in page
    assert "2 preguntas, se aprueba con un 80 %, hasta 3 intentos" in page
    assert (
        "Para aprobar, al menos 3 de 3 criterios deben estar en un nivel marcado "
        "como «demostrado»." in page
    )
    assert "Research behind it" not in page and "What you will submit" not in page

    lesson = seen(client, f"/learn/{enrollment.id}/lessons/lesson-1")
    assert "Lección 1 de 3 · unos 20 minutos" in lesson
    assert "Marcar como completada y continuar" in lesson
    assert "Sus pasos" in lesson and "Prueba de conocimientos" in lesson
    assert "Mark complete" not in lesson and "Your steps" not in lesson

    quiz = seen(client, f"/learn/{enrollment.id}/quiz")
    assert "2 preguntas. Aprueba con un 80 % o más. Le quedan 3 de 3 intentos." in quiz
    assert "Comprobar mis respuestas" in quiz and "Escriba un número." in quiz
    assert "Check my answers" not in quiz and "You pass with" not in quiz

    # A question left blank: the problem is named in Spanish.
    response = client.post(
        f"/learn/{enrollment.id}/quiz?lang=es", data={"q-q1": "a"}, headers=ES
    )
    assert response.status_code == 422
    assert "Escriba una respuesta." in text(response)
    assert "Type an answer." not in text(response)


def test_a_failed_try_says_what_to_review_in_spanish(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory()
    enrollment = EnrollmentFactory(user=teacher)
    QuizAttemptFactory(
        enrollment=enrollment,
        number=1,
        passed=False,
        score_percent=50,
        results=[
            {
                "question_id": "q1",
                "correct": True,
                "points": 1,
                "max_points": 1,
                "feedback": "Yes.",
            },
            {
                "question_id": "q2",
                "correct": False,
                "points": 0,
                "max_points": 1,
                "feedback": "It is 4.",
            },
        ],
    )
    sign_in(client, teacher)
    page = seen(client, f"/learn/{enrollment.id}/quiz/attempts/1")
    assert "Prueba de conocimientos: intento 1" in page
    assert "Obtuvo un 50 %" in page and "Necesita un 80 % para aprobar." in page
    assert "Intentar de nuevo (quedan 2 intentos)" in page
    assert "Correcta 1 de 1 punto" in page and "Incorrecta 0 de 1 punto" in page
    assert "Qué repasar: las lecciones de este módulo." in page
    assert "What to review" not in page and "You scored" not in page


def test_the_evidence_page_and_its_script_texts_are_in_spanish(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory()
    enrollment = EnrollmentFactory(user=teacher)
    sign_in(client, teacher)
    response = client.get(f"/learn/{enrollment.id}/evidence", headers=ES)
    page = text(response)
    words = " ".join(re.sub(r"<[^>]+>", "", page).split())
    assert "Evidencia de su aula" in words
    assert "Lista de comprobación" in words and "Guardar borrador" in words
    assert "0 de al menos 20 palabras" in words
    assert "Enviar a revisión" in words and "Subir un archivo" in words
    assert "Mostrar los enlaces de mi evidencia en mi insignia" in words
    assert "of at least" not in words and "Submit for review" not in words
    # What autosave.js writes comes from the page, in the reader's language.
    assert 'data-text="{words} de al menos 20 palabras"' in page
    assert 'data-text-saving="Guardando…"' in page
    assert 'data-text-saved="Guardado a las {time}"' in page
    assert 'data-text-one="{words} palabra"' in page
    assert 'data-text-missing=" (todavía falta)"' in page

    # Submitting too early: the reason is in Spanish.
    response = client.post(
        f"/learn/{enrollment.id}/evidence",
        data={"context": "Poco.", "reflection": "", "action": "submit"},
        headers=ES,
    )
    assert response.status_code == 422
    assert "Su evidencia todavía no está completa: su contexto (1 de al menos 20" in (
        text(response)
    )


def test_a_returned_submission_gives_its_screening_reasons_in_spanish(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory()
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        submitted=True,
        **complete_evidence(
            reflection_text="Too short.", links=[{"url": "not a link", "title": "Plan"}]
        ),
    )
    assert screening.finish_screening(session, submission.versions[0].id) is (
        SubmissionStatus.RETURNED
    )
    session.commit()
    # Stored in English by the job (no reader's language there) ...
    reasons = submission.versions[0].screening["reasons"]
    assert reasons[0]["message"] == (
        "The reflection has 2 words; this module asks for at least 30."
    )
    sign_in(client, teacher)
    page = seen(client, f"/submissions/{submission.id}")
    # ... and shown in the teacher's.
    assert "La reflexión tiene 2 palabras; este módulo pide al menos 30." in page
    assert (
        "El enlace not a link no es una dirección web (tiene espacios o es demasiado "
        "largo)." in page
    )
    assert "Estado: Devuelta por incompleta" in page
    assert "Revisar su evidencia" in page
    assert "this module asks for" not in page and "Returned as incomplete" not in page
    english = text(client.get(f"/submissions/{submission.id}"))
    assert "The reflection has 2 words; this module asks for at least 30." in english


def test_my_learning_and_the_transcript_with_its_csv_are_in_spanish(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory()
    EnrollmentFactory(
        user=teacher,
        module=ModuleFactory(title="Datos en el aula", hours=1.0),
        status=EnrollmentStatus.COMPLETED,
        completed_at=datetime(2026, 5, 1, tzinfo=UTC),
    )
    EnrollmentFactory(user=teacher)
    sign_in(client, teacher)

    mine = seen(client, "/learn")
    assert "Mi aprendizaje" in mine and "En curso" in mine
    assert "0 de 5 pasos completados" in mine
    assert "1 hora de DP" in mine and "Su expediente de horas de DP" in mine
    assert "steps done" not in mine and "Your PD-hours transcript" not in mine

    transcript = seen(client, "/transcript")
    assert "Expediente de horas de DP" in transcript
    assert "1 hora de DP contabilizadas, de 1 módulo completado." in transcript
    assert "Descargar en CSV (hoja de cálculo)" in transcript
    assert "Válida" in transcript and "Completed on" not in transcript

    rows = list(csv.reader(io.StringIO(client.get("/transcript.csv", headers=ES).text)))
    assert rows[0] == [
        "Módulo",
        "Versión",
        "Horas de DP",
        "Completado el (ISO 8601, con desfase respecto a UTC)",
        "Estado de la insignia",
        "Contabilizadas",
    ]
    assert rows[1][4:] == ["Válida", "sí"]
    assert rows[-1] == ["Total de horas de DP contabilizadas", "", "1"]


def test_a_coach_reviews_in_spanish(session: Session, client: FlaskClient) -> None:
    district = DistrictFactory()
    coach = UserFactory(coach=True, district=district)
    CoachAssignmentFactory(coach=coach, district=district)
    waiting_submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=UserFactory(district=district)),
        in_review=True,
        **complete_evidence(),
    )
    version = waiting_submission.versions[0]
    version.screening = {
        "complete": True,
        "reasons": [],
        "flags": [
            {
                "code": "similar-to-other",
                "message": "The written parts are 97% the same as another "
                "teacher's submission for this module.",
                "similarity": 0.97,
                "submission": 1,
                "text": {
                    "template": "The written parts are %(percent)d%% the same as "
                    "another teacher's submission for this module.",
                    "plural": None,
                    "values": {"percent": 97},
                    "messages": [],
                },
            }
        ],
    }
    session.commit()
    sign_in(client, coach)

    queue = seen(client, "/review")
    assert "Cola de revisión" in queue and "1 entrega en espera" in queue
    assert "Todos los módulos" in queue and "Tomar" in queue
    assert "Evidence from the teachers you serve" not in queue
    assert "submission waiting" not in queue and "Any time" not in queue

    page = seen(client, f"/review/{waiting_submission.id}")
    assert "Compruebe antes de puntuar" in page
    assert (
        "Las partes escritas coinciden en un 97 % con la entrega de otra persona "
        "docente para este módulo." in page
    )
    assert "Tome esta entrega para que ningún otro coach la puntúe" in page
    assert (
        "Para aprobar, al menos 3 de 3 criterios necesitan un nivel demostrado" in page
    )
    assert "Descriptores de nivel" in page and "Contexto" in page
    assert "Check before you score" not in page and "Level descriptors" not in page

    # Claimed: the scoring form and its errors are in Spanish too.
    client.post(f"/review/{waiting_submission.id}/claim")
    response = client.post(
        f"/review/{waiting_submission.id}?lang=es", data={"decision": ""}
    )
    assert response.status_code == 422
    page = text(response)
    assert "Comentarios generales" in page and "Decisión" in page
    assert "Necesita revisión" in page and "Devolverla a la cola" in page
    assert "Evalúa el contexto." in page
    assert "Elija «Aprobada» o «Necesita revisión»." in page
    assert "Choose passed or needs revision." not in page
