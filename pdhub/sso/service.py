"""Single sign-on with a district's OpenID Connect provider: its settings, and the
authorization code flow (PKCE S256, state, nonce) through Authlib.

The ID token's signature is checked against the provider's published keys (JWKS)
and its issuer, audience, expiry, issue time, subject and nonce are required and
checked. A person is matched by a verified email address of one of the district's
own domains, within that district only: no other district's provider can sign them
in. Nothing here commits; views save through ``forms.saving`` or commit themselves.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2 import OAuth2Error
from authlib.oidc.core import CodeIDToken
from cachetools import TTLCache
from flask import current_app
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlalchemy import select

from pdhub.accounts import service as accounts
from pdhub.accounts.models import Role, User
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District
from pdhub.errors import DomainError, InvalidInput
from pdhub.sso.models import SsoConnection, SsoDomain, SsoProvider

#: The issuer each preset fills in ({tenant}: the Microsoft Entra tenant id).
PRESET_ISSUERS: dict[SsoProvider, str] = {
    SsoProvider.GOOGLE: "https://accounts.google.com",
    SsoProvider.ENTRA: "https://login.microsoftonline.com/{tenant}/v2.0",
    SsoProvider.CLEVER: "https://clever.com",
    SsoProvider.CLASSLINK: "https://launchpad.classlink.com",
}

#: How long a started sign-in may take at the provider.
PENDING_SECONDS = 600
SCOPE = "openid email profile"

_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_TENANT = re.compile(r"^[A-Za-z0-9.-]{1,100}$")

# Provider metadata and keys, for a few minutes (per process): every sign-in would
# otherwise fetch both.
_metadata_cache: TTLCache[str, dict[str, Any]] = TTLCache(maxsize=64, ttl=300)
_jwks_cache: TTLCache[str, dict[str, Any]] = TTLCache(maxsize=64, ttl=300)


class SignInRefused(DomainError):
    """The provider's answer did not sign anyone in; ``reason`` is kept in the
    audit trail (never a token or an address)."""

    status = 403

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ProviderUnavailable(SignInRefused):
    status = 502


def provider_label(provider: SsoProvider | str) -> str:
    return str(
        {
            "google": _("Google Workspace"),
            "entra": _("Microsoft Entra ID"),
            "clever": _("Clever"),
            "classlink": _("ClassLink"),
            "other": _("Other OpenID provider"),
        }[str(provider)]
    )


# --- settings -------------------------------------------------------------------------


def connection_of(session: DbSession, district_id: int | None) -> SsoConnection | None:
    if district_id is None:
        return None
    return session.scalar(
        select(SsoConnection).where(SsoConnection.district_id == district_id)
    )


def domain_of(email: str) -> str:
    return email.rpartition("@")[2]


def connection_for_email(session: DbSession, email: str) -> SsoConnection | None:
    """The connection whose district owns the address's domain, if any."""
    return session.scalar(
        select(SsoConnection)
        .join(SsoDomain)
        .where(SsoDomain.domain == domain_of(email))
    )


def parse_domains(text: str) -> list[str]:
    """The email domains typed (commas or spaces between, "@" allowed), lowercased;
    InvalidInput (field ``domains``) for anything that is not a domain."""
    names: list[str] = []
    for word in re.split(r"[\s,;]+", text.strip()):
        name = word.strip().lstrip("@").rstrip(".").lower()
        if not name:
            continue
        try:
            ascii_name = name.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_name = ""
        if not _DOMAIN.match(ascii_name):
            raise InvalidInput(
                _(
                    "“%(domain)s” is not an email domain. Enter domains like "
                    "riverside.k12.ca.us, separated by commas.",
                    domain=word[:80],
                ),
                field="domains",
            )
        if ascii_name not in names:
            names.append(ascii_name)
    if not names:
        raise InvalidInput(
            _("Enter at least one email domain of your district's staff."),
            field="domains",
        )
    return names


def _http_allowed(host: str) -> bool:
    allowed = str(current_app.config.get("PDHUB_SSO_HTTP_HOSTS") or "")
    return host in {item.strip() for item in allowed.split(",") if item.strip()}


