"""Re-encrypting everything held under PDHUB_DATA_KEY with its newest key, so an old
key can be dropped: evidence and attachment files, exports, two-factor secrets,
issuer, report signing and LTI tool keys, and outbox mail holding a one-time link.

Work goes in batches (the caller commits each); anything already under the newest
key is skipped, so a run cut short is resumed by running it again. Files are
replaced atomically, never left half written. Rows that carry a key version
(evidence texts of drafts and submitted versions, coaching messages) are found by
that version, re-encrypted column by column and stamped with the newest one."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import select

from pdhub.accounts.models import User
from pdhub.coaching.models import ConversationMessage
from pdhub.credentials.models import IssuerKey, Renewal
from pdhub.db import DbSession
from pdhub.districts.models import RosterConnection
from pdhub.lti.models import LtiToolKey
from pdhub.notifications.models import EmailMessage
from pdhub.privacy.encryption import key_version
from pdhub.sso.models import SsoConnection
from pdhub.submissions.models import Submission, SubmissionVersion
from pdhub.verification.models import ReportSigningKey

if TYPE_CHECKING:
    from pdhub.submissions.storage import S3FileStore


@dataclass
class Rotated:
    """What one batch did: re-encrypted, already under the newest key, and the
    cursor to continue from (None when the kind is done)."""

    rotated: int = 0
    skipped: int = 0
    cursor: int | str | None = None


def _keys() -> tuple[Fernet, MultiFernet]:
    keys = [
        Fernet(key.strip().encode())
        for key in str(current_app.config["PDHUB_DATA_KEY"]).split(",")
    ]
    return keys[0], MultiFernet(keys)


def _newer(token: bytes) -> bytes | None:
    """The token re-encrypted with the newest key, or None if it already is."""
    newest, every = _keys()
    try:
        newest.decrypt(token)
        return None
    except InvalidToken:
        return every.rotate(token)


#: Database columns holding Fernet tokens: (model, column name, extra condition).
COLUMNS: dict[str, tuple[Any, str, Any]] = {
    "two-factor secrets": (User, "totp_secret", User.totp_secret.is_not(None)),
    "issuer keys": (IssuerKey, "private_key_encrypted", None),
    "report signing keys": (ReportSigningKey, "secret_key", None),
    "LTI tool keys": (LtiToolKey, "private_key_encrypted", None),
    "mail holding a link": (
        EmailMessage,
        "body",
        EmailMessage.holds_secret.is_(True) & EmailMessage.sent_at.is_(None),
    ),
}


#: Tables whose rows carry a key version: (model, encrypted columns, version column).
VERSIONED: dict[str, tuple[Any, tuple[str, ...], str]] = {
    "evidence drafts": (
        Submission,
        ("context_encrypted", "reflection_encrypted"),
        "text_key_version",
    ),
    "submitted evidence": (
        SubmissionVersion,
        ("context_encrypted", "reflection_encrypted"),
        "text_key_version",
    ),
    "coaching messages": (ConversationMessage, ("body_encrypted",), "key_version"),
    "renewal reflections": (Renewal, ("reflection_encrypted",), "key_version"),
    "single sign-on client secrets": (
        SsoConnection,
        ("client_secret_encrypted",),
        "secret_key_version",
    ),
    "roster connection secrets": (
        RosterConnection,
        ("client_secret_encrypted",),
        "text_key_version",
    ),
}


def rotate_versioned(
    session: DbSession, kind: str, after_id: int, size: int
) -> Rotated:
    """Re-encrypt up to ``size`` rows of ``kind`` (a VERSIONED name) whose key
    version is not the newest key's, ids above ``after_id``; flushed, the caller
    commits. Rows already current are not even read, so a resumed run is cheap."""
    model, columns, version_column = VERSIONED[kind]
    current = key_version()
    version = getattr(model, version_column)
    rows = session.scalars(
        select(model)
        .where(model.id > after_id, version != current)
        .order_by(model.id)
        .limit(size)
        .with_for_update()
    ).all()
    result = Rotated()
    for row in rows:
        for column in columns:
            token = str(getattr(row, column)).encode()
            fresh = _newer(token)
            if fresh is not None:
                setattr(row, column, fresh.decode())
        setattr(row, version_column, current)
        result.rotated += 1
    session.flush()
    result.cursor = rows[-1].id if len(rows) == size else None
    return result


def rotate_rows(session: DbSession, kind: str, after_id: int, size: int) -> Rotated:
    """Re-encrypt up to ``size`` rows of ``kind`` (a COLUMNS name) with ids above
    ``after_id``; flushed, the caller commits."""
    model, column, condition = COLUMNS[kind]
    query = select(model).where(model.id > after_id).order_by(model.id).limit(size)
    if condition is not None:
        query = query.where(condition)
    result = Rotated()
    rows = session.scalars(query.with_for_update()).all()
    for row in rows:
        value = getattr(row, column)
        as_text = isinstance(value, str)
        token = value.encode() if as_text else bytes(value)
        fresh = _newer(token)
        if fresh is None:
            result.skipped += 1
        else:
            setattr(row, column, fresh.decode() if as_text else fresh)
            result.rotated += 1
    session.flush()
    result.cursor = rows[-1].id if len(rows) == size else None
    return result


def stored_files() -> Iterator[Path]:
    """Every file of the local store (evidence, attachments, certificates, exports),
    in a stable order so a resumed run walks them the same way."""
    root = Path(current_app.instance_path) / "uploads"
    if root.exists():
        yield from sorted(path for path in root.rglob("*") if path.is_file())


def rotate_object(store: S3FileStore) -> Callable[[str], bool]:
    """Re-encrypt one object of ``store`` (by its name) under the newest key; False
    if it already was."""
    return lambda name: store.rewrite(name, _newer)


def rotate_file(path: Path) -> bool:
    """Re-encrypt one stored file in place (atomically); False if it already was
    under the newest key."""
    fresh = _newer(path.read_bytes())
    if fresh is None:
        return False
    temporary = path.with_name(path.name + ".rotating")
    temporary.write_bytes(fresh)
    os.replace(temporary, path)
    return True
