"""The systems a teacher connected through the OB 3.0 API (the grants behind their
live tokens), and disconnecting one: every token and pending code of that system
for that teacher is revoked at once."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select

from pdhub.accounts.models import User
from pdhub.db import DbSession
from pdhub.errors import NotFound
from pdhub.obapi.models import OAuthAuthorizationCode, OAuthClient, OAuthToken


@dataclass(frozen=True)
class Connection:
    client: OAuthClient
    scopes: list[str]
    granted_at: datetime
    last_used_at: datetime | None


def _moment(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _live(user: User) -> list[object]:
    """Tokens of ``user`` that still give access: an access token neither revoked
    nor expired, or a refresh token not revoked."""
    now = int(time.time())
    return [
        OAuthToken.user_id == user.id,
        or_(
            (OAuthToken.access_token_revoked_at.is_(None))
            & (OAuthToken.issued_at + OAuthToken.expires_in >= now),
            (OAuthToken.refresh_token_hash.is_not(None))
            & (OAuthToken.refresh_token_revoked_at.is_(None)),
        ),
    ]


def connections_of(session: DbSession, user: User) -> list[Connection]:
    """The systems with access to ``user``'s account, most recently granted first."""
    rows = session.execute(
        select(OAuthToken, OAuthClient)
        .join(OAuthClient, OAuthClient.client_id == OAuthToken.client_id)
        .where(*_live(user))  # type: ignore[arg-type]
        .order_by(OAuthToken.issued_at)
    ).all()
    grouped: dict[int, tuple[OAuthClient, list[OAuthToken]]] = {}
    for token, client in rows:
        grouped.setdefault(client.id, (client, []))[1].append(token)
    found = []
    for client, tokens in grouped.values():
        scopes = sorted({scope for token in tokens for scope in token.scope.split()})
        used = [token.last_used_at for token in tokens if token.last_used_at]
        granted = _moment(min(token.issued_at for token in tokens))
        assert granted is not None
        found.append(
            Connection(client, scopes, granted, _moment(max(used)) if used else None)
        )
    return sorted(found, key=lambda item: item.granted_at, reverse=True)


def disconnect(session: DbSession, user: User, client_row_id: int) -> OAuthClient:
    """Revoke every token (access and refresh) ``user`` granted the client with row
    id ``client_row_id``, and drop its pending codes. NotFound when the client has
    no live grant of this user (another teacher's grant looks the same)."""
    client = session.get(OAuthClient, client_row_id)
    if client is None:
        raise NotFound(_("That system is not connected to your account."))
    tokens = session.scalars(
        select(OAuthToken).where(
            *_live(user),  # type: ignore[arg-type]
            OAuthToken.client_id == client.client_id,
        )
    ).all()
    if not tokens:
        raise NotFound(_("That system is not connected to your account."))
    now = int(time.time())
    for token in tokens:
        token.access_token_revoked_at = token.access_token_revoked_at or now
        token.refresh_token_revoked_at = token.refresh_token_revoked_at or now
    session.execute(
        delete(OAuthAuthorizationCode).where(
            OAuthAuthorizationCode.user_id == user.id,
            OAuthAuthorizationCode.client_id == client.client_id,
        )
    )
    session.flush()
    return client
