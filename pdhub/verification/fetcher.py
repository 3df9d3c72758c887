"""Fetching the documents a verification needs: this site's in process, others' only
from allow-listed hosts, with a timeout and a size limit.

This site's own status lists and did:web document are read from the database (the
text /status-lists/<id> serves, the document /.well-known/did.json serves); its shared
credentials and any other page are answered by dispatching the GET through the Flask
app in a fresh app context: a verifier never makes an HTTP
request to itself (which would tie up a worker of a small deployment and break behind
a firewall). Any other origin is fetched over the network only when the
operator put its host in PDHUB_VERIFY_ALLOWED_HOSTS; by default nothing leaves.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from werkzeug.test import Client

from badges.dids import Resolver

#: A document larger than this is refused (a status list of 2^17 bits is ~1 KB
#: compressed; a generous credential is tens of KB; baked images are not fetched).
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024

_CREDENTIAL_PAGE = re.compile(r"/credentials/([A-Za-z0-9_-]+)/?")
_STATUS_LIST_PATH = re.compile(r"/status-lists/([1-9][0-9]{0,17})")


class FetchError(Exception):
    """A document could not be fetched; the message says why in plain words."""


Origin = tuple[str, str, int]


def _origin(url: str) -> Origin | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    default = 443 if parts.scheme == "https" else 80
    return (parts.scheme, parts.hostname.lower(), port or default)


def parse_allowed_hosts(setting: str) -> frozenset[Origin]:
    """Read PDHUB_VERIFY_ALLOWED_HOSTS: "host", "host:port" (https) or "http://host:port"."""
    allowed: set[Origin] = set()
    for entry in (part.strip() for part in setting.split(",")):
        if not entry:
            continue
        origin = _origin(entry if "://" in entry else f"https://{entry}")
        if origin is None:
            raise ValueError(f"{entry!r} is not a host name or origin")
        allowed.add(origin)
    return frozenset(allowed)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead anywhere, past the allow-list: treat it as a failure.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class DocumentFetcher:
    """Fetch a URL's body for verification; FetchError when it cannot or may not."""

    app: Flask
    base_url: str
    allowed: frozenset[Origin] = frozenset()
    timeout: float = 5.0
    max_bytes: int = MAX_DOCUMENT_BYTES
    _local_origins: frozenset[Origin] = field(init=False)

    def __post_init__(self) -> None:
        # The app itself, not the current_app proxy: the fetcher may be used
        # outside the context it was made in, and is compared by identity.
        unwrap = getattr(self.app, "_get_current_object", None)
        if unwrap is not None:
            self.app = unwrap()
        own = _origin(self.base_url)
        if own is None:
            raise ValueError(f"{self.base_url!r} is not an http(s) origin")
        # did:web documents are always fetched over https, even from a site whose
        # base URL (in development) is plain http.
        local = {own, ("https", own[1], own[2])}
        if own[0] == "http" and own[2] == 80:
            local.add(("https", own[1], 443))
        self._local_origins = frozenset(local)

    @classmethod
    def for_app(cls, app: Flask) -> DocumentFetcher:
        """The fetcher configured by PDHUB_BASE_URL and the verification settings."""
        return cls(
            app=app,
            base_url=app.config["PDHUB_BASE_URL"],
            allowed=parse_allowed_hosts(app.config["PDHUB_VERIFY_ALLOWED_HOSTS"]),
            timeout=float(app.config["PDHUB_VERIFY_FETCH_TIMEOUT"]),
        )

    def is_local(self, url: str) -> bool:
        """Whether ``url`` belongs to this site (answered in process)."""
        return _origin(url) in self._local_origins

    def __call__(self, url: str) -> bytes:
        origin = _origin(url)
        if origin is None:
            raise FetchError(f"{url[:200]!r} is not a web address")
        if origin in self._local_origins:
            return self._fetch_local(url)
        if origin in self.allowed:
            return self._fetch_remote(url)
        raise FetchError(
            f"{origin[1]} is not on this site's list of hosts it may fetch from"
        )

    def _fetch_local(self, url: str) -> bytes:
        parts = urlsplit(url)
        listed = _STATUS_LIST_PATH.fullmatch(parts.path)
        if listed is not None and not parts.query:
            text = self._read(_published_list, int(listed.group(1)))
            if text is not None:
                return text.encode("utf-8")
        if parts.path == "/.well-known/did.json" and not parts.query:
            document = self._read(_published_did_document)
            if document is not None:
                return document.encode("utf-8")
        # A fresh app context: the inner request gets its own database session and
        # its own (anonymous) user, whatever the calling request or task holds.
        with self.app.app_context():
            client = Client(self.app, use_cookies=False)
            response = client.get(
                parts.path or "/",
                query_string=parts.query,
                base_url=self.base_url,
                headers={"Accept": "application/json"},
            )
            try:
                body = response.get_data()
                status = response.status_code
            finally:
                response.close()
        if status != 200:
            raise FetchError(f"this site answered {status} for {parts.path}")
        if len(body) > self.max_bytes:
            raise FetchError(f"{parts.path} is larger than {self.max_bytes} bytes")
        return body

    def _read(self, read: Callable[..., str | None], *args: Any) -> str | None:
        """Run ``read(session, *args)`` for one of this site's public documents:
        one or two small queries instead of a whole request through the app."""
        from pdhub.extensions import db

        # The caller's session when it belongs to this app (reads only, no flush);
        # otherwise a fresh app context with its own session, as for a request.
        current = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
        if current is self.app:
            with db.session.no_autoflush:
                return read(db.session, *args)
        with self.app.app_context():
            return read(db.session, *args)

    def _fetch_remote(self, url: str) -> bytes:
        opener = urllib.request.build_opener(_RefuseRedirects)
        request = urllib.request.Request(  # noqa: S310 - scheme checked by _origin
            url, headers={"Accept": "application/json", "User-Agent": "PD Hub verifier"}
        )
        try:
            with opener.open(request, timeout=self.timeout) as response:
                body: bytes = response.read(self.max_bytes + 1)
        except urllib.error.HTTPError as error:
            raise FetchError(
                f"{urlsplit(url).hostname} answered {error.code}"
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise FetchError(
                f"{urlsplit(url).hostname} could not be reached: {reason}"
            ) from None
        if len(body) > self.max_bytes:
            raise FetchError(f"the document is larger than {self.max_bytes} bytes")
        return body


class MemoFetcher:
    """One fetch per URL for the life of this object (a chunk, a verification)."""

    def __init__(self, fetcher: DocumentFetcher) -> None:
        self._fetcher = fetcher
        self._bodies: dict[str, bytes | FetchError] = {}

    def __call__(self, url: str) -> bytes:
        if url not in self._bodies:
            try:
                self._bodies[url] = self._fetcher(url)
            except FetchError as error:
                self._bodies[url] = error
        found = self._bodies[url]
        if isinstance(found, FetchError):
            raise found
        return found


def _published_list(session: Any, list_id: int) -> str | None:
    from pdhub.credentials.status import published_document

    return published_document(session, list_id)


def _published_did_document(session: Any) -> str | None:
    """The text /.well-known/did.json serves, or None (did:key mode, or no key yet:
    the page makes the first key, which a read must not)."""
    from sqlalchemy import select

    from pdhub.credentials import keys
    from pdhub.credentials.models import IssuerKey

    if keys.did_web_issuer() is None:
        return None
    if session.scalar(select(IssuerKey.id).limit(1)) is None:
        return None
    document = keys.did_document(session)
    return None if document is None else json.dumps(document, indent=2)


def resolver_for(fetch: Any) -> Resolver:
    """A key resolver: did:key offline, did:web and https through ``fetch``."""
    return Resolver(fetch)


def credential_document_url(url: str) -> str:
    """The JSON form of a credential page URL (``/credentials/<id>`` -> ``.json``)."""
    parts = urlsplit(url)
    match = _CREDENTIAL_PAGE.fullmatch(parts.path)
    if match is None:
        return url
    return parts._replace(
        path=f"/credentials/{match.group(1)}.json", fragment=""
    ).geturl()
