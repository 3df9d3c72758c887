"""The form that defines a pathway."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget


class PathwayForm(FlaskForm):
    name = StringField(
        _l("Pathway name"),
        description=_l("For example “Digital equity in every classroom”."),
        validators=[DataRequired(_l("Give the pathway a name.")), Length(max=200)],
    )
    description = TextAreaField(
        _l("What it is for (optional)"),
        validators=[Length(max=2000)],
        render_kw={"rows": 3},
    )
    milestone_name = StringField(
        _l("Name of the milestone it earns"),
        description=_l(
            "The credential teachers receive, for example “Digital Equity Leader”."
        ),
        validators=[
            DataRequired(_l("Name the milestone the pathway earns.")),
            Length(max=200),
        ],
    )
    required = SelectMultipleField(
        _l("Required modules"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    electives = SelectMultipleField(
        _l("Elective modules"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    electives_required = IntegerField(
        _l("How many electives a teacher needs"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=30)],
    )


class RevokeMilestoneForm(FlaskForm):
    reason = TextAreaField(
        _l("Public reason"),
        description=_l(
            "The teacher and anyone who checks the credential see it, for example "
            "“Issued in error”."
        ),
        validators=[DataRequired(_l("Give a public reason.")), Length(max=500)],
        render_kw={"rows": 2},
    )
