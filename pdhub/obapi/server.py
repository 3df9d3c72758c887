"""Authlib's OAuth 2.0 server set up the way the OB 3.0 API (§6) asks: dynamic client
registration, the authorization code grant with PKCE (S256 only), refresh tokens,
RFC 7009 revocation and bearer tokens carrying the spec's scopes."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask
from sqlalchemy import select

from pdhub.accounts.models import User
from pdhub.extensions import db
from pdhub.obapi.models import (
    OAuthAuthorizationCode,
    OAuthClient,
    OAuthToken,
    digest,
)

SCOPE_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CREDENTIAL_READONLY = SCOPE_BASE + "credential.readonly"
CREDENTIAL_UPSERT = SCOPE_BASE + "credential.upsert"
PROFILE_READONLY = SCOPE_BASE + "profile.readonly"
PROFILE_UPDATE = SCOPE_BASE + "profile.update"
SCOPES = (CREDENTIAL_READONLY, CREDENTIAL_UPSERT, PROFILE_READONLY, PROFILE_UPDATE)

ACCESS_TOKEN_LIFETIME = 3600


def _query_client(client_id: str) -> OAuthClient | None:
    return db.session.scalar(
        select(OAuthClient).where(OAuthClient.client_id == str(client_id))
    )


def _save_token(token: dict[str, Any], request: Any) -> None:
    refresh = token.get("refresh_token")
    db.session.add(
        OAuthToken(
            client_id=request.client.client_id,
            user_id=request.user.id,
            access_token_hash=digest(token["access_token"]),
            refresh_token_hash=digest(refresh) if refresh else None,
            scope=token.get("scope", ""),
            issued_at=int(time.time()),
            expires_in=int(token.get("expires_in", ACCESS_TOKEN_LIFETIME)),
        )
    )
    db.session.commit()


class S256Only(CodeChallenge):
    """PKCE is required of every client, with S256 only (OB 3.0 §6.2.4.2)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: Any) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        db.session.add(
            OAuthAuthorizationCode(
                code_hash=digest(code),
                client_id=request.client.client_id,
                user_id=request.user.id,
                redirect_uri=request.payload.redirect_uri or "",
                scope=request.payload.scope or "",
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )
        )
        db.session.commit()

    def query_authorization_code(
        self, code: str, client: OAuthClient
    ) -> OAuthAuthorizationCode | None:
        found = db.session.scalar(
            select(OAuthAuthorizationCode).where(
                OAuthAuthorizationCode.code_hash == digest(code),
                OAuthAuthorizationCode.client_id == client.client_id,
            )
        )
        if found is not None and not found.is_expired():
            return found
        return None

    def delete_authorization_code(self, authorization_code: Any) -> None:
        db.session.delete(authorization_code)
        db.session.commit()

    def authenticate_user(self, authorization_code: Any) -> User | None:
        return db.session.get(User, authorization_code.user_id)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> OAuthToken | None:
        found = db.session.scalar(
            select(OAuthToken).where(
                OAuthToken.refresh_token_hash == digest(refresh_token)
            )
        )
        if found is None or found.refresh_token_revoked_at is not None:
            return None
        return found

    def authenticate_user(self, refresh_token: Any) -> User | None:
        return db.session.get(User, refresh_token.user_id)

    def revoke_old_credential(self, refresh_token: Any) -> None:
        now = int(time.time())
        refresh_token.access_token_revoked_at = now
        refresh_token.refresh_token_revoked_at = now
        db.session.commit()


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic"]

    def query_token(
        self, token_string: str, token_type_hint: str | None
    ) -> OAuthToken | None:
        hashed = digest(token_string)
        return db.session.scalar(
            select(OAuthToken).where(
                (OAuthToken.access_token_hash == hashed)
                | (OAuthToken.refresh_token_hash == hashed)
            )
        )

    def revoke_token(self, token: OAuthToken, request: Any) -> None:
        now = int(time.time())
        token.access_token_revoked_at = now
        token.refresh_token_revoked_at = now
        db.session.commit()


