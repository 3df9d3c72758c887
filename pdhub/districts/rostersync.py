"""Roster sync: a district's OneRoster 1.2 REST provider, read on demand or daily.

The provider is reached with OAuth 2.0 client credentials (Authlib) for the
roster-core.readonly scope; ``GET /orgs`` and ``GET /users`` are read page by page
(limit/offset, until X-Total-Count or the Link header's "next" says there is no more).
Each org and user becomes the same columns an uploaded orgs.csv / users.csv row has,
and ``roster.check_orgs`` / ``roster.check_oneroster`` check them: a sync is a
OneRoster roster import like an upload, previewed with every problem and applied by
``roster.apply_all`` (matched by sourcedId, so an email change keeps the person;
people marked tobedeleted or no longer listed are deactivated).

A provider that cannot be reached, refuses the client or answers something that is
not OneRoster JSON stops the sync with a plain message, before anything is saved.
Applying happens in one transaction: all of it, or nothing.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from pdhub import jobs, tasks
from pdhub.accounts.models import User
from pdhub.db import DbSession, utcnow
from pdhub.districts import policies, roster
from pdhub.districts.models import (
    District,
    RosterConnection,
    RosterImportStatus,
    RosterSchedule,
    RosterSource,
    RosterSync,
    RosterSyncStatus,
)
from pdhub.errors import InvalidInput, NotFound, PermissionDenied
from pdhub.verification.fetcher import is_public_address, parse_allowed_hosts

SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"
#: Records asked for per page (providers may send fewer).
PAGE_SIZE = 500
#: Seconds to wait for the provider on each request.
TIMEOUT = 20.0
#: A daily sync starts when the last one started at least this long ago.
DAILY_GAP = timedelta(hours=20)
RUNNING = (
    RosterSyncStatus.QUEUED,
    RosterSyncStatus.FETCHING,
    RosterSyncStatus.APPLYING,
)
USER_COLUMNS = [
    "sourcedId",
    "status",
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "givenName",
    "familyName",
    "email",
    "language",
]
ORG_COLUMNS = ["sourcedId", "status", "name", "type", "parentSourcedId"]


class SyncError(Exception):
    """The provider could not be read; the message says why, in plain words."""


# --- the connection -----------------------------------------------------------------


def check_url(url: str, field: str) -> str:
    """An https URL (or one of PDHUB_ROSTER_ALLOWED_HOSTS), without a trailing slash."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = urlsplit(""), None
    allowed = parse_allowed_hosts(current_app.config["PDHUB_ROSTER_ALLOWED_HOSTS"])
    host = (parts.hostname or "").lower()
    origin = (parts.scheme, host, port or (443 if parts.scheme == "https" else 80))
    if not host or (parts.scheme != "https" and origin not in allowed):
        raise InvalidInput(
            _("Enter the full https:// address your rostering provider gave you."),
            field=field,
        )
    if parts.username or parts.password:
        raise InvalidInput(
            _("Leave the user name and password out of the address."), field=field
        )
    return url.rstrip("/")


def get_connection(session: DbSession, district: District) -> RosterConnection | None:
    return session.scalar(
        select(RosterConnection).where(RosterConnection.district_id == district.id)
    )


@dataclass(frozen=True)
class Settings:
    base_url: str
    token_url: str
    client_id: str
    client_secret: str  # "" keeps the saved one
    schedule: RosterSchedule


def save_connection(
    session: DbSession, actor: User, district: District, settings: Settings
) -> RosterConnection:
    if not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    base_url = check_url(settings.base_url, "base_url")
    token_url = check_url(settings.token_url, "token_url")
    connection = get_connection(session, district)
    if connection is None and not settings.client_secret:
        raise InvalidInput(_("Enter the client secret."), field="client_secret")
    if connection is None:
        connection = RosterConnection(district_id=district.id)
        session.add(connection)
    connection.base_url = base_url
    connection.token_url = token_url
    connection.client_id = settings.client_id.strip()
    if settings.client_secret:
        connection.client_secret = settings.client_secret
    connection.schedule = settings.schedule
    connection.updated_by_id = actor.id
    session.flush()
    return connection


# --- reading the provider -----------------------------------------------------------


