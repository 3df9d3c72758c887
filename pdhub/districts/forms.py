"""District forms: schools, invitations, roles, the district and its time zone,
roster uploads and assignments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

STAFF_ROLE_CHOICES = [
    SelectChoice("teacher", _l("Teacher")),
    SelectChoice("coach", _l("Coach")),
    SelectChoice("school_leader", _l("School leader")),
]


class SchoolForm(FlaskForm):
    name = StringField(
        _l("School name"),
        validators=[DataRequired(_l("Enter the school's name.")), Length(max=160)],
    )


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter their email address.")), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=STAFF_ROLE_CHOICES)
    school = SelectField(_l("School"), coerce=str, choices=[])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=STAFF_ROLE_CHOICES)


class DistrictTimeZoneForm(FlaskForm):
    """One IANA zone name, checked by ``accounts.timezones`` in the service."""

    time_zone = StringField(
        _l("Time zone"),
        description=_l(
            "People in the district see dates and times in this time zone unless "
            "they choose their own on their account page."
        ),
    )


class DistrictForm(DistrictTimeZoneForm):
    name = StringField(
        _l("District name"),
        validators=[DataRequired(_l("Enter the district's name.")), Length(max=160)],
    )


class RosterUploadForm(FlaskForm):
    users = FileField(
        _l("Staff file (CSV)"),
        description=_l(
            "A OneRoster users.csv, or a CSV with the columns name, email, school "
            "and role (teacher, coach or school leader). An optional language "
            "column (en or es) sets the language of the invitation."
        ),
    )
    orgs = FileField(
        _l("Schools file (OneRoster orgs.csv, optional)"),
        description=_l("With a OneRoster users.csv: the schools its people belong to."),
    )


class AssignmentForm(FlaskForm):
    module = SelectField(_l("Module"), choices=[])
    due = DateField(
        _l("Due date"),
        validators=[DataRequired(_l("Enter the due date."))],
    )
    target = RadioField(
        _l("Who"),
        choices=[
            SelectChoice("everyone", _l("Every teacher in the district")),
            SelectChoice("school", _l("The teachers of one school")),
            SelectChoice("people", _l("Particular people")),
        ],
        default="everyone",
    )
    # Checked by the service (only for "one school"); empty otherwise.
    school = SelectField(_l("School"), coerce=str, choices=[], validate_choice=False)
    people = TextAreaField(
        _l("People's email addresses"),
        description=_l("For particular people: one email address per line."),
        validators=[Optional(), Length(max=100_000)],
    )
