"""District forms: schools, invitations, roles."""

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


class DistrictForm(FlaskForm):
    name = StringField(
        "District name",
        validators=[DataRequired("Enter the district's name."), Length(max=160)],
    )
