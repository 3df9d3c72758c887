"""The forms of workshops: defining one, and the two ways to list attendees."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DecimalField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from pdhub.workshops.images import DESIGNS


class WorkshopForm(FlaskForm):
    name = StringField(
        _l("Name of the badge"),
        description=_l("For example “Riverside Summer Institute: Digital Equity Day”."),
        validators=[DataRequired(_l("Give the badge a name.")), Length(max=200)],
    )
    description = TextAreaField(
        _l("What it is"),
        validators=[DataRequired(_l("Say what the workshop is.")), Length(max=2000)],
        render_kw={"rows": 3},
    )
    criteria = TextAreaField(
        _l("What it took (criteria)"),
        description=_l("What attendees did to earn it, as the badge will say."),
        validators=[
            DataRequired(_l("Say what attendees did to earn it.")),
            Length(max=4000),
        ],
        render_kw={"rows": 3},
    )
    hours = DecimalField(
        _l("PD hours"),
        places=2,
        validators=[
            InputRequired(_l("Give the PD hours.")),
            NumberRange(
                min=0.25, max=200, message=_l("Give a number between 0.25 and 200.")
            ),
        ],
    )
    image = RadioField(
        _l("Picture"),
        choices=[SelectChoice(key, label) for key, (label, _m, _r) in DESIGNS.items()],
        default="blue",
        validators=[InputRequired(_l("Choose a picture."))],
    )


class CsvForm(FlaskForm):
    session_date = DateField(
        _l("Date of the session"),
        validators=[InputRequired(_l("Give the date of the session."))],
    )
    attendees = FileField(
        _l("Attendee file (CSV)"),
        description=_l(
            "One person per line: their email address, then (optionally) a comma "
            "and their name."
        ),
    )


class AttendanceForm(FlaskForm):
    cohort_session = SelectField(
        _l("Cohort session"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(_l("Choose a session."))],
    )


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        description=_l(
            "The person is told this reason, and anyone who checks the badge sees "
            "it is revoked."
        ),
        validators=[
            DataRequired(_l("Give the reason for revoking the badge.")),
            Length(max=500, message=_l("Keep the reason under 500 characters.")),
        ],
    )
