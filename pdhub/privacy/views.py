"""The public account of what PD Hub does with data: /privacy, /accessibility,
/security and /.well-known/security.txt (RFC 9116). Open to anyone, signed in or not."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, render_template, url_for

from pdhub.db import utcnow

bp = Blueprint("privacy", __name__)

#: How far ahead security.txt's Expires lies (RFC 9116 advises less than a year, so
#: it is computed at each request: the file never goes stale on a running site).
SECURITY_TXT_LIFETIME = timedelta(days=365)


def _public_url(endpoint: str) -> str:
    """The page's address under PDHUB_BASE_URL (never the request's Host)."""
    return str(current_app.config["PDHUB_BASE_URL"]) + url_for(endpoint)


def _contact() -> dict[str, object]:
    config = current_app.config
    return {
        "contact_email": config["PDHUB_CONTACT_EMAIL"],
        "subprocessors": config["PDHUB_SUBPROCESSORS"],
        "max_upload_mb": config["PDHUB_MAX_UPLOAD_MB"],
        "idle_minutes": config["PDHUB_SESSION_IDLE_MINUTES"],
        "max_hours": config["PDHUB_SESSION_MAX_HOURS"],
        "remember_days": config["PDHUB_SESSION_REMEMBER_DAYS"],
    }


@bp.get("/privacy")
def privacy() -> str:
    return render_template("privacy/privacy.html", **_contact())


@bp.get("/accessibility")
def accessibility() -> str:
    return render_template("privacy/accessibility.html", **_contact())


@bp.get("/security")
def security() -> str:
    return render_template("privacy/security.html", **_contact())


@bp.get("/.well-known/security.txt")
def security_txt() -> Response:
    expires = (utcnow() + SECURITY_TXT_LIFETIME).replace(microsecond=0)
    lines = [
        f"Contact: mailto:{current_app.config['PDHUB_CONTACT_EMAIL']}",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: en, es",
        f"Canonical: {_public_url('privacy.security_txt')}",
        f"Policy: {_public_url('privacy.security')}",
    ]
    response = Response("\n".join(lines) + "\n", mimetype="text/plain")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