def _safe_redirect_uri(uri: str) -> bool:
    """https anywhere; plain http only back to the same machine (a native app's
    loopback redirect, RFC 8252 §7.3), judged by the parsed host, not a prefix:
    ``http://localhost.example.net`` is another machine."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    if not host or parts.username or parts.password or parts.fragment:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and host in {"127.0.0.1", "::1", "localhost"}


class Registration(ClientRegistrationEndpoint):
    """Open registration (OB 3.0 §6.2.2): any system may register; a teacher decides
    on the consent page what it may see."""

    def authenticate_token(self, request: Any) -> bool:
        return True

    def get_server_metadata(self) -> dict[str, Any]:
        return {
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def extract_client_metadata(self, request: Any) -> dict[str, Any]:
        metadata: dict[str, Any] = super().extract_client_metadata(request)
        missing = [
            name
            for name in ("client_name", "client_uri", "redirect_uris", "scope")
            if not metadata.get(name)
        ]
        if missing:
            raise InvalidRequestError("Missing " + ", ".join(missing))
        for uri in metadata["redirect_uris"]:
            if not _safe_redirect_uri(str(uri)):
                raise InvalidRequestError(
                    "redirect_uris must use https (http only to this machine)"
                )
        return metadata

    def save_client(
        self, client_info: dict[str, Any], client_metadata: dict[str, Any], request: Any
    ) -> OAuthClient:
        client = OAuthClient(
            client_id=client_info["client_id"],
            client_secret_hash=digest(client_info["client_secret"]),
            client_id_issued_at=client_info["client_id_issued_at"],
            client_name=str(client_metadata["client_name"])[:200],
            client_uri=str(client_metadata["client_uri"])[:500],
            logo_uri=client_metadata.get("logo_uri"),
            tos_uri=client_metadata.get("tos_uri"),
            policy_uri=client_metadata.get("policy_uri"),
            software_id=client_metadata.get("software_id"),
            software_version=client_metadata.get("software_version"),
            redirect_uris_json=json.dumps(list(client_metadata["redirect_uris"])),
            scope=str(client_metadata["scope"]),
        )
        db.session.add(client)
        db.session.commit()
        return client


class TokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> OAuthToken | None:
        return db.session.scalar(
            select(OAuthToken).where(
                OAuthToken.access_token_hash == digest(token_string)
            )
        )

    def validate_token(self, token: Any, scopes: Any, request: Any) -> None:
        """Authlib's checks, then note when the grant was last used (at most one
        write a minute per token)."""
        super().validate_token(token, scopes, request)
        now = int(time.time())
        if token.last_used_at is None or now - token.last_used_at >= 60:
            token.last_used_at = now
            db.session.commit()


authorization = AuthorizationServer()
require_oauth = ResourceProtector()


def init_app(app: Flask) -> None:
    """Set up the authorization server and the bearer token check on ``app``."""
    app.config.setdefault(
        "OAUTH2_TOKEN_EXPIRES_IN",
        {
            "authorization_code": ACCESS_TOKEN_LIFETIME,
            "refresh_token": ACCESS_TOKEN_LIFETIME,
        },
    )
    # Refresh tokens are issued with every access token (a random 48 characters).
    app.config.setdefault("OAUTH2_REFRESH_TOKEN_GENERATOR", True)
    authorization.init_app(app, query_client=_query_client, save_token=_save_token)
    authorization.scopes_supported = list(SCOPES)
    if not getattr(authorization, "_pdhub_grants", False):
        authorization.register_grant(AuthorizationCodeGrant, [S256Only(required=True)])
        authorization.register_grant(RefreshTokenGrant)
        authorization.register_endpoint(Revocation)
        authorization.register_endpoint(Registration)
        require_oauth.register_token_validator(TokenValidator())
        authorization._pdhub_grants = True  # several apps in one process (tests)
