"""The form that adds a badge from another issuer."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from pdhub.backpack.service import MAX_DOCUMENT


class AddBadgeForm(FlaskForm):
    file = FileField(
        _l("Badge file"),
        description=_l(
            "The file the issuer gave you: a .json or .jwt file, or a badge image "
            "(.png or .svg) with the credential inside."
        ),
    )
    credential = TextAreaField(
        _l("Or paste the credential"),
        description=_l("The credential's JSON text, or its JWT."),
        validators=[Optional(), Length(max=MAX_DOCUMENT)],
    )

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        if not super().validate(extra_validators):
            return False
        has_file = bool(self.file.data and self.file.data.filename)
        has_text = bool((self.credential.data or "").strip())
        if has_file == has_text:
            self.file.errors = [
                *self.file.errors,
                _("Upload the badge file or paste the credential (one of the two)."),
            ]
            return False
        return True
