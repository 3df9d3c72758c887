"""What /district/integrations lists: the connections a district sets up with the
systems it already runs (sign-in, its LMS, its roster source), each by the endpoint
of its own page, and where this deployment keeps files."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class Connection:
    endpoint: str
    title: str | LazyString
    summary: str | LazyString


CONNECTIONS = (
    Connection(
        "sso.settings",
        _l("Single sign-on"),
        _l(
            "Staff sign in with their school account (Google Workspace, Microsoft "
            "Entra ID, Clever, ClassLink or any OpenID Connect provider)."
        ),
    ),
    Connection(
        "lti.platforms",
        _l("Your learning management system (LTI 1.3)"),
        _l(
            "Place PD Hub modules in Canvas, Schoology or Moodle courses; completion "
            "goes back to the gradebook."
        ),
    ),
    Connection(
        "oneroster.settings",
        _l("Roster sync (OneRoster 1.2)"),
        _l(
            "Keep staff and schools in step with your student information system, "
            "every day, with the same checks as a file import."
        ),
    ),
)


def available() -> list[Connection]:
    """The connections this deployment offers (each one's page is registered)."""
    return [c for c in CONNECTIONS if c.endpoint in current_app.view_functions]


def file_store() -> tuple[str, str | None]:
    """("disk" or "s3", the bucket's host and name when it is object storage)."""
    url = current_app.config.get("PDHUB_STORAGE_URL") or ""
    if not url.startswith("s3://"):
        return "disk", None
    bucket = urlsplit(url).netloc
    endpoint = current_app.config.get("PDHUB_STORAGE_ENDPOINT") or ""
    host = urlsplit(endpoint).netloc if endpoint else "AWS S3"
    return "s3", f"{bucket} ({host})"
