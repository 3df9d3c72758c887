"""Form plumbing shared by every feature: saving a view's work (commit, or roll back
and show the error) and showing a domain error next to its field."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import flash
from flask_wtf import FlaskForm

from pdhub.errors import DomainError
from pdhub.extensions import db


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
