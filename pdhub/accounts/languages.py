"""Languages: checking a chosen language, saving a person's or a district's choice,
and the language a person is written to in (an email, a notification) when no
browser is asking: their own choice, else their district's default, else English.

Which language a page is shown in is decided per request by ``pdhub.i18n``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _

from pdhub.db import DbSession
from pdhub.errors import InvalidInput, PermissionDenied

if TYPE_CHECKING:
    from pdhub.accounts.models import User
    from pdhub.districts.models import District

#: The languages PD Hub speaks, in the order the language switch lists them, each
#: with its name in its own language (how a reader of that language finds it).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"


def clean_language(code: str | None) -> str | None:
    """``code`` when PD Hub speaks it, None for an empty choice (automatic); raises
    InvalidInput for any other value."""
    code = (code or "").strip().lower()
    if not code:
        return None
    if code not in LANGUAGES:
        raise InvalidInput(
            _("Choose one of the languages in the list."), field="language"
        )
    return code


def known(code: str | None) -> str | None:
    """``code`` when PD Hub speaks it, else None (for values read from a cookie or an
    old row: never an error)."""
    return code if code in LANGUAGES else None


def language_for(user: User | None) -> str:
    """The language ``user`` is written to in outside a request: their own choice,
    else their district's default, else English."""
    if user is None:
        return DEFAULT_LANGUAGE
    return (
        known(user.language)
        or known(user.district.default_language if user.district else None)
        or DEFAULT_LANGUAGE
    )


def set_language(session: DbSession, user: User, code: str | None) -> None:
    """``user``'s own language for every page and email; an empty choice follows
    their browser, else their district. Raises InvalidInput."""
    user.language = clean_language(code)
    session.flush()


def set_district_language(
    session: DbSession, actor: User, district: District, code: str | None
) -> None:
    """The language the district's people get when neither they nor their browser
    choose one (empty: English). Its own district administrators and platform
    administrators only. Raises PermissionDenied, InvalidInput."""
    from pdhub.districts import policies

    if not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    district.default_language = clean_language(code)
    session.flush()
