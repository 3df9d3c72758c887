"""Trust-list forms: add one issuer, or import a DCC issuer-registry file."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length, Optional

from pdhub.trust.service import IDENTIFIER_HELP, REGISTRY_HELP


class TrustedIssuerForm(FlaskForm):
    identifier = StringField(
        _l("Issuer identifier"),
        description=IDENTIFIER_HELP,
        validators=[Optional(), Length(max=500)],
    )
    name = StringField(
        _l("Name to show"),
        description=_l(
            "What verifiers see when a credential from this issuer checks "
            "out, for example “State Department of Education”."
        ),
        validators=[Optional(), Length(max=200)],
    )
    url = StringField(
        _l("Web site (optional)"),
        validators=[Optional(), Length(max=2048)],
    )


class TrustedIssuerEditForm(FlaskForm):
    name = TrustedIssuerForm.name
    url = TrustedIssuerForm.url


class RegistryImportForm(FlaskForm):
    file = FileField(_l("Registry file (JSON)"), description=REGISTRY_HELP)

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        if not super().validate(extra_validators):
            return False
        if not (self.file.data and self.file.data.filename):
            self.file.errors = [*self.file.errors, _("Choose a registry file.")]
            return False
        return True
