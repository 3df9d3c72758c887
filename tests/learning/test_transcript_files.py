"""The teacher's transcript as a PDF (a QR code to each credential's verify page) and
as CSV: district credit and approved learning done elsewhere kept apart from
platform hours, in the teacher's language."""

from __future__ import annotations

import csv
import io
import re
import zlib
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.credentials import service as credentials
from pdhub.db import utcnow
from pdhub.districts.models import ExternalLearning, ExternalStatus, ModuleCredit
from pdhub.learning.models import EnrollmentStatus
from tests.factories import AwardFactory, ModuleFactory, UserFactory
from tests.helpers import sign_in


def _pdf_text(data: bytes) -> str:
    """The PDF's page content and annotations as text (streams inflated)."""
    parts = [data.decode("latin-1")]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(parts)


def _teacher(session: Session, language: str | None = None) -> dict[str, object]:
    teacher = UserFactory(name="Rosa Díaz", language=language)
    module = ModuleFactory(title="Questioning", hours=3.0)
    award = AwardFactory(
        enrollment__user=teacher,
        enrollment__module=module,
        enrollment__status=EnrollmentStatus.COMPLETED,
        enrollment__completed_at=utcnow() - timedelta(days=2),
    )
    assert credentials.issue_credentials(session, [award.id]) == 1
    credential = credentials.current_credential(session, award)
    assert credential is not None
    session.add(
        ModuleCredit(
            district_id=teacher.district_id, module_slug=module.slug,
            salary=True, recertification=False, units=2.0,
        )
    )  # fmt: skip
    today = utcnow().date()
    for title, status in (
        ("Literacy conference", ExternalStatus.APPROVED),
        ("Waiting course", ExternalStatus.WITH_DISTRICT),
    ):
        session.add(
            ExternalLearning(
                district_id=teacher.district_id, user_id=teacher.id, title=title,
                provider="State association", started_on=today - timedelta(days=9),
                ended_on=today - timedelta(days=8), hours=6.0,
                certificate_filename="c.pdf", certificate_media_type="application/pdf",
                certificate_size=1, certificate_sha256="0" * 64,
                certificate_key="k", status=status,
            )
        )  # fmt: skip
    session.flush()
    return {"teacher": teacher, "credential": credential}


def _browser(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    sign_in(client, user)
    return client


def test_the_pdf_has_a_qr_code_to_each_credentials_verify_page(
    app: Flask, session: Session
) -> None:
    s = _teacher(session)
    response = _browser(app, s["teacher"]).get("/transcript.pdf")  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    content = _pdf_text(response.data)
    verify = credentials.verify_url(s["credential"])  # type: ignore[arg-type]
    assert f"/URI ({verify})" in content  # the QR code and the link open it
    assert content.count("/Subtype /Image") == 1  # one credential, one QR code
    assert "Professional learning transcript" in content
    assert "Platform PD hours counted: 3 hours" in content
    # Kept apart: the district's credit and the approved learning elsewhere.
    assert "salary credit 2" in content
    assert "Literacy conference" in content and "Waiting course" not in content
    assert "Approved hours done elsewhere: 6 hours" in content


def test_the_pdf_is_in_spanish_for_a_teacher_who_reads_spanish(
    app: Flask, session: Session
) -> None:
    s = _teacher(session, language="es")
    content = _pdf_text(_browser(app, s["teacher"]).get("/transcript.pdf").data)  # type: ignore[arg-type]
    assert "Historial de aprendizaje profesional" in content
    assert "Professional learning transcript" not in content
    assert "Horas de DP en la plataforma contabilizadas: 3 horas" in content


def test_the_csv_adds_district_credit_and_learning_elsewhere_after_the_platform_total(
    app: Flask, session: Session
) -> None:
    s = _teacher(session)
    response = _browser(app, s["teacher"]).get("/transcript.csv")  # type: ignore[arg-type]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    total = rows.index(["Total PD hours counted", "", "3"])
    after = rows[total + 1 :]
    assert ["District credit by school year", "Salary credit (hours)",
            "Recertification credit (hours)"] in after  # fmt: skip
    year_row = after[after.index([]) + 2]
    assert year_row[1:] == ["2", "0"]
    assert any(
        row[:3] == ["Literacy conference", "State association", "6"] for row in after
    )
    assert not any("Waiting course" in row for row in after)
    assert after[-1] == ["Total approved hours done elsewhere", "", "6"]


def test_a_teacher_with_no_district_credit_keeps_the_platform_total_last(
    app: Flask, session: Session
) -> None:
    teacher = UserFactory()
    AwardFactory(
        enrollment__user=teacher,
        enrollment__module=ModuleFactory(hours=2.0),
        enrollment__status=EnrollmentStatus.COMPLETED,
        enrollment__completed_at=utcnow() - timedelta(days=1),
    )
    client = _browser(app, teacher)
    rows = list(csv.reader(io.StringIO(client.get("/transcript.csv").text)))
    assert rows[-1] == ["Total PD hours counted", "", "2"]
    pdf = _pdf_text(client.get("/transcript.pdf").data)
    assert "/Subtype /Image" not in pdf  # no credential issued: no QR code
    assert date.today().year > 2000


def test_the_transcript_files_need_a_signed_in_person(app: Flask) -> None:
    response = app.test_client().get("/transcript.pdf")
    assert response.status_code in (302, 303, 401)
