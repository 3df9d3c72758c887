"""Platform administrator forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from pdhub.accounts.models import Role


class AdminUserForm(FlaskForm):
    role = SelectField(
        "Role", choices=[SelectChoice(role.value, role.label) for role in Role]
    )
    district = SelectField("District", choices=[])