def _check_address(url: str) -> None:
    """Refuse a provider whose name resolves to a loopback, private or other
    non-public address, unless the operator allowed its origin."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    allowed = parse_allowed_hosts(current_app.config["PDHUB_ROSTER_ALLOWED_HOSTS"])
    if (parts.scheme, host.lower(), port) in allowed:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise SyncError(
            _("The provider's address %(host)s could not be found.", host=host)
        ) from None
    if not infos or not all(is_public_address(str(info[4][0])) for info in infos):
        raise SyncError(
            _(
                "The provider's address %(host)s is not on the public internet.",
                host=host,
            )
        )


class Provider:
    """A OneRoster 1.2 rostering service, read with an OAuth 2.0 bearer token."""

    def __init__(self, connection: RosterConnection) -> None:
        self.base_url = connection.base_url.rstrip("/") + "/"
        self.token_url = connection.token_url
        self.client = OAuth2Session(
            connection.client_id,
            connection.client_secret,
            scope=SCOPE,
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106
        )

    def sign_in(self) -> None:
        _check_address(self.token_url)
        _check_address(self.base_url)
        try:
            self.client.fetch_token(
                self.token_url, grant_type="client_credentials", timeout=TIMEOUT
            )
        except requests.RequestException:
            raise SyncError(
                _(
                    "The provider's token address could not be reached. Check the "
                    "token URL, or try again later."
                )
            ) from None
        except AuthlibBaseError as error:
            raise SyncError(
                _(
                    "The provider refused the client id and secret (%(error)s). "
                    "Check them with your rostering provider and save them again.",
                    error=error.error or "invalid_client",
                )
            ) from None
        except ValueError:
            raise SyncError(
                _(
                    "The token address did not answer with an access token. Check "
                    "the token URL."
                )
            ) from None

    def pages(self, path: str, key: str) -> Iterator[tuple[list[Any], int | None]]:
        """Each page of ``GET {base}/{path}``'s ``key`` list, with the total the
        provider announced (X-Total-Count), if any."""
        url: str | None = urljoin(self.base_url, path)
        params: dict[str, Any] | None = {"limit": PAGE_SIZE, "offset": 0}
        offset, read = 0, 0
        what = f"GET /{path}"
        while url is not None:
            try:
                # No redirects: the addresses checked are the only ones reached.
                response = self.client.get(
                    url, params=params, timeout=TIMEOUT, allow_redirects=False
                )
            except requests.RequestException:
                raise SyncError(
                    _(
                        "The provider could not be reached (%(what)s). Try again "
                        "later.",
                        what=what,
                    )
                ) from None
            if response.status_code in (401, 403):
                raise SyncError(
                    _(
                        "The provider refused access to %(what)s (HTTP %(status)d). "
                        "Check that the client may read rosters.",
                        what=what,
                        status=response.status_code,
                    )
                )
            if response.status_code != 200:
                raise SyncError(
                    _(
                        "The provider answered %(what)s with HTTP %(status)d. Try "
                        "again later.",
                        what=what,
                        status=response.status_code,
                    )
                )
            try:
                body = response.json()
            except ValueError:
                body = None
            items = body.get(key) if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise SyncError(
                    _(
                        "The provider's answer to %(what)s is not OneRoster JSON "
                        '(no "%(key)s" list).',
                        what=what,
                        key=key,
                    )
                )
            total_header = response.headers.get("X-Total-Count", "")
            total = int(total_header) if total_header.isdigit() else None
            yield items, total
            read += len(items)
            if read > roster.MAX_ROWS * 2:
                raise SyncError(
                    _(
                        "The provider lists more than %(max)d records.",
                        max=roster.MAX_ROWS * 2,
                    )
                )
            following = response.links.get("next", {}).get("url")
            if following and urlsplit(urljoin(url, following))[:2] != urlsplit(url)[:2]:
                following = None  # a "next" page elsewhere: page by offset instead
            offset += len(items)
            done = (
                not items
                or (total is not None and offset >= total)
                or (total is None and not following and len(items) < PAGE_SIZE)
            )
            if done:
                url = None
            elif following:
                url, params = urljoin(url, following), None
            else:
                params = {"limit": PAGE_SIZE, "offset": offset}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _ref(value: Any) -> str:
    return _text(value.get("sourcedId")) if isinstance(value, dict) else ""


def org_record(item: Any) -> dict[str, str]:
    """An org of the REST API as the columns of an orgs.csv row."""
    if not isinstance(item, dict):
        return {}
    return {
        "sourcedId": _text(item.get("sourcedId")),
        "status": _text(item.get("status")),
        "name": _text(item.get("name")),
        "type": _text(item.get("type")),
        "parentSourcedId": _ref(item.get("parent")),
    }


def user_record(item: Any) -> dict[str, str]:
    """A user of the REST API (1.2 ``roles``, or 1.1 ``role`` and ``orgs``) as the
    columns of a users.csv row."""
    if not isinstance(item, dict):
        return {}
    roles = [r for r in item.get("roles") or [] if isinstance(r, dict)]
    primary = next((r for r in roles if r.get("roleType") == "primary"), None)
    role = _text((primary or (roles[0] if roles else {})).get("role")) or _text(
        item.get("role")
    )
    orgs = [_ref(item.get("primaryOrg"))] if item.get("primaryOrg") else []
    orgs += [_ref(r.get("org")) for r in ([primary] if primary else []) + roles]
    orgs += [_ref(o) for o in item.get("orgs") or []]
    unique = [o for index, o in enumerate(orgs) if o and o not in orgs[:index]]
    return {
        "sourcedId": _text(item.get("sourcedId")),
        "status": _text(item.get("status")),
        "enabledUser": _text(item.get("enabledUser")),
        "orgSourcedIds": ",".join(unique),
        "role": role,
        "username": _text(item.get("username")),
        "givenName": _text(item.get("givenName")),
        "familyName": _text(item.get("familyName")),
        "email": _text(item.get("email")),
        "language": _text(item.get("preferredLanguage") or item.get("language")),
    }


def fetch(
    connection: RosterConnection, progress: Callable[[int, int], None]
) -> roster.Reading:
    """Read the provider's orgs and users and check them as a OneRoster roster.
    ``progress(read, expected)`` is called after each page. Raises SyncError."""
    provider = Provider(connection)
    provider.sign_in()
    reading = roster.Reading(RosterSource.ONEROSTER)
    read, expected = 0, 0
    announced: dict[str, int] = {}
    records: dict[str, list[tuple[int, dict[str, str]]]] = {"orgs": [], "users": []}
    for path, convert in (("orgs", org_record), ("users", user_record)):
        for items, total in provider.pages(path, path):
            if total is not None:
                announced[path] = total
            for item in items:
                records[path].append((len(records[path]) + 1, convert(item)))
            read += len(items)
            expected = max(read, sum(announced.values()))
            progress(read, expected)
    schools = roster.check_orgs(reading, ORG_COLUMNS, records["orgs"], file="orgs")
    roster.check_oneroster(
        reading, USER_COLUMNS, records["users"], schools, file="users", orgs_file="orgs"
    )
    for problem in reading.problems:  # "users, record 7" means little: name it
        listed = records.get(problem.file, [])
        if 0 < problem.line <= len(listed):
            problem.record = listed[problem.line - 1][1].get("sourcedId", "")
    return reading


# --- syncs --------------------------------------------------------------------------


def start_sync(
    session: DbSession, actor: User | None, district: District, scheduled: bool = False
) -> RosterSync:
    """Queue a sync of the district's connection (a running one is returned as is)."""
    if actor is not None and not policies.can_manage_district(actor, district):
        raise PermissionDenied(_("You don't manage this district."))
    connection = get_connection(session, district)
    if connection is None:
        raise InvalidInput(_("Save the connection settings first."))
    running = session.scalar(
        select(RosterSync).where(
            RosterSync.connection_id == connection.id,
            RosterSync.status.in_(RUNNING),
        )
    )
    if running is not None:
        return running
    sync = RosterSync(
        district_id=district.id,
        connection_id=connection.id,
        created_by_id=actor.id if actor is not None else None,
        scheduled=scheduled,
    )
    session.add(sync)
    session.flush()
    jobs.enqueue(tasks.SYNC_ROSTER, sync.id)
    return sync


