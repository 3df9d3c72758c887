"""Forms for sharing a badge and for administrators changing a credential's status."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from pdhub.credentials.service import MAX_REASON


class ShareForm(FlaskForm):
    shared = HiddenField(validators=[AnyOf(["on", "off"])])


class NameForm(FlaskForm):
    named = HiddenField(validators=[AnyOf(["on", "off"])])


class StatusForm(FlaskForm):
    action = SelectField(
        "Action",
        choices=[
            SelectChoice("suspend", "Suspend (can be lifted later)"),
            SelectChoice("unsuspend", "Lift the suspension"),
            SelectChoice("revoke", "Revoke for good"),
            SelectChoice(
                "reissue", "Reissue (a corrected credential; this one is revoked)"
            ),
        ],
        validators=[DataRequired("Choose what to do.")],
    )
    reason = TextAreaField(
        "Reason",
        description="Kept with the credential and shown to the teacher.",
        validators=[
            Length(
                max=MAX_REASON,
                message=f"Keep the reason under {MAX_REASON} characters.",
            )
        ],
    )
