"""Encryption at rest with PDHUB_DATA_KEY (Fernet: AES-128-CBC + HMAC-SHA256).

Several keys may be given, comma-separated, newest first: data is encrypted with the
first and decrypted with any (MultiFernet), so the data key can be rotated.
"""

from __future__ import annotations

import hashlib

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
