"""Verification forms: one credential (paste, upload or address), or a batch file."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional


class VerifyForm(FlaskForm):
    credential = TextAreaField(
        _l("Paste a credential"),
        description=_l(
            "The credential's JSON text, or its JWT (a long line of letters "
            "with two dots)."
        ),
        validators=[Optional(), Length(max=1_048_576)],
    )
    file = FileField(
        _l("Or upload a credential file"),
        description=_l(
            "A .json or .jwt file, or a badge image (.png or .svg) with the "
            "credential baked in."
        ),
    )
    url = StringField(
        _l("Or enter the address of a credential on this site"),
        description=_l("For example the link a teacher shared with you."),
        validators=[Optional(), Length(max=2048)],
    )
    email = StringField(
        _l("The teacher's email address (optional)"),
        description=_l(
            "To check the badge was issued to this person. We compare it "
            "with the credential's private email fingerprint and then forget it: it "
            "is not stored."
        ),
        validators=[Optional(), Length(max=254)],
    )

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        if not super().validate(extra_validators):
            return False
        given = [
            name
            for name, present in (
                ("credential", bool((self.credential.data or "").strip())),
                ("file", bool(self.file.data and self.file.data.filename)),
                ("url", bool((self.url.data or "").strip())),
            )
            if present
        ]
        if not given:
            self.credential.errors = [
                *self.credential.errors,
                _(
                    "Paste a credential, upload a file, or enter a credential's "
                    "address."
                ),
            ]
            return False
        if len(given) > 1:
            self.form_errors.append(
                _(
                    "Use one way at a time: paste, upload or an address. Clear the "
                    "others and try again."
                )
            )
            return False
        self.given = given[0]
        return True


class BatchForm(FlaskForm):
    file = FileField(
        _l("CSV or ZIP file"),
        description=_l(
            "A CSV file with one credential address per row (and, if you "
            "like, the teacher's email address in a column named email, to check "
            "each badge is theirs), or a ZIP of credential files (.json, .jwt, .png, "
            ".svg). Up to 10,000 credentials."
        ),
    )

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        if not super().validate(extra_validators):
            return False
        if not (self.file.data and self.file.data.filename):
            self.file.errors = [*self.file.errors, _("Choose a CSV or ZIP file.")]
            return False
        return True
