"""Platform administrator forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField


class AdminUserForm(FlaskForm):
    # The view sets both lists of choices per request (role names read in the
    # reader's language).
    role = SelectField(_l("Role"), choices=[])
    district = SelectField(_l("District"), choices=[])
