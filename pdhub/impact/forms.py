"""Impact forms: a module's rating, a lesson report, a survey and a district goal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from pdhub.impact.service import MAX_TEXT


class FeedbackForm(FlaskForm):
    rating = RadioField(
        _l("How useful was this module for your teaching?"),
        choices=[
            SelectChoice("1", _l("1 – not useful")),
            SelectChoice("2", _l("2")),
            SelectChoice("3", _l("3")),
            SelectChoice("4", _l("4")),
            SelectChoice("5", _l("5 – very useful")),
        ],
        validators=[InputRequired(_l("Choose a rating from 1 to 5."))],
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("What worked, what to change. Module authors read it."),
    )


class LessonReportForm(FlaskForm):
    text = TextAreaField(
        _l("What is out of date or wrong?"),
        validators=[
            DataRequired(_l("Say what is out of date or wrong.")),
            Length(max=MAX_TEXT),
        ],
    )


class SurveyForm(FlaskForm):
    """Only the CSRF token: the statements come from the module and are checked by
    impact.service.save_survey."""


class GoalForm(FlaskForm):
    kind = SelectField(
        _l("Kind of goal"),
        choices=[
            SelectChoice(
                "badge_share", _l("A share of teachers hold a module's badge")
            ),
            SelectChoice(
                "equity_plan",
                _l("Every equity area below “developing” on a divide has a plan"),
            ),
        ],
    )
    module = SelectField(
        _l("Module (for a badge goal)"), choices=[], validate_choice=False
    )
    percent = IntegerField(
        _l("Share of teachers, in percent (for a badge goal)"),
        default=60,
        validators=[
            Optional(),
            NumberRange(1, 100, _l("Enter a share from 1 to 100 percent.")),
        ],
    )
    divide = SelectField(
        _l("Divide (for a plan goal)"), choices=[], validate_choice=False
    )
    due = DateField(_l("By (optional)"), validators=[Optional()])