def check_issuer(url: str) -> str:
    """The issuer URL, if it is an https URL (or http to a host allowed for
    development); InvalidInput (field ``issuer``) otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and _http_allowed(parts.netloc)
    )
    if (
        not secure
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username
        or len(url) > 300
    ):
        raise InvalidInput(
            _(
                "Enter the provider's issuer URL: it starts with https:// (for "
                "example https://accounts.google.com)."
            ),
            field="issuer",
        )
    return url


def issuer_for(provider: SsoProvider, tenant: str, issuer: str) -> str:
    """The issuer a preset stands for, or the one typed (for other providers)."""
    if provider is SsoProvider.ENTRA:
        if not _TENANT.match(tenant):
            raise InvalidInput(
                _(
                    "Enter your Microsoft Entra tenant ID (a directory ID like "
                    "0a1b2c3d-…, from the Entra admin center)."
                ),
                field="tenant",
            )
        return PRESET_ISSUERS[provider].format(tenant=tenant)
    if provider in PRESET_ISSUERS:
        return PRESET_ISSUERS[provider]
    if not issuer.strip():
        raise InvalidInput(_("Enter the provider's issuer URL."), field="issuer")
    return check_issuer(issuer)


def save_connection(
    session: DbSession,
    district: District,
    *,
    provider: SsoProvider,
    tenant: str = "",
    issuer: str = "",
    client_id: str,
    client_secret: str = "",
    domains: str,
    require_sso: bool,
    check_provider: bool = True,
) -> SsoConnection:
    """Create or change ``district``'s connection. An empty ``client_secret`` keeps
    the saved one. With ``check_provider`` the issuer's discovery document is read,
    so a wrong URL is caught here rather than at someone's sign-in."""
    connection = connection_of(session, district.id)
    tenant = tenant.strip() if provider is SsoProvider.ENTRA else ""
    issuer_url = check_issuer(issuer_for(provider, tenant, issuer))
    client_id = client_id.strip()
    if not client_id or len(client_id) > 255:
        raise InvalidInput(
            _("Enter the client ID your provider gave PD Hub."), field="client_id"
        )
    if not client_secret and connection is None:
        raise InvalidInput(
            _("Enter the client secret your provider gave PD Hub."),
            field="client_secret",
        )
    names = parse_domains(domains)
    taken = session.scalars(
        select(SsoDomain.domain)
        .join(SsoConnection)
        .where(SsoDomain.domain.in_(names), SsoConnection.district_id != district.id)
    ).all()
    if taken:
        raise InvalidInput(
            _(
                "%(domain)s signs in through another district. Contact PD Hub "
                "support if it is yours.",
                domain=taken[0],
            ),
            field="domains",
        )
    if check_provider:
        try:
            provider_metadata(issuer_url, refresh=True)
        except ProviderUnavailable:
            raise InvalidInput(
                _(
                    "We couldn't read the OpenID configuration at %(url)s. Check the "
                    "issuer URL (and the tenant ID).",
                    url=issuer_url + "/.well-known/openid-configuration",
                ),
                field="tenant" if provider is SsoProvider.ENTRA else "issuer",
            ) from None
    if connection is None:
        connection = SsoConnection(district_id=district.id)
        session.add(connection)
    connection.provider = provider
    connection.tenant = tenant or None
    connection.issuer = issuer_url
    connection.client_id = client_id
    if client_secret:
        connection.client_secret = client_secret
    connection.require_sso = require_sso
    kept = {item.domain: item for item in connection.domains}
    connection.domains = [kept.get(name) or SsoDomain(domain=name) for name in names]
    session.flush()
    return connection


def remove_connection(session: DbSession, district: District) -> None:
    connection = connection_of(session, district.id)
    if connection is not None:
        session.delete(connection)
        session.flush()


def password_refused(session: DbSession, user: User) -> SsoConnection | None:
    """The connection that requires ``user`` to sign in through it, if any. District
    administrators keep their password (a misconfigured provider must not lock the
    district out); platform administrators belong to no district."""
    if user.role in (Role.ADMIN, Role.DISTRICT_ADMIN):
        return None
    connection = connection_of(session, user.district_id)
    return connection if connection is not None and connection.require_sso else None


# --- the provider ---------------------------------------------------------------------


