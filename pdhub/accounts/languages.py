"""Languages: checking a chosen language, saving a person's or a district's choice,
and the language a person is written to in (an email, a notification) when no
browser is asking: their own choice, else their district's default, else English.

Which language a page is shown in is decided per request by ``pdhub.i18n``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import HiddenField, SelectChoice, SelectField

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


def set_language(session: Session, user: User, code: str | None) -> None:
    """``user``'s own language for every page and email; an empty choice follows
    their browser, else their district. Raises InvalidInput."""
    user.language = clean_language(code)
    session.flush()


def set_district_language(
    session: Session, actor: User, district: District, code: str | None
) -> None:
    """The language the district's people get when neither they nor their browser
    choose one (empty: English). Its own district administrators and platform
    administrators only. Raises PermissionDenied, InvalidInput."""
    from pdhub.districts import policies

    if not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    district.default_language = clean_language(code)
    session.flush()


def _choices(automatic: LazyString | None) -> list[SelectChoice]:
    """The choice of language: each by its own name, marked with its language."""
    first = [SelectChoice("", automatic)] if automatic is not None else []
    return first + [
        SelectChoice(code, name, render_kw={"lang": code})
        for code, name in LANGUAGES.items()
    ]


class LanguageForm(FlaskForm):
    """A person's language: the account page's setting and the header's switch (which
    sends one language and the page to come back to)."""

    lang = SelectField(
        _l("Language"),
        description=_l("Pages and emails from PD Hub are written in this language."),
        validate_choice=False,  # checked by clean_language, with a friendly message
    )
    next = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lang.choices = _choices(
            _l("Automatic: your browser's language, else your district's")
        )


class DistrictLanguageForm(FlaskForm):
    default_language = SelectField(
        _l("Language"),
        description=_l(
            "People in the district get pages and emails in this language unless "
            "they or their browser choose another."
        ),
        validate_choice=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_language.choices = _choices(None)
