"""Domain exceptions, and the handlers that turn every error into a friendly page or an
RFC 9457 problem document (never a traceback)."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
)
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule refused the action; ``status`` is the HTTP status it maps to."""

    status = 400
    title = _l("The request could not be completed")

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404
    title = _l("Not found")


class PermissionDenied(DomainError):
    status = 403
    title = _l("Not allowed")


class Conflict(DomainError):
    status = 409
    title = _l("Conflict")


class InvalidInput(DomainError):
    status = 422
    title = _l("Invalid input")


#: Each status's title and advice, read in the request's language (an API client's
#: Accept-Language too).
TITLES = {
    400: (
        _l("Something in the request was not right"),
        _l("Please go back and try again."),
    ),
    401: (_l("Please sign in"), _l("You need to sign in to see this page.")),
    403: (
        _l("You can't open this page"),
        _l("Your account doesn't have access to it."),
    ),
    404: (
        _l("We couldn't find that page"),
        _l("The link may be old, or the page was moved."),
    ),
    405: (
        _l("That action isn't available here"),
        _l("Please use the page's own buttons."),
    ),
    409: (
        _l("That changed while you were working"),
        _l("Please reload the page and try again."),
    ),
    413: (
        _l("That file is too large"),
        _l("Please choose a smaller file and try again."),
    ),
    422: (_l("Some information needs fixing"), _l("Please check what you entered.")),
    429: (
        _l("Too many attempts"),
        _l(
            "For your security we paused this for a few minutes. "
            "Please wait and try again."
        ),
    ),
    503: (
        _l("This isn't available right now"),
        _l(
            "A service PD Hub needs can't be reached. What you saved before is "
            "safe; please try again in a few minutes."
        ),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l(
            "It's not your fault. What you saved before is safe; "
            "please try again shortly."
        ),
    ),
}


def wants_problem_json() -> bool:
    """API paths and JSON-asking clients get problem documents; browsers get pages."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def error_response(
    status: int, detail: str | LazyString | None = None, **extra: Any
) -> Response:
    """Render ``status`` as a problem document or an HTML page, as the client asks."""
    lazy_title, lazy_advice = TITLES.get(status, TITLES[400 if status < 500 else 500])
    title, advice = str(lazy_title), str(lazy_advice)
    detail = str(detail) if detail is not None else None
    if wants_problem_json():
        body = {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail or advice,
            **extra,
        }
        response = jsonify(body)
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response
    if request_ctx.url_adapter is None:
        # The request named a host this site doesn't answer for (TRUSTED_HOSTS), so
        # no link can be built: a bare page without the site's navigation.
        from pdhub.i18n import current_language

        html = (
            f'<!doctype html><html lang="{current_language()}"><head>'
            '<meta charset="utf-8">'
            f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}"
            f"</h1><p>{escape(detail or advice)}</p></main></body></html>"
        )
        return Response(html, status=status, mimetype="text/html")
    html = render_template(
        "errors/error.html", status=status, title=title, detail=detail, advice=advice
    )
    return Response(html, status=status, mimetype="text/html")


def size_limit_text(limit: int | None = None) -> str:
    """The size limit that applies to this request (or ``limit`` bytes), in words.

    A view may lower or raise ``request.max_content_length`` (the API's 1 MB JSON
    body, a district's batch upload); the app-wide limit is PDHUB_MAX_UPLOAD_MB per
    file, with room for the form's text around it.
    """
    app = current_app
    if limit is None:
        limit = request.max_content_length
        if limit is None or limit == app.config.get("MAX_CONTENT_LENGTH"):
            return f"{app.config['PDHUB_MAX_UPLOAD_MB']} MB"
    megabytes = limit // (1024 * 1024)
    if megabytes >= 1:
        return f"{megabytes} MB"
    return f"{max(limit // 1024, 1)} KB"


def _record_denied(status: int) -> None:
    """Put a refused request in the audit trail: every 403, and a 404 from a page
    that exists (a signed-in person asked for an object that is not theirs to see,
    or not there at all; the two answers are the same on purpose). Whatever the view
    had changed is rolled back first; the event is saved by the closing commit."""
    from flask_login import current_user

    from pdhub.audit import service as audit
    from pdhub.audit.models import AuditAction, AuditOutcome
    from pdhub.extensions import db

    if request.url_rule is None or request.endpoint == "static":
        return
    if status == 404 and not current_user.is_authenticated:
        return
    audit.rollback_keeping_events(db.session)
    actor = current_user if current_user.is_authenticated else None
    audit.record(
        db.session,
        AuditAction.ACCESS_DENIED,
        actor=actor,
        outcome=AuditOutcome.DENIED,
        object_type="route",
        object_id=request.url_rule.endpoint,
        detail={"status": status, "method": request.method, "path": request.path},
    )


_LIMIT_WINDOW = re.compile(r"per\s+(\d+\s+)?(second|minute|hour|day)s?\b", re.I)


def wait_text(limit: str) -> str | None:
    """How long to wait, in the reader's language, from a rate limit such as
    "5 per 15 minutes" (Flask-Limiter's description of the limit that was hit)."""
    match = _LIMIT_WINDOW.search(limit or "")
    if match is None:
        return None
    amount = int(match.group(1) or 1)
    unit = match.group(2).lower()
    if unit == "second":
        text = ngettext("%(num)d second", "%(num)d seconds", amount)
    elif unit == "minute":
        text = ngettext("%(num)d minute", "%(num)d minutes", amount)
    elif unit == "hour":
        text = ngettext("%(num)d hour", "%(num)d hours", amount)
    else:
        text = ngettext("%(num)d day", "%(num)d days", amount)
    return str(text)


def register_error_handlers(app: Flask) -> None:
    """Install handlers for HTTP errors, CSRF failures, domain errors and crashes."""

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException) -> Response:
        status = error.code or 500
        detail = None
        if status == 429:
            wait = wait_text(str(error.description or ""))
            detail = (
                _(
                    "Too many attempts. For your security, please wait %(wait)s "
                    "before trying again.",
                    wait=wait,
                )
                if wait
                else None
            )
        elif status == 413:
            detail = _(
                "The upload is larger than the %(limit)s limit.",
                limit=size_limit_text(),
            )
        if status in (403, 404):
            _record_denied(status)
        response = error_response(status, detail)
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError) -> Response:
        return error_response(
            400,
            _(
                "This form expired or was sent from another site. Please reload the "
                "page and send it again; nothing you saved was lost."
            ),
        )

    @app.errorhandler(DomainError)
    def handle_domain(error: DomainError) -> Response:
        if error.status in (403, 404):
            _record_denied(error.status)
        return error_response(error.status, error.message)

    @app.errorhandler(Exception)
    def handle_crash(error: Exception) -> Response:
        if isinstance(error, HTTPException):  # pragma: no cover - routed above
            return handle_http(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        from pdhub.extensions import db

        db.session.rollback()
        return error_response(InternalServerError.code)
