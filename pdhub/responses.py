"""Response shapes every blueprint shares (pages and the JSON API alike)."""

from __future__ import annotations

from flask import Response


def attachment(body: str | bytes, mimetype: str, filename: str) -> Response:
    """A download named ``filename`` (text is sent as UTF-8)."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