def _fail(sync: RosterSync, message: str) -> None:
    sync.status = RosterSyncStatus.FAILED
    sync.error = message
    sync.finished_at = utcnow()


def run_sync(
    session: DbSession, sync_id: int, commit: Callable[[], None] = lambda: None
) -> None:
    """Fetch a queued sync into a preview import; a scheduled sync with no problem
    is applied at once. ``commit`` saves the fetch progress as pages arrive (the
    sync row only: nothing of the roster is written until the end)."""
    sync = session.get(RosterSync, sync_id)
    if sync is None or sync.status is not RosterSyncStatus.QUEUED:
        return
    connection = session.get(RosterConnection, sync.connection_id)
    district = session.get(District, sync.district_id)
    assert connection is not None and district is not None  # cascaded with the sync
    actor = session.get(User, sync.created_by_id or connection.updated_by_id or 0)
    # Its messages are kept in the words of whoever reads them: the administrator's
    # language, else the district's.
    language = (actor.language if actor else None) or district.default_language
    with force_locale(language or "en"):
        if actor is None or not policies.can_manage_district(actor, district):
            _fail(
                sync,
                _(
                    "Nobody who manages the district saved these settings; save "
                    "them again."
                ),
            )
            return
        _run(session, sync, connection, district, actor, commit)


