"""The translation layer answers in the language a person asks for."""

from __future__ import annotations


def test_lang_parameter_switches_the_page_to_spanish(client):
    page = client.get("/?lang=es").get_data(as_text=True)
    assert '<html lang="es"' in page
    assert "Ir al contenido principal" in page


def test_browser_language_is_followed(client):
    page = client.get("/", headers={"Accept-Language": "es-PR,es;q=0.9,en;q=0.5"})
    assert "Ir al contenido principal" in page.get_data(as_text=True)


def test_english_stays_the_default(client):
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "Skip to main content" in page


def test_every_message_has_a_current_spanish_translation():
    """Fails when a message in the code or templates has no Spanish translation, a
    translation is fuzzy or stale, or messages.mo was not recompiled."""
    from pdhub import i18n

    assert i18n.problems("es") == []
