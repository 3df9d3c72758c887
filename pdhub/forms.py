"""Form plumbing shared by every feature: showing a domain error next to its field."""

from __future__ import annotations

from flask_wtf import FlaskForm

from pdhub.errors import DomainError


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Attach ``error`` to the form field it names, or to the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