def _run(
    session: DbSession,
    sync: RosterSync,
    connection: RosterConnection,
    district: District,
    actor: User,
    commit: Callable[[], None],
) -> None:
    sync.status = RosterSyncStatus.FETCHING
    commit()

    def progress(read: int, expected: int) -> None:
        sync.fetched, sync.expected = read, expected
        commit()

    try:
        reading = fetch(connection, progress)
    except SyncError as error:
        _fail(sync, str(error))
        return
    preview = roster.save_preview(
        session,
        actor,
        district,
        reading,
        f"OneRoster {urlsplit(connection.base_url).hostname}",
    )
    sync.import_id = preview.id
    sync.status = RosterSyncStatus.PREVIEW
    if not sync.scheduled:
        sync.finished_at = utcnow()
        return
    if preview.problems:
        _fail(
            sync,
            ngettext(
                "The roster has %(num)d problem; nothing was applied.",
                "The roster has %(num)d problems; nothing was applied.",
                len(preview.problems),
            ),
        )
        return
    roster.mark_confirmed(session, actor, preview)
    _apply(session, sync, connection)


def _apply(session: DbSession, sync: RosterSync, connection: RosterConnection) -> None:
    assert sync.import_id is not None
    roster.apply_all(session, sync.import_id)
    preview = sync.roster_import
    if preview is None or preview.status is not RosterImportStatus.DONE:
        _fail(sync, _("The roster could not be applied."))
        return
    sync.status = RosterSyncStatus.DONE
    sync.finished_at = utcnow()
    connection.last_synced_at = sync.finished_at


def get_sync(session: DbSession, district: District, sync_id: int) -> RosterSync:
    """One of ``district``'s syncs; NotFound for another district's."""
    sync = session.get(RosterSync, sync_id)
    if sync is None or sync.district_id != district.id:
        raise NotFound(_("There is no such roster sync."))
    return sync


def recent_syncs(session: DbSession, district: District) -> list[RosterSync]:
    return list(
        session.scalars(
            select(RosterSync)
            .where(RosterSync.district_id == district.id)
            .order_by(RosterSync.created_at.desc(), RosterSync.id.desc())
            .limit(10)
        )
    )


def confirm_sync(session: DbSession, actor: User, sync: RosterSync) -> None:
    """Apply a previewed sync (its rows as previewed), in one job and transaction."""
    if sync.status is not RosterSyncStatus.PREVIEW or sync.roster_import is None:
        return
    if roster.mark_confirmed(session, actor, sync.roster_import):
        sync.status = RosterSyncStatus.APPLYING
        session.flush()
        jobs.enqueue(tasks.APPLY_ROSTER_SYNC, sync.id)


def apply_sync(session: DbSession, sync_id: int) -> None:
    """The job: apply a confirmed sync's import whole (the caller commits once)."""
    sync = session.get(RosterSync, sync_id)
    if sync is None or sync.status is not RosterSyncStatus.APPLYING:
        return
    connection = session.get(RosterConnection, sync.connection_id)
    assert connection is not None
    _apply(session, sync, connection)


def start_daily_syncs(session: DbSession) -> list[int]:
    """Queue a sync for every connection set to daily whose last sync started
    DAILY_GAP ago or more; returns the districts' ids."""
    since = utcnow() - DAILY_GAP
    recent = (
        select(RosterSync.id)
        .where(
            RosterSync.connection_id == RosterConnection.id,
            RosterSync.created_at > since,
        )
        .exists()
    )
    districts: list[int] = []
    for connection in session.scalars(
        select(RosterConnection)
        .where(RosterConnection.schedule == RosterSchedule.DAILY, ~recent)
        .order_by(RosterConnection.id)
    ):
        district = session.get(District, connection.district_id)
        if district is None:
            continue
        start_sync(session, None, district, scheduled=True)
        districts.append(district.id)
    return districts
