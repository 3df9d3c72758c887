"""Requests to a registered platform (its JWKS, token, grade and roster endpoints).

Platform addresses are typed by district administrators, so they are held to the
verifier's rules (verification/fetcher.py): https to public addresses only, the
name resolved once and the connection made to the checked address, a timeout and
a size limit. PDHUB_LTI_ALLOWED_HOSTS (development and tests: loopback, plain http)
skips the address check for the hosts it names.
"""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from pdhub.verification.fetcher import (
    _origin,
    _PinnedHTTPConnection,
    _PinnedHTTPSConnection,
    _reserved_name,
    is_public_address,
    parse_allowed_hosts,
)

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT = 10.0


class PlatformError(Exception):
    """The platform could not be reached, or answered with an error."""


def _address(url: str) -> tuple[str, str, int, str]:
    origin = _origin(url)
    if origin is None:
        raise PlatformError(f"{url[:200]!r} is not a web address")
    scheme, host, port = origin
    allowed = origin in parse_allowed_hosts(
        str(current_app.config.get("PDHUB_LTI_ALLOWED_HOSTS", ""))
    )
    if not allowed and (scheme != "https" or _reserved_name(host)):
        raise PlatformError(f"{host}: platform addresses must be public https")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise PlatformError(f"{host} could not be found: {error}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise PlatformError(f"{host} could not be found")
    if not allowed and not all(is_public_address(a) for a in addresses):
        raise PlatformError(f"{host} is not a public internet address")
    return scheme, host, port, addresses[0]


def call(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """Send one request; return the status and body (redirects are not followed)."""
    scheme, host, port, address = _address(url)
    kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, address, port, TIMEOUT)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            method,
            target,
            body=body,
            headers={
                "User-Agent": "PD Hub LTI tool",
                "Host": parts.netloc.rsplit("@", 1)[-1],
                **(headers or {}),
            },
        )
        response = connection.getresponse()
        data: bytes = response.read(MAX_BYTES + 1)
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise PlatformError(f"{host} could not be reached: {error}") from None
    finally:
        connection.close()
    if len(data) > MAX_BYTES:
        raise PlatformError(f"{host} answered with more than {MAX_BYTES} bytes")
    return response.status, data


def get_json(url: str, headers: dict[str, str] | None = None) -> Any:
    status, data = call(
        "GET", url, headers={"Accept": "application/json", **(headers or {})}
    )
    if status != 200:
        raise PlatformError(f"{urlsplit(url).hostname} answered {status}")
    try:
        return json.loads(data)
    except ValueError:
        raise PlatformError(f"{urlsplit(url).hostname} did not answer JSON") from None
