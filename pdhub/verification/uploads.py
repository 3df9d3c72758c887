"""Reading what a district hands in for batch verification: a CSV of credential URLs,
a ZIP of credential files, or the API's JSON list, each bounded in size and count."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from pdhub.errors import InvalidInput
from pdhub.verification.messages import _

#: A credential file uploaded on /verify or to the API may be this large (baked
#: images included).
MAX_CREDENTIAL_UPLOAD = 16 * 1024 * 1024 + 64 * 1024

#: A credential file inside a ZIP may be this large (baked images included).
MAX_MEMBER_BYTES = 4 * 1024 * 1024
#: The credential files of a ZIP together, uncompressed.
MAX_ZIP_TOTAL_BYTES = 200 * 1024 * 1024
#: How many times larger than the ZIP its credential files may be, uncompressed
#: (real credentials compress 2-5 times; a ZIP bomb, a thousand times). Small
#: ZIPs are let through whatever their ratio: they cannot grow large.
MAX_COMPRESSION_RATIO = 20
RATIO_CHECKED_ABOVE = 8 * 1024 * 1024
#: One file may be compressed this much, once it is over a megabyte.
MAX_MEMBER_RATIO = 100
_READ_CHUNK = 64 * 1024

#: A credential address in a batch: http(s), a host (no user part, no IPv6
#: brackets), then no whitespace or control character. The OpenAPI document
#: publishes the same pattern.
URL_PATTERN = re.compile(
    r"https?://[^\x00-\x20\x7f/?#\[\]@]+(?:[/?#][^\x00-\x20\x7f]*)?"
)
CREDENTIAL_SUFFIXES = (".json", ".jwt", ".png", ".svg", ".txt")


@dataclass(frozen=True)
class BatchInput:
    """One credential to verify: a URL to fetch, or the credential's bytes."""

    source: str
    payload: bytes | None = None
    #: A file of a ZIP that is not a credential: listed as skipped, never read.
    skipped: bool = False
    #: The email address the district expects it to be issued to (CSV column).
    email: str | None = None

    @property
    def url(self) -> str | None:
        return self.source if self.payload is None and not self.skipped else None


