"""The OB 3.0 API's scopes in plain words, for the consent and Connected systems
pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pdhub.obapi import server

SCOPE_TEXTS = {
    server.CREDENTIAL_READONLY: _l("See your badges (the signed credentials)"),
    server.CREDENTIAL_UPSERT: _l("Add badges to your PD Hub account"),
    server.PROFILE_READONLY: _l("See your name and email address"),
    server.PROFILE_UPDATE: _l("Change your profile"),
}


def scope_text(scope: str) -> str:
    """A scope in plain words (an unknown one as it is)."""
    found = SCOPE_TEXTS.get(scope)
    return scope if found is None else str(found)
