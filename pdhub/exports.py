"""CSV downloads: the one writer every export uses (PD-hours transcript, batch
verification results, the district's tables), so every cell is safe to open in a
spreadsheet. Large exports stream: ``csv_stream`` writes the rows as an iterator
yields them, in chunks, so memory does not grow with the number of rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from flask import Response, request, stream_with_context

#: A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV
#: injection), also in their full-width forms, which some spreadsheets fold.
_FORMULA_STARTS = ("=", "+", "-", "@", "|", "\t", "\r", "\n", "＝", "＋", "－", "＠")

Cell = str | int | float | None


def csv_cell(value: Cell) -> str:
    """The text of one cell; text a spreadsheet would run is made plain text.

    Spreadsheets trim leading spaces (and other whitespace) before deciding that a
    cell is a formula, so " =cmd" is checked as "=cmd". The neutralized cell starts
    with an apostrophe, which the spreadsheet shows as text and does not run.
    Numbers are written as they are.
    """
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.startswith(_FORMULA_STARTS) or text.lstrip().startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The whole file (CRLF lines, as RFC 4180 says), every cell through csv_cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


#: Rows written into one chunk of a streamed export.
STREAM_CHUNK_ROWS = 500


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> Iterator[bytes]:
    """The file of csv_text, in UTF-8 chunks of STREAM_CHUNK_ROWS rows, read from
    ``rows`` as they come (nothing is kept between chunks)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    waiting = 1
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        waiting += 1
        if waiting >= STREAM_CHUNK_ROWS:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
            waiting = 0
    if waiting:
        yield out.getvalue().encode("utf-8")


def csv_stream(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], filename: str
) -> Response:
    """A download named ``filename`` written while ``rows`` is read: a generator
    (over a server-side cursor) keeps the request's memory flat however many rows
    there are. The export is recorded (and committed by the after-request hook)
    before the first row is read; the rows are read inside the request's context."""
    _record_export(filename)
    response = Response(
        stream_with_context(csv_chunks(header, rows)), mimetype="text/csv"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _record_export(filename: str) -> None:
    from flask_login import current_user

    from pdhub.audit import service as audit
    from pdhub.audit.models import AuditAction
    from pdhub.extensions import db

    # Every CSV leaves through here: the one place to record a data export.
    audit.record(
        db.session,
        AuditAction.DATA_EXPORT,
        actor=current_user if current_user.is_authenticated else None,
        object_type="csv",
        detail={"file": filename, "path": request.path},
    )


def csv_response(text: str, filename: str) -> Response:
    """A download of ``text`` (from csv_text) named ``filename``."""
    _record_export(filename)
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
