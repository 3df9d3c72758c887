"""District forms: schools, invitations, roles, the district and its time zone."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length


class SchoolForm(FlaskForm):
    name = StringField(
        "School name",
        validators=[DataRequired("Enter the school's name."), Length(max=160)],
    )


class InviteForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter their email address."), Length(max=254)],
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice("teacher", "Teacher"), SelectChoice("coach", "Coach")],
    )
    school = SelectField("School", coerce=str, choices=[])


class RoleForm(FlaskForm):
    role = SelectField(
        "Role",
        choices=[SelectChoice("teacher", "Teacher"), SelectChoice("coach", "Coach")],
    )


class DistrictTimeZoneForm(FlaskForm):
    """One IANA zone name, checked by ``accounts.timezones`` in the service."""

    time_zone = StringField(
        "Time zone",
        description=(
            "People in the district see dates and times in this time zone unless "
            "they choose their own on their account page."
        ),
    )


class DistrictForm(DistrictTimeZoneForm):
    name = StringField(
        "District name",
        validators=[DataRequired("Enter the district's name."), Length(max=160)],
    )
