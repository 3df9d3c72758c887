"""Single sign-on forms: a district's provider settings, and the email address that
finds a person's district at sign-in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length

PROVIDER_CHOICES = [
    SelectChoice("google", _l("Google Workspace")),
    SelectChoice("entra", _l("Microsoft Entra ID")),
    SelectChoice("clever", _l("Clever")),
    SelectChoice("classlink", _l("ClassLink")),
    SelectChoice("other", _l("Other OpenID provider")),
]


class SsoSettingsForm(FlaskForm):
    provider = SelectField(
        _l("Identity provider"),
        choices=PROVIDER_CHOICES,
        description=_l(
            "Google, Microsoft, Clever and ClassLink fill in their own issuer URL."
        ),
    )
    tenant = StringField(
        _l("Microsoft Entra tenant ID"),
        validators=[Length(max=100)],
        description=_l("Only for Microsoft Entra ID: your directory (tenant) ID."),
    )
    issuer = StringField(
        _l("Issuer URL"),
        validators=[Length(max=300)],
        description=_l(
            "Only for another OpenID provider: the URL its ID tokens name as issuer, "
            "such as https://login.example.org."
        ),
    )
    client_id = StringField(
        _l("Client ID"),
        validators=[
            DataRequired(_l("Enter the client ID your provider gave PD Hub.")),
            Length(max=255),
        ],
    )
    client_secret = PasswordField(
        _l("Client secret"),
        validators=[Length(max=2000)],
        description=_l("Stored encrypted. Leave empty to keep the saved secret."),
    )
    domains = StringField(
        _l("Your staff's email domains"),
        validators=[
            DataRequired(
                _l("Enter at least one email domain of your district's staff.")
            ),
            Length(max=1000),
        ],
        description=_l(
            "Separate them with commas, for example riverside.k12.ca.us, "
            "riverside.org. Only addresses of these domains can sign in through "
            "your provider."
        ),
    )
    require_sso = BooleanField(
        _l("Require single sign-on for staff"),
        description=_l(
            "Teachers, coaches and school leaders can no longer sign in with a "
            "password. District administrators still can, in case the provider "
            "is down."
        ),
    )


class SchoolAccountForm(FlaskForm):
    email = EmailField(
        _l("Your school email address"),
        validators=[
            DataRequired(_l("Enter your school email address.")),
            Length(max=254),
        ],
        description=_l("We send you to your district's sign-in page."),
    )