def _get_json(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if not (
        parts.scheme == "https"
        or (parts.scheme == "http" and _http_allowed(parts.netloc))
    ):
        raise ProviderUnavailable(
            _("Your school's sign-in service isn't answering. Try again soon."),
            "insecure_url",
        )
    try:
        response = requests.get(
            url,
            timeout=float(current_app.config["PDHUB_SSO_TIMEOUT"]),
            allow_redirects=False,
            headers={"Accept": "application/json"},
        )
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError):
        raise ProviderUnavailable(
            _("Your school's sign-in service isn't answering. Try again soon."),
            "provider_unavailable",
        ) from None
    if not isinstance(data, dict):
        raise ProviderUnavailable(
            _("Your school's sign-in service isn't answering. Try again soon."),
            "provider_unavailable",
        )
    return data


def provider_metadata(issuer: str, *, refresh: bool = False) -> dict[str, Any]:
    """The issuer's discovery document (OpenID Connect Discovery 1.0), whose own
    ``issuer`` must be exactly the one configured."""
    if not refresh and issuer in _metadata_cache:
        return _metadata_cache[issuer]
    data = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    needed = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    if data.get("issuer") != issuer or not all(
        isinstance(data.get(name), str) for name in needed
    ):
        raise ProviderUnavailable(
            _("Your school's sign-in service isn't answering. Try again soon."),
            "bad_discovery",
        )
    _metadata_cache[issuer] = data
    return data


def _key_set(metadata: dict[str, Any], *, refresh: bool = False) -> KeySet:
    uri = str(metadata["jwks_uri"])
    if refresh or uri not in _jwks_cache:
        _jwks_cache[uri] = _get_json(uri)
    try:
        return KeySet.import_key_set(_jwks_cache[uri])  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError):
        raise ProviderUnavailable(
            _("Your school's sign-in service isn't answering. Try again soon."),
            "bad_jwks",
        ) from None


def _client(connection: SsoConnection, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=connection.client_id,
        client_secret=connection.client_secret,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
    )


@dataclass
class Pending:
    """A sign-in sent to the provider, kept in the browser's (signed) session
    until its one callback."""

    connection_id: int
    state: str
    nonce: str
    verifier: str
    started: float
    next: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Pending | None:
        try:
            return cls(**data)
        except TypeError:
            return None


def begin(
    connection: SsoConnection,
    redirect_uri: str,
    *,
    login_hint: str = "",
    next: str = "",
) -> tuple[str, Pending]:
    """The provider's authorization URL to send the browser to, and what to keep
    until the callback."""
    metadata = provider_metadata(connection.issuer)
    pending = Pending(
        connection_id=connection.id,
        state=generate_token(32),
        nonce=generate_token(32),
        verifier=generate_token(64),
        started=time.time(),
        next=next,
    )
    extra = {"login_hint": login_hint} if login_hint else {}
    with _client(connection, redirect_uri) as client:
        url, _state = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.verifier,
            **extra,
        )
    return str(url), pending


def _refused(reason: str) -> SignInRefused:
    return SignInRefused(
        _(
            "Your school account didn't sign you in to PD Hub. Try again, or sign in "
            "with your password."
        ),
        reason,
    )


def verify_id_token(
    connection: SsoConnection, metadata: dict[str, Any], id_token: str, nonce: str
) -> dict[str, Any]:
    """The ID token's claims once its signature (the provider's JWKS), issuer,
    audience, expiry, issue time, subject and nonce are checked."""
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [name for name in algorithms if name != "none"]
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        try:
            token = jwt.decode(id_token, _key_set(metadata), registry=registry)
        except JoseError as error:
            if error.error != "invalid_key_id":
                raise
            # The provider may have rotated its keys since we read them.
            token = jwt.decode(
                id_token, _key_set(metadata, refresh=True), registry=registry
            )
        claims = CodeIDToken(
            token.claims,
            token.header,
            {
                "iss": {"essential": True, "value": connection.issuer},
                "aud": {"essential": True, "value": connection.client_id},
                "exp": {"essential": True},
                "iat": {"essential": True},
                "sub": {"essential": True},
                "nonce": {"essential": True, "value": nonce},
            },
            {"nonce": nonce, "client_id": connection.client_id},
        )
        claims.validate(leeway=60)
    except (JoseError, ValueError) as error:
        raise _refused("id_token:" + getattr(error, "error", "invalid")) from None
    return dict(claims)


