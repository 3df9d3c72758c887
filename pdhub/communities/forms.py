"""Community forms. Lengths are checked again by the service, which owns the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FileField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional

from pdhub.communities import service

MARKDOWN_HINT = _l(
    "You can use Markdown: **bold**, *italic*, lists, > quotes and links. "
    "Mention someone with @ and their name, like @maya.lopez."
)
FILE_HINT = _l(
    "Optional. A PDF, an image (PNG, JPEG, GIF or WebP), or a Word or PowerPoint "
    "file. Please leave out anything that identifies a student."
)


class CommunityForm(FlaskForm):
    name = StringField(_l("Name"), render_kw={"maxlength": service.MAX_NAME})
    description = TextAreaField(
        _l("Description"),
        description=_l("Who the community is for and what to share in it."),
        render_kw={"rows": 4, "maxlength": service.MAX_DESCRIPTION},
    )


class ThreadForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"maxlength": service.MAX_TITLE})
    body = TextAreaField(
        _l("Message"), description=MARKDOWN_HINT, render_kw={"rows": 8}
    )
    is_question = BooleanField(
        _l("This is a question (you can mark the reply that answers it)")
    )
    upload = FileField(_l("Attach a file"), description=FILE_HINT)


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Your reply"), description=MARKDOWN_HINT, render_kw={"rows": 6}
    )
    upload = FileField(_l("Attach a file"), description=FILE_HINT)


class EditForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"maxlength": service.MAX_TITLE})
    body = TextAreaField(
        _l("Message"), description=MARKDOWN_HINT, render_kw={"rows": 8}
    )


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("What is wrong with this post?"),
        description=_l("Only the moderators read this."),
        render_kw={"rows": 3, "maxlength": service.MAX_REASON},
    )


class ModerateForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("The author is told this reason."),
        render_kw={"rows": 2, "maxlength": service.MAX_REASON},
    )
    days = IntegerField(
        _l("Days"),
        validators=[Optional(), NumberRange(min=1, max=service.MAX_MUTE_DAYS)],
        default=7,
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    q = StringField(_l("Search discussions"))


class DigestForm(FlaskForm):
    frequency = RadioField(
        _l("Community digest"),
        choices=[
            SelectChoice("", _l("No digest")),
            SelectChoice("daily", _l("Daily: new posts from the day before")),
            SelectChoice(
                "weekly", _l("Weekly: new posts from the week before, on Mondays")
            ),
        ],
        default="",
        validate_choice=True,
    )
