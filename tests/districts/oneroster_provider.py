"""A small OneRoster 1.2 rostering service for the tests, on 127.0.0.1 (a thread):
an OAuth 2.0 token endpoint (client credentials, HTTP Basic client authentication)
that issues bearer tokens, and ``GET /orgs`` and ``GET /users`` answered a few records
a page (limit/offset, X-Total-Count and a Link "next" header), refusing any request
without one of its tokens."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

BASE_PATH = "/ims/oneroster/rostering/v1p2"
SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"
#: The most records the provider sends in one page, whatever limit is asked for.
MAX_PAGE = 2


def org(
    sid: str, name: str, kind: str = "school", parent: str = "d1"
) -> dict[str, Any]:
    return {
        "sourcedId": sid,
        "status": "active",
        "dateLastModified": "2026-12-01T00:00:00.000Z",
        "name": name,
        "type": kind,
        "parent": {
            "href": f"{BASE_PATH}/orgs/{parent}",
            "sourcedId": parent,
            "type": "org",
        }
        if kind == "school"
        else None,
    }


def user(
    sid: str,
    given: str,
    family: str,
    email: str,
    role: str = "teacher",
    school: str = "s1",
    status: str = "active",
) -> dict[str, Any]:
    return {
        "sourcedId": sid,
        "status": status,
        "dateLastModified": "2026-12-01T00:00:00.000Z",
        "enabledUser": True,
        "username": email,
        "givenName": given,
        "familyName": family,
        "email": email,
        "roles": [
            {
                "roleType": "primary",
                "role": role,
                "org": {
                    "href": f"{BASE_PATH}/orgs/{school}",
                    "sourcedId": school,
                    "type": "org",
                },
            }
        ],
    }


@dataclass
class Provider:
    client_id: str = "pdhub-test"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    orgs: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    #: "json" (OneRoster), "garbage" (not JSON) or "down" (503) for the data lists.
    mode: str = "json"
    tokens: set[str] = field(default_factory=set)
    scopes: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.origin + BASE_PATH

    @property
    def token_url(self) -> str:
        return self.origin + "/oauth/token"


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(
            self, status: int, body: object, headers: dict[str, str] | None = None
        ) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # the token endpoint
            provider.requests.append(f"POST {self.path}")
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            if urlsplit(self.path).path != "/oauth/token":
                self._send(404, {"error": "not_found"})
                return
            auth = self.headers.get("Authorization", "")
            try:
                pair = base64.b64decode(auth.removeprefix("Basic ")).decode()
                client_id, _, client_secret = pair.partition(":")
            except ValueError:
                client_id = client_secret = ""
            if not auth.startswith("Basic ") or (
                unquote(client_id),
                unquote(client_secret),
            ) != (provider.client_id, provider.client_secret):
                self._send(
                    401,
                    {"error": "invalid_client", "error_description": "Unknown client"},
                    {"WWW-Authenticate": 'Basic realm="oneroster"'},
                )
                return
            if form.get("grant_type") != ["client_credentials"]:
                self._send(400, {"error": "unsupported_grant_type"})
                return
            provider.scopes.append(form.get("scope", [""])[0])
            token = secrets.token_urlsafe(24)
            provider.tokens.add(token)
            self._send(
                200,
                {
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "scope": SCOPE,
                },
            )

        def do_GET(self) -> None:
            provider.requests.append(f"GET {self.path}")
            parts = urlsplit(self.path)
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or auth[7:] not in provider.tokens:
                self._send(
                    401,
                    {"imsx_codeMajor": "failure", "imsx_description": "Unauthorized"},
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
                return
            name = parts.path.removeprefix(BASE_PATH + "/")
            if name not in ("orgs", "users"):
                self._send(404, {"imsx_codeMajor": "failure"})
                return
            if provider.mode == "down":
                self._send(503, b"Service Unavailable")
                return
            if provider.mode == "garbage":
                self._send(200, b"<html>Maintenance</html>")
                return
            query = parse_qs(parts.query)
            limit = min(int(query.get("limit", ["100"])[0]), MAX_PAGE)
            offset = int(query.get("offset", ["0"])[0])
            records = provider.orgs if name == "orgs" else provider.users
            page = records[offset : offset + limit]
            headers = {"X-Total-Count": str(len(records))}
            if offset + limit < len(records):
                following = f"{BASE_PATH}/{name}?limit={limit}&offset={offset + limit}"
                headers["Link"] = f'<{following}>; rel="next"'
            self._send(200, {name: page}, headers)

    return Handler


@contextmanager
def serve(provider: Provider, port: int = 0) -> Iterator[Provider]:
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(provider))
    provider.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def main() -> None:  # pragma: no cover - run by hand (README.md)
    """``python -m tests.districts.oneroster_provider --port 4013``: a OneRoster 1.2
    provider on loopback for ``pdhub demo`` (Riverside's two schools, Maya and a new
    teacher). Prints what to save at /district/integrations/roster."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=4013)
    args = parser.parse_args()
    provider = Provider(
        client_id="pdhub-demo",
        client_secret="pdhub-demo-secret",
        orgs=[
            org("d1", "Riverside Unified School District", kind="district"),
            org("s1", "Riverside Elementary"),
            org("s2", "Lakeview Middle School"),
        ],
        users=[
            user("t1", "Maya", "Lopez", "teacher@riverside.example.org"),
            user("t2", "Nora", "Newhire", "nora@riverside.example.org", school="s2"),
        ],
    )
    with serve(provider, args.port):
        print("Save at /district/integrations/roster:")
        print(f"  base URL: {provider.base_url}")
        print(f"  token URL: {provider.token_url}")
        print(f"  client id: {provider.client_id}")
        print(f"  client secret: {provider.client_secret}")
        print("Ctrl-C stops.")
        threading.Event().wait()


if __name__ == "__main__":  # pragma: no cover
    main()
