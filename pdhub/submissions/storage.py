"""Evidence files, in one place: which types a teacher may upload (the same list
decides uploads, screening and what the review screen shows inline), how a type is
recognised from the bytes, how files are stored (a small FileStore interface and a
local store that keeps every file encrypted with PDHUB_DATA_KEY under
<instance>/uploads/), read back, and sent to a browser."""

from __future__ import annotations

import io
import secrets
import zipfile
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import filetype
from flask import Response, current_app

from pdhub.learning.texts import _l
from pdhub.learning.texts import gettext as _
from pdhub.privacy import encryption
from pdhub.submissions.models import Artifact

#: Media types a teacher may upload, decided from the bytes, never from the name.
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/png": _l("PNG image"),
    "image/jpeg": _l("JPEG image"),
    "image/gif": _l("GIF image"),
    "image/webp": _l("WebP image"),
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ALLOWED_TYPES[DOCX] = _l("Word document (DOCX)")
ALLOWED_TYPES[PPTX] = _l("PowerPoint presentation (PPTX)")
ZIP_MEMBERS = {"word/document.xml": DOCX, "ppt/presentation.xml": PPTX}
#: Of those, the ones a browser may show inline: no script can run in them.
INLINE_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}
)
#: What to tell a teacher whose file is of another type.
TYPES_IN_WORDS = _l(
    "a PDF, an image (PNG, JPEG, GIF or WebP), or a Word or PowerPoint file; "
    "share a video or anything else as a link"
)


def accepted_labels() -> list[str]:
    """The allowed types as people call them, for hints next to the upload field."""
    return sorted({_(label) for label in ALLOWED_TYPES.values()})


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


class ArtifactUnreadable(RuntimeError):
    """The stored file is missing, altered, or was encrypted with an unknown key."""


def read_artifact(artifact: Artifact) -> bytes:
    """The decrypted bytes of ``artifact`` (in an app context); ArtifactUnreadable if
    they can't be had."""
    try:
        return file_store().read(artifact.storage_key)
    except (OSError, ValueError, encryption.DecryptionError) as error:
        raise ArtifactUnreadable(str(error)) from None


class NamedFile(Protocol):
    """What a download needs of a stored file: an evidence Artifact, a certificate."""

    @property
    def filename(self) -> str: ...

    @property
    def media_type(self) -> str: ...


def file_response(artifact: NamedFile, content: bytes, *, inline: bool) -> Response:
    """The one way an evidence file reaches a browser: as a download, or shown in
    place when asked and its type is safe to show; never able to run script here."""
    inline = inline and artifact.media_type in INLINE_TYPES
    response = Response(
        content, mimetype=artifact.media_type if inline else "application/octet-stream"
    )
    ascii_name = artifact.filename.encode("ascii", "replace").decode()
    ascii_name = ascii_name.replace("?", "_").replace('"', "_").replace("\\", "_")
    response.headers["Content-Disposition"] = (
        f'{"inline" if inline else "attachment"}; filename="{ascii_name}"; '
        f"filename*=UTF-8''{quote(artifact.filename, safe='')}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    return response