def is_zip(filename: str, data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith(".zip")


def read_upload(filename: str, data: bytes, limit: int) -> list[BatchInput]:
    """Read a CSV of URLs or a ZIP of credentials; InvalidInput (field ``file``)."""
    if is_zip(filename, data):
        return read_zip(data, limit)
    return read_csv(data, limit)


def read_csv(data: bytes, limit: int) -> list[BatchInput]:
    """One credential URL per row (first column, or a column named url), and
    optionally the teacher's email address (a column named email, or the column
    after the URL when there is no header)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            _("The CSV file must be saved as UTF-8 text."), field="file"
        ) from None
    items: list[BatchInput] = []
    column = 0
    email_column: int | None = None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise InvalidInput(
            _("The CSV file could not be read: %(error)s.", error=error), field="file"
        ) from None
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and not _is_url(cells[0]):
            lowered = [cell.lower() for cell in cells]
            if "url" in lowered:
                column = lowered.index("url")
                email_column = _email_column(lowered)
                continue
            if not any(_is_url(cell) for cell in cells):
                continue  # a header row of another name
        value = cells[column] if column < len(cells) else ""
        if not _is_url(value):
            raise InvalidInput(
                _(
                    "Row %(number)s does not hold a credential web address "
                    "(it should start with https://).",
                    number=number,
                ),
                field="file",
            )
        items.append(
            BatchInput(
                value[:2048], email=_row_email(cells, number, column, email_column)
            )
        )
        _check_count(len(items), limit)
    return _non_empty(items)


def _email_column(header: list[str]) -> int | None:
    for name in ("email", "e-mail", "email address", "teacher email"):
        if name in header:
            return header.index(name)
    return None


def _row_email(
    cells: list[str], number: int, column: int, email_column: int | None
) -> str | None:
    """The row's expected email: the email column, or (no header) the next cell
    when it holds an address. InvalidInput when it is not an email address."""
    if email_column is None:
        following = cells[column + 1] if column + 1 < len(cells) else ""
        if "@" not in following:
            return None
        email_column = column + 1
    value = cells[email_column] if email_column < len(cells) else ""
    if not value:
        return None
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or len(value) > 254 or " " in value:
        raise InvalidInput(
            _(
                "Row %(number)s: %(value)r is not an email address.",
                number=number,
                value=value[:100],
            ),
            field="file",
        )
    return value


def _is_url(value: str) -> bool:
    """An http(s) address with a host, as URL_PATTERN says (the OpenAPI document
    uses the same pattern): no spaces or control characters (PostgreSQL text
    cannot hold NUL), and one urlsplit can take apart ("https://[" cannot)."""
    if not URL_PATTERN.fullmatch(value):
        return False
    try:
        return bool(urlsplit(value).hostname)
    except ValueError:
        return False


def read_zip(data: bytes, limit: int) -> list[BatchInput]:
    """Every file in a ZIP: .json, .jwt, .png, .svg and .txt files are read as
    credentials; any other file is listed as skipped.

    A ZIP bomb is refused before anything is read, from the sizes the ZIP declares
    (member count, each member's and the total uncompressed size, the compression
    ratio); the read itself streams and stops at the same limits whatever the
    headers claim. Raises InvalidInput (field ``file``).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InvalidInput(
            _("The ZIP file could not be opened."), field="file"
        ) from None
    files = [member for member in members if not _is_junk(member)]
    _check_count(len(files), limit)
    wanted = [member for member in files if _is_credential_name(member.filename)]
    _check_declared_sizes(wanted, len(data))
    items: list[BatchInput] = []
    total = 0
    for member in files:
        name = member.filename[:2048]
        if member not in wanted:
            items.append(BatchInput(name, skipped=True))
            continue
        content = _read_member(archive, member)
        total += len(content)
        _check_total(total, len(data))
        items.append(BatchInput(name, content))
    return _non_empty(items)


def _is_junk(member: zipfile.ZipInfo) -> bool:
    """Folders and the files macOS adds (not the district's files)."""
    name = member.filename
    return (
        member.is_dir() or "__MACOSX" in name or name.rsplit("/", 1)[-1].startswith(".")
    )


def _is_credential_name(name: str) -> bool:
    return name.lower().endswith(CREDENTIAL_SUFFIXES)


def _bomb(detail: str) -> InvalidInput:
    return InvalidInput(
        _(
            "This ZIP file was refused: %(detail)s Nothing was saved. Zip the "
            "credential files themselves (each under 4 MB) and upload again.",
            detail=detail,
        ),
        field="file",
    )


def _check_declared_sizes(members: list[zipfile.ZipInfo], zip_size: int) -> None:
    total = 0
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            raise _bomb(
                _(
                    "%(name)s would be larger than %(size)s MB uncompressed.",
                    name=member.filename[:200],
                    size=MAX_MEMBER_BYTES // (1024 * 1024),
                )
            )
        if member.file_size > 1024 * 1024 and member.file_size > MAX_MEMBER_RATIO * max(
            member.compress_size, 1
        ):
            raise _bomb(
                _(
                    "%(name)s is compressed more than %(ratio)s times, which "
                    "credentials never are.",
                    name=member.filename[:200],
                    ratio=MAX_MEMBER_RATIO,
                )
            )
        total += member.file_size
    _check_total(total, zip_size)


def _check_total(total: int, zip_size: int) -> None:
    if total > MAX_ZIP_TOTAL_BYTES:
        raise _bomb(
            _(
                "its credential files would take more than %(size)s MB uncompressed.",
                size=MAX_ZIP_TOTAL_BYTES // (1024 * 1024),
            )
        )
    if total > RATIO_CHECKED_ABOVE and total > MAX_COMPRESSION_RATIO * zip_size:
        raise _bomb(
            _(
                "it would grow more than %(ratio)s times its size when unpacked, "
                "which credentials never do.",
                ratio=MAX_COMPRESSION_RATIO,
            )
        )


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The member's bytes, read in small pieces and never past the member limit."""
    name = member.filename[:200]
    parts: list[bytes] = []
    size = 0
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(_READ_CHUNK):
                size += len(chunk)
                if size > MAX_MEMBER_BYTES:
                    raise _bomb(
                        _(
                            "%(name)s is larger than %(size)s MB uncompressed.",
                            name=name,
                            size=MAX_MEMBER_BYTES // (1024 * 1024),
                        )
                    )
                parts.append(chunk)
    except (
        zipfile.BadZipFile,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        EOFError,
    ):
        raise InvalidInput(
            _("%(name)s in the ZIP file could not be read.", name=name), field="file"
        ) from None
    return b"".join(parts)


def read_api_items(body: Any, limit: int) -> list[BatchInput]:
    """The API's JSON: {"urls": [...]} and/or {"credentials": [object or JWT, ...]}."""
    if not isinstance(body, dict):
        raise InvalidInput(
            _("The body must be a JSON object with urls or credentials.")
        )
    unknown = set(body) - {"urls", "credentials"}
    if unknown:
        raise InvalidInput(
            _("Unknown fields: %(fields)s.", fields=", ".join(sorted(unknown))[:200])
        )
    items: list[BatchInput] = []
    urls = body.get("urls", [])
    credentials = body.get("credentials", [])
    if not isinstance(urls, list) or not isinstance(credentials, list):
        raise InvalidInput(_("urls and credentials must be arrays."))
    _check_count(len(urls) + len(credentials), limit)
    for number, url in enumerate(urls):
        if not isinstance(url, str) or not _is_url(url) or len(url) > 2048:
            raise InvalidInput(
                _("urls[%(number)s] is not a web address.", number=number),
                field=f"urls[{number}]",
            )
        items.append(BatchInput(url))
    for number, credential in enumerate(credentials):
        if isinstance(credential, dict):
            # Serialized once, fast (the body was parsed once, by orjson, too).
            payload = orjson.dumps(credential)
        elif isinstance(credential, str):
            payload = credential.encode()
        else:
            raise InvalidInput(
                _(
                    "credentials[%(number)s] must be a credential object or a VC-JWT.",
                    number=number,
                ),
                field=f"credentials[{number}]",
            )
        if len(payload) > MAX_MEMBER_BYTES:
            raise InvalidInput(
                _("credentials[%(number)s] is too large.", number=number)
            )
        items.append(BatchInput(f"credentials[{number}]", payload))
    return _non_empty(items)


def _check_count(count: int, limit: int) -> None:
    if count > limit:
        raise InvalidInput(
            _(
                "A batch can hold up to %(limit)s credentials; split the file into "
                "parts.",
                limit=format(limit, ","),
            ),
            field="file",
        )


def _non_empty(items: list[BatchInput]) -> list[BatchInput]:
    if all(item.skipped for item in items):
        raise InvalidInput(
            _(
                "No credentials were found: upload a CSV with one credential address "
                "per row, or a ZIP of .json, .jwt, .png or .svg credential files."
            ),
            field="file",
        )
    return items
