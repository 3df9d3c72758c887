"""The translation layer: Flask-Babel with gettext catalogs in ``pdhub/translations``.

English is the source language (the msgids); Spanish is the first translation. The
locale of a request is chosen by :func:`select_locale`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    has_request_context,
    redirect,
    request,
)
from flask_babel import Babel, force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from pdhub.accounts.languages import DEFAULT_LANGUAGE, LANGUAGES, known, language_for

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "select_locale", "speaking_to"]

TRANSLATIONS_PATH = Path(__file__).parent / "translations"
#: The browser's own choice of language, set by the switch (a year; not a secret).
#: ``__Host-lang`` where the session cookie has that prefix too (production).
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()
bp = Blueprint("language", __name__)


def cookie_name() -> str:
    session_cookie = str(current_app.config.get("SESSION_COOKIE_NAME", ""))
    return f"__Host-{COOKIE}" if session_cookie.startswith("__Host-") else COOKIE


def _signed_in() -> bool:
    return bool(current_user and current_user.is_authenticated)


def select_locale() -> str:
    """The language of this request, the first that applies of: an explicit
    ``?lang=`` (the switch's link); the signed-in person's own choice; signed out,
    the ``lang`` cookie the switch left in this browser; the browser's
    ``Accept-Language``; the signed-in person's district default; English. Outside a
    request (a worker), English unless a caller forces the recipient's language
    (:func:`speaking_to`)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    asked = known(request.args.get("lang"))
    if asked:
        return asked
    user = current_user if _signed_in() else None
    if user is not None and known(user.language):
        return str(user.language)
    # The switch's cookie speaks for a visitor who is signed out; once signed in, the
    # person's own setting (or their browser, or their district) does.
    cookie = known(request.cookies.get(cookie_name())) if user is None else None
    if cookie:
        return cookie
    browser = request.accept_languages.best_match(LANGUAGES)
    if browser:
        return str(browser)
    if user is not None:
        return language_for(user)
    return DEFAULT_LANGUAGE


def current_language() -> str:
    """The language code being spoken now ("en" outside any app context)."""
    locale = get_locale()
    return locale.language if locale else DEFAULT_LANGUAGE


@contextmanager
def speaking_to(user: Any) -> Iterator[str]:
    """Render what is inside in the language of ``user``: their choice, else their
    district's, else English. Works in a request (whoever caused the message may read
    another language) and in a worker. For None (an address without an account, say
    an invitation) the language stays the caller's: an invitation is written in the
    roster's or the district's language by ``districts.service``. Yields the code."""
    if user is None:
        yield current_language()
        return
    language = language_for(user)
    with force_locale(language):
        yield language


def with_language(target: str, language: str | None) -> str:
    """``target`` (a path and query on this site) asking for ``language``; None drops
    the ``lang`` parameter (the page as its reader's own choice shows it)."""
    parts = urlsplit(target)
    args = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    args = [(k, v) for k, v in args if k != "lang"]
    if language:
        args.append(("lang", language))
    query = urlencode(args)
    return parts.path + (f"?{query}" if query else "")


def url_in(language: str | None) -> str:
    """This page's address (path and query) asking for ``language``."""
    return with_language(request.full_path, language)


def _language_form() -> Any:
    """The account page's language setting, showing the person's own choice."""
    from pdhub.accounts.forms import LanguageForm

    return LanguageForm(data={"lang": current_user.language or ""})


def _district_language_form(district: Any) -> Any:
    from pdhub.accounts.forms import DistrictLanguageForm

    return DistrictLanguageForm(
        data={"default_language": district.default_language or DEFAULT_LANGUAGE}
    )


def language_name(code: str | None) -> str:
    """A language by its own name ("Español"); English for an empty choice."""
    return LANGUAGES[known(code) or DEFAULT_LANGUAGE]


def _back_here() -> str:
    """Where the switch comes back to: this page, or for a page answering a form (a
    POST that showed errors), the page the form was on."""
    rule = request.url_rule
    if request.method in ("GET", "HEAD") or (rule and "GET" in (rule.methods or ())):
        return url_in(None)  # a form page that showed its errors opens by its address
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def _switch_context() -> dict[str, Any]:
    if not has_request_context():
        return {"current_locale": current_language()}
    current = current_language()
    base = str(current_app.config.get("PDHUB_BASE_URL", "")).rstrip("/")
    reading = request.method in ("GET", "HEAD")
    return {
        "current_locale": current,
        # Each language by its own name, the current one first marked.
        "language_choices": [
            {
                "code": code,
                "name": name,
                "href": with_language(_back_here(), code),
                "current": code == current,
            }
            for code, name in LANGUAGES.items()
        ],
        "language_next": _back_here(),
        # This page in each language (only for a page one can open by its address).
        "language_alternates": (
            [{"hreflang": code, "href": base + url_in(code)} for code in LANGUAGES]
            + [{"hreflang": "x-default", "href": base + url_in(None)}]
            if reading
            else []
        ),
    }


def _remember(response: BaseResponse, language: str) -> None:
    response.set_cookie(
        cookie_name(),
        language,
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE", False)),
    )


@bp.post("/language")
def choose() -> Any:
    """The language switch for a signed-in person and the account page's setting (a
    form, so the choice is CSRF-checked): saves the language in the profile and in this
    browser, then back to ``next``. An empty choice is automatic (the browser's
    language, else the district's)."""
    from flask import flash

    from pdhub.accounts import languages
    from pdhub.accounts.forms import LanguageForm
    from pdhub.errors import DomainError, error_response
    from pdhub.extensions import db
    from pdhub.routing import safe_next

    form = LanguageForm()
    if not form.validate_on_submit():
        return error_response(400)
    try:
        chosen = languages.clean_language(form.lang.data)
    except DomainError as error:
        return error_response(422, error.message)
    back = safe_next(form.next.data, "/")
    if _signed_in():
        languages.set_language(db.session, current_user, chosen)
        db.session.commit()
        now = chosen or request.accept_languages.best_match(LANGUAGES)
        with force_locale(now or language_for(current_user)):
            if chosen:
                flash(
                    _(
                        "Your language is saved: %(language)s.",
                        language=LANGUAGES[chosen],
                    ),
                    "success",
                )
            else:
                flash(
                    _("Your language is saved: pages follow your browser's language."),
                    "success",
                )
    response = redirect(back, 303)
    if chosen:
        _remember(response, chosen)
    else:
        response.delete_cookie(
            cookie_name(),
            path="/",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE", False)),
        )
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_PATH))
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.context_processor(_switch_context)
    app.jinja_env.globals["language_form"] = _language_form
    app.jinja_env.globals["district_language_form"] = _district_language_form
    app.jinja_env.globals["language_name"] = language_name

    @app.after_request
    def remember_switch(response: Response) -> Response:
        """The switch's ``?lang=`` link also stays with this browser (a cookie: a
        GET changes nothing else, so a link from another site can't change a
        profile)."""
        asked = known(request.args.get("lang"))
        if (
            asked
            and request.method == "GET"
            and request.cookies.get(cookie_name()) != asked
        ):
            _remember(response, asked)
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response


