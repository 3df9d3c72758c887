"""Learning forms: the catalog's search and filters, and the knowledge check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    SearchField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from pdhub.learning.service import SORTS


class CatalogForm(FlaskForm):
    """Read from the query string; nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search modules"), validators=[Optional()])
    topic = SelectField(_l("Topic"), choices=[], validate_choice=False)
    grade_band = SelectField(_l("Grade band"), choices=[], validate_choice=False)
    standard = SelectField(_l("Standard"), choices=[], validate_choice=False)
    hours_min = DecimalField(
        _l("Fewest hours"),
        places=None,
        validators=[
            Optional(),
            NumberRange(0, 200, _l("Enter a number of hours from 0 to 200.")),
        ],
    )
    hours_max = DecimalField(
        _l("Most hours"),
        places=None,
        validators=[
            Optional(),
            NumberRange(0, 200, _l("Enter a number of hours from 0 to 200.")),
        ],
    )
    sort = SelectField(
        _l("Sort by"),
        choices=[SelectChoice(key, _l(label)) for key, label in SORTS.items()],
        validate_choice=False,
    )


class QuizForm(FlaskForm):
    """Only the CSRF token: the questions come from the module and are checked by
    learning.service.clean_answers."""


class GrantAttemptsForm(FlaskForm):
    note = TextAreaField(
        _l("Note to the teacher (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l("Say what to review before trying again. It goes in the email."),
    )
