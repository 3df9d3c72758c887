"""URL handling every feature shares: integer ids in routes, and the only way a
``next`` or return address is followed after an action (no open redirect)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from werkzeug.routing import IntegerConverter, Map, ValidationError

#: The largest id any table holds: PostgreSQL ``integer`` columns (the primary keys
#: and counters in the routes) stop at 2^31 - 1; SQLite's at 2^63 - 1.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` for every route: a number outside the columns' range is no row,
    so it answers 404 instead of reaching the database (where PostgreSQL raises
    "integer out of range" and SQLite "Python int too large")."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)):  # and int() of 5,000 digits raises
            raise ValidationError()
        return super().to_python(value)  # type: ignore[no-any-return]


def _normalized(target: str) -> str:
    # What a browser would make of it: percent-decoded (the query string was decoded
    # once already; a second layer can still hide "//"), and backslashes as slashes.
    previous = None
    while previous != target:
        previous, target = target, unquote(target)
    return target.replace("\\", "/")


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default``.

    Checked after normalization: a tab, newline or other control character (which
    browsers drop, turning "/\\t/evil" into "//evil"), a backslash ("/\\evil" is
    "//evil" to a browser), a scheme ("https:evil", "javascript:") or a host
    ("//evil") makes it off-site.
    """
    if not target:
        return default
    normalized = _normalized(target)
    if (
        not normalized.startswith("/")
        or normalized.startswith("//")
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in normalized)
    ):
        return default
    parts = urlsplit(normalized)
    if parts.scheme or parts.netloc:
        return default
    return target
