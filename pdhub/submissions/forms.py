"""The evidence form: both written parts, a link, a file and the sharing choice."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField, URLField
from wtforms.validators import Length, Optional


class EvidenceForm(FlaskForm):
    context = TextAreaField(_l("Your context"), validators=[Length(max=20_000)])
    reflection = TextAreaField(_l("Your reflection"), validators=[Length(max=20_000)])
    link_url = URLField(
        _l("Web address"),
        validators=[Optional(), Length(max=2000)],
        description=_l(
            "For example a shared slide deck or a video of "
            "your lesson. It must start with https:// or http://."
        ),
    )
    link_title = StringField(
        _l("What the link shows (optional)"),
        validators=[Optional(), Length(max=200)],
    )
    upload = FileField(_l("Add a file"))
    share_evidence_in_badge = BooleanField(
        _l("Show my evidence links in my badge"),
        description=_l(
            "Your badge can be shared publicly. If you tick this, it lists "
            "the links you added above and their titles. Your uploaded files, your "
            "context and your reflection are never included."
        ),
    )
