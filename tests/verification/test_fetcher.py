"""The safe fetcher: other sites' documents over HTTPS from public addresses only,
checked after DNS resolution and on every redirect, with size and time limits and a
cache. Every server here is a real one on loopback; nothing leaves the machine (the
non-loopback addresses below are refused before any connection is made)."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import trustme
from flask import Flask

from badges.keys import Ed25519KeyPair
from pdhub.trust.models import TrustedIssuer
from pdhub.trust.service import DISTRICT, TrustList
from pdhub.verification import fetcher as fetching
from pdhub.verification import service
from pdhub.verification.fetcher import DocumentFetcher, FetchError, is_public_address
from pdhub.verification.models import Verdict
from tests.verification import samples


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    seen: list[str] = []
    delay: float = 0.0

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.seen.append(self.path)
        if self.delay:
            time.sleep(self.delay)
        status, headers, body = self.routes.get(self.path, (404, {}, b"{}"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Server:
    """A real HTTP(S) server on 127.0.0.1 that records every request it gets."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.seen: list[str] = []
        handler = type(
            "Handler", (_Handler,), {"routes": self.routes, "seen": self.seen}
        )
        self.handler = handler
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    made: list[Server] = []
    yield made
    for server in made:
        server.close()


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    fetching._CACHE.clear()
    yield
    fetching._CACHE.clear()


def _server(servers: list[Server], tls: ssl.SSLContext | None = None) -> Server:
    server = Server(tls)
    servers.append(server)
    return server


def _fetcher(app: Flask, **options: Any) -> DocumentFetcher:
    return DocumentFetcher(app=app, base_url="https://pdhub.test", **options)


def test_public_and_private_addresses_are_told_apart() -> None:
    for address in ("93.184.215.14", "2606:4700::6810:84e5", "8.8.8.8"):
        assert is_public_address(address), address
    for address in (
        "127.0.0.1",
        "::1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata (link-local)
        "100.64.0.1",  # CGNAT
        "0.0.0.0",  # noqa: S104 - an address refused, not one bound
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",  # AWS metadata over IPv6 (unique local)
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "224.0.0.1",
        "ff02::1",
        "240.0.0.1",
        "not an address",
    ):
        assert not is_public_address(address), address


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost:{port}/doc",
        "https://127.0.0.1:{port}/doc",
        "https://[::1]:{port}/doc",
        "https://[::ffff:127.0.0.1]:{port}/doc",
        "https://10.0.0.1/doc",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/doc",
        "https://[fd00:ec2::254]/doc",
        "http://127.0.0.1:{port}/doc",
    ],
)
def test_loopback_private_link_local_cgnat_and_metadata_addresses_are_refused(
    app: Flask, servers: list[Server], url: str
) -> None:
    server = _server(servers)
    server.routes["/doc"] = (200, {}, b'{"secret": true}')
    with pytest.raises(FetchError) as refused:
        _fetcher(app)(url.format(port=server.port))
    assert "not" in str(refused.value)
    assert server.seen == []  # not even a connection that reached the server


def test_a_name_that_resolves_to_a_private_address_is_refused_after_resolving(
    app: Flask,
) -> None:
    asked: list[str] = []

    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        asked.append(host)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    with pytest.raises(FetchError, match="10.1.2.3, which is not a public"):
        _fetcher(app, resolve=resolve)(
            "https://badges.example.org/.well-known/did.json"
        )
    assert asked == ["badges.example.org"]


def test_plain_http_to_another_site_is_refused_before_any_lookup(app: Flask) -> None:
    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        raise AssertionError("no lookup for a refused scheme")

    with pytest.raises(FetchError, match="https only"):
        _fetcher(app, resolve=resolve)("http://badges.example.org/list")


def test_a_redirect_to_loopback_is_refused_even_from_an_allowed_server(
    app: Flask, servers: list[Server]
) -> None:
    allowed = _server(servers)
    target = _server(servers)
    target.routes["/inside"] = (200, {}, b'{"inside": true}')
    allowed.routes["/to-localhost"] = (
        302,
        {"Location": f"http://localhost:{target.port}/inside"},
        b"",
    )
    allowed.routes["/to-https-loopback"] = (
        301,
        {"Location": f"https://127.0.0.1:{target.port}/inside"},
        b"",
    )
    allowed.routes["/to-metadata"] = (
        307,
        {"Location": "https://169.254.169.254/latest/meta-data/"},
        b"",
    )
    allowed.routes["/here"] = (302, {"Location": "/doc"}, b"")
    allowed.routes["/doc"] = (200, {}, b'{"ok": true}')
    # The test-only allowance: the operator's development allow-list names one
    # loopback origin, and only that one.
    fetch = _fetcher(app, allowed=frozenset({("http", "127.0.0.1", allowed.port)}))
    base = f"http://127.0.0.1:{allowed.port}"
    for path in ("/to-localhost", "/to-https-loopback", "/to-metadata"):
        with pytest.raises(FetchError, match="not"):
            fetch(base + path)
    assert target.seen == []
    assert fetch(base + "/here") == b'{"ok": true}'  # same allowed origin: followed


def test_size_and_time_limits(app: Flask, servers: list[Server]) -> None:
    server = _server(servers)
    server.routes["/big"] = (200, {}, b"x" * 5000)
    server.routes["/small"] = (200, {}, b"x" * 100)
    fetch = _fetcher(
        app,
        allowed=frozenset({("http", "127.0.0.1", server.port)}),
        max_bytes=1000,
        timeout=0.5,
    )
    base = f"http://127.0.0.1:{server.port}"
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        fetch(base + "/big")
    assert fetch(base + "/small") == b"x" * 100
    server.handler.delay = 2.0
    began = time.monotonic()
    with pytest.raises(FetchError, match="could not be reached"):
        fetch(base + "/slow")
    assert time.monotonic() - began < 2.0


