"""Messages of the learning, evidence and review workflow that are written outside a
template: marked for translation where they are defined, translated where they are
shown. ``gettext`` and ``ngettext`` here are Flask-Babel's, except that
outside a request they answer in English instead of failing.

Some of them are also built by background jobs (screening, grading), where there is no
request and so no reader's language: there they stay in English, the source language.
"""

from __future__ import annotations

from typing import Any

import flask_babel
from flask import has_request_context


def _l(message: str) -> str:
    """Mark ``message`` for ``pdhub translations update`` and return it unchanged;
    :func:`gettext` shows it in the reader's language."""
    return message


def gettext(message: str, **values: Any) -> str:
    """``message`` in the reader's language (English without a request), with
    ``%(name)s`` placeholders filled from ``values``."""
    if has_request_context():
        return str(flask_babel.gettext(message, **values))
    return message % values if values else message


def ngettext(singular: str, plural: str, num: int, **values: Any) -> str:
    """The form of ``singular``/``plural`` for ``num`` (also ``%(num)s``) in the
    reader's language (English without a request)."""
    if has_request_context():
        return str(flask_babel.ngettext(singular, plural, num, **values))
    values.setdefault("num", num)
    return (singular if num == 1 else plural) % values
