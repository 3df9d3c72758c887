"""CSV downloads: the one writer every export uses (PD-hours transcript, batch
verification results), so every cell is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response, request

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


def csv_response(text: str, filename: str) -> Response:
    """A download of ``text`` (from csv_text) named ``filename``."""
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
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
