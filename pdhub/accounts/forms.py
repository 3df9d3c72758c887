"""Account forms: sign-up, sign-in, two-factor, passwords, profile, time zone,
language, API tokens."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pdhub.accounts import languages
from pdhub.accounts.passwords import MAX_LENGTH
from pdhub.accounts.scopes import SCOPES


class SignUpForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=120)],
    )
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        description=_l("At least 12 characters. A short sentence is easy to remember."),
        validators=[DataRequired(_l("Choose a password.")), Length(max=MAX_LENGTH)],
    )
    join_code = StringField(
        _l("District join code (optional)"),
        description=_l("Your district office can give you this 8-character code."),
        validators=[Optional(), Length(max=16)],
    )


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=120)],
    )
    password = PasswordField(
        _l("Choose a password"),
        description=_l("At least 12 characters. A short sentence is easy to remember."),
        validators=[DataRequired(_l("Choose a password.")), Length(max=MAX_LENGTH)],
    )


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_LENGTH)],
    )
    remember = BooleanField(
        _l("Keep me signed in on this device"),
        description=_l(
            "For teachers on their own device. Coach and administrator "
            "accounts are always signed out after a while without use."
        ),
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l(
            "The 6-digit code from your authenticator app, or a recovery code."
        ),
        validators=[DataRequired(_l("Enter the code.")), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters. A short sentence is easy to remember."),
        validators=[DataRequired(_l("Choose a new password.")), Length(max=MAX_LENGTH)],
    )


CONFIRM_LABEL = _l("Your current password, or a code from your authenticator app")


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=120)],
    )
    email = EmailField(
        _l("Email"),
        description=_l("A new address changes once you open the link we send to it."),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
    )
    confirm = PasswordField(
        _l(
            "To change your email: your current password, or a code from your "
            "authenticator app"
        ),
        validators=[Optional(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class ReauthForm(FlaskForm):
    """A sensitive change: the person confirms it's them right now."""

    confirm = PasswordField(
        CONFIRM_LABEL,
        validators=[
            DataRequired(_l("Enter your password or a code to confirm it's you.")),
            Length(max=MAX_LENGTH),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class EmailPreferencesForm(FlaskForm):
    review_digest_email = BooleanField(
        _l("Email me a daily summary of new evidence waiting for my review")
    )


class TimeZoneForm(FlaskForm):
    """One IANA zone name, checked by ``accounts.timezones`` in the service (the page
    draws the choice as a grouped select; see templates/_time_zone.html)."""

    time_zone = StringField(
        _l("Show times in"),
        description=_l("Pages and emails show dates and times in this time zone."),
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(_l("Enter your current password.")),
            Length(max=MAX_LENGTH),
        ],
    )
    password = PasswordField(
        _l("New password"),
        description=_l(
            "At least 12 characters. Other signed-in browsers will be signed out."
        ),
        validators=[DataRequired(_l("Choose a new password.")), Length(max=MAX_LENGTH)],
    )


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        description=_l("What will use it, for example “HR verification script”."),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=80)],
    )
    scopes = SelectMultipleField(
        _l("What the token may do"),
        choices=[SelectChoice(name, label) for name, label in SCOPES.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choose at least one thing the token may do."))],
    )
    lifetime = SelectField(
        _l("The token stops working after"),
        choices=[
            SelectChoice("30", _l("30 days")),
            SelectChoice("90", _l("90 days")),
            SelectChoice("365", _l("A year")),
            SelectChoice("never", _l("Never (until you revoke it)")),
        ],
        default="90",
    )


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""


def _choices(automatic: LazyString | None) -> list[SelectChoice]:
    """The choice of language: each by its own name, marked with its language."""
    first = [SelectChoice("", automatic)] if automatic is not None else []
    return first + [
        SelectChoice(code, name, render_kw={"lang": code})
        for code, name in languages.LANGUAGES.items()
    ]


class LanguageForm(FlaskForm):
    """A person's language: the account page's setting and the header's switch (which
    sends one language and the page to come back to)."""

    lang = SelectField(
        _l("Language"),
        description=_l("Pages and emails from PD Hub are written in this language."),
        validate_choice=False,  # checked by clean_language, with a friendly message
    )
    next = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lang.choices = _choices(
            _l("Automatic: your browser's language, else your district's")
        )


class DistrictLanguageForm(FlaskForm):
    default_language = SelectField(
        _l("Language"),
        description=_l(
            "People in the district get pages and emails in this language unless "
            "they or their browser choose another."
        ),
        validate_choice=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_language.choices = _choices(None)
