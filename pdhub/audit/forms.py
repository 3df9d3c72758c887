"""The audit trail's filter form (a GET form: the filters live in the URL)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from pdhub.audit.labels import ACTION_LABELS


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    action = SelectField(
        _l("What happened"), choices=[], default="", validate_choice=True
    )
    actor = EmailField(
        _l("Who did it (email address)"), validators=[Optional(), Length(max=254)]
    )
    since = DateField(_l("From (date)"), validators=[Optional()])
    until = DateField(_l("To (date)"), validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = [("", _l("Anything"))] + [
            (value, label) for value, label in ACTION_LABELS.items()
        ]

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date must be on or after the start."))
