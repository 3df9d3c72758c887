"""Encryption at rest with PDHUB_DATA_KEY (Fernet: AES-128-CBC + HMAC-SHA256).

Several keys may be given, comma-separated, newest first: data is encrypted with the
first and decrypted with any (MultiFernet), so the data key can be rotated.
"""

from __future__ import annotations

import hashlib
from typing import overload

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class DecryptionError(RuntimeError):
    """The ciphertext was not made with any configured data key or was altered."""


def _fernet() -> MultiFernet:
    keys = current_app.config["PDHUB_DATA_KEY"].split(",")
    return MultiFernet([Fernet(key.strip().encode()) for key in keys])


def encrypt(data: bytes) -> bytes:
    """Encrypt ``data`` with the newest data key."""
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    """Decrypt ``token``; DecryptionError if it was altered or the key is unknown."""
    try:
        return _fernet().decrypt(token)
    except InvalidToken:
        raise DecryptionError(
            "data could not be decrypted with the configured keys"
        ) from None


def key_version() -> str:
    """A short fingerprint of the newest data key (the one ``encrypt`` uses), stored
    beside ciphertext so rows written under a retired key can be found."""
    newest = current_app.config["PDHUB_DATA_KEY"].split(",")[0].strip()
    return hashlib.sha256(newest.encode()).hexdigest()[:16]


def seal(text: str) -> str:
    """``text`` encrypted with the newest data key, as a str for a Text column."""
    return encrypt(text.encode()).decode()


def unseal(token: str) -> str:
    """The text inside ``token`` (from ``seal``); DecryptionError as ``decrypt``."""
    return decrypt(token.encode()).decode() if token else ""


class SealedText:
    """A model attribute holding free text that is stored encrypted: reading it
    decrypts the ``column`` attribute, assigning it encrypts with the newest data key
    and stamps ``version_column`` with that key's fingerprint. Used where the text
    is only ever read in Python (never filtered or searched in SQL), e.g.
    ``Submission.reflection_text`` over ``reflection_encrypted``."""

    def __init__(
        self,
        column: str,
        siblings: tuple[str, ...] = (),
        version_column: str = "text_key_version",
    ) -> None:
        self.column = column
        self.siblings = siblings
        self.version_column = version_column

    @overload
    def __get__(self, instance: None, owner: type[object]) -> SealedText: ...

    @overload
    def __get__(self, instance: object, owner: type[object]) -> str: ...

    def __get__(self, instance: object | None, owner: type[object]) -> str | SealedText:
        if instance is None:
            return self
        return unseal(getattr(instance, self.column) or "")

    def __set__(self, instance: object, value: str) -> None:
        current = key_version()
        if getattr(instance, self.version_column, None) not in (None, current):
            # The row's other sealed columns move to the newest key too, so the one
            # key version stamped on the row stays true for all of them.
            for sibling in self.siblings:
                token = getattr(instance, sibling, None)
                if token:
                    setattr(
                        instance, sibling, _fernet().rotate(token.encode()).decode()
                    )
        setattr(instance, self.column, seal(value))
        setattr(instance, self.version_column, current)


def sealed_empty() -> str:
    """Column default for a sealed text left empty: "" encrypted, so every row of
    the column is ciphertext."""
    return seal("")
