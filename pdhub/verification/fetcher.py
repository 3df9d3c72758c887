"""Fetching the documents a verification needs: this site's in process, other sites'
over HTTPS from public addresses only, with a timeout, a size limit and a cache.

This site's own status lists and did:web document are read from the database (the
text /status-lists/<id> serves, the document /.well-known/did.json serves); its shared
credentials and any other page are answered by dispatching the GET through the Flask
app in a fresh app context: a verifier never makes an HTTP request to itself (which
would tie up a worker of a small deployment and break behind a firewall).

Any other origin is fetched over HTTPS when every address its name resolves to is a
public one: never loopback, private, link-local (cloud metadata), CGNAT, multicast or
reserved ranges, IPv4 or IPv6. The name is resolved once, the addresses checked, and
the connection made to the checked address (TLS still verifies the host name), so a
DNS answer that changes in between cannot swap in an internal address. Redirects are
followed a few times, each target checked the same way. The operator's
PDHUB_VERIFY_ALLOWED_HOSTS (development: loopback hosts, plain http) is fetched
without the address check.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from cachetools import TTLCache
from flask import Flask, current_app, has_app_context
from werkzeug.test import Client

from badges.dids import Resolver

#: A document larger than this is refused (a status list of 2^17 bits is ~1 KB
#: compressed; a generous credential is tens of KB; baked images are not fetched).
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
#: Redirects followed for one document (each target checked again).
MAX_REDIRECTS = 3
#: Documents of other sites are kept this long (seconds) per process.
CACHE_SECONDS = 60.0

_CREDENTIAL_PAGE = re.compile(r"/credentials/([A-Za-z0-9_-]+)/?")
_STATUS_LIST_PATH = re.compile(r"/status-lists/([1-9][0-9]{0,17})")

# Other sites' documents fetched lately, by URL: a batch or a busy verify page reads
# the same did:web document and status list many times.
_CACHE: TTLCache[str, bytes] = TTLCache(maxsize=256, ttl=CACHE_SECONDS)
_CACHE_LOCK = threading.Lock()

AddressInfo = Callable[..., list[tuple[Any, ...]]]

#: Names that never resolve on the public internet (RFC 2606, 6761, 6762, 7686,
#: 8375, and ICANN's .internal): refused without asking DNS.
_RESERVED_SUFFIXES = (
    "example",
    "test",
    "invalid",
    "localhost",
    "local",
    "internal",
    "onion",
    "home.arpa",
)


def _reserved_name(host: str) -> bool:
    host = host.rstrip(".")
    return (
        any(
            host == suffix or host.endswith("." + suffix)
            for suffix in _RESERVED_SUFFIXES
        )
        and host != "localhost"
    )


def _getaddrinfo(*args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
    # Looked up at call time, so the process's resolver is the one in force.
    return socket.getaddrinfo(*args, **kwargs)


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


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private,
    link-local or metadata, CGNAT, multicast, reserved or unspecified)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address carried in IPv6 is judged as the IPv4 address.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
    return bool(ip.is_global) and not ip.is_multicast and not ip.is_reserved


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked IP address, with SNI and certificate checks for the name."""

    def __init__(
        self,
        host: str,
        address: str,
        port: int,
        timeout: float,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self._tls = context or ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to an address (only for the operator's allow-listed hosts)."""

    def __init__(
        self,
        host: str,
        address: str,
        port: int,
        timeout: float,
        context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


@dataclass
class DocumentFetcher:
    """Fetch a URL's body for verification; FetchError when it cannot or may not."""

    app: Flask
    base_url: str
    allowed: frozenset[Origin] = frozenset()
    timeout: float = 5.0
    max_bytes: int = MAX_DOCUMENT_BYTES
    #: How names are resolved (socket.getaddrinfo), which addresses count as
    #: public, and the TLS trust: tests pass their own to reach loopback servers.
    resolve: AddressInfo = _getaddrinfo
    is_public: Callable[[str], bool] = is_public_address
    tls: ssl.SSLContext | None = None
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
        with _CACHE_LOCK:
            cached = _CACHE.get(url)
        if cached is not None:
            return cached
        body = self._fetch_remote(url)
        with _CACHE_LOCK:
            _CACHE[url] = body
        return body

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
        deadline = time.monotonic() + self.timeout
        for _ in range(MAX_REDIRECTS + 1):
            status, location, body = self._get_once(url, deadline)
            if location is None:
                if status != 200:
                    raise FetchError(f"{urlsplit(url).hostname} answered {status}")
                return body
            url = urljoin(url, location)
            if self.is_local(url):
                return self._fetch_local(url)
        raise FetchError(f"{urlsplit(url).hostname} redirected too many times")

    def _address_for(self, origin: Origin) -> str:
        """The address to connect to for ``origin``; FetchError when it may not be."""
        scheme, host, port = origin
        allowed = origin in self.allowed
        if not allowed and scheme != "https":
            raise FetchError(
                f"{host} is not this site; other sites' documents are fetched over "
                "https only"
            )
        if not allowed and _reserved_name(host):
            raise FetchError(
                f"{host} is a reserved name, not a public internet host; it is not "
                "fetched"
            )
        try:
            infos = self.resolve(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            raise FetchError(f"{host} could not be found: {error}") from None
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            raise FetchError(f"{host} could not be found")
        if not allowed:
            private = [a for a in addresses if not self.is_public(a)]
            if private:
                raise FetchError(
                    f"{host} resolves to {private[0]}, which is not a public internet "
                    "address; it is not fetched"
                )
        return addresses[0]

    def _get_once(self, url: str, deadline: float) -> tuple[int, str | None, bytes]:
        origin = _origin(url)
        if origin is None:
            raise FetchError(f"{url[:200]!r} is not a web address")
        scheme, host, port = origin
        address = self._address_for(origin)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"{host} did not answer in time")
        connection_type = (
            _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        )
        connection = connection_type(host, address, port, remaining, self.tls)
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(
                "GET",
                target,
                headers={
                    "Accept": "application/json",
                    "User-Agent": "PD Hub verifier",
                    "Host": parts.netloc.rsplit("@", 1)[-1],
                },
            )
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"{host} redirected nowhere")
                return response.status, location, b""
            body: bytes = response.read(self.max_bytes + 1)
        except FetchError:
            raise
        except (OSError, http.client.HTTPException, ValueError) as error:
            raise FetchError(f"{host} could not be reached: {error}") from None
        finally:
            connection.close()
        if len(body) > self.max_bytes:
            raise FetchError(f"the document is larger than {self.max_bytes} bytes")
        return response.status, None, body


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
