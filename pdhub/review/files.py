"""Evidence file bytes for screening and the review screen.

A minimal reader over the layout the submissions feature uses: each Artifact's bytes
are encrypted with PDHUB_DATA_KEY in ``<instance>/uploads/<storage_key>``. When the
submissions feature's ``storage.py`` lands, ``read_artifact`` delegates to it.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from pdhub.privacy import encryption
from pdhub.submissions.models import Artifact


class ArtifactUnreadable(RuntimeError):
    """The stored file is missing, altered, or was encrypted with an unknown key."""


def _path(app: Flask, storage_key: str) -> Path:
    if not storage_key or "/" in storage_key or storage_key.startswith("."):
        raise ArtifactUnreadable(f"bad storage key {storage_key!r}")
    return Path(app.config["PDHUB_INSTANCE_PATH"]) / "uploads" / storage_key


def read_artifact(app: Flask, artifact: Artifact) -> bytes:
    """The decrypted bytes of ``artifact``; ArtifactUnreadable if they can't be had."""
    try:
        token = _path(app, artifact.storage_key).read_bytes()
    except OSError as error:
        raise ArtifactUnreadable(str(error)) from None
    with app.app_context():
        try:
            return encryption.decrypt(token)
        except encryption.DecryptionError as error:
            raise ArtifactUnreadable(str(error)) from None


def write_artifact(app: Flask, storage_key: str, data: bytes) -> None:
    """Store ``data`` encrypted under ``storage_key`` (demo data and tests)."""
    path = _path(app, storage_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        path.write_bytes(encryption.encrypt(data))
