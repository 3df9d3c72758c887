"""Evidence file storage: a small FileStore interface and a local store that keeps every
file encrypted with PDHUB_DATA_KEY under <instance>/uploads/."""

from __future__ import annotations

import io
import secrets
import zipfile
from pathlib import Path
from typing import Protocol

import filetype
from flask import current_app

from pdhub.privacy import encryption

#: Media types a teacher may upload, decided from the bytes, never from the name.
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ALLOWED_TYPES[DOCX] = "Word document (DOCX)"
ALLOWED_TYPES[PPTX] = "PowerPoint presentation (PPTX)"
ZIP_MEMBERS = {"word/document.xml": DOCX, "ppt/presentation.xml": PPTX}


def sniff_media_type(content: bytes) -> str | None:
    """The allowed media type the bytes really are, or None.

    DOCX and PPTX are ZIP archives: they are recognised by the part every such file
    has (word/document.xml, ppt/presentation.xml), not by the archive alone.
    """
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        for member, media_type in ZIP_MEMBERS.items():
            if member in names:
                return media_type
        return None
    kind = filetype.guess(content)
    if kind is not None and kind.mime in ALLOWED_TYPES:
        return str(kind.mime)
    return None


class FileStore(Protocol):
    """Where evidence bytes live; keys are random ids chosen by the store."""

    def save(self, content: bytes) -> str: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class LocalFileStore:
    """Files on the local disk, each encrypted (Fernet) before it is written."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("invalid storage key")
        return self.root / key[:2] / key

    def save(self, content: bytes) -> str:
        key = secrets.token_hex(24)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encryption.encrypt(content))
        return key

    def read(self, key: str) -> bytes:
        return encryption.decrypt(self._path(key).read_bytes())

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def file_store() -> FileStore:
    """The configured store: local, under the instance folder."""
    return LocalFileStore(Path(current_app.instance_path) / "uploads")
