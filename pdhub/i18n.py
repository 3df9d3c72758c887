"""The translation layer: Flask-Babel with gettext catalogs in ``pdhub/translations``.

English is the source language (the msgids); Spanish is the first translation. The
locale of a request is chosen by :func:`select_locale`.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel

#: The languages PD Hub speaks, in the order the language switch lists them, each
#: with its name in its own language.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
TRANSLATIONS_PATH = Path(__file__).parent / "translations"

babel = Babel()


def select_locale() -> str:
    """``?lang=`` when it names a language we speak, else the browser's
    ``Accept-Language``, else English."""
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_PATH))
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def locale_globals() -> dict[str, str]:
        from flask_babel import get_locale

        locale = get_locale()
        return {"current_locale": locale.language if locale else DEFAULT_LANGUAGE}
