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
        "Public reason",
        description="Public: shown to the teacher, on the badge's page and to "
        "anyone who checks the badge. Not needed to lift a suspension.",
        validators=[
            Length(
                max=MAX_REASON,
                message=f"Keep the reason under {MAX_REASON} characters.",
            )
        ],
    )
    note = TextAreaField(
        "Internal note (optional)",
        description="Private: only platform administrators see it.",
        validators=[
            Length(
                max=MAX_REASON,
                message=f"Keep the note under {MAX_REASON} characters.",
            )
        ],
    )
    # Set by the confirmation page: revoking for good is asked twice.
    confirmed = HiddenField()
