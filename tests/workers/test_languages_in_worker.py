"""A worker writes to each person in their language: the screening job (no request,
no browser) tells a Spanish-speaking teacher in Spanish and an English-speaking one in
English, in the app and by the email it delivers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from pdhub import jobs, tasks
from pdhub.extensions import db
from pdhub.notifications.models import EmailMessage, Notification
from tests.factories import SubmissionFactory, UserFactory
from tests.review.conftest import complete_evidence
from tests.workers.conftest import Worker, wait_until

pytestmark = pytest.mark.worker


def _screen(worker: Worker, **teacher: object) -> tuple[str, str, str, str]:
    """Submit complete evidence for a new teacher and let the worker screen it;
    returns the module title, the notification, and the sent email's subject and
    body."""
    with worker.app.app_context():
        person = UserFactory(**teacher)
        submission = SubmissionFactory(
            enrollment__user=person, submitted=True, **complete_evidence()
        )
        db.session.commit()
        user_id, email = person.id, person.email
        title = submission.enrollment.module.title
        version_id = submission.versions[0].id
        db.session.remove()
        jobs.send_now(tasks.SCREEN_SUBMISSION, version_id)

    def sent() -> tuple[str, str, str] | None:
        with worker.app.app_context():
            try:
                mail = db.session.scalar(
                    select(EmailMessage).where(
                        EmailMessage.to == email, EmailMessage.sent_at.is_not(None)
                    )
                )
                note = db.session.scalar(
                    select(Notification.message).where(Notification.user_id == user_id)
                )
                return (note, mail.subject, mail.body) if mail and note else None
            finally:
                db.session.remove()

    note, subject, body = wait_until(sent, 60)
    return title, note, subject, body


def test_the_worker_tells_a_spanish_speaking_teacher_in_spanish(
    worker: Worker,
) -> None:
    title, note, subject, body = _screen(worker, language="es", name="Lucía Rivera")
    assert note == f"Su evidencia para {title} está completa y espera a un coach."
    assert subject == f"Su evidencia está con un coach: {title}"
    assert body.startswith("Hola, Lucía:")
    assert "ahora espera a que un coach la revise con la rúbrica" in body
    mail_log = Path(worker.env["PDHUB_INSTANCE_PATH"]) / "mail.log"
    assert f"Subject: Su evidencia está con un coach: {title}" in mail_log.read_text()


def test_the_worker_tells_an_english_speaking_teacher_in_english(
    worker: Worker,
) -> None:
    # Their district reads Spanish, but the teacher chose English.
    title, note, subject, body = _screen(
        worker, language="en", name="Tess Teacher", district__default_language="es"
    )
    assert note == f"Your evidence for {title} is complete and waiting for a coach."
    assert subject == f"Your evidence is with a coach: {title}"
    assert body.startswith("Hello Tess,")