def test_documents_of_other_sites_are_cached(app: Flask, servers: list[Server]) -> None:
    server = _server(servers)
    server.routes["/list"] = (200, {}, b'{"n": 1}')
    fetch = _fetcher(app, allowed=frozenset({("http", "127.0.0.1", server.port)}))
    url = f"http://127.0.0.1:{server.port}/list"
    assert fetch(url) == b'{"n": 1}'
    assert fetch(url) == b'{"n": 1}'
    assert server.seen == ["/list"]


@pytest.fixture
def tls_site(servers: list[Server]) -> tuple[Server, ssl.SSLContext]:
    ca = trustme.CA()
    certificate = ca.issue_cert("issuer.example.org")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    return _server(servers, server_context), client_context


def test_a_public_https_host_is_fetched_from_the_address_that_was_checked(
    app: Flask, tls_site: tuple[Server, ssl.SSLContext]
) -> None:
    """Any public host works without an allow-list. The name is resolved once and
    the connection goes to the checked address: a second, different DNS answer
    (rebinding) is never asked for. (Here "public" is a loopback test server that
    the test's own address rule lets through.)"""
    server, trust = tls_site
    server.routes["/.well-known/did.json"] = (200, {}, b'{"id": "did:web:x"}')
    answers = iter(["127.0.0.1", "10.0.0.1"])

    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    fetch = _fetcher(
        app, resolve=resolve, is_public=lambda a: a == "127.0.0.1", tls=trust
    )
    url = f"https://issuer.example.org:{server.port}/.well-known/did.json"
    assert fetch(url) == b'{"id": "did:web:x"}'
    assert server.seen == ["/.well-known/did.json"]
    assert next(answers) == "10.0.0.1"  # resolved once only


def test_the_certificate_must_name_the_host(
    app: Flask, tls_site: tuple[Server, ssl.SSLContext]
) -> None:
    server, trust = tls_site

    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    fetch = _fetcher(
        app, resolve=resolve, is_public=lambda a: a == "127.0.0.1", tls=trust
    )
    with pytest.raises(FetchError, match="could not be reached"):
        fetch(f"https://impostor.example.org:{server.port}/.well-known/did.json")


# --- third-party status lists, through the API's own fetcher ------------------------


def test_a_third_party_status_list_on_a_public_https_host_is_read(
    app: Flask, tls_site: tuple[Server, ssl.SSLContext]
) -> None:
    """No allow-list: the status list of another issuer, on another site, is fetched
    through the safe fetcher and read (here revoked, so the verdict says so)."""
    server, trust = tls_site
    key = Ed25519KeyPair.generate()
    list_url = f"https://issuer.example.org:{server.port}/status/1"
    server.routes["/status/1"] = (
        200,
        {"Content-Type": "application/json"},
        json.dumps(
            samples.status_list(key, list_url, "revocation", (samples.REVOKED_INDEX,))
        ).encode(),
    )

    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        assert host == "issuer.example.org"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    fetch = _fetcher(
        app, resolve=resolve, is_public=lambda a: a == "127.0.0.1", tls=trust
    )
    # The district verifying trusts this issuer (its verdict is then "verified").
    listed = TrustList()
    listed.add(key.did_key, "Partner PD", DISTRICT)
    with app.app_context():
        good = service.verify(
            samples.credential(key, list_url=list_url), fetcher=fetch, trust=listed
        )
        revoked = service.verify(
            samples.credential(key, list_url=list_url, index=samples.REVOKED_INDEX),
            fetcher=fetch,
            trust=listed,
        )
    assert good.verdict is Verdict.VERIFIED
    assert revoked.verdict is Verdict.REVOKED


def test_the_api_says_status_not_checked_only_when_it_could_not_be(
    app_factory: Any, servers: list[Server], session: Any
) -> None:
    server = _server(servers)
    key = Ed25519KeyPair.generate()
    # The issuer is on the platform's trust list: only the status is in question.
    session.add(TrustedIssuer(identifier=key.did_key, name="Partner PD"))
    session.flush()
    private_list = f"https://127.0.0.1:{server.port}/status/1"
    allowed_list = f"http://127.0.0.1:{server.port}/status/2"
    server.routes["/status/2"] = (
        200,
        {},
        json.dumps(samples.status_list(key, allowed_list, "revocation", ())).encode(),
    )
    site = app_factory(PDHUB_VERIFY_ALLOWED_HOSTS=f"http://127.0.0.1:{server.port}")
    client = site.test_client()
    refused = client.post(
        "/api/v1/verify", json=samples.credential(key, list_url=private_list)
    ).get_json()
    assert refused["verdict"] == "status_not_checked"
    assert refused["verified"] is False
    status = next(c for c in refused["checks"] if c["name"] == "status")
    assert "not a public internet address" in status["detail"]
    assert all(c["passed"] for c in refused["checks"] if c["name"] != "status")
    # The development allow-list still reaches a loopback host, as before.
    read = client.post(
        "/api/v1/verify", json=samples.credential(key, list_url=allowed_list)
    ).get_json()
    assert read["verdict"] == "verified"
    assert server.seen == ["/status/2"]


def test_reserved_names_are_refused_without_asking_dns(app: Flask) -> None:
    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        raise AssertionError(f"{host} was looked up")

    fetch = _fetcher(app, resolve=resolve)
    for url in (
        "https://pd.example/status-lists/1",
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://printer.local/",
        "https://thing.localhost/",
        "https://issuer.test/did.json",
        "https://router.home.arpa/",
    ):
        with pytest.raises(FetchError, match="reserved name"):
            fetch(url)
