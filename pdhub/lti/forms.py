"""LTI forms: a platform registration, and the deep-linking module picker."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget


class RegistrationForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("For your own list, for example “Canvas”."),
        validators=[DataRequired(), Length(max=120)],
    )
    issuer = StringField(
        _l("Issuer"),
        description=_l(
            "The platform's issuer (iss), for example https://canvas.instructure.com."
        ),
        validators=[DataRequired(), Length(max=500)],
    )
    client_id = StringField(
        _l("Client id"), validators=[DataRequired(), Length(max=255)]
    )
    auth_login_url = StringField(
        _l("Authentication request address (OIDC auth URL)"),
        validators=[DataRequired(), Length(max=2048)],
    )
    auth_token_url = StringField(
        _l("Access token address (OAuth 2 token URL)"),
        validators=[DataRequired(), Length(max=2048)],
    )
    jwks_url = StringField(
        _l("Platform public keys address (JWKS URL)"),
        validators=[DataRequired(), Length(max=2048)],
    )
    deployment_ids = TextAreaField(
        _l("Deployment ids"),
        description=_l("One a line."),
        validators=[DataRequired(), Length(max=5000)],
    )


class ModulePickerForm(FlaskForm):
    class Meta:
        csrf = False  # posted from a page opened by the platform; the token protects it

    token = HiddenField(validators=[DataRequired()])
    modules = SelectMultipleField(
        _l("Modules to add to your course"),
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
