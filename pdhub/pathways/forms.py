"""The form that defines a pathway."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
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


class OutsideElectiveForm(FlaskForm):
    """A badge of a trusted issuer that counts as an elective."""

    issuer_id = SelectField(
        _l("Issuer"),
        description=_l("Issuers your district trusts (District → Trusted issuers)."),
        validate_choice=False,
    )
    achievement_id = StringField(
        _l("Achievement identifier"),
        description=_l(
            "The achievement's “id” in the issuer's badges, for example "
            "https://example.edu/achievements/42 or urn:uuid:…"
        ),
        validators=[
            DataRequired(_l("Give the achievement's identifier.")),
            Length(max=500),
        ],
    )
    name = StringField(
        _l("Badge name, as teachers will see it"),
        validators=[DataRequired(_l("Give the badge a name.")), Length(max=200)],
    )
    electives_required = IntegerField(
        _l("How many electives a teacher needs"),
        validators=[InputRequired(), NumberRange(min=0, max=30)],
    )
