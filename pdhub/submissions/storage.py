"""Evidence files, in one place: which types a teacher may upload (the same list
decides uploads, screening and what the review screen shows inline), how a type is
recognised from the bytes, how files are stored (a small FileStore interface and a
local store that keeps every file encrypted with PDHUB_DATA_KEY under
<instance>/uploads/, or an S3-compatible object store when PDHUB_STORAGE_URL names
one, the bytes encrypted the same way before they leave), read back, and sent to a
browser."""

from __future__ import annotations

import io
import logging
import re
import secrets
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import filetype
from flask import Flask, Response, current_app
from PIL import Image
from sqlalchemy import event
from sqlalchemy.orm import Session

from pdhub.errors import DomainError
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


class StorageUnavailable(DomainError):
    """The file store can't be reached (down, refusing us, too slow): nothing was
    saved or read, and the person is told to try again later."""

    status = 503
    title = _l("Files can't be reached right now")

    def __init__(self, detail: str) -> None:
        super().__init__(
            _(
                "We can't reach the place where files are kept right now, so "
                "nothing was saved or opened. Please try again in a few minutes; "
                "what you saved before is safe."
            )
        )
        self.detail = detail


class S3FileStore:
    """Files in an S3-compatible object store (Amazon S3, SeaweedFS, MinIO, ...),
    each encrypted (Fernet, PDHUB_DATA_KEY) before upload: the store only ever
    holds ciphertext. Keys are random ids under an optional prefix."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def _object(self, key: str) -> str:
        if not key.isalnum():
            raise ValueError("invalid storage key")
        return f"{self.prefix}{key[:2]}/{key}"

    def save(self, content: bytes) -> str:
        key = secrets.token_hex(24)
        body = encryption.encrypt(content)
        with _unavailable_on_failure("save"):
            self.client.put_object(Bucket=self.bucket, Key=self._object(key), Body=body)
        return key

    def read(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            with _unavailable_on_failure("read", missing_ok=True):
                answer = self.client.get_object(
                    Bucket=self.bucket, Key=self._object(key)
                )
                body = answer["Body"].read()
        except ClientError as error:  # only "no such object" gets here
            raise FileNotFoundError(key) from error
        return encryption.decrypt(body)

    def object_names(self) -> Iterator[str]:
        """Every object under the prefix, in the store's (stable, sorted) order."""
        with _unavailable_on_failure("list"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    yield str(item["Key"])

    def rewrite(self, name: str, change: Callable[[bytes], bytes | None]) -> bool:
        """Replace the object ``name`` by ``change(its bytes)`` unless that is
        None (a key rotation); whether it was replaced."""
        with _unavailable_on_failure("rewrite"):
            body = self.client.get_object(Bucket=self.bucket, Key=name)["Body"].read()
            fresh = change(body)
            if fresh is None:
                return False
            self.client.put_object(Bucket=self.bucket, Key=name, Body=fresh)
        return True

    def delete(self, key: str) -> None:
        # S3 answers a delete of a missing object with success: one already gone
        # counts as removed, as on the local disk.
        with _unavailable_on_failure("delete"):
            self.client.delete_object(Bucket=self.bucket, Key=self._object(key))


@contextmanager
def _unavailable_on_failure(doing: str, *, missing_ok: bool = False) -> Iterator[None]:
    """Turn the client's network and server errors into StorageUnavailable; with
    ``missing_ok`` a "no such object" answer goes through as the ClientError."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if missing_ok and code in {"NoSuchKey", "404", "NotFound"}:
            raise
        log.warning("file store %s failed: %s", doing, error)
        raise StorageUnavailable(f"{doing}: {error}") from error
    except BotoCoreError as error:
        log.warning("file store %s failed: %s", doing, error)
        raise StorageUnavailable(f"{doing}: {error}") from error


log = logging.getLogger(__name__)


def _s3_client(app: Flask) -> S3FileStore:
    """One client per app (boto3 clients are thread-safe), built from the
    PDHUB_STORAGE_* settings."""
    cached = app.extensions.get("pdhub.s3_store")
    if isinstance(cached, S3FileStore):
        return cached
    import boto3
    from botocore.config import Config

    config = app.config
    where = urlsplit(config["PDHUB_STORAGE_URL"])
    prefix = where.path.strip("/")
    timeout = float(config["PDHUB_STORAGE_TIMEOUT"])
    client = boto3.client(
        "s3",
        endpoint_url=config["PDHUB_STORAGE_ENDPOINT"] or None,
        region_name=config["PDHUB_STORAGE_REGION"] or None,
        aws_access_key_id=config["PDHUB_STORAGE_ACCESS_KEY"] or None,
        aws_secret_access_key=config["PDHUB_STORAGE_SECRET_KEY"] or None,
        config=Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": config["PDHUB_STORAGE_ADDRESSING"]},
        ),
    )
    store = S3FileStore(client, where.netloc, f"{prefix}/" if prefix else "")
    app.extensions["pdhub.s3_store"] = store
    return store


class _Tracked:
    """The configured store, remembering in the database session what it saved
    until the session commits: a rollback (a refusal, a failed write) removes those
    files again, so no file is left without its row."""

    def __init__(self, store: FileStore, session: Session) -> None:
        self.store = store
        self.session = session

    def save(self, content: bytes) -> str:
        if not self.session.in_transaction():
            self.session.begin()  # so that a rollback, even of nothing else, is seen
        key = self.store.save(content)
        self.session.info.setdefault(_SAVED, []).append((self.store, key))
        return key

    def read(self, key: str) -> bytes:
        return self.store.read(key)

    def delete(self, key: str) -> None:
        self.store.delete(key)


_SAVED = "pdhub.saved_files"


@event.listens_for(Session, "after_commit")
def _keep_saved(session: Session) -> None:
    session.info.pop(_SAVED, None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_unsaved(session: Session, previous: Any) -> None:
    if session.in_transaction():
        return  # a savepoint rolled back: the outer transaction decides
    for store, key in session.info.pop(_SAVED, []):
        try:
            store.delete(key)
        except (OSError, ValueError, StorageUnavailable):
            log.warning("could not remove file %s of a rolled-back change", key)


def object_store() -> S3FileStore | None:
    """The configured object store, or None when files are on the local disk."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return _s3_client(app) if app.config.get("PDHUB_STORAGE_URL") else None


def file_store() -> FileStore:
    """The configured store (in an app context): an S3-compatible object store
    when PDHUB_STORAGE_URL is set, else the local disk under the instance folder."""
    from pdhub.extensions import db

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store: FileStore
    if app.config.get("PDHUB_STORAGE_URL"):
        store = _s3_client(app)
    else:
        store = LocalFileStore(Path(app.instance_path) / "uploads")
    return _Tracked(store, db.session())


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
