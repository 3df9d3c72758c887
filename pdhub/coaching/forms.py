"""Coaching forms. The service checks every rule again; these parse and label."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange

from pdhub.coaching import service


class ConversationForm(FlaskForm):
    coach = SelectField(_l("Coach"), coerce=int, validate_choice=False)
    subject = StringField(
        _l("Subject"),
        validators=[DataRequired()],
        render_kw={"maxlength": service.MAX_SUBJECT},
    )
    body = TextAreaField(
        _l("Your message"),
        description=_l("Only you and your coach can read this conversation."),
        validators=[DataRequired()],
        render_kw={"rows": 6, "maxlength": service.MAX_BODY},
    )
    submission = HiddenField()


class TeacherConversationForm(FlaskForm):
    """A coach writes first to a teacher they serve."""

    subject = StringField(
        _l("Subject"),
        validators=[DataRequired()],
        render_kw={"maxlength": service.MAX_SUBJECT},
    )
    body = TextAreaField(
        _l("Your message"),
        description=_l("Only you and the teacher can read this conversation."),
        validators=[DataRequired()],
        render_kw={"rows": 6, "maxlength": service.MAX_BODY},
    )


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Your reply"),
        validators=[DataRequired()],
        render_kw={"rows": 5, "maxlength": service.MAX_BODY},
    )


class SlotForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    start = TimeField(_l("Start time"), validators=[InputRequired()])
    duration = IntegerField(
        _l("Length in minutes"),
        default=30,
        validators=[InputRequired(), NumberRange(min=10, max=240)],
    )
    place = StringField(
        _l("Meeting link or place"),
        description=_l("For example https://meet.example.org/office-hours or Room 4."),
        validators=[DataRequired()],
        render_kw={"maxlength": service.MAX_PLACE},
    )


class ActionForm(FlaskForm):
    """A button that changes something (book, cancel): CSRF only."""
