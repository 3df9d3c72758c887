"""The OB 3.0 API, driven the way a connected system uses it: discovery, dynamic
registration, the teacher's consent, the code exchange with PKCE (S256), refresh,
revocation, getCredentials with paging and getProfile."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.credentials import service
from pdhub.credentials.models import IssuedCredential
from pdhub.obapi.models import OAuthToken
from tests.factories import AwardFactory, UserFactory
from tests.helpers import sign_in, text

BASE = "/ims/ob/v3p0"
SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
READ = SCOPE + "credential.readonly"
PROFILE = SCOPE + "profile.readonly"
REDIRECT = "https://backpack.example.org/callback"


@dataclass
class Client:
    client_id: str
    secret: str

    @property
    def basic(self) -> dict[str, str]:
        raw = f"{self.client_id}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def _register(client: FlaskClient, scope: str = f"{READ} {PROFILE}") -> Client:
    response = client.post(
        f"{BASE}/register",
        json={
            "client_name": "Employer Backpack",
            "client_uri": "https://backpack.example.org",
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": scope,
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    return Client(body["client_id"], body["client_secret"])


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    return verifier, challenge


def _authorize_query(
    registered: Client, challenge: str, scope: str = READ, method: str = "S256"
) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": registered.client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": method,
    }


def _consent(
    client: FlaskClient, registered: Client, challenge: str, scope: str = READ
) -> str:
    query = _authorize_query(registered, challenge, scope)
    page = client.get(f"{BASE}/authorize", query_string=query)
    assert page.status_code == 200
    assert "Connect Employer Backpack to your badges?" in text(page)
    answer = client.post(f"{BASE}/authorize", query_string=query, data={"allow": "1"})
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    params = parse_qs(location.query)
    assert params["state"] == ["xyz"]
    return params["code"][0]


def _token(client: FlaskClient, registered: Client, code: str, verifier: str) -> Any:
    return client.post(
        f"{BASE}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        headers=registered.basic,
    )


@pytest.fixture
def teacher(session: Session) -> User:
    return UserFactory(name="Maya Lopez")


@pytest.fixture
def badges(session: Session, teacher: User) -> list[IssuedCredential]:
    found = []
    for _ in range(3):
        issued = service.issue_credential(
            session, AwardFactory(enrollment__user=teacher).id
        )
        assert issued is not None
        found.append(issued)
    session.commit()
    return found


def _connect(
    client: FlaskClient, teacher: User, scope: str = READ
) -> tuple[Client, dict[str, Any]]:
    registered = _register(client)
    sign_in(client, teacher)
    verifier, challenge = _pkce()
    code = _consent(client, registered, challenge, scope)
    client.post("/signout")
    response = _token(client, registered, code, verifier)
    assert response.status_code == 200, response.get_data(as_text=True)
    return registered, response.get_json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_discovery_names_registration_the_flows_and_the_specs_scopes(
    client: FlaskClient,
) -> None:
    document = client.get(f"{BASE}/discovery").get_json()
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["type"] == "oauth2"
    assert scheme["x-imssf-registrationUrl"].endswith("/ims/ob/v3p0/register")
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"].endswith("/ims/ob/v3p0/authorize")
    assert flow["tokenUrl"].endswith("/ims/ob/v3p0/token")
    assert set(flow["scopes"]) == {
        READ,
        PROFILE,
        SCOPE + "credential.upsert",
        SCOPE + "profile.update",
    }
    assert document["paths"]["/credentials"]["get"]["operationId"] == "getCredentials"


def test_a_connected_system_reads_the_teachers_badges_page_by_page(
    client: FlaskClient, teacher: User, badges: list[IssuedCredential]
) -> None:
    _, token = _connect(client, teacher)
    assert token["token_type"].lower() == "bearer"
    assert token["scope"] == READ
    first = client.get(
        f"{BASE}/credentials?limit=2&offset=0", headers=_bearer(token["access_token"])
    )
    assert first.status_code == 200
    assert first.headers["X-Total-Count"] == "3"
    assert 'rel="next"' in first.headers["Link"]
    assert "offset=2" in first.headers["Link"]
    second = client.get(
        f"{BASE}/credentials?limit=2&offset=2", headers=_bearer(token["access_token"])
    )
    ids = [c["id"] for c in first.get_json()["credential"]] + [
        c["id"] for c in second.get_json()["credential"]
    ]
    assert sorted(ids) == sorted(b.document["id"] for b in badges)
    assert 'rel="next"' not in second.headers["Link"]
    assert "proof" in first.get_json()["credential"][0]  # signed, as issued
    bad = client.get(
        f"{BASE}/credentials?limit=zero", headers=_bearer(token["access_token"])
    )
    assert bad.status_code == 400
    # The token carries credential.readonly only: the profile is refused.
    refused = client.get(f"{BASE}/profile", headers=_bearer(token["access_token"]))
    assert refused.status_code == 403


def test_another_teachers_badges_are_never_visible(
    client: FlaskClient,
    session: Session,
    teacher: User,
    badges: list[IssuedCredential],
) -> None:
    other = UserFactory()
    mine = service.issue_credential(session, AwardFactory(enrollment__user=other).id)
    assert mine is not None
    session.commit()
    _, token = _connect(client, other)
    found = client.get(f"{BASE}/credentials", headers=_bearer(token["access_token"]))
    assert found.headers["X-Total-Count"] == "1"
    assert [c["id"] for c in found.get_json()["credential"]] == [mine.document["id"]]


def test_get_profile_with_the_profile_scope(client: FlaskClient, teacher: User) -> None:
    _, token = _connect(client, teacher, scope=f"{READ} {PROFILE}")
    profile = client.get(f"{BASE}/profile", headers=_bearer(token["access_token"]))
    assert profile.status_code == 200
    assert profile.get_json()["name"] == "Maya Lopez"
    assert profile.get_json()["email"] == teacher.email


def test_deny_sends_the_system_back_with_access_denied(
    client: FlaskClient, teacher: User
) -> None:
    registered = _register(client)
    sign_in(client, teacher)
    _, challenge = _pkce()
    query = _authorize_query(registered, challenge)
    answer = client.post(f"{BASE}/authorize", query_string=query, data={"deny": "1"})
    assert answer.status_code == 302
    params = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert params["error"] == ["access_denied"]
    assert "code" not in params


def test_a_wrong_pkce_verifier_or_plain_method_gets_no_token(
    client: FlaskClient, teacher: User
) -> None:
    registered = _register(client)
    sign_in(client, teacher)
    verifier, challenge = _pkce()
    code = _consent(client, registered, challenge)
    wrong = _token(client, registered, code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400
    assert wrong.get_json()["error"] == "invalid_grant"
    # plain is refused before the teacher is even asked
    plain = client.get(
        f"{BASE}/authorize",
        query_string=_authorize_query(registered, verifier, method="plain"),
    )
    assert plain.status_code == 302
    assert "error=invalid_request" in plain.headers["Location"]


def test_a_scope_the_client_did_not_register_is_refused(
    client: FlaskClient, teacher: User
) -> None:
    registered = _register(client, scope=READ)
    sign_in(client, teacher)
    _, challenge = _pkce()
    for scope in (PROFILE, "https://example.org/everything"):
        response = client.get(
            f"{BASE}/authorize",
            query_string=_authorize_query(registered, challenge, scope=scope),
        )
        assert response.status_code == 302
        assert "error=invalid_scope" in response.headers["Location"]


def test_expired_and_revoked_tokens_are_refused_and_refresh_gives_a_new_one(
    client: FlaskClient, session: Session, teacher: User, badges: list[IssuedCredential]
) -> None:
    registered, token = _connect(client, teacher)
    access = token["access_token"]
    assert client.get(f"{BASE}/credentials", headers=_bearer(access)).status_code == 200
    session.execute(update(OAuthToken).values(issued_at=OAuthToken.issued_at - 7200))
    session.commit()
    expired = client.get(f"{BASE}/credentials", headers=_bearer(access))
    assert expired.status_code == 401

    refreshed = client.post(
        f"{BASE}/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        headers=registered.basic,
    )
    assert refreshed.status_code == 200, refreshed.get_data(as_text=True)
    fresh = refreshed.get_json()
    assert (
        client.get(
            f"{BASE}/credentials", headers=_bearer(fresh["access_token"])
        ).status_code
        == 200
    )
    # The old refresh token was used up.
    again = client.post(
        f"{BASE}/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        headers=registered.basic,
    )
    assert again.status_code == 400

    revoked = client.post(
        f"{BASE}/revoke",
        data={"token": fresh["access_token"]},
        headers=registered.basic,
    )
    assert revoked.status_code == 200
    after = client.get(f"{BASE}/credentials", headers=_bearer(fresh["access_token"]))
    assert after.status_code == 401
    no_token = client.get(f"{BASE}/credentials")
    assert no_token.status_code == 401


def test_registration_without_a_redirect_uri_is_refused(client: FlaskClient) -> None:
    response = client.post(
        f"{BASE}/register",
        json={"client_name": "X", "client_uri": "https://x.example.org", "scope": READ},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "redirect",
    [
        "http://backpack.example.org/callback",  # plain http to another machine
        "http://localhost.attacker.example/callback",  # looks local, is not
        "http://127.0.0.1.attacker.example/callback",
        "https://user:pass@backpack.example.org/callback",
        "javascript:alert(1)",
    ],
)
def test_registration_refuses_a_redirect_that_could_leak_codes(
    client: FlaskClient, redirect: str
) -> None:
    response = client.post(
        f"{BASE}/register",
        json={
            "client_name": "X",
            "client_uri": "https://x.example.org",
            "redirect_uris": [redirect],
            "scope": READ,
        },
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "redirect_uris" in response.get_data(as_text=True)
