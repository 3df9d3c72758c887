"""Strict credential date-times: RFC 3339 / XSD dateTimeStamp, time zone required."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime

# XSD dateTimeStamp restricted to what RFC 3339 also allows: a four-digit year,
# upper-case T and Z, seconds present, optional fraction, a mandatory offset.
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?"
    r"(Z|[+-](\d{2}):(\d{2}))"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date_time(value: object) -> datetime:
    """Parse a credential date-time strictly and return it as an aware UTC datetime.

    Applies VC 2.0 §4.6 (validFrom/validUntil are xsd:dateTimeStamp, so a time
    zone is required) and the OB 3.0 DateTimeZ type. Raises ValueError for
    anything else, including impossible dates and leap seconds.
    """
    if not isinstance(value, str):
        raise ValueError("a date-time must be a string")
    return _parse_date_time(value)


# A verification reads the same few dates several times (schema formats,
# validity, proof, status list) and batches repeat them; datetimes are immutable.
@functools.lru_cache(maxsize=4096)
def _parse_date_time(value: str) -> datetime:
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        raise ValueError(
            f"{value!r} is not an RFC 3339 date-time with a time zone "
            "(e.g. 2026-11-25T12:00:00Z)"
        )
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = match.group(7) or ""
    microsecond = int((fraction[1:] + "000000")[:6]) if fraction else 0
    zone = match.group(8)
    if zone != "Z":
        offset_hours, offset_minutes = int(match.group(9)), int(match.group(10))
        if offset_hours > 23 or offset_minutes > 59:
            raise ValueError(f"{value!r} has an impossible time-zone offset")
    try:
        parsed = datetime.fromisoformat(
            f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:"
            f"{second:02d}.{microsecond:06d}{'+00:00' if zone == 'Z' else zone}"
        )
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid date-time: {exc}") from exc
    return parsed.astimezone(UTC)


def is_date_time(value: object) -> bool:
    """Tell whether ``value`` is a strict date-time (JSON Schema format checker)."""
    try:
        parse_date_time(value)
    except ValueError:
        return False
    return True


def is_date(value: object) -> bool:
    """Tell whether ``value`` is an RFC 3339 full-date (JSON Schema ``date``)."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def format_date_time(moment: datetime) -> str:
    """Format an aware datetime as UTC with a ``Z`` (``2026-11-25T12:00:00Z``).

    Fractions of a second are kept only when present. Raises ValueError for a
    naive datetime, whose time zone would otherwise be guessed.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("credential dates need a time zone")
    utc = moment.astimezone(UTC)
    if utc.microsecond:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
