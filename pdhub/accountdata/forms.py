"""Forms for asking for an export, erasing an account and setting retention."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pdhub.accountdata.retention import MAX_DAYS, NOTICE_DAYS
from pdhub.accounts.passwords import MAX_LENGTH


class EraseOwnForm(FlaskForm):
    """The person erasing their own account: their password and the phrase."""

    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    phrase = StringField(
        _l("Type the phrase shown above"),
        validators=[DataRequired(_l("Type the phrase.")), Length(max=100)],
        render_kw={"autocomplete": "off"},
    )


class ErasePersonForm(FlaskForm):
    """An administrator erasing someone's account: the phrase."""

    phrase = StringField(
        _l("Type the phrase shown above"),
        validators=[DataRequired(_l("Type the phrase.")), Length(max=100)],
        render_kw={"autocomplete": "off"},
    )


class RetentionForm(FlaskForm):
    evidence_days = IntegerField(
        _l("Days to keep evidence after the decision"),
        validators=[Optional(), NumberRange(min=NOTICE_DAYS + 1, max=MAX_DAYS)],
        render_kw={"inputmode": "numeric"},
    )
    inactive_days = IntegerField(
        _l("Days to keep an account nobody signs in to"),
        validators=[Optional(), NumberRange(min=NOTICE_DAYS + 1, max=MAX_DAYS)],
        render_kw={"inputmode": "numeric"},
    )
    revoke_on_erasure = BooleanField(
        _l("Revoke a person's badges when their account is erased")
    )
