"""Evidence file bytes for screening and the review screen, read through the
submissions feature's file store (each file encrypted at rest with PDHUB_DATA_KEY)."""

from __future__ import annotations

from flask import Flask

from pdhub.privacy import encryption
from pdhub.submissions.models import Artifact
from pdhub.submissions.storage import file_store


class ArtifactUnreadable(RuntimeError):
    """The stored file is missing, altered, or was encrypted with an unknown key."""


def read_artifact(app: Flask, artifact: Artifact) -> bytes:
    """The decrypted bytes of ``artifact``; ArtifactUnreadable if they can't be had."""
    with app.app_context():
        try:
            return file_store().read(artifact.storage_key)
        except (OSError, ValueError, encryption.DecryptionError) as error:
            raise ArtifactUnreadable(str(error)) from None


def write_artifact(app: Flask, data: bytes) -> str:
    """Store ``data`` encrypted and return its storage key (demo data and tests)."""
    with app.app_context():
        return file_store().save(data)
