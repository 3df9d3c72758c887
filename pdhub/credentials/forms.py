"""Forms for sharing a badge and for administrators changing a credential's status."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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
        _l("Action"),
        choices=[
            SelectChoice("suspend", _l("Suspend (can be lifted later)")),
            SelectChoice("unsuspend", _l("Lift the suspension")),
            SelectChoice("revoke", _l("Revoke for good")),
            SelectChoice(
                "reissue", _l("Reissue (a corrected credential; this one is revoked)")
            ),
        ],
        validators=[DataRequired(_l("Choose what to do."))],
    )
    reason = TextAreaField(
        _l("Public reason"),
        description=_l(
            "Public: shown to the teacher, on the badge's page and to "
            "anyone who checks the badge. Not needed to lift a suspension."
        ),
        validators=[
            Length(
                max=MAX_REASON,
                message=_l("Keep the reason under %(max)s characters.", max=MAX_REASON),
            )
        ],
    )
    note = TextAreaField(
        _l("Internal note (optional)"),
        description=_l("Private: only platform administrators see it."),
        validators=[
            Length(
                max=MAX_REASON,
                message=_l("Keep the note under %(max)s characters.", max=MAX_REASON),
            )
        ],
    )
    # Set by the confirmation page: revoking for good is asked twice.
    confirmed = HiddenField()


class ReflectionForm(FlaskForm):
    """A teacher's reflection on continued practice, to renew a badge."""

    reflection = TextAreaField(
        _l("How have you kept this practice going?"),
        description=_l(
            "Describe one or two times you used it with students since you earned "
            "the badge, what happened, and what you changed. 100 to 4,000 "
            "characters. Leave out students' names."
        ),
        validators=[
            DataRequired(_l("Write your reflection.")),
            Length(max=4000),
        ],
        render_kw={"rows": 10},
    )


class RenewalDecisionForm(FlaskForm):
    """A coach's decision on a renewal reflection."""

    decision = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("renew", _l("Renew the badge")),
            SelectChoice("return", _l("Return it with feedback")),
        ],
        validators=[AnyOf(["renew", "return"])],
    )
    feedback = TextAreaField(
        _l("Feedback for the teacher"),
        description=_l("Required when you return it: say what to add."),
        validators=[Length(max=2000)],
        render_kw={"rows": 5},
    )
