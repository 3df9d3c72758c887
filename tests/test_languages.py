"""Each person reads PD Hub in their language: the choice order, the switch on every
page (no JavaScript), the profile and district settings, dates and numbers as the
language writes them, messages in the recipient's language, problem documents."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.notifications.models import EmailMessage, Notification
from pdhub.templating import format_date, format_datetime, format_pd_hours
from tests.factories import DistrictFactory, UserFactory
from tests.helpers import sign_in, text
from tests.review.conftest import complete_evidence
from tests.review.test_review_pages import scores

SPANISH = "Ir al contenido principal"
ENGLISH = "Skip to main content"


def _lang(response: object) -> str:
    page = text(response)
    start = page.index("<html lang=") + len('<html lang="')
    return page[start : page.index('"', start)]


# --- the order of the choice ----------------------------------------------------------


def test_lang_parameter_beats_the_profile(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, UserFactory(language="en"))
    assert _lang(client.get("/account?lang=es")) == "es"
    assert _lang(client.get("/account")) == "en"


def test_the_profile_beats_cookie_and_browser(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, UserFactory(language="es"))
    client.set_cookie("lang", "en")
    page = client.get("/account", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert _lang(page) == "es" and SPANISH in text(page)


def test_the_cookie_beats_the_browser_when_signed_out(client: FlaskClient) -> None:
    client.set_cookie("lang", "es")
    page = client.get("/signin", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert _lang(page) == "es"


def test_the_cookie_of_a_signed_out_visit_does_not_outrank_a_signed_in_browser(
    client: FlaskClient, session: Session
) -> None:
    client.get("/signin?lang=es")  # chosen while signed out, on a shared computer
    sign_in(client, UserFactory())  # someone without a choice of their own
    page = client.get("/account", headers={"Accept-Language": "en-US"})
    assert _lang(page) == "en"


def test_the_browser_beats_the_district_default(
    client: FlaskClient, session: Session
) -> None:
    district = DistrictFactory(default_language="es")
    sign_in(client, UserFactory(district=district))
    assert _lang(client.get("/account", headers={"Accept-Language": "en-US"})) == "en"


def test_the_district_default_applies_when_the_browser_asks_for_neither(
    client: FlaskClient, session: Session
) -> None:
    district = DistrictFactory(default_language="es")
    sign_in(client, UserFactory(district=district))
    assert _lang(client.get("/account", headers={"Accept-Language": "fr-FR"})) == "es"
    assert _lang(client.get("/account")) == "es"  # no Accept-Language at all


def test_english_when_nothing_chooses(client: FlaskClient, session: Session) -> None:
    sign_in(client, UserFactory())
    assert _lang(client.get("/account", headers={"Accept-Language": "de"})) == "en"
    assert _lang(client.get("/account?lang=xx")) == "en"  # one we don't speak


# --- the switch -----------------------------------------------------------------------


def test_signed_out_the_switch_is_a_plain_link_that_the_browser_remembers(
    client: FlaskClient,
) -> None:
    page = text(client.get("/signin"))
    assert '<a href="/signin?lang=es" lang="es" hreflang="es">Español</a>' in page, (
        "the sign-in page offers Spanish by its own name"
    )
    switched = client.get("/signin?lang=es")
    assert _lang(switched) == "es" and "Iniciar sesión" in text(switched)
    cookie = switched.headers["Set-Cookie"]
    assert cookie.startswith("lang=es;") and "HttpOnly" in cookie and "Lax" in cookie
    # The next page, without the parameter, is still in Spanish; English links back.
    after = text(client.get("/signup"))
    assert '<html lang="es"' in after
    assert '<a href="/signup?lang=en" lang="en" hreflang="en">English</a>' in after


def test_the_switch_keeps_the_rest_of_the_address(client: FlaskClient) -> None:
    page = text(client.get("/verify?url=https%3A%2F%2Fexample.org%2Fb&lang=en"))
    assert 'href="/verify?url=https%3A%2F%2Fexample.org%2Fb&lang=es"' in page


def test_a_page_answering_a_form_switches_back_to_a_page_that_opens(
    client: FlaskClient, session: Session
) -> None:
    refused = text(client.post("/signin", data={"email": "a@b.org", "password": "x"}))
    assert '<a href="/signin?lang=es" lang="es" hreflang="es">Español</a>' in refused
    assert 'rel="alternate"' not in refused  # a POST has no address to share
    user = UserFactory()
    sign_in(client, user)
    # The time zone form answers at its own POST-only address: back to the account.
    page = text(
        client.post(
            "/account/time-zone",
            data={"tz-time_zone": "Mars/Olympus"},
            headers={"Referer": "http://localhost/account"},
        )
    )
    assert 'name="next" value="/account"' in page


def test_signed_in_the_switch_saves_the_choice_in_the_profile(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    user = UserFactory()
    sign_in(client, user)
    page = text(client.get("/notifications", headers={"Accept-Language": "en"}))
    assert 'action="/language"' in page
    assert 'name="next" value="/notifications"' in page
    assert (
        '<button type="submit" class="link-button" name="lang" value="es" '
        'lang="es">Español</button>' in page
    )
    response = client.post("/language", data={"lang": "es", "next": "/notifications"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/notifications"
    assert session.get(User, user.id).language == "es"
    after = client.get("/notifications", headers={"Accept-Language": "en"})
    assert _lang(after) == "es"
    assert "Su idioma está guardado: Español." in text(after)
    # Another browser: the profile follows the person.
    other = app.test_client()
    sign_in(other, user)
    assert _lang(other.get("/account", headers={"Accept-Language": "en"})) == "es"


def test_a_link_from_another_site_cannot_change_a_profile(
    client: FlaskClient, session: Session
) -> None:
    user = UserFactory()
    sign_in(client, user)
    assert _lang(client.get("/account?lang=es")) == "es"  # that page, in Spanish
    assert session.get(User, user.id).language is None  # but nothing saved


def test_the_switch_form_is_csrf_checked(
    app_factory,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    protected = app_factory(WTF_CSRF_ENABLED=True)
    user = UserFactory()
    client = protected.test_client()
    client.post("/signin", data={"email": user.email, "password": "x"})
    response = client.post("/language", data={"lang": "es", "next": "/"})
    assert response.status_code == 400
    assert session.get(User, user.id).language is None


def test_the_switch_goes_back_only_to_this_site_and_refuses_unknown_languages(
    client: FlaskClient, session: Session
) -> None:
    user = UserFactory()
    sign_in(client, user)
    away = client.post("/language", data={"lang": "es", "next": "//evil.example/x"})
    assert away.headers["Location"] == "/"
    refused = client.post("/language", data={"lang": "fr", "next": "/account"})
    assert refused.status_code == 422
    assert "Elija uno de los idiomas de la lista." in text(refused)  # still Spanish
    assert session.get(User, user.id).language == "es"


def test_the_account_page_sets_a_language_or_automatic(
    client: FlaskClient, session: Session
) -> None:
    user = UserFactory(language="es")
    sign_in(client, user)
    page = text(client.get("/account"))
    assert '<h2 id="language-title">Idioma</h2>' in page
    assert '<option lang="es" selected value="es">Español</option>' in page
    assert "Automático: el idioma de su navegador o, si no, el de su distrito" in page
    client.post("/language", data={"lang": "", "next": "/account#language"})
    assert session.get(User, user.id).language is None
    page = client.get("/account", headers={"Accept-Language": "en"})
    assert _lang(page) == "en"
    assert "Your language is saved: pages follow your browser's language." in text(page)


# --- the district's default -----------------------------------------------------------


def test_a_district_administrator_sets_the_district_language(
    client: FlaskClient, session: Session
) -> None:
    district = DistrictFactory(name="Bayamón Unified")
    sign_in(client, UserFactory(district_admin=True, district=district))
    page = text(client.get("/district"))
    assert 'action="/district/language"' in page
    response = client.post(
        "/district/language", data={"default_language": "es"}, follow_redirects=True
    )
    # Its administrator's browser asks for no language: the page is now Spanish too.
    assert "El idioma del distrito está guardado: Español." in text(response)
    assert district.default_language == "es"
    # Its teachers without a choice, and whose browser asks for neither, read Spanish.
    teacher_client = client.application.test_client()
    sign_in(teacher_client, UserFactory(district=district))
    assert (
        _lang(teacher_client.get("/account", headers={"Accept-Language": "fr"})) == "es"
    )


def test_only_administrators_set_a_district_language(
    client: FlaskClient, session: Session
) -> None:
    district = DistrictFactory()
    sign_in(client, UserFactory(district=district))  # a teacher
    assert (
        client.post("/district/language", data={"default_language": "es"}).status_code
        == 403
    )
    assert (
        client.post(
            f"/admin/districts/{district.id}/language", data={"default_language": "es"}
        ).status_code
        == 403
    )
    assert district.default_language is None


def test_a_platform_administrator_sets_any_district_language(
    client: FlaskClient, session: Session
) -> None:
    district = DistrictFactory()
    sign_in(client, UserFactory(admin=True))
    assert f'action="/admin/districts/{district.id}/language"' in text(
        client.get(f"/admin/districts/{district.id}")
    )
    client.post(
        f"/admin/districts/{district.id}/language", data={"default_language": "es"}
    )
    assert district.default_language == "es"
    missing = client.post(
        "/admin/districts/999999/language", data={"default_language": "es"}
    )
    assert missing.status_code == 404


def test_a_district_administrator_changes_only_their_own_district(
    client: FlaskClient, session: Session
) -> None:
    mine, other = DistrictFactory(), DistrictFactory()
    sign_in(client, UserFactory(district_admin=True, district=mine))
    # No other district's page or address exists for them.
    assert client.post(
        f"/admin/districts/{other.id}/language", data={"default_language": "es"}
    ).status_code in (403, 404)
    client.post("/district/language", data={"default_language": "es"})
    assert mine.default_language == "es" and other.default_language is None


# --- <html lang> and alternates -------------------------------------------------------


def test_pages_name_their_language_and_their_other_language_versions(
    client: FlaskClient,
) -> None:
    page = text(client.get("/signin?lang=es&next=/catalog"))
    assert '<html lang="es">' in page
    for hreflang, href in (
        ("en", "http://localhost/signin?next=%2Fcatalog&lang=en"),
        ("es", "http://localhost/signin?next=%2Fcatalog&lang=es"),
        ("x-default", "http://localhost/signin?next=%2Fcatalog"),
    ):
        assert f'<link rel="alternate" hreflang="{hreflang}" href="{href}">' in page


# --- formats --------------------------------------------------------------------------


def test_dates_times_and_hours_read_as_each_language_writes_them(app: Flask) -> None:
    moment = datetime(2026, 12, 7, 14, 15, tzinfo=UTC)
    puerto_rico = ZoneInfo("America/Puerto_Rico")
    assert format_datetime(moment, ZoneInfo("America/New_York"), "en") == (
        "7 Dec 2026, 9:15 AM EST"
    )
    assert format_datetime(moment, puerto_rico, "es") == (
        "7 dic 2026, 10:15 a.\u202fm. AST"
    )
    assert format_date(datetime(2026, 9, 1, tzinfo=UTC), locale="es") == "1 sept 2026"
    with app.app_context(), app.test_request_context("/?lang=es"):
        assert format_pd_hours(1.5) == "1,5 horas de desarrollo profesional"
        assert format_pd_hours(1) == "1 hora de desarrollo profesional"
        assert (
            format_datetime(moment, puerto_rico) == "7 dic 2026, 10:15 a.\u202fm. AST"
        )
    with app.app_context(), app.test_request_context("/"):
        assert format_pd_hours(1.5) == "1.5 PD hours"
        assert format_pd_hours(2.0) == "2 PD hours"


def test_a_spanish_reader_sees_dates_in_spanish_on_a_page(
    client: FlaskClient, session: Session
) -> None:
    from pdhub.notifications.service import Message, tell

    user = UserFactory(language="es", time_zone="America/Puerto_Rico")
    tell(session, Message("lang:1", user, "Hola"))
    note = session.scalars(
        select(Notification).where(Notification.key == "lang:1")
    ).one()
    note.created_at = datetime(2026, 12, 7, 14, 15, tzinfo=UTC)
    session.flush()
    sign_in(client, user)
    assert "7 dic 2026, 10:15 a.\u202fm. AST" in text(client.get("/notifications"))


def test_pd_hours_read_as_each_language_writes_them_on_the_pages(
    client: FlaskClient, session: Session
) -> None:
    from pdhub.learning.models import EnrollmentStatus
    from tests.factories import EnrollmentFactory, ModuleFactory

    teacher = UserFactory(language="es")
    EnrollmentFactory(
        user=teacher,
        module=ModuleFactory(title="Preguntas", hours=1.5),
        status=EnrollmentStatus.COMPLETED,
        completed_at=datetime(2026, 12, 7, 14, 15, tzinfo=UTC),
    )
    sign_in(client, teacher)
    transcript = text(client.get("/transcript"))
    assert "1,5 horas de DP" in transcript and "<td>1,5</td>" in transcript
    assert "7 dic 2026" in transcript
    english = text(client.get("/transcript?lang=en"))
    assert "1.5 PD hours" in english and "<td>1.5</td>" in english


# --- messages in the recipient's language ---------------------------------------------


def _pass_review(client: FlaskClient, submission_id: int) -> None:
    client.post(f"/review/{submission_id}/claim")
    response = client.post(
        f"/review/{submission_id}", data={**scores(), "decision": "passed"}
    )
    assert response.status_code == 303, text(response)[:500]


def _told(session: Session, teacher: User) -> tuple[Notification, EmailMessage]:
    note = session.scalars(
        select(Notification).where(Notification.user_id == teacher.id)
    ).one()
    mail = session.scalars(
        select(EmailMessage).where(EmailMessage.to == teacher.email)
    ).one()
    return note, mail


def test_an_english_speaking_coach_passes_a_spanish_teachers_evidence(
    client: FlaskClient, session: Session
) -> None:
    from tests.factories import (
        CoachAssignmentFactory,
        EnrollmentFactory,
        SubmissionFactory,
    )

    district = DistrictFactory()
    coach = UserFactory(coach=True, district=district, language="en")
    CoachAssignmentFactory(coach=coach, district=district)
    teacher = UserFactory(district=district, name="Lucía Rivera", language="es")
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        in_review=True,
        **complete_evidence(),
    )
    title = submission.enrollment.module.title
    sign_in(client, coach)
    _pass_review(client, submission.id)
    assert "Your evidence passed" not in text(client.get("/review"))  # coach: English
    note, mail = _told(session, teacher)
    assert note.message == f"Un coach revisó su evidencia para {title}: fue aprobada."
    assert mail.subject == f"Su evidencia fue aprobada: {title}"
    assert mail.body.startswith("Hola, Lucía:")
    assert f"¡Enhorabuena! Un coach revisó su evidencia para «{title}»" in mail.body


def test_a_spanish_speaking_coach_passes_an_english_teachers_evidence(
    client: FlaskClient, session: Session
) -> None:
    from tests.factories import (
        CoachAssignmentFactory,
        EnrollmentFactory,
        SubmissionFactory,
    )

    district = DistrictFactory(default_language="es")  # the district reads Spanish
    coach = UserFactory(coach=True, district=district, language="es")
    CoachAssignmentFactory(coach=coach, district=district)
    teacher = UserFactory(district=district, name="Tess Teacher", language="en")
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        in_review=True,
        **complete_evidence(),
    )
    title = submission.enrollment.module.title
    sign_in(client, coach)
    _pass_review(client, submission.id)
    note, mail = _told(session, teacher)
    assert note.message == f"A coach reviewed your evidence for {title}: it passed."
    assert mail.subject == f"Your evidence passed: {title}"
    assert mail.body.startswith("Hello Tess,")


def test_a_teacher_without_a_choice_is_written_to_in_the_district_language(
    session: Session, app: Flask
) -> None:
    from pdhub.notifications.service import tell
    from pdhub.review.notices import submission_message
    from tests.factories import EnrollmentFactory, SubmissionFactory

    teacher = UserFactory(district=DistrictFactory(default_language="es"))
    submission = SubmissionFactory(
        enrollment=EnrollmentFactory(user=teacher),
        in_review=True,
        **complete_evidence(),
    )
    with (
        app.test_request_context("/", headers={"Accept-Language": "en"}),
        force_locale("en"),
    ):
        tell(
            session,
            submission_message(submission, submission.versions[0], "screened"),
        )
    _, mail = _told(session, teacher)
    assert mail.subject.startswith("Su evidencia está con un coach")


# --- problem documents and error pages ------------------------------------------------


def test_problem_documents_follow_the_api_clients_language(client: FlaskClient) -> None:
    answer = client.get("/api/v1/nope", headers={"Accept-Language": "es-MX,es"})
    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"
    assert answer.json["title"] == "No encontramos esa página"
    assert answer.json["detail"] == (
        "Puede que el enlace sea antiguo o que la página se haya movido."
    )
    english = client.get("/api/v1/nope", headers={"Accept-Language": "en"})
    assert english.json["title"] == "We couldn't find that page"


def test_the_error_page_is_in_the_readers_language(client: FlaskClient) -> None:
    page = client.get("/no-such-page?lang=es")
    assert page.status_code == 404
    body = text(page)
    assert '<html lang="es">' in body
    assert "No encontramos esa página" in body
    assert "Código de error 404" in body and "Ir a la página de inicio" in body
