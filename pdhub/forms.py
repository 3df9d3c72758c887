"""Form plumbing shared by every feature: saving a view's work (commit, or roll back
and show the error) and showing a domain error next to its field."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, flash
from flask_babel import get_translations, lazy_gettext, lazy_ngettext
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations

from pdhub.errors import DomainError
from pdhub.extensions import db

#: WTForms' built-in messages a PD Hub form can show, as WTForms writes them: listed
#: here so they are extracted into our catalog and translated in the same plain words
#: as the rest of the site. Any other built-in message comes from WTForms' catalog.
WTFORMS_TEXTS = (
    lazy_gettext("This field is required."),
    lazy_gettext("Not a valid decimal value."),
    lazy_gettext("Not a valid integer value."),
    lazy_gettext("Not a valid float value."),
    lazy_gettext("Not a valid choice."),
    lazy_gettext("Not a valid date value."),
    lazy_gettext("Invalid email address."),
    lazy_gettext("Invalid URL."),
    lazy_gettext("Invalid input."),
    lazy_gettext("Number must be at least %(min)s."),
    lazy_gettext("Number must be at most %(max)s."),
    lazy_gettext("Number must be between %(min)s and %(max)s."),
    lazy_gettext("Field must be between %(min)d and %(max)d characters long."),
    lazy_ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    ),
    lazy_ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    ),
)


class FormTexts:
    """WTForms' translations for a form (``FlaskForm.Meta.get_translations``): our
    catalog where it has the message, else WTForms' own catalog, else English.
    Returns the texts unformatted: WTForms fills in %(min)d and %(max)d itself."""

    def gettext(self, string: str) -> str:
        ours = str(get_translations().ugettext(string))
        if ours != string:
            return ours
        return str(wtforms_translations.gettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        ours = str(get_translations().ungettext(singular, plural, n))
        if ours != (singular if n == 1 else plural):
            return ours
        return str(wtforms_translations.ngettext(singular, plural, n))


FORM_TEXTS = FormTexts()


def _translations(meta: Any, form: Any) -> Any:
    if not current_app.config.get("WTF_I18N_ENABLED", True):
        return None
    return FORM_TEXTS


def init_app() -> None:
    """Every FlaskForm of the site reads WTForms' messages through FormTexts (the
    Meta hook Flask-WTF itself uses for its translations)."""
    FlaskForm.Meta.get_translations = _translations  # Flask-WTF's Meta hook, set once


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Attach ``error`` to the form field it names, or to the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


class Saved:
    """What ``saving`` did: ``error`` is the DomainError that stopped it, if any."""

    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def saving(form: FlaskForm | None = None, *, show: bool = True) -> Iterator[Saved]:
    """Commit what the block did through the services, or roll it all back on a
    DomainError and show it: next to its field on ``form``, else as a flashed
    message (``show=False``: the view shows ``saved.error`` itself). The one way a
    view saves::

        with saving(form) as saved:
            service.do_it(db.session, current_user, ...)
        if saved.ok:
            return redirect(...)
    """
    saved = Saved()
    try:
        yield saved
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        saved.error = error
        if show and form is not None:
            show_error(form, error)
        elif show:
            flash(error.message, "error")
