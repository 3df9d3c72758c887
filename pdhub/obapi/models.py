"""OAuth 2.0 clients, authorization codes and tokens of the OB 3.0 API.

Secrets are stored only as SHA-256 digests: a leaked table gives no usable client
secret, code or token. The methods are the ones Authlib's server calls.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.accounts.models import User
from pdhub.db import Base, utcnow


def digest(secret: str) -> str:
    """The stored form of a client secret, code or token."""
    return hashlib.sha256(secret.encode()).hexdigest()


class OAuthClient(Base):
    """A system registered through RFC 7591 dynamic client registration."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_hash: Mapped[str] = mapped_column(String(64))
    client_id_issued_at: Mapped[int]
    client_name: Mapped[str] = mapped_column(String(200))
    client_uri: Mapped[str] = mapped_column(String(500))
    logo_uri: Mapped[str | None] = mapped_column(String(500))
    tos_uri: Mapped[str | None] = mapped_column(String(500))
    policy_uri: Mapped[str | None] = mapped_column(String(500))
    software_id: Mapped[str | None] = mapped_column(String(200))
    software_version: Mapped[str | None] = mapped_column(String(100))
    # JSON list of exact redirect URIs.
    redirect_uris_json: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def redirect_uris(self) -> list[str]:
        found: list[str] = json.loads(self.redirect_uris_json)
        return found

    # --- Authlib ClientMixin --------------------------------------------------

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.scope.split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret_hash, digest(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # OB 3.0 §6.2: confidential clients authenticate with HTTP Basic.
        return method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


class OAuthAuthorizationCode(Base):
    """A single-use authorization code, bound to its PKCE challenge (S256)."""

    __tablename__ = "oauth_authorization_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    auth_time: Mapped[int] = mapped_column(default=lambda: int(time.time()))

    user: Mapped[User] = relationship()

    #: Codes live ten minutes at most (RFC 6749 §4.1.2).
    LIFETIME = 600

    def is_expired(self) -> bool:
        return self.auth_time + self.LIFETIME < time.time()

    # --- Authlib AuthorizationCodeMixin ----------------------------------------

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> None:
        return None

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class OAuthToken(Base):
    """An access token (and its refresh token) a teacher granted a client."""

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[int]
    expires_in: Mapped[int]
    access_token_revoked_at: Mapped[int | None]
    refresh_token_revoked_at: Mapped[int | None]
    # When a resource last answered this access token (Unix time; kept to the
    # minute), for the teacher's Connected systems page.
    last_used_at: Mapped[int | None]

    user: Mapped[User] = relationship()

    # --- Authlib TokenMixin ------------------------------------------------------

    def check_client(self, client: OAuthClient) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return self.issued_at + self.expires_in < time.time()

    def is_revoked(self) -> bool:
        return self.access_token_revoked_at is not None

    def get_user(self) -> User:
        return self.user

    def get_client(self) -> None:
        return None
