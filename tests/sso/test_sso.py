"""Single sign-on against a real OpenID Connect provider: panva/oidc-provider
(tests/sso/provider/provider.js) on loopback, started once per session, driven
through its real authorization, token and JWKS endpoints. Its test-only
interaction signs in the account named by login_hint (the address typed on
/signin/sso, or one the test puts in the authorization URL)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.accounts.models import User
from pdhub.audit.models import AuditEvent
from pdhub.districts.models import District
from pdhub.sso import service
from pdhub.sso.models import SsoConnection, SsoProvider
from tests.factories import PASSWORD, DistrictFactory, UserFactory
from tests.helpers import free_port, sign_in, text

HERE = Path(__file__).with_name("provider")
CLIENT_ID = "pdhub-test"
CLIENT_SECRET = "a long test client secret, not a real one"
CALLBACK = "http://localhost/signin/oidc/callback"


@dataclass
class Provider:
    issuer: str
    host: str
    key: RSAKey


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """oidc-provider on 127.0.0.1 (after ``npm ci`` once), signing with a key the
    test holds too (to make tokens the provider's key signed but it never issued)."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        pytest.fail("node and npm are required for the single sign-on tests")
    installed = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=HERE,
            check=True,
            capture_output=True,
            timeout=600,
        )
    key = RSAKey.generate_key(
        2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"}
    )
    key_file = tmp_path_factory.mktemp("sso") / "signing.jwk"
    key_file.write_text(json.dumps(key.as_dict(private=True)))
    port = free_port()
    process = subprocess.Popen(
        [node, str(HERE / "provider.js"), str(port)],
        cwd=HERE,
        env={
            **os.environ,
            "SSO_CLIENT_ID": CLIENT_ID,
            "SSO_CLIENT_SECRET": CLIENT_SECRET,
            "SSO_REDIRECT_URIS": CALLBACK,
            "SSO_SIGNING_JWK": str(key_file),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(issuer + "/.well-known/openid-configuration", timeout=2)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise AssertionError("the OpenID provider did not start") from None
            time.sleep(0.1)
    try:
        yield Provider(issuer=issuer, host=f"127.0.0.1:{port}", key=key)
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class World:
    riverside: District
    hillcrest: District
    connection: SsoConnection
    coach: User
    teacher: User
    admin: User
    stranger: User  # Hillcrest's, with a Hillcrest address


@pytest.fixture
def world(
    app: Flask, session: Session, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> World:
    monkeypatch.setitem(app.config, "PDHUB_SSO_HTTP_HOSTS", provider.host)
    riverside = DistrictFactory(name="Riverside Unified (SSO)")
    hillcrest = DistrictFactory(name="Hillcrest Schools (SSO)")
    connection = service.save_connection(
        session,
        riverside,
        provider=SsoProvider.OTHER,
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        domains="riverside.example.org",
        require_sso=False,
    )
    service.save_connection(
        session,
        hillcrest,
        provider=SsoProvider.OTHER,
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        domains="hillcrest.example.org",
        require_sso=False,
    )
    return World(
        riverside=riverside,
        hillcrest=hillcrest,
        connection=connection,
        # No TOTP enrolled: single sign-on is their strong sign-in.
        coach=UserFactory(
            email="casey@riverside.example.org",
            coach=True,
            district=riverside,
            two_factor=False,
        ),
        teacher=UserFactory(email="tam@riverside.example.org", district=riverside),
        admin=UserFactory(
            email="dana@riverside.example.org", district_admin=True, district=riverside
        ),
        stranger=UserFactory(email="hal@hillcrest.example.org", district=hillcrest),
    )


def start(client: FlaskClient, email: str) -> str:
    """Type ``email`` on /signin/sso; the provider URL we are sent to."""
    response = client.post("/signin/sso", data={"email": email})
    page = text(response)
    assert response.status_code == 303, page[page.find("<main") :][:1500]
    return str(response.headers["Location"])


def at_provider(url: str, *, login_as: str | None = None) -> str:
    """Follow the provider's redirects as a browser would (with the account the
    person signs in as there); the callback URL it sends the browser back to."""
    if login_as is not None:
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        query["login_hint"] = login_as
        url = urlunsplit(parts._replace(query=urlencode(query)))
    browser = requests.Session()
    response = browser.get(url, allow_redirects=False, timeout=10)
    for _hop in range(10):
        location = response.headers.get("Location", "")
        assert response.status_code in (302, 303), response.text[:500]
        target = urljoin(response.url, location)
        if target.startswith(CALLBACK):
            return target.removeprefix("http://localhost")
        response = browser.get(target, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")


def test_signing_in_with_a_school_account_skips_our_two_factor(
    client: FlaskClient, world: World, session: Session
) -> None:
    signin = client.get("/signin")
    assert "Sign in with your school account" in text(signin)

    provider_url = start(client, "Casey@Riverside.example.org")
    query = parse_qs(urlsplit(provider_url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] and query["nonce"] and query["code_challenge"]

    response = client.get(at_provider(provider_url))
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard"
    # Staff pages open without a TOTP code or TOTP set-up.
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Casey" in text(dashboard) or world.coach.first_name in text(dashboard)
    assert client.get("/review").status_code == 200

    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_id == world.coach.id)
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and event.action == "signin.success"
    assert event.detail == {"method": "sso", "provider": "other"}


def test_staff_with_totp_are_not_asked_for_a_code(
    client: FlaskClient, world: World
) -> None:
    assert world.admin.two_factor_enabled
    response = client.get(at_provider(start(client, world.admin.email)))
    assert response.headers["Location"] == "/dashboard"
    assert client.get("/district/integrations/sso").status_code == 200


def test_a_used_or_foreign_callback_signs_no_one_in(
    app: Flask, client: FlaskClient, world: World
) -> None:
    callback = at_provider(start(client, world.teacher.email))
    # Someone else's browser (no sign-in started there) replays the callback.
    other = app.test_client()
    refused = other.get(callback)
    assert refused.status_code == 403
    assert "already used or has run out" in text(refused)
    assert other.get("/dashboard").status_code == 302

    # This browser starts a new sign-in, then the old callback (old state and
    # code, old nonce) comes back instead of the new one.
    fresh = start(client, world.teacher.email)
    assert client.get(callback).status_code == 403
    assert client.get("/dashboard").status_code == 302
    # That new sign-in was spent by the refusal too: its state is used once.
    assert client.get(at_provider(fresh)).status_code == 403

    # A good callback, used twice: the second is refused.
    good = at_provider(start(client, world.teacher.email))
    assert client.get(good).status_code == 303
    client.post("/signout")
    assert client.get(good).status_code == 403
    assert client.get("/dashboard").status_code == 302


def test_an_address_of_another_district_is_refused(
    client: FlaskClient, world: World
) -> None:
    # Riverside's sign-in, but at the provider the person signs in as Hillcrest's
    # Hal (an account of Hillcrest's domain).
    url = start(client, world.teacher.email)
    response = client.get(at_provider(url, login_as=world.stranger.email))
    assert response.status_code == 403
    assert "doesn't belong to this district's sign-in" in text(response)
    assert client.get("/dashboard").status_code == 302

    # A domain no district claims, at Riverside's provider: refused too.
    url = start(client, world.teacher.email)
    response = client.get(at_provider(url, login_as="tam@elsewhere.example.org"))
    assert response.status_code == 403
    assert client.get("/dashboard").status_code == 302


def test_a_person_of_another_district_with_a_riverside_address_is_refused(
    client: FlaskClient, world: World, session: Session
) -> None:
    world.stranger.email = (
        "hal@riverside.example.org"  # Hillcrest's, Riverside's domain
    )
    session.flush()
    response = client.get(at_provider(start(client, "hal@riverside.example.org")))
    assert response.status_code == 403
    assert "no PD Hub account for hal@riverside.example.org in your district" in text(
        response
    )


def test_an_unverified_email_is_refused(client: FlaskClient, world: World) -> None:
    UserFactory(email="unverified.uma@riverside.example.org", district=world.riverside)
    response = client.get(
        at_provider(start(client, "unverified.uma@riverside.example.org"))
    )
    assert response.status_code == 403
    assert "email address isn't verified" in text(response)
    assert client.get("/dashboard").status_code == 302


def test_unknown_people_and_domains_without_sso_are_told_what_to_do(
    client: FlaskClient, world: World
) -> None:
    response = client.get(
        at_provider(start(client, "new.person@riverside.example.org"))
    )
    assert response.status_code == 403
    assert "Ask your district administrator to invite you" in text(response)

    response = client.post("/signin/sso", data={"email": "ana@nowhere.example.org"})
    assert response.status_code == 422
    assert "hasn't set up school-account sign-in for nowhere.example.org" in text(
        response
    )


def test_require_sso_refuses_password_sign_in(
    client: FlaskClient, world: World, session: Session
) -> None:
    sign_in(client, world.teacher)  # a password works while SSO is optional
    client.post("/signout")

    world.connection.require_sso = True
    session.flush()
    response = client.post(
        "/signin", data={"email": world.teacher.email, "password": PASSWORD}
    )
    assert response.status_code == 401
    page = text(response)
    assert "signs staff in with their school account" in page
    assert "/signin/sso?email=tam@riverside.example.org" in page
    assert client.get("/dashboard").status_code == 302
    # The school account still works, and the district administrator keeps a
    # password (so a broken provider can't lock the district out).
    assert (
        client.get(at_provider(start(client, world.teacher.email))).status_code == 303
    )
    client.post("/signout")
    sign_in(client, world.admin)
    # Another district is not affected.
    client.post("/signout")
    sign_in(client, world.stranger)


# --- the ID token checks, with tokens the real provider's key signed or not -----------


def _claims(provider: Provider, **changes: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": provider.issuer,
        "aud": CLIENT_ID,
        "sub": "tam@riverside.example.org",
        "email": "tam@riverside.example.org",
        "email_verified": True,
        "iat": now,
        "exp": now + 300,
        "nonce": "the-nonce",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _verify(world: World, token: str) -> dict[str, object]:
    metadata = service.provider_metadata(world.connection.issuer, refresh=True)
    return service.verify_id_token(world.connection, metadata, token, "the-nonce")


def _sign(key: RSAKey, claims: dict[str, object]) -> str:
    return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)


def test_id_tokens_are_checked(world: World, provider: Provider) -> None:
    good = _verify(world, _sign(provider.key, _claims(provider)))
    assert good["email"] == "tam@riverside.example.org"  # the control: all checks pass

    forger = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    refusals = {
        "signed by another key": _sign(forger, _claims(provider)),
        "for another client": _sign(provider.key, _claims(provider, aud="other-app")),
        "from another issuer": _sign(
            provider.key, _claims(provider, iss="https://evil.example")
        ),
        "expired": _sign(
            provider.key,
            _claims(provider, iat=int(time.time()) - 900, exp=int(time.time()) - 600),
        ),
        "replayed (another sign-in's nonce)": _sign(
            provider.key, _claims(provider, nonce="an-old-nonce")
        ),
        "without a nonce": _sign(provider.key, _claims(provider, nonce=None)),
        "without an expiry": _sign(provider.key, _claims(provider, exp=None)),
        "without an audience": _sign(provider.key, _claims(provider, aud=None)),
        "unsigned": _unsigned(_claims(provider)),
    }
    for name, token in refusals.items():
        with pytest.raises(service.SignInRefused):
            _verify(world, token)
            pytest.fail(f"an ID token {name} was accepted")


def _unsigned(claims: dict[str, object]) -> str:
    import base64

    def part(data: dict[str, object]) -> str:
        raw = json.dumps(data).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}."


# --- the district administrator's settings --------------------------------------------


def test_a_district_administrator_sets_up_sso(
    client: FlaskClient,
    session: Session,
    provider: Provider,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "PDHUB_SSO_HTTP_HOSTS", provider.host)
    admin = UserFactory(district_admin=True)
    other_admin = UserFactory(district_admin=True)
    sign_in(client, admin)
    page = client.get("/district/integrations/sso")
    assert page.status_code == 200
    assert "Off: everyone signs in with a password." in text(page)
    assert CALLBACK in text(page)

    bad = client.post(
        "/district/integrations/sso",
        data={
            "provider": "other",
            "issuer": "http://intranet.example/",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "domains": "lakeside.example.org",
        },
    )
    assert bad.status_code == 422
    assert "starts with https://" in text(bad)

    saved = client.post(
        "/district/integrations/sso",
        data={
            "provider": "other",
            "issuer": provider.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "domains": "@Lakeside.example.org, staff.lakeside.example.org",
            "require_sso": "y",
        },
    )
    assert saved.status_code == 303, text(saved)[:2000]
    connection = service.connection_of(session, admin.district_id)
    assert connection is not None
    assert connection.domain_names == [
        "lakeside.example.org",
        "staff.lakeside.example.org",
    ]
    assert connection.require_sso
    # The secret is stored encrypted, and reads back.
    assert CLIENT_SECRET not in connection.client_secret_encrypted
    assert connection.client_secret == CLIENT_SECRET
    page = text(client.get("/district/integrations/sso"))
    assert "lakeside.example.org, staff.lakeside.example.org" in page
    assert CLIENT_SECRET not in page
    change = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "sso.change", AuditEvent.actor_id == admin.id
        )
    ).one()
    assert change.detail["require_sso"] is True and change.detail["new_secret"]
    assert CLIENT_SECRET not in json.dumps(change.detail)

    # Saving again without a secret keeps it.
    again = client.post(
        "/district/integrations/sso",
        data={
            "provider": "other",
            "issuer": provider.issuer,
            "client_id": CLIENT_ID,
            "domains": "lakeside.example.org",
        },
    )
    assert again.status_code == 303
    session.refresh(connection)
    assert connection.client_secret == CLIENT_SECRET
    assert not connection.require_sso

    # Another district's administrator sees their own (empty) settings and can't
    # claim this district's domain.
    client.post("/signout")
    sign_in(client, other_admin)
    theirs = text(client.get("/district/integrations/sso"))
    assert "Off: everyone signs in with a password." in theirs
    assert "lakeside.example.org" not in theirs
    taken = client.post(
        "/district/integrations/sso",
        data={
            "provider": "other",
            "issuer": provider.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "domains": "lakeside.example.org",
        },
    )
    assert taken.status_code == 422
    assert "lakeside.example.org signs in through another district" in text(taken)

    # A teacher and a coach of the district can't open the settings.
    client.post("/signout")
    teacher = UserFactory(district=admin.district)
    sign_in(client, teacher)
    assert client.get("/district/integrations/sso").status_code == 403


def test_a_preset_fills_in_the_issuer() -> None:
    assert (
        service.issuer_for(SsoProvider.ENTRA, "contoso-tenant", "")
        == "https://login.microsoftonline.com/contoso-tenant/v2.0"
    )
    assert service.issuer_for(SsoProvider.GOOGLE, "", "") == (
        "https://accounts.google.com"
    )
    assert service.issuer_for(SsoProvider.CLEVER, "", "") == "https://clever.com"
    assert service.issuer_for(SsoProvider.CLASSLINK, "", "") == (
        "https://launchpad.classlink.com"
    )


def test_settings_are_kept_on_sqlite(sqlite_app: Flask) -> None:
    """The migration makes the tables on the embedded default too (the demo's)."""
    with sqlite_app.app_context():
        from pdhub.extensions import db

        district = District(name="Embedded district", join_code="SSOSQLITE1")
        db.session.add(district)
        db.session.flush()
        connection = service.save_connection(
            db.session,
            district,
            provider=SsoProvider.GOOGLE,
            client_id="embedded-client",
            client_secret=CLIENT_SECRET,
            domains="embedded.example.org",
            require_sso=True,
            check_provider=False,
        )
        db.session.commit()
        db.session.expire_all()
        found = service.connection_for_email(db.session, "ana@embedded.example.org")
        assert found is not None and found.id == connection.id
        assert found.issuer == "https://accounts.google.com"
        assert found.client_secret == CLIENT_SECRET
        assert found.require_sso
