"""Forms for sharing a badge into a community and a passed submission as an
exemplar. The service checks every choice again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pdhub.sharing import service


class ShareBadgeForm(FlaskForm):
    community = SelectField(
        _l("Community"),
        coerce=int,
        validators=[InputRequired(_l("Choose a community."))],
        validate_choice=False,  # the service checks the community is one of theirs
    )
    message = TextAreaField(
        _l("A few words (optional)"),
        description=_l("What the badge meant for your teaching, in your own words."),
        validators=[Optional(), Length(max=service.MAX_NOTE)],
        render_kw={"rows": 4, "maxlength": service.MAX_NOTE},
    )


class ExemplarForm(FlaskForm):
    community = SelectField(
        _l("Share with"),
        coerce=int,
        validators=[InputRequired(_l("Choose where to share."))],
        validate_choice=False,
    )
    context = BooleanField(_l("My context (what I did and with whom)"))
    reflection = BooleanField(_l("My reflection"))
    links = BooleanField(_l("My links"))
    files = SelectMultipleField(
        _l("Files"),
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=False,
    )
    note = TextAreaField(
        _l("A note for the community (optional)"),
        validators=[Optional(), Length(max=service.MAX_NOTE)],
        render_kw={"rows": 3, "maxlength": service.MAX_NOTE},
    )
    consent = BooleanField(service.CONSENT)
