"""Cohort forms. The service checks every rule again; these parse and label."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, InputRequired, NumberRange

from pdhub.cohorts import service


class CohortForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired()],
        render_kw={"maxlength": service.MAX_NAME},
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("What the cohort will do together, and who it is for."),
        render_kw={"rows": 3, "maxlength": service.MAX_DESCRIPTION},
    )
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    modules = SelectMultipleField(
        _l("Modules"),
        description=_l("The modules the cohort works through. Choose one or more."),
        validators=[DataRequired()],
    )
    coach = SelectField(_l("Coach who leads it"), coerce=int, validate_choice=False)


class MemberForm(FlaskForm):
    email = EmailField(
        _l("Teacher's email address"), validators=[DataRequired(), Email()]
    )


class JoinForm(FlaskForm):
    code = StringField(
        _l("Cohort code"),
        description=_l("Your coach gives you this code, for example K7QM2XPA."),
        validators=[DataRequired()],
        render_kw={"maxlength": 20, "autocomplete": "off"},
    )


class SessionForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    start = TimeField(_l("Start time"), validators=[InputRequired()])
    duration = IntegerField(
        _l("Length in minutes"),
        default=60,
        validators=[InputRequired(), NumberRange(min=5, max=600)],
    )
    place = StringField(
        _l("Meeting link or room"),
        description=_l(
            "For example https://meet.example.org/cohort or Library, room 12."
        ),
        render_kw={"maxlength": service.MAX_PLACE},
    )
    agenda = TextAreaField(
        _l("Agenda"), render_kw={"rows": 4, "maxlength": service.MAX_AGENDA}
    )


class ActionForm(FlaskForm):
    """A button that changes something (remove a member): CSRF only."""


class AttendanceForm(FlaskForm):
    """The present members' ids come as checkboxes named ``present``."""
