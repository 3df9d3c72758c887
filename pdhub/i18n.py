"""The translation layer: Flask-Babel with gettext catalogs in ``pdhub/translations``.

English is the source language (the msgids); Spanish is the first translation. The
locale of a request is chosen by :func:`select_locale`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request
from flask_babel import Babel

#: The languages PD Hub speaks, in the order the language switch lists them, each
#: with its name in its own language.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
TRANSLATIONS_PATH = Path(__file__).parent / "translations"

babel = Babel()


def select_locale() -> str:
    """``?lang=`` when it names a language we speak, else the browser's
    ``Accept-Language``, else English (also outside a request: a worker or a
    command rendering an email or raising a message)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
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


# The catalogs, for developers: ``pdhub translations update`` after changing a
# message, then translate the new entries in messages.po, then ``compile``.
# ``check`` is what the test suite runs.

SOURCE_ROOT = Path(__file__).resolve().parent.parent
MAPPING = SOURCE_ROOT / "babel.cfg"
TEMPLATE = TRANSLATIONS_PATH / "messages.pot"
KEYWORDS = ["_", "gettext", "ngettext:1,2", "lazy_gettext", "_l", "lazy_ngettext:1,2"]


def _pybabel(*arguments: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *arguments])


def extract() -> None:
    """Write messages.pot from the Python sources and templates (sorted, without
    source locations, so that merges of messages.po stay small)."""
    keywords = [f"-k{keyword}" for keyword in KEYWORDS]
    _pybabel(
        "extract", "-F", str(MAPPING), "--no-location", "--sort-output",
        "--omit-header", "--no-wrap", *keywords, "-o", str(TEMPLATE),
        str(SOURCE_ROOT),
    )  # fmt: skip


def update() -> None:
    """Extract, then bring every language's messages.po up to the template (new
    messages arrive untranslated, never guessed: no fuzzy matching)."""
    extract()
    _pybabel(
        "update", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS_PATH),
        "--no-fuzzy-matching", "--ignore-obsolete", "--no-wrap",
    )  # fmt: skip


def compile_catalogs() -> None:
    _pybabel("compile", "-d", str(TRANSLATIONS_PATH), "--statistics")


def _compiled(catalog: Any) -> bytes:
    from io import BytesIO

    from babel.messages.mofile import write_mo

    buffer = BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def problems(language: str) -> list[str]:
    """What keeps ``language`` from being complete: messages in the code with no
    translation, fuzzy translations, translations of messages the code no longer
    has, and a compiled catalog older than its source."""
    from babel.messages.pofile import read_po

    extract()
    with TEMPLATE.open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    po_path = TRANSLATIONS_PATH / language / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    found: list[str] = []
    have = set()
    for message in catalog:
        if not message.id:
            continue
        have.add(message.id)
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = (
            message.string if isinstance(message.string, tuple) else (message.string,)
        )
        if message.id not in wanted:
            found.append(f"stale (no longer in the code): {key!r}")
        elif message.fuzzy:
            found.append(f"fuzzy: {key!r}")
        elif not all(strings):
            found.append(f"untranslated: {key!r}")
    for missing in wanted - have:
        key = missing if isinstance(missing, str) else missing[0]
        found.append(f"missing from messages.po: {key!r}")
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists() or mo_path.read_bytes() != _compiled(catalog):
        # Compared by content: a fresh clone gives files arbitrary modification times.
        found.append(f"{mo_path.name} does not match messages.po: run compile")
    return sorted(found)
