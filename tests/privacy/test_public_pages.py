"""The public account of what PD Hub does with data: /privacy, /accessibility,
/security and /.well-known/security.txt, for anyone, in English and Spanish, naming
the deployment's own contact address and services."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.config import ConfigError
from pdhub.db import utcnow
from tests.factories import UserFactory
from tests.helpers import sign_in, text

PAGES = {
    "/privacy": ("Privacy: what PD Hub keeps about you", "Privacidad: qué guarda"),
    "/accessibility": ("Accessibility statement", "Declaración de accesibilidad"),
    "/security": ("Reporting a security problem", "Informar de un problema"),
}


@pytest.mark.parametrize("path", list(PAGES))
def test_the_public_pages_open_for_anyone_in_english_and_spanish(
    client: FlaskClient, session: Session, path: str
) -> None:
    english, spanish = PAGES[path]
    response = client.get(path)
    assert response.status_code == 200
    assert f"<h1>{english}" in text(response)
    page = text(client.get(path, query_string={"lang": "es"}))
    assert '<html lang="es">' in page and f"<h1>{spanish}" in page
    sign_in(client, UserFactory())
    assert english in text(client.get(path))


def test_the_privacy_page_says_who_sees_evidence_and_what_is_kept(
    client: FlaskClient, session: Session
) -> None:
    page = text(client.get("/privacy"))
    for promise in (
        "may contain student work",
        "Coaches see the evidence",
        "district's administrators see",
        "PD Hub administrators",
        "internet (IP) address",
        "data controller",
        "school official",
        "FERPA",
        "emailed 14 days before anything of yours is deleted",
        "erase your account, under Account",
        "encrypted at rest",
        "what you write about your class, your reflection and your files",
        "coaching conversations, files attached to community posts",
        "audit trail that no one can change",
        "keeps the wallet's identifier (its DID)",
    ):
        assert promise in page, promise
    # The session limits it states are the configured ones.
    assert "signed out after 30 minutes without use" in page
    assert "12 hours after signing in" in page


def test_the_pages_name_the_configured_contact_and_services(
    app_factory, session: Session
) -> None:
    app = app_factory(
        PDHUB_CONTACT_EMAIL="privacy@district.example",
        PDHUB_SUBPROCESSORS="Postmark (email delivery); Backblaze B2 (backups)",
        PDHUB_SESSION_IDLE_MINUTES=20,
    )
    client = app.test_client()
    privacy = text(client.get("/privacy"))
    assert 'href="mailto:privacy@district.example"' in privacy
    assert "<li>Postmark (email delivery)</li>" in privacy
    assert "<li>Backblaze B2 (backups)</li>" in privacy
    assert "No other company receives your data" not in privacy
    assert "signed out after 20 minutes" in privacy
    for path in ("/accessibility", "/security"):
        assert "mailto:privacy@district.example" in text(client.get(path))
    assert "Contact: mailto:privacy@district.example" in text(
        client.get("/.well-known/security.txt")
    )


def test_without_services_listed_the_privacy_page_says_there_are_none(
    client: FlaskClient, session: Session
) -> None:
    page = text(client.get("/privacy"))
    assert "No other company receives your data" in page


def test_the_contact_defaults_to_the_address_mail_comes_from(
    app_factory, session: Session
) -> None:
    app = app_factory(PDHUB_MAIL_FROM="PD Hub <pd@district.example>")
    assert app.config["PDHUB_CONTACT_EMAIL"] == "pd@district.example"
    app = app_factory(PDHUB_ISSUER_EMAIL="badges@district.example")
    assert app.config["PDHUB_CONTACT_EMAIL"] == "badges@district.example"


@pytest.mark.parametrize("bad", ["not an address", "a@b.org, c@d.org", "<x@y.org>"])
def test_a_malformed_contact_address_stops_start_up(
    app_factory, session: Session, bad: str
) -> None:
    with pytest.raises(ConfigError, match="PDHUB_CONTACT_EMAIL"):
        app_factory(PDHUB_CONTACT_EMAIL=bad)


def _fields(body: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition(": ")
            fields.setdefault(name, []).append(value)
    return fields


def test_security_txt_follows_rfc_9116(client: FlaskClient, session: Session) -> None:
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.mimetype_params["charset"] == "utf-8"
    fields = _fields(response.get_data(as_text=True))
    # Contact is required; Expires is required and appears once.
    assert fields["Contact"] == ["mailto:no-reply@pdhub.local"]
    assert len(fields["Expires"]) == 1
    assert fields["Preferred-Languages"] == ["en, es"]
    assert fields["Canonical"] == ["http://localhost/.well-known/security.txt"]
    assert fields["Policy"] == ["http://localhost/security"]
    # The policy it names is a page anyone can open.
    assert client.get("/security").status_code == 200


def test_security_txt_expires_a_year_after_each_request(
    client: FlaskClient, session: Session
) -> None:
    before = utcnow().replace(microsecond=0)
    body = client.get("/.well-known/security.txt").get_data(as_text=True)
    expires = datetime.fromisoformat(_fields(body)["Expires"][0].replace("Z", "+00:00"))
    assert before + timedelta(days=365) <= expires <= utcnow() + timedelta(days=365)


def test_security_txt_names_the_https_site_in_production(
    app_factory, session: Session
) -> None:
    from tests.test_app import PRODUCTION

    app = app_factory(**PRODUCTION, SERVER_NAME="pd.example.org")
    body = app.test_client().get("/.well-known/security.txt").get_data(as_text=True)
    fields = _fields(body)
    assert fields["Canonical"] == ["https://pd.example.org/.well-known/security.txt"]
    assert fields["Policy"] == ["https://pd.example.org/security"]


@pytest.mark.parametrize("path", ["/", "/signin", "/privacy", "/dashboard"])
def test_every_page_links_to_privacy_and_accessibility_in_its_footer(
    client: FlaskClient, session: Session, path: str
) -> None:
    if path == "/dashboard":
        sign_in(client, UserFactory())
    page = text(client.get(path))
    footer = page[page.index('<footer class="site-footer">') :]
    assert 'href="/privacy">Privacy</a>' in footer
    assert 'href="/accessibility">Accessibility</a>' in footer
    spanish = text(client.get(path, query_string={"lang": "es"}))
    footer = spanish[spanish.index('<footer class="site-footer">') :]
    assert 'href="/privacy">Privacidad</a>' in footer
    assert 'href="/accessibility">Accesibilidad</a>' in footer


def test_the_public_pages_fit_the_page_budget(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    for path in PAGES:
        for lang in ("en", "es"):
            body = client.get(path, query_string={"lang": lang}).get_data()
            assert len(body) <= 60 * 1024, (path, lang, len(body))
