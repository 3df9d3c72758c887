"""A learning platform played by the tests: a real HTTP server on 127.0.0.1 (a
thread) with its own RSA key. It serves its JWKS, an OIDC auth endpoint that answers
the tool's login redirect with a signed id_token, the OAuth 2.0 token endpoint
(checking the tool's JWT client assertion against the tool's JWKS), an AGS line
item's score endpoint (recording each score) and an NRPS memberships endpoint."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.helpers import free_port

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


class Platform:
    issuer = "https://lms.example.edu"
    client_id = "pdhub-tool-client"
    deployment_id = "deployment-1"

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, private=True)
        self.kid = "platform-key-1"
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.tool_jwks: dict[str, Any] | None = None
        self.tool_launch_url = "http://localhost/lti/launch"
        #: Claims the next id_token carries (set by the test before the login).
        self.next_claims: dict[str, Any] = {}
        self.scores: list[dict[str, Any]] = []
        self.tokens: dict[str, str] = {}
        self.members: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    # --- addresses ------------------------------------------------------------

    @property
    def auth_url(self) -> str:
        return self.origin + "/auth"

    @property
    def token_url(self) -> str:
        return self.origin + "/token"

    @property
    def jwks_url(self) -> str:
        return self.origin + "/jwks"

    @property
    def lineitem_url(self) -> str:
        return self.origin + "/courses/7/lineitems/1/lineitem"

    @property
    def memberships_url(self) -> str:
        return self.origin + "/courses/7/memberships"

    def registration_form(self, **changes: str) -> dict[str, str]:
        return {
            "name": "Test LMS",
            "issuer": self.issuer,
            "client_id": self.client_id,
            "auth_login_url": self.auth_url,
            "auth_token_url": self.token_url,
            "jwks_url": self.jwks_url,
            "deployment_ids": self.deployment_id,
            **changes,
        }

    # --- messages -------------------------------------------------------------

    def id_token(self, nonce: str, **claims: Any) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "lms-user-1",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": "terry@district-a.example.org",
            "name": "Terry Teacher",
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "roles": [LEARNER],
            CLAIM + "context": {"id": "course-7", "title": "Summer PD"},
            **claims,
        }
        body = {key: value for key, value in body.items() if value is not None}
        return jwt.encode({"alg": "RS256", "kid": self.kid}, body, self.key)

    def verify_tool_jwt(self, token: str) -> dict[str, Any]:
        """Check a JWT the tool signed against the tool's published JWKS."""
        assert self.tool_jwks is not None, "fetch the tool's /lti/jwks.json first"
        keys = KeySet.import_key_set(self.tool_jwks)
        return dict(jwt.decode(token, keys, algorithms=["RS256"]).claims)

    # --- the server ------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: bytes,
        headers: dict[str, str],
    ) -> tuple[int, Any]:
        if method == "GET" and path == "/jwks":
            public = {
                **self.key.as_dict(private=False),
                "kid": self.kid,
                "alg": "RS256",
            }
            return 200, {"keys": [public]}
        if method == "GET" and path == "/auth":
            expected = {
                "scope": "openid",
                "response_type": "id_token",
                "response_mode": "form_post",
                "prompt": "none",
                "client_id": self.client_id,
                "redirect_uri": self.tool_launch_url,
            }
            wrong = [k for k, v in expected.items() if query.get(k) != v]
            if wrong or not query.get("nonce") or not query.get("state"):
                return 400, {"error": "invalid_request", "fields": wrong}
            token = self.id_token(query["nonce"], **self.next_claims)
            return 200, {"id_token": token, "state": query["state"]}
        if method == "POST" and path == "/token":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            try:
                claims = self.verify_tool_jwt(form["client_assertion"])
            except Exception as error:  # noqa: BLE001 - recorded for the test
                self.errors.append(f"assertion: {error!r}")
                return 401, {"error": "invalid_client"}
            if (
                form.get("grant_type") != "client_credentials"
                or claims.get("iss") != self.client_id
                or claims.get("sub") != self.client_id
                or claims.get("aud") != self.token_url
                or claims.get("exp", 0) < time.time()
            ):
                self.errors.append(f"assertion claims: {claims}")
                return 401, {"error": "invalid_client"}
            token = secrets.token_urlsafe(16)
            self.tokens[token] = form.get("scope", "")
            return 200, {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": 3600,
            }
        bearer = headers.get("authorization", "").removeprefix("Bearer ")
        if method == "POST" and path == urlsplit(self.lineitem_url).path + "/scores":
            if SCORE_SCOPE not in self.tokens.get(bearer, "").split():
                return 401, {"error": "no token"}
            if headers.get("content-type") != "application/vnd.ims.lis.v1.score+json":
                return 415, {"error": "content type"}
            self.scores.append(json.loads(body))
            return 200, {}
        if method == "GET" and path == urlsplit(self.memberships_url).path:
            if NRPS_SCOPE not in self.tokens.get(bearer, "").split():
                return 401, {"error": "no token"}
            return 200, {
                "id": self.memberships_url,
                "context": {"id": "course-7", "title": "Summer PD"},
                "members": self.members,
            }
        return 404, {"error": "not found"}

    @contextmanager
    def running(self) -> Iterator[Platform]:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, document = platform.handle(
                    method, parts.path, query, body, headers
                )
                page = isinstance(document, str)  # an HTML page (main(), by hand)
                data = document.encode() if page else json.dumps(document).encode()
                self.send_response(status)
                self.send_header(
                    "Content-Type",
                    "text/html; charset=utf-8" if page else "application/json",
                )
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self._answer("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._answer("POST")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)


# --- a platform to try by hand against `pdhub demo` --------------------------------

_LAUNCH_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Test LMS</title></head><body><h1>Test LMS: Summer PD</h1>
<p>Opening PD Hub as {email}.</p>
<form method="post" action="{tool}/lti/login">
<input type="hidden" name="iss" value="{issuer}">
<input type="hidden" name="client_id" value="{client_id}">
<input type="hidden" name="lti_deployment_id" value="{deployment}">
<input type="hidden" name="login_hint" value="{email}">
<input type="hidden" name="target_link_uri" value="{tool}/modules/{module}">
<button type="submit">Open “{module}” in PD Hub</button></form></body></html>"""

_POST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Test LMS</title></head><body onload="document.forms[0].submit()">
<form method="post" action="{launch}"><input type="hidden" name="id_token"
value="{token}"><input type="hidden" name="state" value="{state}">
<button type="submit">Continue to PD Hub</button></form></body></html>"""


def main() -> None:  # pragma: no cover - run by hand (README.md)
    """``python -m tests.lti.platform --port 4012 --tool http://127.0.0.1:5000
    --email teacher@riverside.example.org --module digital-citizenship``: a test LMS
    on loopback for ``pdhub demo``. Prints what to register at
    /district/integrations/lti; open its address to launch into a module (the
    browser goes through /lti/login and /lti/launch as with a real LMS)."""
    import argparse
    import html

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=4012)
    parser.add_argument("--tool", default="http://127.0.0.1:5000")
    parser.add_argument("--email", default="teacher@riverside.example.org")
    parser.add_argument("--name", default="Maya Lopez")
    parser.add_argument("--module", default="digital-citizenship")
    args = parser.parse_args()
    platform = Platform()
    platform.port = args.port
    platform.origin = f"http://127.0.0.1:{args.port}"
    platform.issuer = platform.origin
    platform.tool_launch_url = args.tool.rstrip("/") + "/lti/launch"
    platform.next_claims = {
        "email": args.email,
        "name": args.name,
        CLAIM + "target_link_uri": f"{args.tool}/modules/{args.module}",
        CLAIM + "resource_link": {"id": "link-1", "title": args.module},
    }
    answer_json = platform.handle

    def handle(
        method: str,
        path: str,
        query: dict[str, str],
        body: bytes,
        headers: dict[str, str],
    ) -> tuple[int, Any]:
        status, document = answer_json(method, path, query, body, headers)
        if method == "GET" and path == "/auth" and status == 200:
            page = _POST_PAGE.format(
                launch=html.escape(platform.tool_launch_url),
                token=html.escape(document["id_token"]),
                state=html.escape(document["state"]),
            )
            return 200, page
        if method == "GET" and path == "/":
            page = _LAUNCH_PAGE.format(
                tool=html.escape(args.tool.rstrip("/")),
                issuer=html.escape(platform.issuer),
                client_id=html.escape(platform.client_id),
                deployment=html.escape(platform.deployment_id),
                email=html.escape(args.email),
                module=html.escape(args.module),
            )
            return 200, page
        return status, document

    platform.handle = handle  # type: ignore[method-assign]
    print("Register this platform at /district/integrations/lti:")
    for name, value in platform.registration_form(name="Test LMS").items():
        print(f"  {name}: {value}")
    print(f"Then open {platform.origin}/ to launch as {args.email}. Ctrl-C stops.")
    with platform.running():
        threading.Event().wait()


if __name__ == "__main__":  # pragma: no cover
    main()
