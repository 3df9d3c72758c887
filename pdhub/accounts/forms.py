"""Account forms: sign-up, sign-in, two-factor, passwords, profile, time zone, API
tokens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from pdhub.accounts.passwords import MAX_LENGTH


class SignUpForm(FlaskForm):
    name = StringField(
        "Your name", validators=[DataRequired("Enter your name."), Length(max=120)]
    )
    email = EmailField(
        "Email", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )
    password = PasswordField(
        "Password",
        description="At least 12 characters. A short sentence is easy to remember.",
        validators=[DataRequired("Choose a password."), Length(max=MAX_LENGTH)],
    )
    join_code = StringField(
        "District join code (optional)",
        description="Your district office can give you this 8-character code.",
        validators=[Optional(), Length(max=16)],
    )


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        "Your name", validators=[DataRequired("Enter your name."), Length(max=120)]
    )
    password = PasswordField(
        "Choose a password",
        description="At least 12 characters. A short sentence is easy to remember.",
        validators=[DataRequired("Choose a password."), Length(max=MAX_LENGTH)],
    )


class SignInForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)],
    )
    remember = BooleanField(
        "Keep me signed in on this device",
        description="For teachers on their own device. Coach and administrator "
        "accounts are always signed out after a while without use.",
    )


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        description="The 6-digit code from your authenticator app, or a recovery code.",
        validators=[DataRequired("Enter the code."), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        description="At least 12 characters. A short sentence is easy to remember.",
        validators=[DataRequired("Choose a new password."), Length(max=MAX_LENGTH)],
    )


CONFIRM_LABEL = "Your current password, or a code from your authenticator app"


class ProfileForm(FlaskForm):
    name = StringField(
        "Your name", validators=[DataRequired("Enter your name."), Length(max=120)]
    )
    email = EmailField(
        "Email",
        description="A new address changes once you open the link we send to it.",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
    )
    confirm = PasswordField(
        "To change your email: " + CONFIRM_LABEL.lower(),
        validators=[Optional(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class ReauthForm(FlaskForm):
    """A sensitive change: the person confirms it's them right now."""

    confirm = PasswordField(
        CONFIRM_LABEL,
        validators=[
            DataRequired("Enter your password or a code to confirm it's you."),
            Length(max=MAX_LENGTH),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class EmailPreferencesForm(FlaskForm):
    review_digest_email = BooleanField(
        "Email me a daily summary of new evidence waiting for my review"
    )


class TimeZoneForm(FlaskForm):
    """One IANA zone name, checked by ``accounts.timezones`` in the service (the page
    draws the choice as a grouped select; see templates/_time_zone.html)."""

    time_zone = StringField(
        "Show times in",
        description="Pages and emails show dates and times in this time zone.",
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[
            DataRequired("Enter your current password."),
            Length(max=MAX_LENGTH),
        ],
    )
    password = PasswordField(
        "New password",
        description=(
            "At least 12 characters. Other signed-in browsers will be signed out."
        ),
        validators=[DataRequired("Choose a new password."), Length(max=MAX_LENGTH)],
    )


class ApiTokenForm(FlaskForm):
    name = StringField(
        "Token name",
        description="What will use it, for example “HR verification script”.",
        validators=[DataRequired("Give the token a name."), Length(max=80)],
    )


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""