# The catalogs, for developers: ``pdhub translations update`` after changing a
# message, then translate the new entries in messages.po, then ``compile``.
# ``check`` is what the test suite runs.

SOURCE_ROOT = Path(__file__).resolve().parent.parent
MAPPING = SOURCE_ROOT / "babel.cfg"
TEMPLATE = TRANSLATIONS_PATH / "messages.pot"
KEYWORDS = ["_", "gettext", "ngettext:1,2", "lazy_gettext", "_l", "lazy_ngettext:1,2"]


def _pybabel(*arguments: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *arguments])


def extract() -> None:
    """Write messages.pot from the Python sources and templates (sorted, without
    source locations, so that merges of messages.po stay small)."""
    keywords = [f"-k{keyword}" for keyword in KEYWORDS]
    _pybabel(
        "extract", "-F", str(MAPPING), "--no-location", "--sort-output",
        "--omit-header", "--no-wrap", *keywords, "-o", str(TEMPLATE),
        str(SOURCE_ROOT),
    )  # fmt: skip


def update() -> None:
    """Extract, then bring every language's messages.po up to the template (new
    messages arrive untranslated, never guessed: no fuzzy matching)."""
    extract()
    _pybabel(
        "update", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS_PATH),
        "--no-fuzzy-matching", "--ignore-obsolete", "--no-wrap",
    )  # fmt: skip


def compile_catalogs() -> None:
    _pybabel("compile", "-d", str(TRANSLATIONS_PATH), "--statistics")


def _compiled(catalog: Any) -> bytes:
    from io import BytesIO

    from babel.messages.mofile import write_mo

    buffer = BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def problems(language: str) -> list[str]:
    """What keeps ``language`` from being complete: messages in the code with no
    translation, fuzzy translations, translations of messages the code no longer
    has, and a compiled catalog older than its source."""
    from babel.messages.pofile import read_po

    extract()
    with TEMPLATE.open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    po_path = TRANSLATIONS_PATH / language / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    found: list[str] = []
    have = set()
    for message in catalog:
        if not message.id:
            continue
        have.add(message.id)
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = (
            message.string if isinstance(message.string, tuple) else (message.string,)
        )
        if message.id not in wanted:
            found.append(f"stale (no longer in the code): {key!r}")
        elif message.fuzzy:
            found.append(f"fuzzy: {key!r}")
        elif not all(strings):
            found.append(f"untranslated: {key!r}")
    for missing in wanted - have:
        key = missing if isinstance(missing, str) else missing[0]
        found.append(f"missing from messages.po: {key!r}")
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists() or mo_path.read_bytes() != _compiled(catalog):
        # Compared by content: a fresh clone gives files arbitrary modification times.
        found.append(f"{mo_path.name} does not match messages.po: run compile")
    return sorted(found)
