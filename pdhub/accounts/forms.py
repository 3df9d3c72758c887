"""Account forms: sign-up, sign-in, two-factor, passwords, profile, API tokens."""

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


class ProfileForm(FlaskForm):
    name = StringField(
        "Your name", validators=[DataRequired("Enter your name."), Length(max=120)]
    )
    email = EmailField(
        "Email", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )


class EmailPreferencesForm(FlaskForm):
    review_digest_email = BooleanField(
        "Email me a daily summary of new evidence waiting for my review"
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
