"""Messages of the learning, evidence and review workflow that are written outside a
template: marked for translation where they are defined, translated where they are
shown. ``gettext`` and ``ngettext`` here are Flask-Babel's, except that
outside an app context they answer in English instead of failing.

Some of them are also built by background jobs (screening, grading): there the
language is the one the job is speaking (a message forced to its recipient's language
by ``pdhub.i18n.speaking_to``), else English, the source language.
"""

from __future__ import annotations

from typing import Any

import flask_babel
from flask import has_app_context


def _l(message: str) -> str:
    """Mark ``message`` for ``pdhub translations update`` and return it unchanged;
    :func:`gettext` shows it in the reader's language."""
    return message


def gettext(message: str, **values: Any) -> str:
    """``message`` in the language being spoken (English outside an app), with
    ``%(name)s`` placeholders filled from ``values``."""
    if has_app_context():
        return str(flask_babel.gettext(message, **values))
    return message % values if values else message


def ngettext(singular: str, plural: str, num: int, **values: Any) -> str:
    """The form of ``singular``/``plural`` for ``num`` (also ``%(num)s``) in the
    language being spoken (English outside an app)."""
    if has_app_context():
        return str(flask_babel.ngettext(singular, plural, num, **values))
    values.setdefault("num", num)
    return (singular if num == 1 else plural) % values
