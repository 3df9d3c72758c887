"""Account, dashboard, notification and administration pages, their form messages and
the account emails read in Spanish for a person who asks for it (``?lang=es``), with
none of their English sentences left over; English stays the default."""

from __future__ import annotations

import re

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub import tasks
from pdhub.accounts.models import User
from pdhub.admin.models import JobFailure
from pdhub.notifications.models import EmailMessage, Notification
from tests.factories import DistrictFactory, UserFactory
from tests.helpers import sign_in, text


def words(response: object) -> str:
    """What a person reads on the page: no tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def spanish(client: FlaskClient, path: str) -> str:
    joiner = "&" if "?" in path else "?"
    response = client.get(f"{path}{joiner}lang=es")
    assert response.status_code == 200, (path, response.status_code)
    assert '<html lang="es"' in text(response)
    return words(response)


def check(page: str, says: list[str], not_english: list[str]) -> None:
    for phrase in says:
        assert phrase in page, phrase
    for phrase in not_english:
        assert phrase not in page, phrase


def test_sign_in_sign_up_and_password_reset_pages_read_in_spanish(
    client: FlaskClient,
) -> None:
    check(
        spanish(client, "/signin"),
        [
            "Iniciar sesión",
            "Correo electrónico",
            "Contraseña",
            "¿Olvidó su contraseña?",
        ],
        ["Forgot your password?", "Keep me signed in", "New to PD Hub?"],
    )
    check(
        spanish(client, "/signup"),
        ["Cree su cuenta docente", "Código de distrito", "Crear cuenta"],
        [
            "PD Hub is free for teachers",
            "Already have an account?",
            "At least 12 characters",
        ],
    )
    check(
        spanish(client, "/password/forgot"),
        ["Restablezca su contraseña", "Enviar el enlace"],
        ["Enter the email you use for PD Hub", "Send the reset link"],
    )
    check(
        spanish(client, "/"),
        ["Crear una cuenta docente gratuita", "insignias"],
        ["Learn on demand", "Show your practice", "Earn badges you own"],
    )


def test_form_errors_and_the_error_summary_read_in_spanish(client: FlaskClient) -> None:
    response = client.post("/signin?lang=es", data={"email": "", "password": ""})
    page = words(response)
    check(
        page,
        ["Hay un problema", "Escriba su correo electrónico.", "Escriba su contraseña."],
        ["There is a problem", "Enter your email address.", "Enter your password."],
    )
    weak = client.post(
        "/signup?lang=es",
        data={"name": "Ana", "email": "ana@example.org", "password": "short"},
    )
    assert "Use al menos 12 caracteres" in words(weak)
    assert "Use at least 12 characters" not in words(weak)


def test_a_teachers_account_pages_read_in_spanish(
    client: FlaskClient, session: Session
) -> None:
    teacher = UserFactory(
        name="Ana Torres", district=DistrictFactory(), email_verified_at=None
    )
    session.add(
        Notification(user_id=teacher.id, key="n1", message="Hola", link="/badges")
    )
    session.flush()
    sign_in(client, teacher)
    check(
        spanish(client, "/account"),
        ["Su cuenta", "Perfil", "Cambie su contraseña", "Zona horaria", "Seguridad"],
        ["Your account", "Change your password", "Save profile", "Two-factor sign-in"],
    )
    check(
        spanish(client, "/account/two-factor"),
        ["Verificación en dos pasos", "Escanee este código QR"],
        ["Scan this QR code", "Install an authenticator app", "Turn on two-factor"],
    )
    check(
        spanish(client, "/account/sessions"),
        ["Dónde tiene la sesión iniciada", "(este navegador)"],
        ["Where you're signed in", "Sign out of all other browsers", "Last active"],
    )
    check(
        spanish(client, "/dashboard"),
        ["Hola, Ana", "Panel", "Confirme su dirección de correo electrónico para"],
        ["Hello, Ana", "Confirm your email address to enroll"],
    )
    check(
        spanish(client, "/notifications"),
        ["Notificaciones", "Marcar todo como leído"],
        ["Mark all as read"],
    )
    check(
        spanish(client, "/account/verify-email"),
        ["Confirme su dirección de correo electrónico", "Enviar el enlace otra vez"],
        ["Check your spam folder", "Send the link again"],
    )


def test_a_flash_message_reads_in_spanish(client: FlaskClient) -> None:
    response = client.post(
        "/password/forgot?lang=es",
        data={"email": "nobody@example.org"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = spanish(client, "/signin")
    assert "Si ese correo electrónico tiene una cuenta" in page
    assert "If that email has an account" not in page


def test_staff_dashboards_and_api_tokens_read_in_spanish(
    client: FlaskClient, session: Session
) -> None:
    district = DistrictFactory()
    coach = UserFactory(coach=True, district=district, name="Carla Coach")
    sign_in(client, coach)
    check(
        spanish(client, "/dashboard"),
        ["Su cola de revisión", "en espera de revisión", "Coach"],
        ["Your review queue", "waiting for review", "oldest wait"],
    )
    leader = UserFactory(district_admin=True, district=district, name="Dora Admin")
    other = client.application.test_client()  # a second browser
    sign_in(other, leader)
    check(
        spanish(other, "/dashboard"),
        ["Su distrito", "Verificar insignias en bloque"],
        ["Your district", "waiting for a coach", "badges earned"],
    )
    check(
        spanish(other, "/account/api-tokens"),
        ["Tokens de API", "Crear un token", "Todavía no tiene tokens."],
        ["Create a token", "You have no tokens yet.", "Tokens let your district"],
    )


def test_platform_admin_pages_read_in_spanish(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(admin=True, name="Pat Admin")
    district = DistrictFactory(name="Distrito Norte")
    member = UserFactory(district=district, name="Luis Ruiz")
    session.add(
        JobFailure(
            task_id="t-1",
            task_name=tasks.DELIVER_EMAIL,
            args=[1],
            error="boom",
            attempts=3,
        )
    )
    session.flush()
    sign_in(client, admin)
    check(
        spanish(client, "/dashboard"),
        ["La plataforma", "1 trabajo fallido", "1 distrito"],
        ["The platform", "failed job", "credentials issued"],
    )
    check(
        spanish(client, "/admin/districts"),
        ["Distritos", "Código de unión", "Añadir un distrito", "Hora del este"],
        ["Add a district", "Join code", "No districts yet.", "Eastern time"],
    )
    check(
        spanish(client, f"/admin/districts/{district.id}"),
        ["Todos los distritos", "Guardar zona horaria"],
        ["All districts", "see times in", "Save time zone"],
    )
    check(
        spanish(client, "/admin/users"),
        ["Personas", "Buscar por nombre o correo electrónico", "Docente"],
        ["Search by name or email", "Two-factor", "Teacher"],
    )
    check(
        spanish(client, f"/admin/users/{member.id}"),
        ["Rol", "Sin distrito", "Cerrar la sesión de Luis en todas partes"],
        ["No district", "Back to people", "out everywhere"],
    )
    check(
        spanish(client, "/admin/jobs"),
        ["Trabajos fallidos", "1 trabajo en espera de atención", "Enviar de nuevo"],
        ["1 job waiting", "Send again", "Background jobs that still failed"],
    )


def test_the_welcome_email_is_written_in_spanish(
    client: FlaskClient, session: Session
) -> None:
    response = client.post(
        "/signup?lang=es",
        data={
            "name": "Marta Díaz",
            "email": "marta@example.org",
            "password": "luna verde sobre el patio escolar",
        },
    )
    assert response.status_code == 303
    user = session.scalar(select(User).where(User.email == "marta@example.org"))
    assert user is not None
    mails = session.scalars(
        select(EmailMessage).where(EmailMessage.to == "marta@example.org")
    ).all()
    welcome = next(m for m in mails if not m.holds_secret)
    assert welcome.subject == "Le damos la bienvenida a PD Hub"
    assert welcome.body.startswith("Hola, Marta:")
    assert "Su cuenta docente está lista" in welcome.body
    assert "Your teacher account is ready" not in welcome.body
    assert "If you didn't create this account" not in welcome.body


def test_english_pages_and_emails_stay_english(
    client: FlaskClient, session: Session
) -> None:
    page = words(client.get("/signin"))
    assert "Forgot your password?" in page and "Contraseña" not in page
    client.post(
        "/signup",
        data={
            "name": "Sam Lee",
            "email": "sam@example.org",
            "password": "green moon over the school yard",
        },
    )
    welcome = session.scalar(
        select(EmailMessage).where(
            EmailMessage.to == "sam@example.org",
            EmailMessage.subject == "Welcome to PD Hub",
        )
    )
    assert welcome is not None
    assert welcome.body.startswith("Hello Sam,")


@pytest.mark.parametrize("count, says", [(1, "1 new submission has"), (3, "3 new")])
def test_an_email_rendered_outside_a_request_is_english(
    app: Flask, count: int, says: str
) -> None:
    """A worker renders emails with no request (no ?lang=, no browser): English,
    and no error from the language choice."""
    coach = User(name="Carla Coach", email="carla@example.org")
    with app.app_context():
        body = render_template(
            "email/coach_digest.txt",
            coach=coach,
            count=count,
            link="http://localhost/review",
            settings_link="http://localhost/account",
        )
    assert body.startswith("Hello Carla,")
    assert says in body