def finish(
    session: DbSession,
    pending: Pending | None,
    args: dict[str, str],
    redirect_uri: str,
) -> tuple[User, SsoConnection]:
    """The person the provider's callback signs in: the state must be the one this
    browser was sent with (and is used once: the caller has already dropped it),
    the code is exchanged with the PKCE verifier, the ID token verified, and the
    verified email must be one of the connection's domains and an active account of
    its district. SignInRefused says why not."""
    if pending is None or not args.get("state"):
        raise SignInRefused(
            _(
                "That sign-in link was already used or has run out. Start again "
                "with “Sign in with your school account”."
            ),
            "no_pending_signin",
        )
    if not _same(args["state"], pending.state):
        raise SignInRefused(
            _(
                "That sign-in link was already used or has run out. Start again "
                "with “Sign in with your school account”."
            ),
            "state_mismatch",
        )
    if time.time() - pending.started > PENDING_SECONDS:
        raise SignInRefused(
            _(
                "That sign-in took too long. Start again with “Sign in with your "
                "school account”."
            ),
            "expired",
        )
    connection = session.get(SsoConnection, pending.connection_id)
    if connection is None:
        raise _refused("connection_removed")
    if args.get("error"):
        raise SignInRefused(
            _(
                "Your school's sign-in service didn't sign you in (it said: "
                "%(error)s). Try again, or ask your district's help desk.",
                error=str(args["error"])[:60],
            ),
            "provider_error",
        )
    metadata = provider_metadata(connection.issuer)
    # RFC 9207: a provider that names itself in the callback must be ours.
    if "iss" in args and args["iss"] != connection.issuer:
        raise _refused("issuer_mismatch")
    if not args.get("code"):
        raise _refused("no_code")
    try:
        with _client(connection, redirect_uri) as client:
            token = client.fetch_token(
                metadata["token_endpoint"],
                code=args["code"],
                code_verifier=pending.verifier,
                timeout=float(current_app.config["PDHUB_SSO_TIMEOUT"]),
            )
    except OAuth2Error as error:
        raise _refused("token:" + str(error.error)[:40]) from None
    except (requests.RequestException, ValueError):
        raise ProviderUnavailable(
            _("Your school's sign-in service isn't answering. Try again soon."),
            "provider_unavailable",
        ) from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise _refused("no_id_token")
    claims = verify_id_token(connection, metadata, id_token, pending.nonce)
    user = match_person(session, connection, claims)
    return user, connection


def _same(left: str, right: str) -> bool:
    import hmac

    return hmac.compare_digest(left.encode(), right.encode())


def match_person(
    session: DbSession, connection: SsoConnection, claims: dict[str, Any]
) -> User:
    """The active account of ``connection``'s district with the token's verified
    email, whose domain is one of the connection's."""
    if claims.get("email_verified") is not True or not isinstance(
        claims.get("email"), str
    ):
        raise SignInRefused(
            _(
                "Your school account's email address isn't verified, so PD Hub "
                "can't tell who you are. Ask your district's help desk."
            ),
            "email_not_verified",
        )
    try:
        email = accounts.normalize_email(claims["email"])
    except InvalidInput:
        raise _refused("bad_email") from None
    owner = connection_for_email(session, email)
    if owner is None or owner.id != connection.id:
        raise SignInRefused(
            _(
                "%(email)s doesn't belong to this district's sign-in. Sign in with "
                "your own district's school account.",
                email=email,
            ),
            "other_domain",
        )
    user = accounts.find_user_by_email(session, email)
    if (
        user is None
        or not user.active
        or user.erased_at is not None
        or user.district_id != connection.district_id
    ):
        raise SignInRefused(
            _(
                "There's no PD Hub account for %(email)s in your district yet. Ask "
                "your district administrator to invite you.",
                email=email,
            ),
            "unknown_person",
        )
    if user.email_verified_at is None:
        # The district's provider vouches for the address.
        user.email_verified_at = utcnow()
    return user
