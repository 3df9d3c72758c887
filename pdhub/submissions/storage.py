"""Evidence files, in one place: which types a teacher may upload (the same list
decides uploads, screening and what the review screen shows inline), how a type is
recognised from the bytes, how files are stored (a small FileStore interface and a
local store that keeps every file encrypted with PDHUB_DATA_KEY under
<instance>/uploads/), read back, and sent to a browser."""

from __future__ import annotations

import io
import re
import secrets
import warnings
import zipfile
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import filetype
from flask import Response, current_app
from PIL import Image

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


#: An image may declare this many pixels: phone photos have 12 to 50 million; a
#: decompression bomb declares billions in a few kilobytes and takes gigabytes to
#: open (by a thumbnailer, a reviewer's viewer, a screening job).
MAX_IMAGE_PIXELS = 100_000_000
#: A Word or PowerPoint file may unpack to this much in all (nested parts too)...
MAX_OFFICE_UNPACKED = 256 * 1024 * 1024
#: ...and, once over MAX_OFFICE_RATIO_FROM unpacked, grow at most this many times
#: (real documents compress 2 to 20 times; a ZIP bomb, a thousand).
MAX_OFFICE_RATIO = 100
MAX_OFFICE_RATIO_FROM = 16 * 1024 * 1024
#: Parts, and archives inside archives (a DOCX may embed a spreadsheet, itself a
#: ZIP; nothing real nests deeper).
MAX_OFFICE_PARTS = 5000
MAX_OFFICE_DEPTH = 2
#: What browsers look at to decide a file is a web page (the WHATWG sniffing
#: algorithm reads the first 512 bytes; we read twice that), case-insensitive.
SNIFF_WINDOW = 1024
_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed)[\s>/]",
    re.IGNORECASE,
)


class _Bomb(ValueError):
    """A ZIP that unpacks to far more than it is."""


def _zip_unpacked(content: bytes, depth: int = 1) -> int:
    """How many bytes the archive (and archives inside it) declares unpacked;
    _Bomb past the limits. Only the directory is read, and nested archives only
    when they are small enough to read."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = archive.infolist()
        if len(members) > MAX_OFFICE_PARTS:
            raise _Bomb("too many parts")
        total = 0
        for member in members:
            total += member.file_size
            if total > MAX_OFFICE_UNPACKED:
                raise _Bomb("too large unpacked")
            if member.is_dir():
                continue
            with archive.open(member) as part:
                head = part.read(4)
            if head == b"PK\x03\x04":
                if depth >= MAX_OFFICE_DEPTH:
                    raise _Bomb("archives nested too deep")
                with archive.open(member) as part:
                    total += _zip_unpacked(
                        part.read(MAX_OFFICE_RATIO_FROM + 1), depth + 1
                    )
    if total > MAX_OFFICE_RATIO_FROM and total > MAX_OFFICE_RATIO * len(content):
        raise _Bomb("compressed too much")
    return total


def _hides_archive(content: bytes) -> bool:
    """Whether a file that is not a ZIP also reads as one (a GIFAR, a PDF with a
    JAR appended): two files in one, each opened by a different program."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return bool(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False


def _image_too_large(content: bytes) -> bool:
    """Whether an image declares more than MAX_IMAGE_PIXELS (read from its header;
    no pixel is decoded)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        return True
    except (OSError, ValueError, SyntaxError):
        return False  # not an image Pillow reads: the type check decides
    return width * height > MAX_IMAGE_PIXELS


def refusal(content: bytes, filename: str) -> str | None:
    """Why a file of an allowed type is refused anyway, in words for the
    person uploading it, or None. It catches what a type check alone lets through:
    web page code a browser could run (a PDF that is also an HTML page), a file
    that is also an archive (GIFAR), an image or a Word/PowerPoint file that
    unpacks to gigabytes (decompression and ZIP bombs)."""
    from pdhub.submissions.service import safe_filename

    if _allowed_type(content) is None:
        return None  # refused for its type, with the message that says so
    name = safe_filename(filename)
    if _MARKUP.search(content[:SNIFF_WINDOW]):
        return _(
            "%(name)s has web page code (HTML or script) inside it, so we can't "
            "accept it. Save or export it again as an ordinary PDF or image, then "
            "upload that.",
            name=name,
        )
    if content.startswith(b"PK\x03\x04"):
        try:
            _zip_unpacked(content)
        except _Bomb:
            return _(
                '%(name)s would unpack to far more than its size (a "ZIP bomb"), '
                "so we can't accept it. Save it again from Word or PowerPoint, then "
                "upload that.",
                name=name,
            )
        except (RuntimeError, NotImplementedError):
            # A part locked with a password or packed in a way zipfile can't read.
            return _(
                "%(name)s is locked with a password or packed in a way we can't "
                "read. Save it again from Word or PowerPoint without a password, "
                "then upload that.",
                name=name,
            )
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            return None  # not a readable archive: the type check refuses it
        return None
    if _hides_archive(content):
        return _(
            "%(name)s is two files in one (an archive is hidden inside it), so we "
            "can't accept it. Save or export it again, then upload that.",
            name=name,
        )
    if content.startswith((b"\x89PNG", b"GIF8", b"\xff\xd8", b"RIFF")) and (
        _image_too_large(content)
    ):
        return _(
            "%(name)s is an image of more than %(limit)d million pixels, too large "
            "to open safely. Make it smaller (a screenshot or a phone photo is "
            "fine), then upload that.",
            name=name,
            limit=MAX_IMAGE_PIXELS // 1_000_000,
        )
    return None


def sniff_media_type(content: bytes) -> str | None:
    """The allowed media type the bytes really are, or None.

    DOCX and PPTX are ZIP archives: they are recognised by the part every such file
    has (word/document.xml, ppt/presentation.xml), not by the archive alone. A file
    that ``refusal`` refuses is of no allowed type.
    """
    if refusal(content, "file") is not None:
        return None
    return _allowed_type(content)


def _allowed_type(content: bytes) -> str | None:
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
    return read_stored(artifact.storage_key)


class StoredFile(Protocol):
    """What a file response needs of a stored file (an evidence Artifact, a
    community post's Attachment)."""

    @property
    def filename(self) -> str: ...

    @property
    def media_type(self) -> str: ...


def read_stored(key: str) -> bytes:
    """The decrypted bytes stored under ``key``; ArtifactUnreadable if they can't be
    had."""
    try:
        return file_store().read(key)
    except (OSError, ValueError, encryption.DecryptionError) as error:
        raise ArtifactUnreadable(str(error)) from None


def file_response(artifact: StoredFile, content: bytes, *, inline: bool) -> Response:
    """The one way an uploaded file (evidence, or a community post's attachment)
    reaches a browser: as a download, or shown in place when asked and its type is
    safe to show; never able to run script here."""
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
