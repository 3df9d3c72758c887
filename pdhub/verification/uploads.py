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

#: A credential file inside a ZIP may be this large (baked images included).
MAX_MEMBER_BYTES = 4 * 1024 * 1024

#: A credential address in a batch: http(s), a host (no user part, no IPv6
#: brackets), then no whitespace or control character. The OpenAPI document
#: publishes the same pattern.
URL_PATTERN = re.compile(
    r"https?://[^\x00-\x20\x7f/?#\[\]@]+(?:[/?#][^\x00-\x20\x7f]*)?"
)
#: All files of a ZIP together, uncompressed (a zip bomb stops here).
MAX_ZIP_TOTAL_BYTES = 512 * 1024 * 1024
CREDENTIAL_SUFFIXES = (".json", ".jwt", ".png", ".svg", ".txt")


@dataclass(frozen=True)
class BatchInput:
    """One credential to verify: a URL to fetch, or the credential's bytes."""

    source: str
    payload: bytes | None = None
    #: The email address the district expects it to be issued to (CSV column).
    email: str | None = None

    @property
    def url(self) -> str | None:
        return self.source if self.payload is None else None


def read_upload(filename: str, data: bytes, limit: int) -> list[BatchInput]:
    """Read a CSV of URLs or a ZIP of credentials; InvalidInput (field ``file``)."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".zip"):
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
            "The CSV file must be saved as UTF-8 text.", field="file"
        ) from None
    items: list[BatchInput] = []
    column = 0
    email_column: int | None = None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise InvalidInput(
            f"The CSV file could not be read: {error}.", field="file"
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
                f"Row {number} does not hold a credential web address "
                "(it should start with https://).",
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
            f"Row {number}: {value[:100]!r} is not an email address.", field="file"
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
    """Every .json, .jwt, .png or .svg file in a ZIP (others are skipped)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InvalidInput("The ZIP file could not be opened.", field="file") from None
    items: list[BatchInput] = []
    total = 0
    for member in members:
        name = member.filename
        if (
            member.is_dir()
            or "__MACOSX" in name
            or name.rsplit("/", 1)[-1].startswith(".")
        ):
            continue
        if not name.lower().endswith(CREDENTIAL_SUFFIXES):
            continue
        _check_count(len(items) + 1, limit)
        try:
            with archive.open(member) as handle:
                # Read at most the limit, whatever the header claims.
                content = handle.read(MAX_MEMBER_BYTES + 1)
        except (
            zipfile.BadZipFile,
            OSError,
            ValueError,
            NotImplementedError,
            RuntimeError,
        ):
            raise InvalidInput(
                f"{name[:200]} in the ZIP file could not be read.", field="file"
            ) from None
        if len(content) > MAX_MEMBER_BYTES:
            raise InvalidInput(
                f"{name[:200]} is larger than {MAX_MEMBER_BYTES // (1024 * 1024)} MB.",
                field="file",
            )
        total += len(content)
        if total > MAX_ZIP_TOTAL_BYTES:
            raise InvalidInput("The ZIP file holds too much data.", field="file")
        items.append(BatchInput(name[:2048], content))
    return _non_empty(items)


def read_api_items(body: Any, limit: int) -> list[BatchInput]:
    """The API's JSON: {"urls": [...]} and/or {"credentials": [object or JWT, ...]}."""
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object with urls or credentials.")
    unknown = set(body) - {"urls", "credentials"}
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))[:200]}.")
    items: list[BatchInput] = []
    urls = body.get("urls", [])
    credentials = body.get("credentials", [])
    if not isinstance(urls, list) or not isinstance(credentials, list):
        raise InvalidInput("urls and credentials must be arrays.")
    _check_count(len(urls) + len(credentials), limit)
    for number, url in enumerate(urls):
        if not isinstance(url, str) or not _is_url(url) or len(url) > 2048:
            raise InvalidInput(
                f"urls[{number}] is not a web address.", field=f"urls[{number}]"
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
                f"credentials[{number}] must be a credential object or a VC-JWT.",
                field=f"credentials[{number}]",
            )
        if len(payload) > MAX_MEMBER_BYTES:
            raise InvalidInput(f"credentials[{number}] is too large.")
        items.append(BatchInput(f"credentials[{number}]", payload))
    return _non_empty(items)


def _check_count(count: int, limit: int) -> None:
    if count > limit:
        raise InvalidInput(
            f"A batch can hold up to {limit:,} credentials; split the file into parts.",
            field="file",
        )


def _non_empty(items: list[BatchInput]) -> list[BatchInput]:
    if not items:
        raise InvalidInput(
            "No credentials were found: upload a CSV with one credential address per "
            "row, or a ZIP of .json, .jwt, .png or .svg credential files.",
            field="file",
        )
    return items
