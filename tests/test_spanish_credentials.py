"""Badges, their pages and certificates, verification (one, in bulk, by API) and the
trust lists read in Spanish when the reader asks for Spanish."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.accounts.service import create_api_token
from pdhub.credentials import service
from pdhub.credentials.models import IssuedCredential
from tests.factories import AwardFactory, UserFactory
from tests.helpers import sign_in, text
from tests.verification import fixtures, network, samples
from tests.verification.fixtures import Documents

# The verification fixtures: a site whose documents are served in process.
site = fixtures.site
issuer = fixtures.issuer
documents = fixtures.documents
no_lookups_past_loopback = network.no_lookups_past_loopback

ES = {"Accept-Language": "es-MX,es;q=0.9"}


@pytest.fixture
def credential(session: Session) -> IssuedCredential:
    issued = service.issue_credential(session, AwardFactory().id)
    assert issued is not None
    service.set_shared(session, issued.user, issued, True)
    session.commit()
    return issued


def test_my_badges_reads_in_spanish(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    sign_in(client, credential.user)
    page = text(client.get("/badges?lang=es"))
    assert '<html lang="es"' in page
    for spanish in (
        "Mis insignias",
        "Cada insignia es una credencial Open Badges 3.0 firmada por PD Hub.",
        "Certificado (PDF)",
        "Agregar al perfil de LinkedIn",
        "Dejar de compartir",
        "Estado:",
        "Válida",
    ):
        assert spanish in page, spanish
    for english in ("Each badge is", "Stop sharing", "Add to LinkedIn profile"):
        assert english not in page, english
    assert "horas de desarrollo profesional" in page


def test_the_credential_page_reads_in_spanish(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    page = text(client.get(f"/credentials/{credential.id}", headers=ES))
    name = credential.user.name
    for spanish in (
        f"Obtenida por {name} el ",
        "Comprobar esta credencial",
        "Acerca de esta insignia",
        "Horas de desarrollo profesional",
        "Los archivos de la credencial",
        "certificado en PDF",
        f"{name} obtuvo la insignia",  # the share preview (og:title)
    ):
        assert spanish in page, spanish
    for english in ("Earned by", "About this badge", "The credential files"):
        assert english not in page, english


def test_verify_a_valid_badge_in_spanish_names_each_check_in_spanish(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    url = service.page_url(credential)
    page = text(client.get("/verify", query_string={"url": url, "lang": "es"}))
    assert '<h2 id="verdict-title" tabindex="-1">Verificada</h2>' in page
    for spanish in (
        "Todas las comprobaciones son correctas",
        "Credencial legible",
        "una credencial bien formada en JSON",
        "Sigue el formato oficial de Open Badges 3.0.",
        "La firma digital es válida",
        "de confianza como «PD Hub»",
        "No está revocada ni suspendida",
        "Válida desde el",
        "Aprobada",
        "Comprobar de quién es la insignia",
    ):
        assert spanish in page, spanish
    for english in (
        "Every check passed",
        "Readable credential",
        "a well-formed credential",
        "the proof verifies",
        "matches the official Open Badges",
        "not revoked (checked",
        "Passed",
    ):
        assert english not in page, english


def test_verify_a_revoked_badge_in_spanish_gives_the_date_and_reason_in_spanish(
    client: FlaskClient, session: Session, credential: IssuedCredential
) -> None:
    service.revoke_credential(session, None, credential, "Evidencia copiada.", None)
    session.commit()
    url = service.page_url(credential)
    page = text(client.get("/verify", query_string={"url": url}, headers=ES))
    assert '<h2 id="verdict-title" tabindex="-1">Revocada</h2>' in page
    assert "El emisor ha revocado esta credencial." in page
    assert "Revocada por PD Hub el " in page
    assert "Motivo: Evidencia copiada." in page
    assert "No aprobada" in page
    for english in ("revoked by PD Hub", "The issuer has revoked", "Not passed"):
        assert english not in page, english


def test_the_verify_form_and_its_errors_read_in_spanish(client: FlaskClient) -> None:
    page = text(client.get("/verify?lang=es"))
    assert "Pegue una credencial" in page and "O suba un archivo de credencial" in page
    refused = client.post(
        "/verify?lang=es",
        data={"credential": "not a credential"},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    body = text(refused)
    assert "No es una credencial que podamos leer" in body
    assert "No es JSON, ni un VC-JWT" in body
    assert "This isn't a credential we can read" not in body


def test_english_readers_still_get_the_checks_exact_words(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    url = service.page_url(credential)
    page = text(client.get("/verify", query_string={"url": url}))
    assert ">Verified</h2>" in page
    assert "a well-formed credential in JSON" in page
    assert "Credencial legible" not in page


def test_bulk_verification_page_and_csv_read_in_spanish_and_the_report_covers_both(
    site: Flask, session: Session, documents: Documents
) -> None:
    admin = UserFactory(district_admin=True)
    client = site.test_client()
    sign_in(client, admin)
    upload = text(client.get("/district/verify", headers=ES))
    assert "Verificar en bloque" in upload and "Empezar a verificar" in upload
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ok.json", json.dumps(documents.credential(teacher="Ana Ruiz")))
        zipped.writestr(
            "revoked.json",
            json.dumps(documents.credential(index=samples.REVOKED_INDEX)),
        )
        zipped.writestr("notes.pdf", b"%PDF-1.4")
    started = client.post(
        "/district/verify",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(archive.getvalue()), "personal.zip")},
        headers=ES,
    )
    assert started.status_code == 303
    location = started.headers["Location"]
    page = text(client.get(location, headers=ES))
    assert "Verificación de 3 credenciales" in page
    assert "3 de 3 comprobadas (100 %)" in page
    assert "Descargar los resultados (CSV)" in page
    assert "Revocada" in page and "revocada" in page  # the row and the count
    assert "Checked" not in page and "Download the results" not in page

    spanish = client.get(location + "/results.csv", headers=ES).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(spanish)))
    assert list(rows[0]) == [
        "Fila",
        "Origen",
        "Docente",
        "Logro",
        "Emisor",
        "Identificador del emisor",
        "Emisor de confianza",
        "Emitida",
        "Resultado",
        "Coincidencia del destinatario",
        "Motivos",
    ]
    by_source = {row["Origen"]: row for row in rows}
    assert by_source["revoked.json"]["Resultado"] == "Revocada"
    assert (
        "El emisor ha revocado la credencial." in by_source["revoked.json"]["Motivos"]
    )
    assert by_source["notes.pdf"]["Resultado"] == "Omitido: no es una credencial"
    english = client.get(location + "/results.csv").get_data(as_text=True)
    assert english.startswith("Row,Source,Teacher,Achievement,Issuer,")

    report = json.loads(client.get(location + "/report.json").get_data(as_text=True))
    digests = report["resultsCsvSha256ByLanguage"]
    assert digests["es"] == hashlib_sha256(spanish)
    assert digests["en"] == report["resultsCsvSha256"] == hashlib_sha256(english)
    assert report["issuerTrust"].startswith("An issuer counts as trusted")
    assert report["issuerTrustByLanguage"]["es"].startswith(
        "Un emisor cuenta como de confianza"
    )


def hashlib_sha256(body: str) -> str:
    import hashlib

    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def test_the_trust_list_pages_read_in_spanish(client: FlaskClient) -> None:
    admin = UserFactory(district_admin=True)
    sign_in(client, admin)
    page = text(client.get("/district/trust", headers=ES))
    for spanish in (
        "Emisores de confianza de su distrito",
        "Agregar un emisor",
        "Identificador del emisor",
        "Importar un archivo de registro",
        "Siempre de confianza",
    ):
        assert spanish in page, spanish
    assert "Add an issuer" not in page
    refused = client.post(
        "/district/trust?lang=es", data={"identifier": "did:foo:bar", "name": "X"}
    )
    assert refused.status_code == 422
    assert "Solo se pueden agregar DID did:key y did:web." in text(refused)


def test_an_api_problem_document_explains_in_spanish(
    site: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    token = create_api_token(session, admin, "RR. HH.")
    session.commit()
    response = site.test_client().post(
        "/api/v1/verify/batch",
        json={"other": 1},
        headers={"Authorization": f"Bearer {token}", **ES},
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["detail"] == "Campos desconocidos: other."
    anonymous = (
        site.test_client().post("/api/v1/verify/batch", json={}, headers=ES).get_json()
    )
    assert anonymous["detail"].startswith("Envíe un token de API")


def _pdf_text(pdf: bytes) -> str:
    """The text drawn on the PDF's pages: each content stream inflated and read as
    the core fonts encode it (WinAnsi, a superset of Latin-1 for Spanish)."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        for piece in re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", content, re.S):
            shown.append(piece.replace(b"\\(", b"(").replace(b"\\)", b")"))
    return " ".join(part.decode("cp1252") for part in shown)


def test_the_pdf_certificate_prints_in_spanish_with_its_accents(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    pdf = client.get(f"/credentials/{credential.id}.pdf", headers=ES).get_data()
    words = _pdf_text(pdf)
    for spanish in (
        "Certificado de Aprendizaje Profesional",
        "Se certifica que",
        "obtuvo la microcredencial",
        "horas de desarrollo profesional",
        " - emitido el ",
        "Verifíquelo con cualquier verificador de Open Badges 3.0",
    ):
        assert spanish in words, (spanish, words)
    assert "Certificate of Professional Learning" not in words
    english = _pdf_text(client.get(f"/credentials/{credential.id}.pdf").get_data())
    assert "Certificate of Professional Learning" in english
    assert "Verify it with any Open Badges 3.0 verifier" in english
